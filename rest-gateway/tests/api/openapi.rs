//! `GET /api/openapi.json`: an OpenAPI 3.1 document of every route, which
//! validates (Python's `openapi-spec-validator`, when installed; CI requires
//! it), names each route of the contract, and routes nothing it does not
//! document.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{json, spawn_system};

/// Every route of parts 1, 2 and 4.
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
    ("post", "/api/account_creation_request_tokens"),
    ("post", "/api/account_creation_tokens"),
    (
        "post",
        "/api/account_creation_tokens/using-account-creation-request-token",
    ),
    ("post", "/api/account_creation_tokens/send-by-push"),
    ("post", "/api/account_creation_tokens/consume"),
    ("post", "/api/account_recovery_tokens/send-by-push"),
    ("post", "/api/accounts/with-account-creation-token"),
    ("post", "/api/accounts/me/email/request"),
    ("post", "/api/accounts/me/email"),
    ("post", "/api/accounts/me/phone/request"),
    ("post", "/api/accounts/me/phone"),
    ("get", "/creation_token/check/{token}"),
    ("post", "/creation_token/validate"),
    ("get", "/recovery/phone/{account_recovery_token}"),
    ("get", "/recovery/email"),
    ("post", "/recovery"),
    ("post", "/recovery/confirm"),
    // Contract part 5.
    ("get", "/provisioning"),
    ("get", "/provisioning/me"),
    ("get", "/provisioning/{provisioning_token}"),
    ("get", "/provisioning/qrcode/{provisioning_token}"),
    ("get", "/provisioning/auth_token/{auth_token}"),
    ("get", "/api/accounts/{id}/provision"),
    ("get", "/api/accounts/me/provision"),
    ("post", "/api/accounts/{id}/send_provisioning_email"),
    ("post", "/api/accounts/auth_token"),
    ("get", "/api/accounts/auth_token/{auth_token}/attach"),
    ("get", "/api/accounts/me/api_key/{auth_token}"),
    // Contract part 6.
    ("get", "/api/accounts/me/call_forwardings"),
    ("post", "/api/accounts/me/call_forwardings"),
    ("get", "/api/accounts/me/call_forwardings/{cf_id}"),
    ("put", "/api/accounts/me/call_forwardings/{cf_id}"),
    ("delete", "/api/accounts/me/call_forwardings/{cf_id}"),
    ("get", "/api/accounts/{id}/call_forwardings"),
    ("post", "/api/accounts/{id}/call_forwardings"),
    ("get", "/api/accounts/{id}/call_forwardings/{cf_id}"),
    ("put", "/api/accounts/{id}/call_forwardings/{cf_id}"),
    ("delete", "/api/accounts/{id}/call_forwardings/{cf_id}"),
    ("get", "/api/accounts/me/voicemails"),
    ("post", "/api/accounts/me/voicemails"),
    ("get", "/api/accounts/me/voicemails/{uuid}"),
    ("delete", "/api/accounts/me/voicemails/{uuid}"),
    ("get", "/api/accounts/{id}/voicemails"),
    ("post", "/api/accounts/{id}/voicemails"),
    ("get", "/api/accounts/{id}/voicemails/{uuid}"),
    ("delete", "/api/accounts/{id}/voicemails/{uuid}"),
    ("post", "/api/files/{uuid}"),
    ("get", "/f/{uuid}/{name}"),
    ("get", "/f/{uuid}/{name}/download"),
    ("post", "/api/stats/calls"),
    ("patch", "/api/stats/calls/{call_id}"),
    ("patch", "/api/stats/calls/{call_id}/devices/{device_id}"),
    ("post", "/api/stats/messages"),
    (
        "patch",
        "/api/stats/messages/{message_id}/to/{to}/devices/{device_id}",
    ),
    ("post", "/api/statistics/calls"),
    ("patch", "/api/statistics/calls/{call_id}"),
    (
        "patch",
        "/api/statistics/calls/{call_id}/devices/{device_id}",
    ),
    ("post", "/api/statistics/messages"),
    (
        "patch",
        "/api/statistics/messages/{message_id}/to/{to}/devices/{device_id}",
    ),
    ("get", "/api/accounts/me/statistics/calls"),
    ("get", "/api/accounts/me/statistics/messages"),
    ("get", "/api/accounts/{id}/statistics/calls"),
    ("get", "/api/accounts/{id}/statistics/messages"),
    ("post", "/api/push_notification"),
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
    let page = system.get_text("/api").await;
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

/// The document as contract `http.md` §1 describes it: each operation
/// named, summarized, tagged and secured; every refusal it can answer
/// documented by reference; the request fields with the server's rules.
#[tokio::test]
async fn every_operation_documents_its_refusals_and_every_field_its_rules() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    let document = document(&system).await;
    assert_eq!(
        document["servers"],
        serde_json::json!([{"url": "/", "description": document["servers"][0]["description"]}])
    );
    assert_eq!(
        document["info"]["license"]["identifier"],
        "AGPL-3.0-or-later"
    );
    let mut ids = std::collections::HashSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            assert!(
                ids.insert(operation["operationId"].as_str().unwrap().to_owned()),
                "{name}"
            );
            assert!(operation["summary"].is_string(), "{name} has no summary");
            assert!(!operation["tags"].as_array().unwrap().is_empty(), "{name}");
            let responses = &operation["responses"];
            // A shared answer, or an answer of its own whose schema is shared.
            let reference = |status: &str| {
                let answer = &responses[status];
                (answer["$ref"].is_string()
                    || answer["content"]["application/json"]["schema"]["$ref"].is_string())
                .then_some(())
            };
            let public = operation["security"] == serde_json::json!([{}]);
            if !public {
                for status in ["401", "403", "422", "429", "503"] {
                    assert!(reference(status).is_some(), "{name} lacks {status}");
                }
            }
            if path.contains('{') {
                assert!(responses["404"].is_object(), "{name} lacks 404");
            }
            if operation["requestBody"]["content"]["application/json"].is_object() {
                for status in ["400", "408", "413", "415"] {
                    assert!(reference(status).is_some(), "{name} lacks {status}");
                }
            }
            // No error answer inlines the message schema again.
            for (status, answer) in responses.as_object().unwrap() {
                let schema = &answer["content"]["application/json"]["schema"];
                if status.starts_with('4') && schema.is_object() {
                    assert!(
                        schema["$ref"].is_string(),
                        "{name} {status} inlines {schema}"
                    );
                }
            }
        }
    }
    let schemas = &document["components"]["schemas"];
    // A schema's own properties, or those of the parts it is made of
    // (`allOf`: a flattened struct).
    let field = |schema: &str, name: &str| {
        let schema = &schemas[schema];
        let parts = schema["allOf"].as_array().cloned().unwrap_or_default();
        std::iter::once(schema.clone())
            .chain(parts)
            .map(|part| part["properties"][name].clone())
            .find(|found| !found.is_null())
            .unwrap_or_default()
    };
    assert_eq!(field("NewAccount", "username")["minLength"], 6);
    assert_eq!(field("NewAccount", "username")["maxLength"], 64);
    assert!(field("NewAccount", "username")["pattern"].is_string());
    assert_eq!(field("NewAccount", "password")["minLength"], 6);
    assert_eq!(
        schemas["AlgorithmName"]["enum"],
        serde_json::json!(["MD5", "SHA-256"])
    );
    assert_eq!(field("NewAccount", "email")["format"], "email");
    assert_eq!(field("NewAccount", "email")["maxLength"], 255);
    assert_eq!(field("NewAccount", "display_name")["maxLength"], 255);
    assert_eq!(field("NewAccount", "dictionary")["maxProperties"], 64);
    let activated = field("NewAccount", "activated").to_string();
    assert!(
        activated.contains("boolean") && activated.contains("\"1\""),
        "{activated}"
    );
    assert_eq!(field("NewSpace", "max_accounts")["minimum"], 0);
    assert!(field("NewSpace", "domain")["pattern"].is_string());
    let list = &document["paths"]["/api/accounts"]["get"]["parameters"];
    let per_page = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "per_page")
        .unwrap();
    assert_eq!(
        (
            per_page["schema"]["minimum"].clone(),
            per_page["schema"]["maximum"].clone()
        ),
        (1.into(), 100.into())
    );
    let ping = &document["paths"]["/api/ping"]["get"]["responses"]["200"]["content"];
    assert!(ping["text/plain"].is_object(), "{ping}");
}
