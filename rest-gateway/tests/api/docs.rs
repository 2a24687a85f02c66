use core_service::testing::Backend;
use reqwest::{header, StatusCode};
use serde_json::json;

use crate::helpers::{json, spawn_system};

#[tokio::test]
async fn the_documentation_page_covers_every_endpoint() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    let response = system.http.get(system.url("/api")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = response.text().await.unwrap();
    for needle in [
        "/api/ping",
        "POST</span> <code>/api/accounts",
        "GET</span> <code>/api/devices",
        "DELETE</span> <code>/api/devices/{uuid}",
        "WWW-Authenticate",
        "curl --digest",
        "Nonce replayed",
        "<code>username</code>",
        "<code>algorithm</code>",
    ] {
        assert!(page.contains(needle), "the page lacks {needle}");
    }
    assert!(!page.contains("<script"), "readable without JavaScript");
}

#[tokio::test]
async fn unknown_routes_are_json_404() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    let response = system
        .http
        .get(system.url("/api/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json(response, StatusCode::NOT_FOUND).await,
        json!({"message": "No route for /api/nope"})
    );
}
