//! A local SMTP relay for the tests: it speaks enough of RFC 5321 (EHLO,
//! AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for a real client, and
//! keeps each mail it accepts with its envelope.

use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc, Mutex,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

/// A mail as the relay received it.
#[derive(Debug, Clone, Default)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message: headers, a blank line, the body.
    pub data: String,
    /// The `AUTH PLAIN` credentials, decoded (`\0user\0password`).
    pub auth: Option<String>,
}

impl Received {
    /// A header's value (the first one), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }
}

pub struct SmtpSink {
    pub port: u16,
    mails: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<AtomicBool>,
    _task: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let refuse = Arc::new(AtomicBool::new(false));
        let (kept, refusing) = (mails.clone(), refuse.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (kept, refusing) = (kept.clone(), refusing.clone());
                tokio::spawn(async move {
                    let _ = session(stream, kept, refusing).await;
                });
            }
        });
        Self {
            port,
            mails,
            refuse,
            _task: task,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://mailer:relay-pw@127.0.0.1:{}", self.port)
    }

    pub fn mails(&self) -> Vec<Received> {
        self.mails.lock().unwrap().clone()
    }

    /// Whether to answer 554 at the end of DATA.
    pub fn refuse(&self, refuse: bool) {
        self.refuse.store(refuse, Ordering::SeqCst);
    }
}

async fn session(
    stream: tokio::net::TcpStream,
    kept: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<AtomicBool>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP\r\n").await?;
    let mut mail = Received::default();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink.test\r\n250-8BITMIME\r\n250 AUTH PLAIN\r\n",
            "HELO" | "NOOP" => b"250 OK\r\n",
            "AUTH" => {
                let encoded = command.split(' ').nth(2).unwrap_or_default();
                use base64::Engine as _;
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .unwrap_or_default();
                mail.auth = Some(String::from_utf8_lossy(&decoded).into_owned());
                b"235 2.7.0 Authentication successful\r\n"
            }
            "MAIL" => {
                mail.from = command[10..]
                    .trim_matches(|c| c == '<' || c == '>')
                    .to_owned();
                b"250 OK\r\n"
            }
            "RCPT" => {
                mail.to.push(
                    command[8..]
                        .trim_matches(|c| c == '<' || c == '>')
                        .to_owned(),
                );
                b"250 OK\r\n"
            }
            "DATA" => {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                mail.data = data;
                if refuse.load(Ordering::SeqCst) {
                    b"554 5.7.1 Refused\r\n"
                } else {
                    kept.lock().unwrap().push(std::mem::take(&mut mail));
                    b"250 OK: queued\r\n"
                }
            }
            "RSET" => {
                mail = Received {
                    auth: mail.auth.take(),
                    ..Received::default()
                };
                b"250 OK\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 5.5.2 Command not recognized\r\n",
        };
        write.write_all(reply).await?;
    }
}
