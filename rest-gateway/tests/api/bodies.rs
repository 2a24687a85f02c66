//! Request bodies that are not what the contract asks for get a JSON 4xx.

use core_service::testing::Backend;
use reqwest::{header, StatusCode};
use serde_json::json;

use crate::helpers::{json, spawn_system_with, Options};

core_service::on_every_backend!(malformed_bodies_are_json_4xx);

async fn malformed_bodies_are_json_4xx(backend: Backend) {
    let options = Options {
        body_limit_bytes: 1024,
        ..Default::default()
    };
    let Some(system) = spawn_system_with(backend, options).await else {
        return;
    };
    let mut admin = system.admin();
    let cases: [(&str, String, StatusCode); 5] = [
        (
            "application/json",
            "{\"username\": ".into(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "application/json",
            "[1, 2, 3]".into(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "application/json",
            "\u{0}\u{1}binary".into(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "text/plain",
            "{}".into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "application/json",
            format!("{{\"username\": \"{}\"}}", "a".repeat(5000)),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    for (content_type, body, status) in cases {
        let authorization = admin.authorization_for_next("POST", "/api/accounts").await;
        let response = system
            .http
            .post(system.url("/api/accounts"))
            .header(header::FROM, admin.sip_from())
            .header(header::AUTHORIZATION, authorization)
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let answer = json(response, status).await;
        assert!(answer["message"].is_string(), "{answer}");
    }
    let response = system
        .http
        .post(system.url("/api/ping"))
        .header(header::FROM, admin.sip_from())
        .send()
        .await
        .unwrap();
    assert_eq!(
        json(response, StatusCode::METHOD_NOT_ALLOWED).await,
        json!({"message": "Method not allowed"})
    );
}
