//! The order a request is judged in (contract `http.md` §8): one identity
//! per request, and a role that may not use a route at all gets 403
//! whatever its body, before the body is read or validated.

use core_service::testing::Backend;
use reqwest::{header, Method, StatusCode};
use serde_json::json;

use crate::helpers::{json, spawn_system, ADMIN, DOMAIN};

#[tokio::test]
async fn a_plain_user_gets_403_before_any_body_error() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    system
        .grpc_create_account("plainuser", "plain-password", "SHA-256", false)
        .await;
    let key = system.named_key("plainuser", "judgement").await;
    let space = format!("/api/spaces/{DOMAIN}");
    let cases = [
        (
            Method::POST,
            "/api/spaces",
            "application/json",
            r#"{"domain": 5}"#,
        ),
        (Method::POST, "/api/spaces", "application/json", "{not json"),
        (Method::POST, "/api/spaces", "text/plain", "domain"),
        (
            Method::PUT,
            space.as_str(),
            "application/json",
            r#"{"max_accounts": "x"}"#,
        ),
        (Method::PUT, space.as_str(), "application/json", "[]"),
        (
            Method::POST,
            "/api/accounts",
            "application/json",
            r#"{"username": 5}"#,
        ),
        (Method::POST, "/api/accounts", "application/json", "{}"),
        (Method::POST, "/api/accounts", "application/xml", "<a/>"),
    ];
    for (method, path, content_type, body) in cases {
        let response = system
            .http
            .request(method.clone(), system.url(path))
            .header("x-api-key", &key)
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            json(response, StatusCode::FORBIDDEN).await,
            json!({"message": "Unauthorized area"}),
            "{method} {path} {body}"
        );
    }
    // A super admin sending the same bodies learns what is wrong with them.
    let admin_key = system.named_key(ADMIN, "judgement").await;
    let response = system
        .with_key(
            &admin_key,
            Method::POST,
            "/api/spaces",
            Some(json!({"domain": 5})),
        )
        .await;
    let answer = json(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(answer["errors"]["domain"].is_array(), "{answer}");
}

#[tokio::test]
async fn a_key_with_a_digest_answer_is_refused_401() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    let key = system.named_key(ADMIN, "two").await;
    let mut admin = system.admin();
    let authorization = admin.authorization_for_next("GET", "/api/accounts").await;
    let response = system
        .http
        .get(system.url("/api/accounts"))
        .header("x-api-key", &key)
        .header(header::FROM, admin.sip_from())
        .header(header::AUTHORIZATION, authorization)
        .send()
        .await
        .unwrap();
    assert_eq!(
        json(response, StatusCode::UNAUTHORIZED).await,
        json!({"message": "Invalid API Key"})
    );
    // Each alone is served.
    let response = system
        .with_key(&key, Method::GET, "/api/accounts", None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}
