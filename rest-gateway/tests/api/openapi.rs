//! `GET /api/openapi.json`: an OpenAPI 3.1 document of every route, which
//! validates (Python's `openapi-spec-validator`, when installed; CI requires
//! it), names each route of the contract, and routes nothing it does not
//! document.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{json, spawn_system};

/// Every route of parts 1 and 2.
const CONTRACT: &[(&str, &str)] = &[
    ("get", "/api"),
    ("get", "/api/ping"),
    ("post", "/api/accounts"),
    ("get", "/api/accounts"),
    ("get", "/api/accounts/{id}"),
    ("put", "/api/accounts/{id}"),
    ("delete", "/api/accounts/{id}"),
    ("post", "/api/accounts/{id}/activate"),
    ("post", "/api/accounts/{id}/deactivate"),
    ("post", "/api/accounts/{id}/block"),
    ("post", "/api/accounts/{id}/unblock"),
    ("get", "/api/accounts/{id}/search"),
    ("get", "/api/accounts/{id}/search-by-email"),
    ("get", "/api/accounts/{id}/devices"),
    ("delete", "/api/accounts/{id}/devices/{uuid}"),
    ("get", "/api/accounts/me"),
    ("delete", "/api/accounts/me"),
    ("post", "/api/accounts/me/password"),
    ("get", "/api/accounts/me/devices"),
    ("delete", "/api/accounts/me/devices/{uuid}"),
    ("get", "/api/accounts/me/api_key"),
    ("get", "/api/resolve/{sip}"),
    ("get", "/api/spaces"),
    ("post", "/api/spaces"),
    ("get", "/api/spaces/{domain}"),
    ("put", "/api/spaces/{domain}"),
    ("delete", "/api/spaces/{domain}"),
    ("get", "/api/devices"),
    ("delete", "/api/devices/{uuid}"),
    ("get", "/api/flexisip/external-auth"),
    ("get", "/api/openapi.json"),
    ("get", "/api/explorer"),
    ("get", "/api/explorer/{file}"),
    ("get", "/healthz/live"),
    ("get", "/healthz/ready"),
    ("get", "/metrics"),
];

async fn document(system: &crate::helpers::TestSystem) -> Value {
    let response = system
        .http
        .get(system.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    json(response, StatusCode::OK).await
}

fn operations(document: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            found.push((method.clone(), path.clone()));
        }
    }
    found.sort();
    found
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_lists_every_route() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    let document = document(&system).await;
    assert_eq!(document["openapi"], "3.1.0");
    let mut expected: Vec<(String, String)> = CONTRACT
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(operations(&document), expected, "documented routes");
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["digest"]["scheme"], "digest");
    assert_eq!(schemes["api_key"]["name"], "x-api-key");
    let ping = &document["paths"]["/api/ping"]["get"];
    assert!(
        ping["security"].is_null(),
        "the global Digest or key applies"
    );
    assert_eq!(
        document["paths"]["/api"]["get"]["security"],
        serde_json::json!([{}])
    );

    if crate::clients::available("python3", &["-c", "import openapi_spec_validator"]).await {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("openapi.json");
        std::fs::write(&file, document.to_string()).unwrap();
        let output = tokio::process::Command::new("python3")
            .args(["-m", "openapi_spec_validator"])
            .arg(&file)
            .output()
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}

/// Each documented operation is routed: no fallback 404 or 405 for it.
#[tokio::test]
async fn every_documented_operation_is_served() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    for (method, path) in operations(&document(&system).await) {
        let concrete = path
            .replace("{id}", "1")
            .replace("{uuid}", "urn:uuid:0")
            .replace("{sip}", "nobody@sip.example.org")
            .replace("{domain}", "nowhere.example.org")
            .replace("{file}", "index.css");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        // Deleting oneself is tried by an account made for it.
        let mut caller = if concrete == "/api/accounts/me" && method == Method::DELETE {
            system
                .grpc_create_account("throwaway", "throwaway-pw", "MD5", false)
                .await;
            system.client("throwaway", "throwaway-pw")
        } else {
            system.admin()
        };
        let response = caller.send(method.clone(), &concrete, None).await;
        assert_ne!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        if response.status() == StatusCode::NOT_FOUND {
            let body: Value = response.json().await.unwrap_or_default();
            let message = body["message"].as_str().unwrap_or_default();
            assert!(
                !message.starts_with("No route"),
                "{method} {path}: {message}"
            );
        }
    }
}

/// The `/api` page shows each documented endpoint (the searches under the
/// contract's names for their parameter).
#[tokio::test]
async fn the_documentation_page_shows_every_documented_endpoint() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    let page = system
        .http
        .get(system.url("/api"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for (method, path) in operations(&document(&system).await) {
        // The documents are named in the page's operators' section.
        if !path.starts_with("/api/")
            || path == "/api/openapi.json"
            || path.starts_with("/api/explorer")
        {
            continue;
        }
        let shown = path
            .replace("{id}/search-by-email", "{email}/search-by-email")
            .replace("{id}/search", "{sip}/search");
        let heading = format!("{}</span> <code>{shown}</code>", method.to_uppercase());
        assert!(page.contains(&heading), "the page lacks {heading}");
    }
}
