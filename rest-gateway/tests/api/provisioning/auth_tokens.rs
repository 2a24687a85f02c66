//! Auth tokens: a new device asks one, a logged-in device attaches it, the
//! new device gets its document or an API key with it, once.

use core_service::testing::Backend;
use reqwest::{header, Method, StatusCode};
use serde_json::json;

use super::{fetch, json, xml_of, Document, USER_AGENT};
use crate::helpers::spawn_system;

core_service::on_every_backend!(an_auth_token_provisions_a_new_device_once);

async fn new_auth_token(system: &crate::helpers::TestSystem) -> String {
    let made = system
        .http
        .post(system.url("/api/accounts/auth_token"))
        .header(header::USER_AGENT, USER_AGENT)
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    let made = json(made, StatusCode::CREATED).await;
    assert!(made["expire_at"].is_string(), "{made}");
    let token = made["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 32);
    assert!(token.bytes().all(|b| b.is_ascii_alphanumeric()));
    token
}

async fn an_auth_token_provisions_a_new_device_once(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    system
        .grpc_create_account("iris0001", "iris-password", "MD5", false)
        .await;
    let mut logged_in = system.client("iris0001", "iris-password");

    let token = new_auth_token(&system).await;
    let document_path = format!("/provisioning/auth_token/{token}");
    // Not attached yet: 404, as the polling app expects.
    let early = fetch(&system, &document_path, true).await;
    assert_eq!(
        json(early, StatusCode::NOT_FOUND).await,
        json!({"message": "Auth token not found"})
    );
    let attach = format!("/api/accounts/auth_token/{token}/attach");
    let attached = logged_in
        .json(Method::GET, &attach, None, StatusCode::OK)
        .await;
    assert_eq!(attached, json!({}));
    let twice = logged_in.send(Method::GET, &attach, None).await;
    assert_eq!(
        json(twice, StatusCode::NOT_FOUND).await,
        json!({"message": "Auth token not found"})
    );
    // The header is required here too, and a refusal spends nothing.
    assert_eq!(
        fetch(&system, &document_path, false).await.status(),
        StatusCode::BAD_REQUEST
    );
    let document = Document::parse(&xml_of(fetch(&system, &document_path, true).await).await);
    assert_eq!(document.value("auth_info_0", "username"), Some("iris0001"));
    let used = fetch(&system, &document_path, true).await;
    assert_eq!(used.status(), StatusCode::NOT_FOUND);

    // Another token, for an API key this time.
    let token = new_auth_token(&system).await;
    let attach = format!("/api/accounts/auth_token/{token}/attach");
    logged_in
        .json(Method::GET, &attach, None, StatusCode::OK)
        .await;
    let key_path = format!("/api/accounts/me/api_key/{token}");
    let key = system
        .http
        .get(system.url(&key_path))
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    let key = json(key, StatusCode::OK).await;
    let key = key["api_key"].as_str().unwrap().to_owned();
    assert_eq!(key.len(), 40);
    let me = system
        .http
        .get(system.url("/api/accounts/me"))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(json(me, StatusCode::OK).await["username"], "iris0001");
    let again = system.http.get(system.url(&key_path)).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    // A malformed token is a plain 404.
    let short = system
        .http
        .get(system.url("/api/accounts/me/api_key/short"))
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), StatusCode::NOT_FOUND);
}
