//! Faults with real processes and real signals (loopback only, bounded):
//! the core SIGKILLed under a steady Digest load, accounts created while it
//! dies, and the gateway SIGTERMed with requests in flight.

use std::{
    process::Command,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use reqwest::{header, StatusCode};

use crate::{
    helpers::{challenges, hash, DOMAIN},
    processes::{start_gateway, CoreProcess, ADMIN_PASSWORD},
};

/// One Digest ping as a client that keeps its nonce and takes a fresh
/// challenge whenever it is refused; the status is what the user saw.
struct Pinger {
    http: reqwest::Client,
    base: String,
    challenge: Option<(String, String, String)>,
    nc: u32,
}

impl Pinger {
    fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
            base: base.to_owned(),
            challenge: None,
            nc: 0,
        }
    }

    async fn ping(&mut self) -> Option<StatusCode> {
        let mut request = self
            .http
            .get(format!("{}/api/ping", self.base))
            .header(header::FROM, format!("sip:admin01@{DOMAIN}"));
        if let Some((realm, nonce, opaque)) = &self.challenge {
            self.nc += 1;
            let nc = format!("{:08x}", self.nc);
            let ha1 = hash("MD5", &format!("admin01:{realm}:{ADMIN_PASSWORD}"));
            let ha2 = hash("MD5", "GET:/api/ping");
            let response = hash("MD5", &format!("{ha1}:{nonce}:{nc}:c0ffee:auth:{ha2}"));
            request = request.header(
                header::AUTHORIZATION,
                format!(
                    "Digest username=\"admin01\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"/api/ping\", \
                     algorithm=MD5, qop=auth, nc={nc}, cnonce=\"c0ffee\", response=\"{response}\", opaque=\"{opaque}\""
                ),
            );
        }
        let response = request.send().await.ok()?;
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED {
            let fresh = challenges(&response).into_iter().next()?;
            self.challenge = Some((
                fresh.get("realm").to_owned(),
                fresh.get("nonce").to_owned(),
                fresh.get("opaque").to_owned(),
            ));
            self.nc = 0;
        }
        Some(status)
    }
}

/// (when, status) of every answer a steady load got; `None`: no answer.
type Log = Arc<Mutex<Vec<(Instant, Option<StatusCode>)>>>;

fn steady_load(
    base: &str,
    clients: usize,
    stop: Arc<AtomicBool>,
) -> (Log, Vec<tokio::task::JoinHandle<()>>) {
    let log: Log = Arc::default();
    let tasks = (0..clients)
        .map(|_| {
            let (log, stop, base) = (log.clone(), stop.clone(), base.to_owned());
            tokio::spawn(async move {
                let mut pinger = Pinger::new(&base);
                while !stop.load(Ordering::Relaxed) {
                    let status = pinger.ping().await;
                    if status != Some(StatusCode::UNAUTHORIZED) {
                        log.lock().unwrap().push((Instant::now(), status));
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        })
        .collect();
    (log, tasks)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_core_is_a_503_within_a_second_and_its_return_heals_the_same_gateway() {
    let mut core = CoreProcess::start();
    let (mut gateway, base) = start_gateway(core.port);
    let stop = Arc::new(AtomicBool::new(false));
    let (log, tasks) = steady_load(&base, 4, stop.clone());
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let killed_at = Instant::now();
    core.kill();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let restarted_at = Instant::now();
    core.restart();
    tokio::time::sleep(Duration::from_secs(5)).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    assert!(
        gateway.try_wait().unwrap().is_none(),
        "the gateway never restarted"
    );
    gateway.kill().unwrap();

    let log = log.lock().unwrap().clone();
    let before: Vec<_> = log.iter().filter(|(at, _)| *at < killed_at).collect();
    assert!(
        before.len() > 20 && before.iter().all(|(_, s)| *s == Some(StatusCode::OK)),
        "a steady load before the kill: {before:?}"
    );
    let first_503 = log
        .iter()
        .find(|(at, s)| *at > killed_at && *s == Some(StatusCode::SERVICE_UNAVAILABLE))
        .map(|(at, _)| *at - killed_at)
        .expect("no 503 after the kill");
    assert!(
        first_503 < Duration::from_secs(1),
        "first 503 after {first_503:?}"
    );
    let down = log
        .iter()
        .filter(|(at, _)| *at > killed_at + Duration::from_millis(200) && *at < restarted_at);
    for (_, status) in down {
        assert_eq!(
            *status,
            Some(StatusCode::SERVICE_UNAVAILABLE),
            "while the core is down"
        );
    }
    let first_200 = log
        .iter()
        .find(|(at, s)| *at > restarted_at && *s == Some(StatusCode::OK))
        .map(|(at, _)| *at - restarted_at)
        .expect("no 200 after the restart");
    assert!(
        first_200 < Duration::from_secs(5),
        "first 200 after {first_200:?}"
    );
    let healed = log
        .iter()
        .filter(|(at, _)| *at > restarted_at + first_200 + Duration::from_millis(200));
    for (_, status) in healed {
        assert_eq!(*status, Some(StatusCode::OK), "once the core is back");
    }
}

/// 200 creations by API key, the core SIGKILLed at a moment drawn at
/// random among them: every creation that was answered 200 is there after
/// the restart (no acknowledged write is lost).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_account_answered_200_is_lost_when_the_core_dies_mid_load() {
    let mut core = CoreProcess::start();
    let key = core.admin_key();
    let (mut gateway, base) = start_gateway(core.port);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut random = [0u8; 1];
    getrandom::fill(&mut random).unwrap();
    let kill_after = 40 + usize::from(random[0]) % 120;

    let created = Arc::new(Mutex::new(Vec::new()));
    let mut killed = false;
    let numbers: Vec<usize> = (0..200).collect();
    for batch in numbers.chunks(8) {
        if !killed && batch[0] >= kill_after {
            core.kill();
            killed = true;
        }
        let sends: Vec<_> = batch
            .iter()
            .map(|&n| {
                let (http, base, key, created) = (http.clone(), base.clone(), key.clone(), created.clone());
                tokio::spawn(async move {
                    let username = format!("fault{n:04}");
                    let response = http
                        .post(format!("{base}/api/accounts"))
                        .header("x-api-key", key)
                        .json(&serde_json::json!({"username": username, "password": "secret-pw", "algorithm": "MD5"}))
                        .send()
                        .await;
                    if matches!(&response, Ok(r) if r.status() == StatusCode::OK) {
                        created.lock().unwrap().push(username);
                    }
                })
            })
            .collect();
        for send in sends {
            send.await.unwrap();
        }
        if killed && core.child.is_none() && batch[0] >= kill_after + 40 {
            core.restart();
        }
    }
    if core.child.is_none() {
        core.restart();
    }
    let created = created.lock().unwrap().clone();
    assert!(created.len() >= 40, "only {} created", created.len());
    assert!(created.len() < 200, "the kill refused nothing");
    for username in &created {
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            let response = http
                .get(format!("{base}/api/accounts/{username}@{DOMAIN}/search"))
                .header("x-api-key", key.clone())
                .send()
                .await
                .unwrap();
            if response.status() != StatusCode::SERVICE_UNAVAILABLE || Instant::now() > deadline {
                break response.status();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(
            status,
            StatusCode::OK,
            "{username} was answered 200, then lost"
        );
    }
    gateway.kill().unwrap();
}

/// SIGTERM to the gateway with slow uploads in flight: it stops accepting,
/// finishes every one of them, and exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigtermed_gateway_finishes_what_it_has_in_flight() {
    let core = CoreProcess::start();
    let key = core.admin_key();
    let (mut gateway, base) = start_gateway(core.port);
    let address = base.trim_start_matches("http://").to_owned();
    // Each upload sends its headers now and its body after the SIGTERM.
    let uploads: Vec<_> = (0..10)
        .map(|n| {
            let (address, key) = (address.clone(), key.clone());
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
                let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
                let body = format!(r#"{{"username":"late{n:04}","password":"secret-pw","algorithm":"MD5"}}"#);
                let head = format!(
                    "POST /api/accounts HTTP/1.1\r\nHost: {address}\r\nx-api-key: {key}\r\n\
                     Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                stream.write_all(head.as_bytes()).await.unwrap();
                tokio::time::sleep(Duration::from_millis(1500)).await;
                stream.write_all(body.as_bytes()).await.unwrap();
                let mut answer = String::new();
                stream.read_to_string(&mut answer).await.unwrap();
                answer
            })
        })
        .collect();
    // Long enough for all ten to be read and authenticated under a loaded
    // CI (300 ms was not, twice in a full run): the signal must find them in flight.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let signalled = Command::new("kill")
        .args(["-TERM", &gateway.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
    for upload in uploads {
        let answer = upload.await.unwrap();
        // Authenticated before the signal, its body read after: created.
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.contains("\"username\":\"late"), "{answer}");
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = gateway.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the gateway did not exit");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");
    assert!(
        std::net::TcpStream::connect(&address).is_err(),
        "it stopped accepting"
    );
}
