//! Flexisip's own calls, made as its FlexiAPI client makes them: HTTPS with
//! HTTP/2 only, `accept: application/json` and `x-api-key` (lower-case, as
//! HTTP/2 sends every header), no `From`; with a certificate made here, and
//! the same requests with `curl --http2`. Also: h2c on the plain port,
//! HTTP/1.1 still served over TLS, the certificate reloaded when its files
//! change, and a start refused when they do not load.

use std::time::Duration;

use core_service::testing::Backend;
use rcgen::KeyPair;
use reqwest::{StatusCode, Version};
use rest_gateway::{config::Config, startup::Application as Gateway};
use serde_json::{json, Value};
use tokio::process::Command;

use crate::{
    clients::available,
    helpers::{spawn_system, spawn_system_with, wait_until, Options, TestSystem, ADMIN, DOMAIN},
    test_ca::TestCa,
};

core_service::on_every_backend!(flexisip_gets_its_domains_and_resolves_its_accounts);

async fn tls_system(backend: Backend, ca: &TestCa, reload_seconds: u64) -> Option<TestSystem> {
    spawn_system_with(
        backend,
        Options {
            tls: Some(ca.files()),
            tls_reload_seconds: reload_seconds,
            ..Options::default()
        },
    )
    .await
}

/// One of Flexisip's requests: the status, the HTTP version and the body.
async fn flexisip_get(
    client: &reqwest::Client,
    system: &TestSystem,
    key: &str,
    path: &str,
) -> (StatusCode, Version, Value) {
    let response = client
        .get(system.url(path))
        .header("accept", "application/json")
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    let (status, version) = (response.status(), response.version());
    (status, version, response.json().await.unwrap())
}

async fn flexisip_gets_its_domains_and_resolves_its_accounts(backend: Backend) {
    let ca = TestCa::new();
    ca.issue();
    let Some(system) = tls_system(backend, &ca, 60).await else {
        return;
    };
    assert!(system.base.starts_with("https://"));
    system
        .grpc_create_account_in("bob00001", "sip.example.com", "bob-pw", "MD5", false)
        .await;
    let alice = system
        .grpc_create_account("alice01", "alice-pw", "SHA-256", false)
        .await;
    let key = system.named_key(ADMIN, "flexisip").await;
    let client = ca.flexisip_client();

    let (status, version, spaces) = flexisip_get(&client, &system, &key, "/api/spaces").await;
    assert_eq!((status, version), (StatusCode::OK, Version::HTTP_2));
    let domains: Vec<_> = spaces
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["domain"].clone())
        .collect();
    assert_eq!(domains, [json!("sip.example.com"), json!(DOMAIN)]);

    let search = format!("/api/accounts/alice01@{DOMAIN}/search");
    let (status, _, found) = flexisip_get(&client, &system, &key, &search).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["id"], alice.id);
    assert_eq!(found["sip_uri"], format!("sip:alice01@{DOMAIN}"));
    assert_eq!(found["call_forwardings"], json!([]));

    // Flexisip escapes the address it resolves.
    let resolve = format!("/api/resolve/sip%3Aalice01%40{DOMAIN}");
    let (status, _, resolved) = flexisip_get(&client, &system, &key, &resolve).await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert_eq!(resolved["type"], "account");
    assert_eq!(resolved["payload"]["id"], alice.id);
    assert_eq!(
        resolved["payload"]["sip_uri"],
        format!("sip:alice01@{DOMAIN}")
    );
    assert_eq!(resolved["payload"]["call_forwardings"], json!([]));

    let unknown = format!("/api/resolve/nobody01@{DOMAIN}");
    let (status, _, body) = flexisip_get(&client, &system, &key, &unknown).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"message": "SIP address not found"}));
    let (status, _, body) =
        flexisip_get(&client, &system, "0".repeat(40).as_str(), "/api/spaces").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"message": "Invalid API Key"}));
    // A Flexisip whose `url` ends in /api/ puts its own /api/ paths after
    // it: a 404 that names the setting, not a bare one
    // (`…/api` without the slash gives /api/api/…).
    for path in ["/api//api/spaces", "/api/api/spaces"] {
        let (status, _, body) = flexisip_get(&client, &system, &key, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let message = body["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("No route for {path}: "))
                && message.contains("[global::flexiapi] url must be the server's origin only"),
            "{message}"
        );
    }

    if available("curl", &["--version"]).await {
        let (body, version) = curl_get(&ca, &system, &key, "/api/spaces", &["--http2"]).await;
        assert_eq!(version, "2", "curl negotiated HTTP/2 by ALPN");
        let spaces: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(spaces.as_array().unwrap().len(), 2);
        let (body, _) = curl_get(&ca, &system, &key, &resolve, &["--http2"]).await;
        let resolved: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(resolved["payload"]["id"], alice.id);
        let (_, version) = curl_get(&ca, &system, &key, "/api/spaces", &["--http1.1"]).await;
        assert_eq!(version, "1.1", "HTTP/1.1 clients are still served over TLS");
    }
}

/// `curl` with the CA and Flexisip's headers: the body and `%{http_version}`.
async fn curl_get(
    ca: &TestCa,
    system: &TestSystem,
    key: &str,
    path: &str,
    extra: &[&str],
) -> (String, String) {
    let output = Command::new("curl")
        .args(["--silent", "--show-error", "--fail-with-body"])
        .args(extra)
        .arg("--cacert")
        .arg(ca.path("ca.pem"))
        .args(["--header", "accept: application/json"])
        .args(["--header", &format!("x-api-key: {key}")])
        .args(["--write-out", "\n%{http_version}"])
        .arg(system.url(path))
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, version) = stdout.rsplit_once('\n').unwrap();
    (body.to_owned(), version.to_owned())
}

#[tokio::test]
async fn the_plain_port_speaks_h2c_with_prior_knowledge() {
    if !available("curl", &["--version"]).await {
        return;
    }
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    let output = Command::new("curl")
        .args(["--silent", "--http2-prior-knowledge"])
        .args(["--write-out", " %{http_version}"])
        .arg(system.url("/healthz/live"))
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.ends_with(" 2"), "{stdout}");
}

#[tokio::test]
async fn a_renewed_certificate_is_served_without_a_restart() {
    let ca = TestCa::new();
    let first = ca.issue();
    let system = tls_system(Backend::Sqlite, &ca, 1).await.unwrap();
    let served = async || {
        // A new client each time: a new connection, a new handshake.
        let response = ca
            .flexisip_client()
            .get(system.url("/healthz/live"))
            .send()
            .await
            .unwrap();
        let info = response
            .extensions()
            .get::<reqwest::tls::TlsInfo>()
            .cloned();
        info.and_then(|i| i.peer_certificate().map(<[u8]>::to_vec))
    };
    assert_eq!(served().await.as_deref(), Some(first.as_slice()));

    // A half-written renewal (a key that is not the certificate's) is not
    // taken: the certificate in service stays.
    std::fs::write(
        ca.path("key.pem"),
        KeyPair::generate().unwrap().serialize_pem(),
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(served().await.as_deref(), Some(first.as_slice()));

    let second = ca.issue();
    let renewed = wait_until(Duration::from_secs(5), async || {
        served().await.as_deref() == Some(second.as_slice())
    })
    .await;
    assert!(renewed, "the renewed certificate is served within 5 s");
}

#[tokio::test]
async fn certificate_files_that_do_not_load_fail_the_start_naming_the_flag() {
    let ca = TestCa::new();
    ca.issue();
    let (cert, key) = ca.files();
    let other_key = ca.path("other-key.pem");
    std::fs::write(&other_key, KeyPair::generate().unwrap().serialize_pem()).unwrap();
    let not_pem = ca.path("not.pem");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let missing = ca.path("missing.pem");
    let cases = [
        (missing.clone(), key.clone(), "cannot read --tls-cert-file"),
        (cert.clone(), missing, "cannot read --tls-key-file"),
        (not_pem.clone(), key.clone(), "--tls-cert-file"),
        (cert.clone(), not_pem, "--tls-key-file"),
        (cert, other_key, "does not go with --tls-cert-file"),
    ];
    for (cert, key, expected) in cases {
        let config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            core_url: "http://127.0.0.1:1".into(),
            body_limit_bytes: 1024,
            tls_cert_file: Some(cert),
            tls_key_file: Some(key),
            ..Config::default()
        };
        let Err(error) = Gateway::build(&config).await else {
            panic!("started with {expected}");
        };
        let error = format!("{error:#}");
        assert!(error.contains(expected), "{expected}: {error}");
    }
}
