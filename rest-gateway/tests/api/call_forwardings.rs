//! Call forwardings (contract part 6) over real HTTP: the user's and the
//! admin's routes, FlexiAPI's refusals, and the shape Flexisip parses in
//! search and resolve (`no_answer` written `away`).

use core_service::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_system, DOMAIN};

core_service::on_every_backend!(
    a_user_manages_its_call_forwardings,
    refusals_are_flexiapis_words,
    flexisip_reads_them_in_search_and_resolve,
);

async fn a_user_manages_its_call_forwardings(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    system
        .grpc_create_account("cfuser01", "cf-password", "SHA-256", false)
        .await;
    let mut user = system.client("cfuser01", "cf-password");
    let made = user
        .json(
            Method::POST,
            "/api/accounts/me/call_forwardings",
            Some(json!({"type": "away", "forward_to": "sip_uri",
                        "sip_uri": "sip:bob@sip.example.org", "enabled": true})),
            StatusCode::CREATED,
        )
        .await;
    let mut keys: Vec<&String> = made.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "contact_id",
            "contact_sip_uri",
            "created_at",
            "enabled",
            "forward_to",
            "id",
            "sip_uri",
            "type",
            "updated_at"
        ]
    );
    assert_eq!(
        made["type"], "no_answer",
        "Flexisip's away is FlexiAPI's no_answer"
    );
    let id = made["id"].as_i64().unwrap();
    let path = format!("/api/accounts/me/call_forwardings/{id}");
    // PUT without type keeps it; the other target's field is dropped.
    let changed = user
        .json(
            Method::PUT,
            &path,
            Some(json!({"forward_to": "voicemail", "enabled": false, "sip_uri": "sip:x@y.org"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(changed["type"], "no_answer");
    assert_eq!(changed["forward_to"], "voicemail");
    assert_eq!(changed["sip_uri"], Value::Null);
    let listed = user
        .json(
            Method::GET,
            "/api/accounts/me/call_forwardings",
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    // Another account's id is not found, for the user and through its routes.
    let other = system
        .grpc_create_account("cfother1", "cf-password", "SHA-256", false)
        .await;
    let mut stranger = system.client("cfother1", "cf-password");
    let refused = stranger.send(Method::GET, &path, None).await;
    assert_eq!(
        crate::helpers::json(refused, StatusCode::NOT_FOUND).await,
        json!({"message": "Call forwarding not found"})
    );
    // The admin reaches it by account id.
    let admin_path = format!("/api/accounts/{}/call_forwardings", other.id);
    let made = system
        .admin()
        .json(
            Method::POST,
            &admin_path,
            Some(json!({"type": "busy", "forward_to": "voicemail", "enabled": true})),
            StatusCode::CREATED,
        )
        .await;
    let one = format!("{admin_path}/{}", made["id"]);
    system
        .admin()
        .json(Method::GET, &one, None, StatusCode::OK)
        .await;
    let gone = user.json(Method::DELETE, &path, None, StatusCode::OK).await;
    assert_eq!(gone, json!({}));
    let missing = user.send(Method::GET, &path, None).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let bad_id = user
        .send(Method::GET, "/api/accounts/me/call_forwardings/x", None)
        .await;
    assert_eq!(bad_id.status(), StatusCode::NOT_FOUND);
}

async fn refused(
    user: &mut crate::helpers::DigestClient,
    method: Method,
    path: &str,
    body: Value,
) -> Value {
    let answer = user
        .json(method, path, Some(body), StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    answer["errors"].clone()
}

async fn refusals_are_flexiapis_words(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    system
        .grpc_create_account("cfuser02", "cf-password", "SHA-256", false)
        .await;
    system
        .grpc_create_account_in("faraway1", "sip.example.com", "cf-password", "MD5", false)
        .await;
    let mut user = system.client("cfuser02", "cf-password");
    let path = "/api/accounts/me/call_forwardings";
    let errors = refused(&mut user, Method::POST, path, json!({})).await;
    assert_eq!(errors["type"], json!(["The type field is required."]));
    assert_eq!(
        errors["forward_to"],
        json!(["The forward to field is required."])
    );
    assert_eq!(errors["enabled"], json!(["The enabled field is required."]));
    let errors = refused(
        &mut user,
        Method::POST,
        path,
        json!({"type": "never", "forward_to": "fax", "enabled": "1"}),
    )
    .await;
    assert_eq!(
        errors["enabled"],
        json!(["The enabled field must be true or false."])
    );
    let errors = refused(
        &mut user,
        Method::POST,
        path,
        json!({"type": "never", "forward_to": "fax", "enabled": true}),
    )
    .await;
    assert_eq!(errors["type"], json!(["The selected type is invalid."]));
    assert_eq!(
        errors["forward_to"],
        json!(["The selected forward to is invalid."])
    );
    let errors = refused(
        &mut user,
        Method::POST,
        path,
        json!({"type": "always", "forward_to": "sip_uri", "sip_uri": "bob", "enabled": true}),
    )
    .await;
    assert_eq!(
        errors["sip_uri"],
        json!(["The sip uri must be a valid SIP URI."])
    );
    // A contact is another account of the same domain.
    let errors = refused(
        &mut user,
        Method::POST,
        path,
        json!({"type": "always", "forward_to": "contact", "contact_id": 3, "enabled": true}),
    )
    .await;
    assert_eq!(
        errors["contact_id"],
        json!(["The selected contact id is invalid."])
    );
    user.json(
        Method::POST,
        path,
        Some(json!({"type": "always", "forward_to": "voicemail", "enabled": true})),
        StatusCode::CREATED,
    )
    .await;
    let errors = refused(
        &mut user,
        Method::POST,
        path,
        json!({"type": "always", "forward_to": "voicemail", "enabled": false}),
    )
    .await;
    assert_eq!(errors["type"], json!(["The type has already been taken."]));
    let errors = refused(
        &mut user,
        Method::POST,
        path,
        json!({"type": "busy", "forward_to": "voicemail", "enabled": true}),
    )
    .await;
    assert_eq!(
        errors["enabled"],
        json!(["type: always and type: always/busy cannot be enabled at the same time"])
    );
    // Disabled, it may stand beside the enabled always.
    user.json(
        Method::POST,
        path,
        Some(json!({"type": "busy", "forward_to": "voicemail", "enabled": false})),
        StatusCode::CREATED,
    )
    .await;
}

async fn flexisip_reads_them_in_search_and_resolve(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let owner = system
        .grpc_create_account("cfuser03", "cf-password", "SHA-256", false)
        .await;
    let contact = system
        .grpc_create_account("contact1", "cf-password", "SHA-256", false)
        .await;
    let path = format!("/api/accounts/{}/call_forwardings", owner.id);
    for body in [
        json!({"type": "no_answer", "forward_to": "voicemail", "enabled": true}),
        json!({"type": "busy", "forward_to": "contact", "contact_id": contact.id, "enabled": true}),
    ] {
        system
            .admin()
            .json(Method::POST, &path, Some(body), StatusCode::CREATED)
            .await;
    }
    let key = system.named_key(crate::helpers::ADMIN, "flexisip").await;
    let get = |path: String| {
        system
            .http
            .get(system.url(&path))
            .header("x-api-key", key.clone())
            .header("accept", "application/json")
            .send()
    };
    let found = get(format!("/api/accounts/cfuser03@{DOMAIN}/search"))
        .await
        .unwrap();
    let found = crate::helpers::json(found, StatusCode::OK).await;
    let forwardings = found["call_forwardings"].as_array().unwrap();
    assert_eq!(forwardings.len(), 2);
    // Newest first; Flexisip's names.
    assert_eq!(forwardings[0]["type"], "busy");
    assert_eq!(
        forwardings[0]["contact_sip_uri"],
        format!("sip:contact1@{DOMAIN}")
    );
    assert_eq!(forwardings[1]["type"], "away");
    let resolved = get(format!("/api/resolve/cfuser03@{DOMAIN}"))
        .await
        .unwrap();
    let resolved = crate::helpers::json(resolved, StatusCode::OK).await;
    assert_eq!(
        resolved["payload"]["call_forwardings"],
        found["call_forwardings"]
    );
    // Deleting the contact deletes the forwardings pointing at it.
    system
        .admin()
        .json(
            Method::DELETE,
            &format!("/api/accounts/{}", contact.id),
            None,
            StatusCode::OK,
        )
        .await;
    let left = system
        .admin()
        .json(Method::GET, &path, None, StatusCode::OK)
        .await;
    assert_eq!(left.as_array().unwrap().len(), 1);
    assert_eq!(left[0]["type"], "no_answer");
}

/// The OpenAPI document's SIP URI pattern is the core's check.
#[test]
fn the_documented_sip_uri_pattern_is_the_parser() {
    use core_service::rules::call_forwardings::valid_sip_uri;
    let pattern = regex::Regex::new(&rest_gateway::openapi::sip_uri_pattern()).unwrap();
    for sample in [
        "sip:bob@sip.example.org",
        "SIPS:bob@sip.example.org:5061;transport=tls",
        "sip:+33612345678@192.0.2.1?subject=x",
        "sip:bob@[2001:db8::1]",
        "sip:bo@b@example.org",
        "",
        "bob@sip.example.org",
        "sip:@sip.example.org",
        "sip:bob",
        "tel:+33612345678",
        "sip:bob@exa mple.org",
        "sip:bob@sip.example.org\u{a0}",
        "sip:bob@sip.example.org\u{feff}",
        "sip:bob@sip.example.org;x=\u{85}",
        "sip:bob@sip.example.org:0",
    ] {
        assert_eq!(
            pattern.is_match(sample),
            valid_sip_uri(sample),
            "{sample:?}"
        );
    }
}
