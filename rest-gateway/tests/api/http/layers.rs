//! Request ids, CORS, compression, conditional GET and the places of what
//! a POST made (contract `http.md` §3-6), seen by real clients: reqwest
//! over HTTP/1.1 and HTTP/2, and curl.

use std::collections::HashSet;

use core_service::testing::Backend;
use reqwest::{header, Method, StatusCode};
use serde_json::json;

use crate::helpers::{json, spawn_system, spawn_system_with, Options, ADMIN};

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

#[tokio::test]
async fn cors_is_off_by_default_and_exact_when_configured() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    let preflight = |origin: &str| {
        system
            .http
            .request(Method::OPTIONS, system.url("/api/accounts"))
            .header(header::ORIGIN, origin.to_owned())
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "x-api-key, content-type",
            )
            .send()
    };
    let response = preflight("https://admin.example.org").await.unwrap();
    assert!(response
        .headers()
        .keys()
        .all(|name| !name.as_str().starts_with("access-control-")));

    let options = Options {
        cors_allowed_origins: vec!["https://admin.example.org".into()],
        ..Default::default()
    };
    let system = spawn_system_with(Backend::Sqlite, options).await.unwrap();
    let preflight = |origin: &str| {
        system
            .http
            .request(Method::OPTIONS, system.url("/api/accounts"))
            .header(header::ORIGIN, origin.to_owned())
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "x-api-key, content-type",
            )
            .send()
    };
    let response = preflight("https://admin.example.org").await.unwrap();
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

    let response = preflight("https://evil.example.org").await.unwrap();
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

fn vary(headers: &header::HeaderMap) -> String {
    headers
        .get_all(header::VARY)
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

/// curl, which decodes what it asked for: the answer's encoding, and
/// whether the decoded body is the document.
fn curl_encoding(url: &str, accept: &str) -> (String, serde_json::Value) {
    let output = std::process::Command::new("curl")
        .args([
            "-s",
            "-D",
            "-",
            "-o",
            "/dev/null",
            "-H",
            &format!("Accept-Encoding: {accept}"),
            url,
        ])
        .output()
        .unwrap();
    let head = String::from_utf8_lossy(&output.stdout).to_ascii_lowercase();
    let encoding = head
        .lines()
        .find_map(|l| l.strip_prefix("content-encoding: "))
        .unwrap_or("identity")
        .trim()
        .to_owned();
    let output = std::process::Command::new("curl")
        .args([
            "-s",
            "--compressed",
            "-H",
            &format!("Accept-Encoding: {accept}"),
            url,
        ])
        .output()
        .unwrap();
    (
        encoding,
        serde_json::from_slice(&output.stdout).unwrap_or_default(),
    )
}

#[tokio::test]
async fn large_answers_are_compressed_as_the_client_prefers_and_secrets_never() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    let url = system.url("/api/openapi.json");
    for (accept, expected) in [
        ("zstd, br, gzip", "zstd"),
        ("gzip;q=1, br;q=0.5", "gzip"),
        ("br", "br"),
        ("identity", "identity"),
    ] {
        let (encoding, document) = tokio::task::spawn_blocking({
            let url = url.clone();
            move || curl_encoding(&url, accept)
        })
        .await
        .unwrap();
        assert_eq!(encoding, expected, "{accept}");
        assert_eq!(document["openapi"], "3.1.0", "{accept}");
    }
    // No Accept-Encoding (Linphone's and Flexisip's clients): as it is.
    let response = reqwest::Client::builder()
        .no_gzip()
        .build()
        .unwrap()
        .get(&url)
        .send()
        .await
        .unwrap();
    assert!(!response.headers().contains_key(header::CONTENT_ENCODING));
    assert!(vary(response.headers()).contains("accept-encoding"));
    // A small answer is never compressed.
    let response = system
        .http
        .get(system.url("/api/nowhere"))
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert!(!response.headers().contains_key(header::CONTENT_ENCODING));
    // The API key answer is never compressed, whatever its size.
    let mut admin = system.admin();
    let authorization = admin
        .authorization_for_next("GET", "/api/accounts/me/api_key")
        .await;
    let response = system
        .http
        .get(system.url("/api/accounts/me/api_key"))
        .header(header::FROM, admin.sip_from())
        .header(header::AUTHORIZATION, authorization)
        .header(header::ACCEPT_ENCODING, "gzip, br, zstd")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!response.headers().contains_key(header::CONTENT_ENCODING));
}

#[tokio::test]
async fn documents_answer_if_none_match_with_304() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    for path in [
        "/api/openapi.json",
        "/api",
        "/api/explorer",
        "/api/explorer/swagger-ui-bundle.js",
    ] {
        let response = system.http.get(system.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let tag = response.headers()[header::ETAG].clone();
        let again = system
            .http
            .get(system.url(path))
            .header(header::IF_NONE_MATCH, tag.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(again.headers()[header::ETAG], tag);
        assert!(again.bytes().await.unwrap().is_empty());
        let other = system
            .http
            .get(system.url(path))
            .header(header::IF_NONE_MATCH, "\"something-else\"")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn the_explorer_serves_its_own_files_under_a_strict_policy() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    let response = system
        .http
        .get(system.url("/api/explorer"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let policy = response.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    let page = response.text().await.unwrap();
    let mut assets = 0;
    for link in page
        .split(['"', '\''])
        .filter(|part| part.ends_with(".js") || part.ends_with(".css") || part.ends_with(".png"))
    {
        assert!(
            link.starts_with("/api/explorer/"),
            "{link} is not served here"
        );
        let asset = system.http.get(system.url(link)).send().await.unwrap();
        assert_eq!(asset.status(), StatusCode::OK, "{link}");
        let kind = asset.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let expected = if link.ends_with(".js") {
            "text/javascript"
        } else if link.ends_with(".css") {
            "text/css"
        } else {
            "image/png"
        };
        assert!(kind.starts_with(expected), "{link}: {kind}");
        assets += 1;
    }
    assert!(assets >= 5, "{page}");
    let initializer = system
        .http
        .get(system.url("/api/explorer/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(initializer.contains("/api/openapi.json"), "{initializer}");
    let missing = system
        .http
        .get(system.url("/api/explorer/nothing.js"))
        .send()
        .await
        .unwrap();
    let answer = json(missing, StatusCode::NOT_FOUND).await;
    assert!(answer["message"].is_string());
    // The /api page links to it.
    let page = system
        .http
        .get(system.url("/api"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/api/explorer"));
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
