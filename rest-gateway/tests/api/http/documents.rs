//! Compression, conditional GET and the explorer (contract `http.md` §2,
//! §4, §6), seen by reqwest and curl.

use core_service::testing::Backend;
use reqwest::{header, StatusCode};

use super::vary;
use crate::helpers::{json, spawn_system};

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
        .get_text("/api/explorer/swagger-initializer.js")
        .await;
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
    let page = system.get_text("/api").await;
    assert!(page.contains("/api/explorer"));
}
