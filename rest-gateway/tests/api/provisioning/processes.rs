//! The two binaries as an operator runs them (the default log level), an
//! app provisioned with curl, by token, QR code and Digest with a reset
//! password; then their logs are read: no token, HA1, password or key.

use std::process::Stdio;

use tokio::process::Command;

use super::Document;
use crate::{
    clients::available,
    helpers::DOMAIN,
    processes::{core_binary, create_admin, free_port, terminate, wait_for_port},
};

/// `curl` with liblinphone's header; the body and the status.
async fn curl(args: &[&str]) -> (String, String) {
    let output = Command::new("curl")
        .args(["--silent", "--show-error", "--write-out", "\n%{http_code}"])
        .args(["--header", "X-Linphone-Provisioning: 1"])
        .args(args)
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    let (body, status) = text.rsplit_once('\n').unwrap();
    (body.to_owned(), status.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_provisioned_with_curl_leaves_no_secret_in_the_logs() {
    if !available("curl", &["--version"]).await {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("core.sqlite").display()
    );
    create_admin(&database_url);
    let key = std::process::Command::new(core_binary())
        .args([
            "api-keys",
            "create",
            "--username",
            "admin01",
            "--name",
            "ops",
        ])
        .env("DATABASE_URL", &database_url)
        .output()
        .unwrap();
    let key = String::from_utf8(key.stdout).unwrap().trim().to_owned();
    let (core_port, gateway_port) = (free_port(), free_port());
    let (core_log, gateway_log) = (dir.path().join("core.log"), dir.path().join("gw.log"));
    let log = |path: &std::path::Path| Stdio::from(std::fs::File::create(path).unwrap());
    let core = std::process::Command::new(core_binary())
        .args(["serve", "--listen", &format!("127.0.0.1:{core_port}")])
        .env("DATABASE_URL", &database_url)
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(log(&core_log))
        .spawn()
        .unwrap();
    wait_for_port(core_port);
    let gateway = std::process::Command::new(env!("CARGO_BIN_EXE_rest-gateway"))
        .args(["--listen", &format!("127.0.0.1:{gateway_port}")])
        .args(["--core-url", &format!("http://127.0.0.1:{core_port}")])
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(log(&gateway_log))
        .spawn()
        .unwrap();
    wait_for_port(gateway_port);
    let base = format!("http://127.0.0.1:{gateway_port}");
    let http = reqwest::Client::new();

    let created = http
        .post(format!("{base}/api/accounts"))
        .header("x-api-key", &key)
        .json(
            &serde_json::json!({"username": "olga0001", "password": "olga-password",
                                  "algorithm": "SHA-256", "activated": true}),
        )
        .send()
        .await
        .unwrap();
    let created: serde_json::Value = created.json().await.unwrap();
    let provision = format!("{base}/api/accounts/{}/provision", created["id"]);
    let made: serde_json::Value = http
        .get(provision)
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = made["provisioning_token"].as_str().unwrap().to_owned();
    let qr = dir.path().join("qr.png");
    let qr_url = format!("{base}/provisioning/qrcode/{token}");
    let (_, status) = curl(&["--output", qr.to_str().unwrap(), &qr_url]).await;
    assert_eq!(status, "200");
    let (xml, status) = curl(&[&format!("{base}/provisioning/{token}?reset_password")]).await;
    assert_eq!(status, "200", "{xml}");
    let ha1 = Document::parse(&xml)
        .value("auth_info_0", "ha1")
        .unwrap()
        .to_owned();
    // The old password stopped; the reset one is known to nobody, so the
    // next start is shown with a key instead of Digest.
    let (_, status) = curl(&[
        "--digest",
        "--user",
        "olga0001:olga-password",
        "--header",
        &format!("From: sip:olga0001@{DOMAIN}"),
        &format!("{base}/provisioning/me"),
    ])
    .await;
    assert_eq!(status, "401");
    let (admin_xml, status) = curl(&[
        "--digest",
        "--user",
        &format!("admin01:{}", crate::helpers::ADMIN_PASSWORD),
        "--header",
        &format!("From: sip:admin01@{DOMAIN}"),
        &format!("{base}/provisioning/me"),
    ])
    .await;
    assert_eq!(
        status, "200",
        "curl --digest on /provisioning/me: {admin_xml}"
    );
    let admin_ha1 = Document::parse(&admin_xml)
        .value("auth_info_0", "ha1")
        .unwrap()
        .to_owned();

    terminate(core);
    terminate(gateway);
    for path in [&core_log, &gateway_log] {
        let text = std::fs::read_to_string(path).unwrap();
        for secret in [
            token.as_str(),
            ha1.as_str(),
            admin_ha1.as_str(),
            key.as_str(),
            "olga-password",
        ] {
            assert!(
                !text.contains(secret),
                "{} holds a secret:\n{text}",
                path.display()
            );
        }
    }
}
