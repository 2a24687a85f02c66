//! A minimal HTTP/1.1 keep-alive client speaking Digest (RFC 7616, qop=auth),
//! written for load: one connection per task, no allocation it can avoid
//! besides formatting the request.

use std::time::Instant;

use md5::Md5;
use sha2::{Digest, Sha256};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::{Schedule, Tally};

#[derive(Debug, Clone)]
pub struct Target {
    /// `host:port`.
    pub addr: String,
    pub path: String,
    pub username: String,
    pub password: String,
    /// Sent as `From: sip:user@domain` (servers that need none ignore it).
    pub domain: String,
    /// `MD5` or `SHA-256`: the challenge to answer.
    pub algorithm: String,
    /// Take a new challenge before every request instead of reusing the nonce.
    pub fresh_challenge: bool,
    /// Send no credentials at all (a server that asks for none: the ceiling).
    pub anonymous: bool,
    /// Authenticate with `x-api-key` instead of Digest.
    pub api_key: Option<String>,
}

pub(crate) struct Response {
    pub(crate) status: u16,
    challenges: Vec<String>,
}

/// One keep-alive HTTP/1.1 connection; the last answer stays in `buffer`.
pub(crate) struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
    body_start: usize,
}

impl Connection {
    pub(crate) async fn open(addr: &str) -> std::io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            buffer: Vec::with_capacity(4096),
            body_start: 0,
        })
    }

    /// The connection of a client task; a failure is its tally's error.
    pub(crate) async fn open_for(addr: &str, tally: &mut Tally) -> Option<Self> {
        match Self::open(addr).await {
            Ok(connection) => Some(connection),
            Err(error) => {
                tally.error(|| format!("connect {addr}: {error}"));
                None
            }
        }
    }

    /// A bare `GET path` (no credentials, no `From`), as a server-to-server
    /// client such as Flexisip sends it.
    pub(crate) async fn get_path(&mut self, host: &str, path: &str) -> anyhow::Result<Response> {
        let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n");
        self.stream.write_all(request.as_bytes()).await?;
        self.read_response().await
    }

    /// The body of the last answer.
    pub(crate) fn body(&self) -> &[u8] {
        &self.buffer[self.body_start..]
    }

    async fn get(
        &mut self,
        target: &Target,
        authorization: Option<&str>,
    ) -> anyhow::Result<Response> {
        let mut request = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nFrom: sip:{}@{}\r\nAccept: application/json\r\n",
            target.path, target.addr, target.username, target.domain
        );
        if let Some(authorization) = authorization {
            request.push_str("Authorization: ");
            request.push_str(authorization);
            request.push_str("\r\n");
        }
        if let Some(key) = &target.api_key {
            request.push_str("x-api-key: ");
            request.push_str(key);
            request.push_str("\r\n");
        }
        request.push_str("\r\n");
        self.stream.write_all(request.as_bytes()).await?;
        self.read_response().await
    }

    async fn read_response(&mut self) -> anyhow::Result<Response> {
        self.buffer.clear();
        let header_end = loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                break end + 4;
            }
            let mut chunk = [0u8; 4096];
            let read = self.stream.read(&mut chunk).await?;
            anyhow::ensure!(read > 0, "connection closed");
            self.buffer.extend_from_slice(&chunk[..read]);
        };
        let head = std::str::from_utf8(&self.buffer[..header_end])?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status: u16 = status_line.split(' ').nth(1).unwrap_or_default().parse()?;
        let mut content_length = 0usize;
        let mut challenges = Vec::new();
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.trim().parse()?;
            } else if name.eq_ignore_ascii_case("www-authenticate") {
                challenges.push(value.trim().to_owned());
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                anyhow::bail!("chunked responses are not supported by this load tool");
            }
        }
        while self.buffer.len() - header_end < content_length {
            let mut chunk = [0u8; 4096];
            let read = self.stream.read(&mut chunk).await?;
            anyhow::ensure!(read > 0, "connection closed in the body");
            self.buffer.extend_from_slice(&chunk[..read]);
        }
        self.body_start = header_end;
        Ok(Response { status, challenges })
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The parameters of the challenge for `algorithm` (an absent algorithm is MD5).
fn pick(challenges: &[String], algorithm: &str) -> Option<Challenge> {
    challenges
        .iter()
        .filter_map(|c| Challenge::parse(c))
        .find(|c| {
            let offered = if c.algorithm.is_empty() {
                "MD5"
            } else {
                &c.algorithm
            };
            offered.eq_ignore_ascii_case(algorithm)
        })
}

#[derive(Debug, Clone, Default)]
struct Challenge {
    realm: String,
    nonce: String,
    opaque: String,
    algorithm: String,
}

impl Challenge {
    /// Enough of RFC 7616 for the servers measured: comma-separated
    /// `name=value` or `name="value"` pairs without escapes.
    fn parse(header: &str) -> Option<Self> {
        let params = header.strip_prefix("Digest ")?;
        let mut challenge = Self::default();
        for pair in params.split(',') {
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"').to_owned();
            match name.trim() {
                "realm" => challenge.realm = value,
                "nonce" => challenge.nonce = value,
                "opaque" => challenge.opaque = value,
                "algorithm" => challenge.algorithm = value,
                _ => {}
            }
        }
        Some(challenge)
    }

    fn authorization(&self, target: &Target, nc: u32) -> String {
        let hash = |text: &str| match target.algorithm.as_str() {
            "SHA-256" => hex::encode(Sha256::digest(text.as_bytes())),
            _ => hex::encode(Md5::digest(text.as_bytes())),
        };
        let nc = format!("{nc:08x}");
        let cnonce = "f1e2d3c4";
        let ha1 = hash(&format!(
            "{}:{}:{}",
            target.username, self.realm, target.password
        ));
        let ha2 = hash(&format!("GET:{}", target.path));
        let response = hash(&format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", self.nonce));
        let opaque = if self.opaque.is_empty() {
            String::new()
        } else {
            format!(", opaque=\"{}\"", self.opaque)
        };
        format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{}\", algorithm={}, qop=auth, nc={nc}, \
             cnonce=\"{cnonce}\", response=\"{response}\"{opaque}",
            target.username, self.realm, self.nonce, target.path, target.algorithm
        )
    }
}

/// One closed-loop client for the run's `schedule`. Only 2xx answers to
/// authenticated requests count as successes; the challenge round trips of
/// the fresh-challenge mode are part of each request's latency.
pub async fn client(target: Target, mut schedule: Schedule) -> Tally {
    let mut tally = Tally::default();
    let Some(mut connection) = Connection::open_for(&target.addr, &mut tally).await else {
        return tally;
    };
    let mut current: Option<(Challenge, u32)> = None;
    while schedule.next().await {
        let started = Instant::now();
        // No challenge to answer: each request stands alone.
        if target.anonymous || target.api_key.is_some() {
            match connection.get(&target, None).await {
                Ok(response) if (200..300).contains(&response.status) => tally.ok(started),
                Ok(response) => tally.error(|| format!("answered {}", response.status)),
                Err(error) => {
                    tally.error(|| format!("request: {error}"));
                    return tally;
                }
            }
            continue;
        }
        if current.is_none() || target.fresh_challenge {
            match connection.get(&target, None).await {
                Ok(response) if response.status == 401 => {
                    match pick(&response.challenges, &target.algorithm) {
                        Some(challenge) => current = Some((challenge, 0)),
                        None => {
                            tally.error(|| {
                                format!(
                                    "no {} challenge in {:?}",
                                    target.algorithm, response.challenges
                                )
                            });
                            return tally;
                        }
                    }
                }
                Ok(response) => {
                    tally.error(|| format!("challenge answered {}", response.status));
                    return tally;
                }
                Err(error) => {
                    tally.error(|| format!("challenge: {error}"));
                    return tally;
                }
            }
        }
        let Some((challenge, nc)) = current.as_mut() else {
            continue;
        };
        *nc += 1;
        let authorization = challenge.authorization(&target, *nc);
        match connection.get(&target, Some(&authorization)).await {
            Ok(response) if (200..300).contains(&response.status) => tally.ok(started),
            Ok(response) => {
                tally.error(|| format!("answered {}", response.status));
                // A refused answer (stale nonce…): take a new challenge.
                current = pick(&response.challenges, &target.algorithm).map(|c| (c, 0));
            }
            Err(error) => {
                tally.error(|| format!("request: {error}"));
                match Connection::open(&target.addr).await {
                    Ok(fresh) => connection = fresh,
                    Err(_) => return tally,
                }
            }
        }
    }
    tally
}
