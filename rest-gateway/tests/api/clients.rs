//! Real third-party clients, unchanged: curl and Python `requests`. Each
//! runs when present; `scripts/test` installs both, and CI sets
//! `FLEXIAPI_REQUIRE_CLIENTS=1` so a missing one fails instead of skipping.

use core_service::testing::Backend;
use tokio::process::Command;

use crate::helpers::{spawn_system, DOMAIN};

core_service::on_every_backend!(
    curl_digest_works_with_md5_and_sha256,
    python_requests_works_with_md5_and_sha256
);

/// `None` (test skipped, or failed under CI) when `program` is missing.
pub async fn available(program: &str, probe: &[&str]) -> bool {
    let found = Command::new(program)
        .args(probe)
        .output()
        .await
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("FLEXIAPI_REQUIRE_CLIENTS").is_none(),
            "{program} is required (FLEXIAPI_REQUIRE_CLIENTS is set) but missing"
        );
        eprintln!("skipped: {program} is not installed");
    }
    found
}

async fn curl_digest_works_with_md5_and_sha256(backend: Backend) {
    if !available("curl", &["--version"]).await {
        return;
    }
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    for (username, algorithm) in [("md5user", "MD5"), ("sha256user", "SHA-256")] {
        system
            .grpc_create_account(username, "secret pw!", algorithm, false)
            .await;
        let url = system.url("/api/ping");
        let stdout = curl_digest(&url, username, DOMAIN, "secret pw!").await;
        assert_eq!(stdout, "pong 200", "{algorithm}");
        let stdout = curl_digest(&url, username, DOMAIN, "wrong").await;
        assert_eq!(stdout, "{\"message\":\"Unauthorized\"} 401", "{algorithm}");
    }
}

/// `curl --digest` as a user would type it; the body and the status code.
pub async fn curl_digest(url: &str, username: &str, domain: &str, password: &str) -> String {
    let output = Command::new("curl")
        .args([
            "--silent",
            "--show-error",
            "--digest",
            "--user",
            &format!("{username}:{password}"),
        ])
        .args(["--header", &format!("From: sip:{username}@{domain}")])
        .args(["--header", "Accept: application/json"])
        .args(["--write-out", " %{http_code}"])
        .arg(url)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const PYTHON_CLIENT: &str = r#"
import sys, requests
from requests.auth import HTTPDigestAuth
base, username, password, sip_from = sys.argv[1:5]
session = requests.Session()
session.auth = HTTPDigestAuth(username, password)
session.headers.update({"From": sip_from, "Accept": "application/json"})
for path in ["/api/ping", "/api/ping", "/api/devices"]:
    r = session.get(base + path)
    print(r.status_code, r.text)
"#;

async fn python_requests_works_with_md5_and_sha256(backend: Backend) {
    if !available("python3", &["-c", "import requests"]).await {
        return;
    }
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    for (username, algorithm) in [("md5user", "MD5"), ("sha256user", "SHA-256")] {
        system
            .grpc_create_account(username, "secret-pw", algorithm, false)
            .await;
        let output = Command::new("python3")
            .args(["-c", PYTHON_CLIENT, &system.base, username, "secret-pw"])
            .arg(format!("sip:{username}@{DOMAIN}"))
            .output()
            .await
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            stdout,
            "200 pong\n200 pong\n200 {}\n",
            "{algorithm}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
