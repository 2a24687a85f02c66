//! The connection and request limits of contract `http.md` §7, probed over
//! raw sockets: what a client that sends too little, too slowly or too
//! much sees.

use std::time::{Duration, Instant};

use core_service::testing::Backend;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::{spawn_system_with, Options, TestSystem, ADMIN};

async fn system(header_read: u64, keep_alive: u64, request: u64) -> TestSystem {
    let options = Options {
        header_read_timeout_seconds: header_read,
        keep_alive_timeout_seconds: keep_alive,
        request_timeout_seconds: request,
        body_limit_bytes: 64 * 1024,
        ..Default::default()
    };
    spawn_system_with(Backend::Sqlite, options).await.unwrap()
}

fn address(system: &TestSystem) -> String {
    system.base.trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection (or `limit` passes),
/// returning what it sent and whether it closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let closed = tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await
    .is_ok();
    (String::from_utf8_lossy(&received).into_owned(), closed)
}

/// One answer's head and body on a connection that stays open.
async fn read_answer(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer))
            .await
            .expect("no answer")
            .unwrap();
        assert!(n > 0, "closed: {}", String::from_utf8_lossy(&received));
        received.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&received);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_owned)
                })
                .and_then(|l| l.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if received.len() >= end + 4 + length {
                return text.into_owned();
            }
        }
    }
}

#[tokio::test]
async fn silent_and_slow_header_clients_are_dropped_after_the_header_read_timeout() {
    let system = system(1, 60, 10).await;
    let address = address(&system);
    let started = Instant::now();
    // 2,000 connections that never send a byte.
    let mut silent = Vec::new();
    for _ in 0..2000 {
        silent.push(TcpStream::connect(&address).await.unwrap());
    }
    // One that sends its head one byte every 200 ms (it would take 6 s).
    let mut slow = TcpStream::connect(&address).await.unwrap();
    let head = b"GET /api/ping HTTP/1.1\r\nHost: x\r\nFrom: sip:admin@example.org\r\n\r\n";
    let slow_sender = async {
        for byte in head {
            if slow.write_all(&[*byte]).await.is_err() {
                return Instant::now();
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("the slow head was read to its end");
    };
    let dropped_at = slow_sender.await;
    assert!(
        dropped_at - started < Duration::from_secs(4),
        "slow head dropped after {:?}",
        dropped_at - started
    );
    for stream in &mut silent {
        let (sent, closed) = read_until_closed(stream, Duration::from_secs(3)).await;
        assert!(closed, "a silent connection is still open");
        assert!(!sent.contains("200 OK"), "{sent}");
    }
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[tokio::test]
async fn an_idle_connection_is_kept_for_the_keep_alive_timeout_not_the_header_one() {
    let system = system(1, 3, 10).await;
    let mut stream = TcpStream::connect(address(&system)).await.unwrap();
    let request = b"GET /api/ping HTTP/1.1\r\nHost: x\r\n\r\n";
    stream.write_all(request).await.unwrap();
    assert!(read_answer(&mut stream).await.starts_with("HTTP/1.1 "));
    // Idle for twice the header read timeout: still served.
    tokio::time::sleep(Duration::from_secs(2)).await;
    stream.write_all(request).await.unwrap();
    assert!(read_answer(&mut stream).await.starts_with("HTTP/1.1 "));
    // Idle past the keep-alive timeout: closed by the server.
    let idle_from = Instant::now();
    let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(6)).await;
    assert!(closed);
    let idle = idle_from.elapsed();
    assert!(
        idle > Duration::from_millis(2500) && idle < Duration::from_secs(5),
        "closed after {idle:?} idle"
    );
}

#[tokio::test]
async fn a_request_head_over_16_kib_is_431() {
    let system = system(10, 60, 10).await;
    for size in [20 * 1024, 500 * 1024] {
        let mut stream = TcpStream::connect(address(&system)).await.unwrap();
        let head = format!(
            "GET /api/ping HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
            "a".repeat(size)
        );
        // The server may answer and close before reading it all.
        let _ = stream.write_all(head.as_bytes()).await;
        let (sent, closed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
        assert!(sent.starts_with("HTTP/1.1 431 "), "{size}: {sent}");
        assert!(closed);
    }
    // A head just under the limit is served.
    let mut stream = TcpStream::connect(address(&system)).await.unwrap();
    let head = format!(
        "GET /api/ping HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(15 * 1024)
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = read_answer(&mut stream).await;
    assert!(!answer.starts_with("HTTP/1.1 431"), "{answer}");
}

#[tokio::test]
async fn a_declared_oversized_body_is_413_at_once_without_100_continue() {
    let system = system(10, 60, 10).await;
    let mut stream = TcpStream::connect(address(&system)).await.unwrap();
    let head = "POST /api/accounts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                Content-Length: 10000000\r\nExpect: 100-continue\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let (sent, closed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(sent.starts_with("HTTP/1.1 413 "), "{sent}");
    assert!(!sent.contains("100 Continue"), "{sent}");
    assert!(
        sent.to_ascii_lowercase().contains("connection: close"),
        "{sent}"
    );
    assert!(
        sent.ends_with(r#"{"message":"The request body is too large"}"#),
        "{sent}"
    );
    assert!(closed, "the connection stays open");
}

#[tokio::test]
async fn a_stalled_body_is_408_and_a_complete_one_is_served() {
    let system = system(10, 60, 1).await;
    let key = system.named_key(ADMIN, "limits").await;
    let body = r#"{"username":"stalled","password":"secret-password","algorithm":"MD5"}"#;
    let head = |length: usize| {
        format!(
            "POST /api/accounts HTTP/1.1\r\nHost: x\r\nx-api-key: {key}\r\n\
             Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
        )
    };
    let mut stream = TcpStream::connect(address(&system)).await.unwrap();
    stream.write_all(head(body.len()).as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..10]).await.unwrap();
    let started = Instant::now();
    let (sent, closed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(3), "answered after {waited:?}");
    assert!(sent.starts_with("HTTP/1.1 408 "), "{sent}");
    assert!(sent.ends_with(r#"{"message":"Request timeout"}"#), "{sent}");
    assert!(closed);
    // The same body sent whole is served.
    let mut stream = TcpStream::connect(address(&system)).await.unwrap();
    stream
        .write_all(format!("{}{body}", head(body.len())).as_bytes())
        .await
        .unwrap();
    let answer = read_answer(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
}
