//! A FlexiAPI 2026 database's space app settings move in with `import
//! flexiapi`: the document the apps get is the one they got there, a value
//! this server refuses is named in the report, not silently taken, and a
//! space here that already has accounts keeps its own settings.

use core_service::testing::{Backend, TestSource};
use reqwest::{Method, StatusCode};

use super::{fetch, provisioning_token, xml_of, Document};
use crate::{
    helpers::spawn_system,
    import::{args, run_import, COM},
};

core_service::on_every_backend!(flexiapi_space_app_settings_move_in);

async fn flexiapi_space_app_settings_move_in(backend: Backend) {
    let Some(source) = TestSource::load("flexiapi-2026.sql").await.unwrap() else {
        return;
    };
    source
        .execute(
            "UPDATE spaces SET disable_chat_feature = 1, disable_broadcast_feature = 0, \
             max_account = 3, account_proxy_registrar_address = 'sip:proxy.example.com', \
             custom_provisioning_entries = '[sip]\\nguess_hostname = no', \
             custom_provisioning_overwrite_all = 1 WHERE domain = 'sip.example.com'",
        )
        .await
        .unwrap();
    source
        .execute("UPDATE spaces SET hide_settings = 1 WHERE domain = 'sip.example.org'")
        .await
        .unwrap();
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let report = run_import(&system, &args(&source)).await;
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("space sip.example.com: account_proxy_registrar_address left out")),
        "{:?}",
        report.notes
    );
    let admin = &mut system.admin();
    let com = admin
        .json(
            Method::GET,
            &format!("/api/spaces/{COM}"),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(com["disable_chat_feature"], true);
    assert_eq!(com["disable_broadcast_feature"], false);
    assert_eq!(com["max_account"], 3);
    // FlexiAPI took a SIP URI there; this server refuses it: the domain.
    assert_eq!(
        com["account_proxy_registrar_address"],
        serde_json::Value::Null
    );
    assert_eq!(com["custom_provisioning_overwrite_all"], true);
    assert_eq!(com["account_transport"], "tls");
    let org = admin
        .json(
            Method::GET,
            "/api/spaces/sip.example.org",
            None,
            StatusCode::OK,
        )
        .await;
    // Here already with accounts (the test's admin): its settings stay.
    assert_eq!(org["hide_settings"], false);

    // erin@sip.example.com's document is what FlexiAPI's space said.
    let erin = admin
        .json(
            Method::GET,
            &format!("/api/accounts/erin@{COM}/search"),
            None,
            StatusCode::OK,
        )
        .await;
    let token = provisioning_token(&system, erin["id"].as_i64().unwrap()).await;
    let xml = xml_of(fetch(&system, &format!("/provisioning/{token}"), true).await).await;
    let document = Document::parse(&xml);
    assert_eq!(document.value("sip", "guess_hostname"), Some("no"));
    assert_eq!(
        document.value("proxy_0", "reg_proxy"),
        Some("<sip:sip.example.com;transport=tls>")
    );
    assert_eq!(document.value("proxy_0", "realm"), Some("example-realm"));
    assert_eq!(
        document.value("auth_info_0", "realm"),
        Some("example-realm")
    );
    assert_eq!(document.value("ui", "disable_chat_feature"), Some("1"));
}
