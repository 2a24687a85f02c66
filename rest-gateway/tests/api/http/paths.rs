//! Device ids as Flexisip puts them in paths (`"<urn:uuid:…>"`): what the
//! HTTP stack lets through (docs/http.md). `<` and `>` are refused by the
//! `http` crate's URI parser before any route runs, on HTTP/1.1 (400, empty
//! body) and HTTP/2 alike; percent-encoded, the id reaches the route.

use core_service::testing::Backend;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::{spawn_system, ADMIN};

async fn raw(address: &str, key: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!(
        "DELETE {path} HTTP/1.1\r\nHost: x\r\nx-api-key: {key}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test]
async fn a_device_id_reaches_its_route_percent_encoded_and_angle_brackets_raw_do_not() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    let key = system.named_key(ADMIN, "paths").await;
    let address = system.base.trim_start_matches("http://").to_owned();
    let encoded = "/api/accounts/me/devices/%22%3Curn%3Auuid%3Aab-12%3E%22";
    let answer = raw(&address, &key, encoded).await;
    assert!(answer.starts_with("HTTP/1.1 404 "), "{answer}");
    assert!(
        answer.contains("\"message\""),
        "the route did not answer: {answer}"
    );
    assert!(!answer.contains("No route"), "{answer}");
    // A quote alone is let through to the route.
    let answer = raw(&address, &key, "/api/accounts/me/devices/\"fs-gen-1\"").await;
    assert!(
        answer.starts_with("HTTP/1.1 404 ") && !answer.contains("No route"),
        "{answer}"
    );
    // Angle brackets are not: hyper answers before any route (docs/http.md).
    let answer = raw(
        &address,
        &key,
        "/api/accounts/me/devices/\"<urn:uuid:ab-12>\"",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
}
