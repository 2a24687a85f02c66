//! Password guessing, over real HTTP from real client addresses (clients
//! bind 127.0.0.x, all loopback): 5 wrong answers for one account from one
//! address lock that pair for 5 minutes (429 with Retry-After), while the
//! real user from another address still gets in; 20 invalid API keys lock
//! an address; `X-Forwarded-For` counts only with `--trust-forwarded-for`.

use core_service::testing::Backend;
use reqwest::{header, StatusCode};

use crate::helpers::{json, spawn_system, spawn_system_with, DigestClient, Options, DOMAIN};

async fn assert_throttled(response: reqwest::Response) {
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "{:?}",
        response.headers()
    );
    let retry_after: u32 = response.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((295..=300).contains(&retry_after), "{retry_after}");
    let body = json(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(
        body,
        serde_json::json!({"message": "Too many failed attempts"})
    );
}

#[tokio::test]
async fn five_wrong_answers_lock_the_pair_not_the_real_user() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    system
        .grpc_create_account("alice01", "secret-pw", "SHA-256", false)
        .await;
    let base = &system.base;
    let mut guesser = DigestClient::new(base, "alice01", "guess-000").connecting_from("127.0.0.2");
    for attempt in 0..5 {
        guesser.password = format!("guess-{attempt:03}");
        let response = guesser.get("/api/ping").await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    // Now even the right password is not judged from this address.
    guesser.password = "secret-pw".into();
    assert_throttled(guesser.get("/api/ping").await).await;

    // The real user, from another address, is not locked out.
    let mut alice = DigestClient::new(base, "alice01", "secret-pw").connecting_from("127.0.0.3");
    assert_eq!(alice.get("/api/ping").await.status(), StatusCode::OK);
    // Another account from the guesser's address is not either.
    let mut admin =
        DigestClient::new(base, "admin01", "admin-password").connecting_from("127.0.0.2");
    assert_eq!(admin.get("/api/ping").await.status(), StatusCode::OK);
    // Without --trust-forwarded-for, a forged X-Forwarded-For escapes nothing.
    let forged = guesser.authorization_for_next("GET", "/api/ping").await;
    let response = reqwest::Client::builder()
        .local_address(Some("127.0.0.2".parse().unwrap()))
        .build()
        .unwrap()
        .get(system.url("/api/ping"))
        .header(header::FROM, format!("sip:alice01@{DOMAIN}"))
        .header(header::AUTHORIZATION, forged)
        .header("x-forwarded-for", "198.51.100.77")
        .send()
        .await
        .unwrap();
    assert_throttled(response).await;
}

/// The threat: a stolen user API key (no password) guessing the old
/// password, to take the account over for good.
#[tokio::test]
async fn wrong_old_passwords_count_like_wrong_answers() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    system
        .grpc_create_account("bobby01", "bobby-pw", "SHA-256", false)
        .await;
    let mut bob = DigestClient::new(&system.base, "bobby01", "bobby-pw");
    let key = bob
        .get("/api/accounts/me/api_key")
        .await
        .text()
        .await
        .unwrap();
    let thief = reqwest::Client::builder()
        .local_address(Some("127.0.0.4".parse().unwrap()))
        .build()
        .unwrap();
    let change = |old: &str| {
        thief
            .post(system.url("/api/accounts/me/password"))
            .header("x-api-key", key.clone())
            .json(&serde_json::json!({"old_password": old, "password": "new-bobby-pw"}))
            .send()
    };
    for attempt in 0..5 {
        let response = change(&format!("nope-{attempt}")).await.unwrap();
        let answer = json(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(answer["message"], "Incorrect old password");
    }
    assert_throttled(change("bobby-pw").await.unwrap()).await;
    // The password did not change: the old one still works from elsewhere.
    let mut again =
        DigestClient::new(&system.base, "bobby01", "bobby-pw").connecting_from("127.0.0.5");
    assert_eq!(again.get("/api/ping").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn twenty_invalid_api_keys_lock_the_address() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    let key = system.named_key(crate::helpers::ADMIN, "ops").await;
    let from = |address: &str| {
        reqwest::Client::builder()
            .local_address(Some(address.parse().unwrap()))
            .build()
            .unwrap()
    };
    let guesser = from("127.0.0.6");
    let ping = |client: &reqwest::Client, key: &str| {
        client
            .get(system.url("/api/ping"))
            .header("x-api-key", key.to_owned())
            .send()
    };
    for attempt in 0..20 {
        let wrong = format!("{attempt:040}");
        let response = ping(&guesser, &wrong).await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    assert_throttled(ping(&guesser, &key).await.unwrap()).await;
    let operator = from("127.0.0.7");
    assert_eq!(
        ping(&operator, &key).await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_counted() {
    let options = Options {
        trust_forwarded_for: true,
        ..Options::default()
    };
    let system = spawn_system_with(Backend::Sqlite, options).await.unwrap();
    system
        .grpc_create_account("carol01", "carol-pw", "MD5", false)
        .await;
    // All through one proxy address (127.0.0.1); the clients differ.
    let mut guesser = DigestClient::new(&system.base, "carol01", "wrong-pw");
    guesser.fetch_challenge("MD5").await;
    let attempt = |authorization: String, forwarded: &'static str| {
        system
            .http
            .get(system.url("/api/ping"))
            .header(header::FROM, format!("sip:carol01@{DOMAIN}"))
            .header(header::AUTHORIZATION, authorization)
            .header("x-forwarded-for", forwarded)
            .send()
    };
    for _ in 0..5 {
        let authorization = guesser.authorization("GET", "/api/ping");
        let response = attempt(authorization, "203.0.113.9, 10.0.0.1")
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let authorization = guesser.authorization("GET", "/api/ping");
    assert_throttled(attempt(authorization, "203.0.113.9").await.unwrap()).await;

    let mut carol = DigestClient::new(&system.base, "carol01", "carol-pw");
    carol.fetch_challenge("MD5").await;
    let authorization = carol.authorization("GET", "/api/ping");
    let response = attempt(authorization, "198.51.100.4").await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the real user behind the same proxy"
    );
}
