//! Request ids, CORS and the places of what a POST made (contract
//! `http.md` §3, §5, §6), seen by reqwest over HTTP/1.1 and HTTP/2.

use std::collections::HashSet;

use core_service::testing::Backend;
use reqwest::{header, Method, StatusCode};
use serde_json::json;

use super::vary;
use crate::helpers::{json, spawn_system, spawn_system_with, Options, TestSystem, ADMIN};

#[tokio::test]
async fn every_answer_carries_a_request_id_the_clients_or_a_fresh_one() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    for client in [&system.http, &h2] {
        // A valid one is kept, on a 401, a 404 and a 413 alike.
        for (path, body) in [
            ("/api/ping", 0),
            ("/api/nowhere", 0),
            ("/api/accounts", 100_000),
        ] {
            let response = client
                .post(system.url(path))
                .header("x-request-id", "abc.DEF_09:-x")
                .header(header::CONTENT_TYPE, "application/json")
                .body(vec![b' '; body])
                .send()
                .await
                .unwrap();
            assert!(response.status().is_client_error());
            assert_eq!(
                response.headers()["x-request-id"],
                "abc.DEF_09:-x",
                "{path}"
            );
        }
        // An invalid or missing one is replaced, never twice the same.
        let mut made = HashSet::new();
        for given in [
            Some("has space"),
            Some(&*"x".repeat(129)),
            Some("<id>"),
            None,
            None,
        ] {
            let mut request = client.get(system.url("/api/ping"));
            if let Some(given) = given {
                request = request.header("x-request-id", given);
            }
            let response = request.send().await.unwrap();
            let id = response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned();
            assert_eq!(id.len(), 36, "{id}");
            assert!(made.insert(id));
        }
    }
}

/// A browser's preflight for a keyed JSON `POST /api/accounts` from `origin`.
async fn preflight(system: &TestSystem, origin: &str) -> reqwest::Response {
    system
        .http
        .request(Method::OPTIONS, system.url("/api/accounts"))
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "x-api-key, content-type",
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn cors_is_off_by_default_and_exact_when_configured() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    let response = preflight(&system, "https://admin.example.org").await;
    assert!(response
        .headers()
        .keys()
        .all(|name| !name.as_str().starts_with("access-control-")));

    let options = Options {
        cors_allowed_origins: vec!["https://admin.example.org".into()],
        ..Default::default()
    };
    let system = spawn_system_with(Backend::Sqlite, options).await.unwrap();
    let response = preflight(&system, "https://admin.example.org").await;
    assert!(response.status().is_success(), "{}", response.status());
    let headers = response.headers();
    assert_eq!(
        headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://admin.example.org"
    );
    let allowed = headers[header::ACCESS_CONTROL_ALLOW_METHODS]
        .to_str()
        .unwrap();
    assert!(allowed.contains("POST"), "{allowed}");
    let allowed = headers[header::ACCESS_CONTROL_ALLOW_HEADERS]
        .to_str()
        .unwrap();
    assert!(
        allowed.contains("x-api-key") && allowed.contains("content-type"),
        "{allowed}"
    );
    assert_eq!(headers[header::ACCESS_CONTROL_MAX_AGE], "600");
    assert!(vary(headers).contains("origin"));
    assert!(!headers.contains_key(header::ACCESS_CONTROL_ALLOW_CREDENTIALS));

    let response = preflight(&system, "https://evil.example.org").await;
    assert!(!response
        .headers()
        .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));

    // An actual answer, a 401 with its challenge: readable by that page.
    let response = system
        .http
        .get(system.url("/api/ping"))
        .header(header::ORIGIN, "https://admin.example.org")
        .header(header::FROM, format!("sip:{ADMIN}@sip.example.org"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let headers = response.headers();
    assert_eq!(
        headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://admin.example.org"
    );
    let exposed = headers[header::ACCESS_CONTROL_EXPOSE_HEADERS]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for name in [
        "www-authenticate",
        "x-request-id",
        "location",
        "content-location",
        "etag",
        "retry-after",
    ] {
        assert!(exposed.contains(name), "{name} not in {exposed}");
    }
}

#[tokio::test]
async fn a_created_space_is_201_with_its_location_and_an_account_200_with_its_place() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    let key = system.named_key(ADMIN, "places").await;
    let response = system
        .with_key(
            &key,
            Method::POST,
            "/api/spaces",
            Some(json!({"domain": "new.example.org"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        response.headers()[header::LOCATION],
        "/api/spaces/new.example.org"
    );
    let body =
        json!({"username": "placed01", "password": "placed-password", "algorithm": "SHA-256"});
    let response = system
        .with_key(&key, Method::POST, "/api/accounts", Some(body))
        .await;
    let place = response.headers()[header::CONTENT_LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let created = json(response, StatusCode::OK).await;
    assert_eq!(place, format!("/api/accounts/{}", created["id"]));
    let fetched = system.with_key(&key, Method::GET, &place, None).await;
    assert_eq!(json(fetched, StatusCode::OK).await, created);
}

/// At the default log level, a 5xx is logged with the request's id, its
/// method, route and status: the line a user's report leads to.
#[tokio::test]
async fn a_server_error_is_logged_at_the_default_level_with_its_id() {
    let port = crate::processes::free_port();
    let nowhere = crate::processes::free_port();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("gateway.log");
    let gateway = std::process::Command::new(env!("CARGO_BIN_EXE_rest-gateway"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--core-url", &format!("http://127.0.0.1:{nowhere}")])
        .env_remove("RUST_LOG")
        .env("FLEXIAPI_LOG_FORMAT", "json")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    crate::processes::wait_for_port(port);
    let response = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/ping"))
        .header(header::FROM, "sip:someone@sip.example.org")
        .header("x-request-id", "support-5xx-0042")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["x-request-id"], "support-5xx-0042");
    crate::processes::terminate(gateway);
    let lines = std::fs::read_to_string(&log).unwrap();
    let line = lines
        .lines()
        .find(|line| line.contains("support-5xx-0042") && line.contains("server error"))
        .unwrap_or_else(|| panic!("no line names the request: {lines}"));
    let line: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(line["level"], "WARN", "{line}");
    let fields = &line["fields"];
    assert_eq!(
        (
            fields["method"].as_str(),
            fields["route"].as_str(),
            fields["status"].as_u64()
        ),
        (Some("GET"), Some("/api/ping"), Some(503)),
        "{line}"
    );
}
