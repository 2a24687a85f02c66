//! The QR code: a PNG that `zbarimg` decodes back to the provisioning URL,
//! which the token still opens (showing the code spends nothing).

use core_service::testing::Backend;
use reqwest::{header, StatusCode};
use serde_json::json;

use super::{fetch, json, provisioning_token, xml_of};
use crate::{
    clients::available,
    helpers::{spawn_system, spawn_system_with, Options, TestSystem},
    test_ca::TestCa,
};

core_service::on_every_backend!(
    the_qr_code_decodes_to_the_provisioning_url_and_spends_nothing,
    a_public_url_is_what_the_code_and_the_document_point_at,
    behind_tls_the_links_are_https_and_the_document_comes_over_http2,
);

/// The text `zbarimg` reads in a PNG.
async fn decode(png: &[u8]) -> String {
    let file = tempfile::NamedTempFile::with_suffix(".png").unwrap();
    std::fs::write(file.path(), png).unwrap();
    let output = tokio::process::Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(file.path())
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// The PNG and its `X-Qrcode-URL`, checked as the contract says.
async fn qr(system: &TestSystem, path: &str) -> (Vec<u8>, String) {
    let response = fetch(system, path, false).await;
    assert_eq!(response.status(), StatusCode::OK, "{response:?}");
    assert_eq!(response.headers()[header::CONTENT_TYPE], "image/png");
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let url = response.headers()["x-qrcode-url"]
        .to_str()
        .unwrap()
        .to_owned();
    (response.bytes().await.unwrap().to_vec(), url)
}

async fn the_qr_code_decodes_to_the_provisioning_url_and_spends_nothing(backend: Backend) {
    if !available("zbarimg", &["--version"]).await {
        return;
    }
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let account = system
        .grpc_create_account("jade0001", "jade-password", "SHA-256", false)
        .await;
    let token = provisioning_token(&system, account.id).await;
    let (png, url) = qr(&system, &format!("/provisioning/qrcode/{token}")).await;
    assert_eq!(url, system.url(&format!("/provisioning/{token}")));
    assert_eq!(decode(&png).await, url);
    let (png, url) = qr(
        &system,
        &format!("/provisioning/qrcode/{token}?reset_password"),
    )
    .await;
    assert!(url.ends_with("?reset_password=1"), "{url}");
    assert_eq!(decode(&png).await, url);
    // The document is still there to fetch.
    xml_of(fetch(&system, &format!("/provisioning/{token}"), true).await).await;
    let spent = fetch(&system, &format!("/provisioning/qrcode/{token}"), false).await;
    assert_eq!(
        json(spent, StatusCode::NOT_FOUND).await,
        json!({"message": "Provisioning token not found"})
    );
}

async fn a_public_url_is_what_the_code_and_the_document_point_at(backend: Backend) {
    if !available("zbarimg", &["--version"]).await {
        return;
    }
    let options = Options {
        public_url: Some("https://accounts.example.org".into()),
        ..Options::default()
    };
    let Some(system) = spawn_system_with(backend, options).await else {
        return;
    };
    let account = system
        .grpc_create_account("kate0001", "kate-password", "SHA-256", false)
        .await;
    let token = provisioning_token(&system, account.id).await;
    let (png, url) = qr(&system, &format!("/provisioning/qrcode/{token}")).await;
    assert_eq!(
        url,
        format!("https://accounts.example.org/provisioning/{token}")
    );
    assert_eq!(decode(&png).await, url);
    let document = super::Document::parse(
        &xml_of(fetch(&system, &format!("/provisioning/{token}"), true).await).await,
    );
    assert_eq!(
        document.value("misc", "config-uri"),
        Some("https://accounts.example.org/provisioning/me")
    );
}

async fn behind_tls_the_links_are_https_and_the_document_comes_over_http2(backend: Backend) {
    let ca = TestCa::new();
    ca.issue();
    let options = Options {
        tls: Some(ca.files()),
        ..Options::default()
    };
    let Some(system) = spawn_system_with(backend, options).await else {
        return;
    };
    let account = system
        .grpc_create_account("lena0001", "lena-password", "MD5", false)
        .await;
    let client = ca.flexisip_client();
    let key = system.named_key(crate::helpers::ADMIN, "ops").await;
    let made = client
        .get(system.url(&format!("/api/accounts/{}/provision", account.id)))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    let made = json(made, StatusCode::OK).await;
    let token = made["provisioning_token"].as_str().unwrap();
    let qr = client
        .get(system.url(&format!("/provisioning/qrcode/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(qr.version(), reqwest::Version::HTTP_2);
    let url = qr.headers()["x-qrcode-url"].to_str().unwrap().to_owned();
    assert_eq!(url, system.url(&format!("/provisioning/{token}")));
    assert!(url.starts_with("https://"), "{url}");
    let document = client
        .get(&url)
        .header("X-Linphone-Provisioning", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(document.version(), reqwest::Version::HTTP_2);
    let document = super::Document::parse(&xml_of(document).await);
    assert!(document
        .value("misc", "config-uri")
        .is_some_and(|uri| uri.starts_with("https://")));
}
