//! The documents: by token and by Digest, for MD5 and SHA-256 accounts,
//! their HA1s answering the next challenge; `reset_password`; the header;
//! the anonymous document never holding an account.

use std::collections::BTreeMap;

use core_service::testing::Backend;
use reqwest::{header, Method, StatusCode};
use serde_json::json;

use super::{fetch, json, provisioning_token, with_ha1, xml_of, Document};
use crate::helpers::{execute, spawn_system, Bind, DOMAIN};

core_service::on_every_backend!(
    md5_and_sha256_documents_carry_ha1s_that_answer_the_next_challenge,
    reset_password_gives_a_password_nobody_sees,
    the_header_and_the_credentials_are_required_where_the_contract_says,
    a_pending_account_gets_its_document_by_token_only,
);

async fn md5_and_sha256_documents_carry_ha1s_that_answer_the_next_challenge(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    for (username, algorithm) in [("anna_md5", "MD5"), ("bob_sha256", "SHA-256")] {
        let account = system
            .grpc_create_account(username, "first-password", algorithm, false)
            .await;
        let token = provisioning_token(&system, account.id).await;
        assert_eq!(token.len(), 13);
        let xml = xml_of(fetch(&system, &format!("/provisioning/{token}"), true).await).await;
        let document = Document::parse(&xml);
        let auth = document.section("auth_info_0").unwrap();
        assert_eq!(auth["algorithm"].value, algorithm);
        assert_eq!(auth["username"].value, username);
        assert_eq!(auth["domain"].value, DOMAIN);
        assert_eq!(auth["realm"].value, DOMAIN);
        assert!(document.section("auth_info_1").is_none());
        assert_eq!(
            document.value("proxy_0", "reg_identity"),
            Some(format!("<sip:{username}@{DOMAIN}>").as_str())
        );
        assert_eq!(
            document.value("proxy_0", "reg_proxy"),
            Some(format!("<sip:{DOMAIN};transport=tls>").as_str())
        );
        let config_uri = &document.section("misc").unwrap()["config-uri"];
        assert_eq!(config_uri.value, system.url("/provisioning/me"));
        assert!(config_uri.overwrite);
        // What liblinphone keeps, then the Digest it answers with it.
        let mut config = BTreeMap::new();
        document.apply_to(&mut config);
        assert!(config.contains_key(&("auth_info_0".into(), "ha1".into())));
        let pinged = with_ha1(&system, &document, Method::GET, "/api/accounts/me", false).await;
        let me = json(pinged, StatusCode::OK).await;
        assert_eq!(me["username"], username);

        // The token served once; the app's next start uses config-uri.
        let again = fetch(&system, &format!("/provisioning/{token}"), true).await;
        assert_eq!(
            json(again, StatusCode::NOT_FOUND).await,
            json!({"message": "Provisioning token not found"})
        );
        let by_digest = with_ha1(&system, &document, Method::GET, "/provisioning/me", true).await;
        assert!(by_digest.headers().contains_key(header::WWW_AUTHENTICATE));
        let second = Document::parse(&xml_of(by_digest).await);
        assert_eq!(
            second.value("auth_info_0", "ha1"),
            document.value("auth_info_0", "ha1")
        );
    }
}

async fn reset_password_gives_a_password_nobody_sees(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let account = system
        .grpc_create_account("carla01", "old-password", "MD5", false)
        .await;
    let token = provisioning_token(&system, account.id).await;
    let path = format!("/provisioning/{token}?reset_password");
    // Refused without the header: nothing happens, the token stays.
    let refused = fetch(&system, &path, false).await;
    assert_eq!(
        json(refused, StatusCode::BAD_REQUEST).await,
        json!({"message": "x-linphone-provisioning header is missing"})
    );
    assert_eq!(
        system
            .client("carla01", "old-password")
            .get("/api/ping")
            .await
            .status(),
        StatusCode::OK
    );
    let document = Document::parse(&xml_of(fetch(&system, &path, true).await).await);
    let old_ha1 = crate::helpers::hash("MD5", &format!("carla01:{DOMAIN}:old-password"));
    let new_ha1 = document.value("auth_info_0", "ha1").unwrap();
    assert_ne!(new_ha1, old_ha1);
    assert_eq!(document.value("auth_info_0", "algorithm"), Some("MD5"));
    assert_eq!(
        system
            .client("carla01", "old-password")
            .get("/api/ping")
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "the old password stops at once"
    );
    let pinged = with_ha1(&system, &document, Method::GET, "/api/ping", false).await;
    assert_eq!(pinged.status(), StatusCode::OK);
    // By Digest, reset again: the HA1 changes again and still answers.
    let path = "/provisioning/me?reset_password=1";
    let renewed = with_ha1(&system, &document, Method::GET, path, true).await;
    let renewed = Document::parse(&xml_of(renewed).await);
    assert_ne!(renewed.value("auth_info_0", "ha1"), Some(new_ha1));
    let pinged = with_ha1(&system, &renewed, Method::GET, "/api/ping", false).await;
    assert_eq!(pinged.status(), StatusCode::OK);
}

async fn the_header_and_the_credentials_are_required_where_the_contract_says(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    // Anonymous: the default space's settings only, whatever is sent.
    let anonymous = system
        .http
        .get(system.url("/provisioning"))
        .header("X-Linphone-Provisioning", "yes")
        .header(header::FROM, format!("sip:admin01@{DOMAIN}"))
        .header(header::AUTHORIZATION, "Digest username=\"admin01\"")
        .send()
        .await
        .unwrap();
    let document = Document::parse(&xml_of(anonymous).await);
    let names: Vec<&str> = document.sections.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["ui"]);
    assert_eq!(document.value("ui", "super"), Some("1"));
    assert_eq!(document.value("ui", "disable_broadcast_feature"), Some("1"));
    let refused = fetch(&system, "/provisioning", false).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);

    // /provisioning/me: authentication first, then the header.
    let unauthenticated = system
        .http
        .get(system.url("/provisioning/me"))
        .header(header::FROM, format!("sip:admin01@{DOMAIN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
    let key = system.named_key("admin01", "tool").await;
    let with_key = |provisioning: bool| {
        let mut request = system
            .http
            .get(system.url("/provisioning/me"))
            .header("x-api-key", key.clone());
        if provisioning {
            request = request.header("X-Linphone-Provisioning", "1");
        }
        request.send()
    };
    assert_eq!(
        json(with_key(false).await.unwrap(), StatusCode::BAD_REQUEST).await,
        json!({"message": "x-linphone-provisioning header is missing"})
    );
    let document = Document::parse(&xml_of(with_key(true).await.unwrap()).await);
    assert_eq!(document.value("auth_info_0", "username"), Some("admin01"));
    let wrong = system
        .http
        .get(system.url("/provisioning/me"))
        .header("x-api-key", "x".repeat(40))
        .header("X-Linphone-Provisioning", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    // A blocked account: 403, with the header or without.
    let blocked = system
        .grpc_create_account("dora0001", "dora-password", "SHA-256", false)
        .await;
    let path = format!("/api/accounts/{}/block", blocked.id);
    system
        .admin()
        .json(Method::POST, &path, None, StatusCode::OK)
        .await;
    let mut dora = system.client("dora0001", "dora-password");
    let authorization = dora.authorization_for_next("GET", "/provisioning/me").await;
    let forbidden = system
        .http
        .get(system.url("/provisioning/me"))
        .header(header::FROM, dora.sip_from())
        .header(header::AUTHORIZATION, authorization)
        .header("X-Linphone-Provisioning", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        json(forbidden, StatusCode::FORBIDDEN).await,
        json!({"message": "Account blocked"})
    );
}

/// `/provisioning/me` with Digest, as `client` (a 403 or a document).
async fn me_by_digest(
    system: &crate::helpers::TestSystem,
    client: &mut crate::helpers::DigestClient,
) -> reqwest::Response {
    let authorization = client
        .authorization_for_next("GET", "/provisioning/me")
        .await;
    system
        .http
        .get(system.url("/provisioning/me"))
        .header(header::FROM, client.sip_from())
        .header(header::AUTHORIZATION, authorization)
        .header("X-Linphone-Provisioning", "1")
        .send()
        .await
        .unwrap()
}

async fn a_pending_account_gets_its_document_by_token_only(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let account = system
        .grpc_create_account("pia00001", "pia-password", "SHA-256", false)
        .await;
    // As an app's sign-up leaves it (part 4): pending, not activated.
    execute(
        &system,
        "UPDATE accounts SET pending = TRUE, activated = FALSE WHERE id = $1",
        &[Bind::Int(account.id)],
    )
    .await;
    let token = provisioning_token(&system, account.id).await;
    let mut pia = system.client("pia00001", "pia-password");
    assert_eq!(
        json(me_by_digest(&system, &mut pia).await, StatusCode::FORBIDDEN).await,
        json!({"message": "Account unvalidated"})
    );
    // The token validates it (FlexiAPI's activation by provisioning).
    xml_of(fetch(&system, &format!("/provisioning/{token}"), true).await).await;
    let path = format!("/api/accounts/{}", account.id);
    let state = system
        .admin()
        .json(Method::GET, &path, None, StatusCode::OK)
        .await;
    assert_eq!(state["activated"], true);
    let mut pia = system.client("pia00001", "pia-password");
    let document = Document::parse(&xml_of(me_by_digest(&system, &mut pia).await).await);
    assert_eq!(document.value("auth_info_0", "username"), Some("pia00001"));
}
