//! The provisioning email, through the SMTP relay of part 4 (a local fake
//! speaking SMTP): to the account's address, with the link and the QR code
//! link of a new token, and no other secret.

use core_service::{
    adapters::delivery::{DeliveryConfig, SmtpConfig},
    testing::Backend,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{fetch, json, xml_of};
use crate::{
    helpers::{spawn_system_with, Options},
    onboarding::SmtpSink,
};

core_service::on_every_backend!(the_provisioning_email_carries_a_working_link_and_nothing_else);

async fn the_provisioning_email_carries_a_working_link_and_nothing_else(backend: Backend) {
    let smtp = SmtpSink::start().await;
    let options = Options {
        delivery: DeliveryConfig {
            smtp: Some(SmtpConfig {
                url: smtp.url(),
                from: Some("accounts@sip.example.org".into()),
                from_name: None,
            }),
            ..DeliveryConfig::default()
        },
        ..Options::default()
    };
    let Some(system) = spawn_system_with(backend, options).await else {
        return;
    };
    let without = system
        .grpc_create_account("liam0001", "liam-password", "SHA-256", false)
        .await;
    let path = format!("/api/accounts/{}/send_provisioning_email", without.id);
    let refused = system.admin().send(Method::POST, &path, None).await;
    assert_eq!(
        json(refused, StatusCode::FORBIDDEN).await,
        json!({"message": "No email configured"})
    );
    let created = system
        .admin()
        .json(
            Method::POST,
            "/api/accounts",
            Some(json!({"username": "mona0001", "password": "mona-password",
                        "algorithm": "SHA-256", "email": "mona@example.net", "activated": true})),
            StatusCode::OK,
        )
        .await;
    let id = created["id"].as_i64().unwrap();
    let path = format!("/api/accounts/{id}/send_provisioning_email");
    let sent = system
        .admin()
        .json(Method::POST, &path, None, StatusCode::OK)
        .await;
    assert_eq!(sent, json!({}));
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.to, ["mona@example.net"]);
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Welcome to sip.example.org: Start using your account today")
    );
    let prefix = system.url("/provisioning/");
    let token: String = mail.data[mail.data.find(&prefix).unwrap() + prefix.len()..]
        .chars()
        .take(13)
        .collect();
    assert!(mail
        .data
        .contains(&system.url(&format!("/provisioning/qrcode/{token}"))));
    assert!(!mail.data.contains("mona-password"));
    let document = xml_of(fetch(&system, &format!("/provisioning/{token}"), true).await).await;
    let ha1 = super::Document::parse(&document)
        .value("auth_info_0", "ha1")
        .unwrap()
        .to_owned();
    assert!(!mail.data.contains(&ha1));

    // A relay that refuses: 503, and no token was made (the previous one,
    // made by the admin, still works).
    let current = super::provisioning_token(&system, id).await;
    smtp.refuse(true);
    let failed = system.admin().send(Method::POST, &path, None).await;
    assert_eq!(
        json(failed, StatusCode::SERVICE_UNAVAILABLE).await,
        json!({"message": "Email not sent"})
    );
    xml_of(fetch(&system, &format!("/provisioning/{current}"), true).await).await;
}
