//! The HTTP/2 side of contract `http.md` §7, with real HTTP/2 clients
//! (h2c with prior knowledge, as Flexisip's client speaks to a plain
//! gateway): the settings the server announces and what an oversized
//! header list or a body to an unknown route gets.

use core_service::testing::Backend;
use reqwest::StatusCode;

use crate::helpers::{spawn_system, TestSystem};

async fn h2_client() -> reqwest::Client {
    reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap()
}

async fn system() -> TestSystem {
    spawn_system(Backend::Sqlite).await.unwrap()
}

#[tokio::test]
async fn a_body_posted_to_an_unknown_route_gets_the_json_404() {
    let system = system().await;
    let client = h2_client().await;
    for size in [10, 60 * 1024] {
        let response = client
            .post(system.url("/api/nowhere"))
            .header("content-type", "application/json")
            .body(vec![b'x'; size])
            .send()
            .await
            .unwrap();
        assert_eq!(response.version(), reqwest::Version::HTTP_2);
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let answer: serde_json::Value = response.json().await.unwrap();
        assert_eq!(answer["message"], "No route for /api/nowhere");
    }
}

#[tokio::test]
async fn a_header_list_over_16_kib_is_431() {
    let system = system().await;
    let client = h2_client().await;
    let response = client
        .get(system.url("/api/ping"))
        .header("x-big", "a".repeat(20 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
    );
}

#[tokio::test]
async fn the_server_announces_100_streams() {
    let system = system().await;
    let address = system.base.trim_start_matches("http://").to_owned();
    let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
    let (mut client, mut connection) = h2::client::handshake(tcp).await.unwrap();
    let request = http::Request::get(system.url("/api/ping"))
        .body(())
        .unwrap();
    let (response, _) = client.send_request(request, true).unwrap();
    // The server's SETTINGS come before any answer.
    let response = tokio::select! {
        response = response => response.unwrap(),
        ended = &mut connection => panic!("the connection ended: {ended:?}"),
    };
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(connection.max_concurrent_send_streams(), 100);
}

/// CVE-2023-44487: a client that opens streams and resets them at once is
/// sent `GOAWAY` (hyper's pending-reset limit, 20), and the next client is
/// served.
#[tokio::test]
async fn rapid_resets_end_the_connection_and_spare_other_clients() {
    let system = system().await;
    let address = system.base.trim_start_matches("http://").to_owned();
    let tcp = tokio::net::TcpStream::connect(&address).await.unwrap();
    let (mut client, mut connection) = h2::client::handshake(tcp).await.unwrap();
    // Queued before the connection is polled, so they leave in one burst.
    let mut refused = false;
    for _ in 0..90 {
        let request = http::Request::post(system.url("/api/ping"))
            .body(())
            .unwrap();
        match client.send_request(request, false) {
            Ok((_, mut stream)) => stream.send_reset(h2::Reason::CANCEL),
            Err(_) => {
                refused = true;
                break;
            }
        }
    }
    let ended = tokio::time::timeout(std::time::Duration::from_secs(5), &mut connection).await;
    let error = match ended {
        Ok(Err(error)) => error,
        other => {
            panic!("the connection was not ended by the server: {other:?} (refused: {refused})")
        }
    };
    assert_eq!(
        error.reason(),
        Some(h2::Reason::ENHANCE_YOUR_CALM),
        "{error}"
    );
    // Another client is served.
    let response = h2_client()
        .await
        .get(system.url("/api"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

/// Flexisip's conference events (not stored, contract part 6 §3) get the
/// JSON 404 whole: the stream ends with the answer's body, and the client
/// reads it to its end without a reset.
#[tokio::test]
async fn a_conference_post_ends_with_its_404_not_a_reset() {
    let system = system().await;
    let address = system.base.trim_start_matches("http://").to_owned();
    let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
    let (mut client, connection) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(connection);
    let body = r#"{"created_at":"2017-07-21T17:32:28Z","id":"c1","schedule":null}"#;
    let request = http::Request::post(system.url("/api/stats/conferences"))
        .header("content-type", "application/json")
        .header("content-length", body.len())
        .body(())
        .unwrap();
    let (response, mut stream) = client.send_request(request, false).unwrap();
    stream
        .send_data(axum::body::Bytes::from_static(body.as_bytes()), true)
        .unwrap();
    let response = response.await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let mut answer = response.into_body();
    let mut read = Vec::new();
    while let Some(chunk) = answer.data().await {
        read.extend_from_slice(&chunk.unwrap());
    }
    let json: serde_json::Value = serde_json::from_slice(&read).unwrap();
    assert_eq!(json["message"], "No route for /api/stats/conferences");
    // The end of the stream is an end, not a reset.
    assert!(answer.trailers().await.is_ok());
}
