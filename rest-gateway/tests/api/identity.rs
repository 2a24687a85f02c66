//! One identity per request: a second `From`, `Authorization` or
//! `x-api-key` is refused, never read as whichever came first.

use core_service::testing::Backend;
use reqwest::{header, StatusCode};

use crate::helpers::{challenges, json, spawn_system, DOMAIN};

core_service::on_every_backend!(a_second_identity_header_is_refused_by_name);

/// Two `From`, two `Authorization` or two `x-api-key` headers name two
/// identities: the request is refused, never read as the first one.
async fn a_second_identity_header_is_refused_by_name(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    system
        .grpc_create_account("alice01", "secret-pw", "MD5", false)
        .await;
    let from = format!("sip:alice01@{DOMAIN}");
    let twice = |name: &'static str, first: &str, second: &str| {
        system
            .http
            .get(system.url("/api/ping"))
            .header(name, first)
            .header(name, second)
    };
    let response = twice("from", &from, "sip:admin01@sip.example.org")
        .send()
        .await
        .unwrap();
    let body = json(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        body["errors"]["from"][0],
        "The from header must be given once."
    );

    // A right answer does not pass beside a second Authorization.
    let mut alice = system.client("alice01", "secret-pw");
    alice.fetch_challenge("MD5").await;
    let right = alice.authorization("GET", "/api/ping");
    let response = twice("authorization", &right, &right)
        .header(header::FROM, &from)
        .send()
        .await
        .unwrap();
    assert!(
        !challenges(&response).is_empty(),
        "a fresh challenge comes with it"
    );
    let body = json(response, StatusCode::UNAUTHORIZED).await;
    assert_eq!(
        body["message"],
        "Malformed Authorization header: it must be given once"
    );

    let key = system.named_key(crate::helpers::ADMIN, "twice").await;
    let response = twice("x-api-key", &key, &key).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = system
        .with_key(&key, reqwest::Method::GET, "/api/ping", None)
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the key alone still works"
    );
}
