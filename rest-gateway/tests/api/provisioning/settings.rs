//! The space's app settings on `/api/spaces` (contract part 5): validated
//! with FlexiAPI's messages, stored, and written into the documents.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::{fetch, provisioning_token, xml_of, Document};
use crate::helpers::{spawn_system, TestSystem, DOMAIN};

core_service::on_every_backend!(
    app_settings_round_trip_and_reach_the_document,
    broken_app_settings_are_422s_with_flexiapis_words,
);

async fn put_space(system: &TestSystem, body: Value, status: StatusCode) -> Value {
    system
        .admin()
        .json(
            Method::PUT,
            &format!("/api/spaces/{DOMAIN}"),
            Some(body),
            status,
        )
        .await
}

async fn app_settings_round_trip_and_reach_the_document(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let space = put_space(
        &system,
        json!({
            "account_proxy_registrar_address": "proxy.example.org:5061",
            "account_transport": "tcp",
            "custom_provisioning_entries": "[sip]\nguess_hostname = no\n[proxy_0]\nreg_route = <sip:edge.example.org;lr>\n",
            "custom_provisioning_overwrite_all": true,
            "disable_chat_feature": true,
            "max_account": 2,
        }),
        StatusCode::OK,
    )
    .await;
    assert_eq!(space["account_transport"], "tcp");
    assert_eq!(space["disable_chat_feature"], true);
    assert_eq!(
        space["disable_broadcast_feature"], true,
        "FlexiAPI's default"
    );
    assert_eq!(space["hide_settings"], false);
    // Absent on PUT: unchanged; null clears.
    let space = put_space(
        &system,
        json!({"account_proxy_registrar_address": null}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(space["account_proxy_registrar_address"], Value::Null);
    assert_eq!(space["account_transport"], "tcp");
    assert_eq!(space["max_account"], 2);
    put_space(
        &system,
        json!({"account_proxy_registrar_address": "[2001:db8::5]:5060"}),
        StatusCode::OK,
    )
    .await;

    let account = system
        .grpc_create_account("nina0001", "nina-password", "SHA-256", false)
        .await;
    let token = provisioning_token(&system, account.id).await;
    let xml = xml_of(fetch(&system, &format!("/provisioning/{token}"), true).await).await;
    let document = Document::parse(&xml);
    let names: Vec<&str> = document.sections.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["sip", "proxy_0", "ui", "misc", "auth_info_0"]);
    assert_eq!(document.value("sip", "guess_hostname"), Some("no"));
    // The operator's reg_route wins; the rest is generated.
    assert_eq!(
        document.value("proxy_0", "reg_route"),
        Some("<sip:edge.example.org;lr>")
    );
    assert_eq!(
        document.value("proxy_0", "reg_proxy"),
        Some("<sip:[2001:db8::5]:5060;transport=tcp>")
    );
    assert_eq!(document.value("ui", "disable_chat_feature"), Some("1"));
    assert_eq!(document.value("ui", "max_account"), Some("2"));
    assert_eq!(document.value("ui", "super"), Some("1"));
    assert!(document
        .sections
        .iter()
        .all(|(_, entries)| entries.values().all(|e| e.overwrite)));
}

async fn broken_app_settings_are_422s_with_flexiapis_words(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let refused = put_space(
        &system,
        json!({
            "account_transport": "sctp",
            "disable_chat_feature": "1",
            "max_account": "3",
            "account_proxy_registrar_address": "sip:proxy",
        }),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let errors = &refused["errors"];
    assert_eq!(
        errors["disable_chat_feature"],
        json!(["The disable_chat_feature field must be true or false."])
    );
    assert_eq!(
        errors["max_account"],
        json!(["The max_account field must be an integer."])
    );
    let refused = put_space(
        &system,
        json!({"account_transport": "sctp", "account_proxy_registrar_address": "sip:proxy"}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let mut fields: Vec<&String> = refused["errors"].as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(
        fields,
        ["account_proxy_registrar_address", "account_transport"]
    );
    for (ini, message) in [
        ("key = value", "Invalid ini format."),
        ("[sip]\nno equals", "Invalid ini format."),
        (
            "[ui]\nhide_settings=1\n[auth_info_0]\nha1=x",
            "Invalid ini format. The following settings cannot be set, they are already handled by the platform: hide_settings, auth_info_0",
        ),
    ] {
        let refused = put_space(
            &system,
            json!({"custom_provisioning_entries": ini}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(
            refused["errors"]["custom_provisioning_entries"],
            json!([message]),
            "{ini:?}"
        );
    }
    let huge = format!("[sip]\nx = {}", "y".repeat(17 * 1024));
    put_space(
        &system,
        json!({"custom_provisioning_entries": huge}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    // Nothing of it was stored.
    let space = system
        .admin()
        .json(
            Method::GET,
            &format!("/api/spaces/{DOMAIN}"),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(space["account_transport"], "tls");
    assert_eq!(space["custom_provisioning_entries"], Value::Null);
}

/// The OpenAPI document's patterns say what the core's parsers accept, so
/// a client (and Schemathesis) can tell a good value from a bad one.
#[test]
fn the_documented_patterns_are_the_parsers() {
    use core_service::domain::{app_settings::parse_proxy, ini::CustomEntries};
    let proxy = regex::Regex::new(rest_gateway::openapi::PROXY_PATTERN).unwrap();
    for sample in [
        "sip.example.org",
        "Proxy.Example.org:5061",
        "192.0.2.1:5060",
        "999.1.1.1",
        "[2001:db8::1]",
        "[::]:1",
        "[::ffff:192.0.2.1]",
        "[:::]",
        "a-.example.org",
        "example.org.",
        "sip:proxy",
        "proxy:0",
        "proxy:65535",
        "proxy:65536",
        "proxy:05060",
        "",
        &format!("{}.org", "a".repeat(63)),
        &format!("{}.org", "a".repeat(64)),
    ] {
        assert_eq!(
            proxy.is_match(sample),
            parse_proxy(sample).is_ok(),
            "{sample:?}"
        );
    }
    // The line grammar; the rules between lines (a name twice, a name the
    // platform writes) are the refusals the pattern cannot state.
    let ini = regex::Regex::new(rest_gateway::openapi::INI_PATTERN).unwrap();
    for sample in [
        "",
        "\n\n",
        "; only a comment\n# another",
        "[sip]\nguess_hostname = no\r\n[net]\nstun = \"a b\"\n",
        "\t[a]\t\n\tb\t=\t c \n",
        "x = 1",
        "[a] x",
        "[a]\nb",
        "[a]\n\u{a0}",
        "[a]\nb = c\rd",
        "[a]\nb = \u{85}",
        "[bad name]\n",
        "[a]\n= value",
        "[a]\nb = c = d",
    ] {
        assert_eq!(
            ini.is_match(sample),
            CustomEntries::parse(sample).is_ok(),
            "{sample:?}"
        );
    }
}
