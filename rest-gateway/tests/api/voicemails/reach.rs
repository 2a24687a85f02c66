//! Users and admins see only the voicemails they reach.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;
use crate::helpers::{json as body_of, spawn_system, ADMIN};

core_service::on_every_backend!(users_and_admins_see_only_what_they_reach);

async fn users_and_admins_see_only_what_they_reach(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let alice = system
        .grpc_create_account("vmalice1", "alice-password", "SHA-256", false)
        .await;
    let bob = system
        .grpc_create_account("vmbob002", "bob-password", "SHA-256", false)
        .await;
    let other = system
        .grpc_create_account_in(
            "vmadmin2",
            "other.example.org",
            "admin-pw-22",
            "SHA-256",
            true,
        )
        .await;
    let key = system.named_key(ADMIN, "flexisip").await;
    let bobs = slot_of(&system, &key, bob.id, "audio/wav").await;

    // Alice cannot see, delete or read Bob's through her own routes.
    let mut alice_client = system.client("vmalice1", "alice-password");
    let path = format!("/api/accounts/me/voicemails/{bobs}");
    let refused = alice_client
        .json(Method::GET, &path, None, StatusCode::NOT_FOUND)
        .await;
    assert_eq!(refused, json!({"message": "Voicemail not found"}));
    alice_client
        .json(Method::DELETE, &path, None, StatusCode::NOT_FOUND)
        .await;
    alice_client
        .json(
            Method::GET,
            &format!("/api/accounts/{}/voicemails", bob.id),
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    // Nor fill it: a slot out of reach is not found.
    let alice_key = system.named_key("vmalice1", "app").await;
    let response = system
        .http
        .post(system.url(&format!("/api/files/{bobs}")))
        .header("x-api-key", &alice_key)
        .header("content-type", FLEXISIP_CONTENT_TYPE)
        .body(flexisip_multipart("a.wav", &wav(10)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        body_of(response, StatusCode::NOT_FOUND).await,
        json!({"message": "File not found"})
    );
    // An admin of another domain gets the account's 404.
    let other_key = system
        .named_key_in("vmadmin2", "other.example.org", "ops")
        .await;
    let response = system
        .with_key(
            &other_key,
            Method::GET,
            &format!("/api/accounts/{}/voicemails", bob.id),
            None,
        )
        .await;
    assert_eq!(
        body_of(response, StatusCode::NOT_FOUND).await,
        json!({"message": "Account not found"})
    );
    let _ = other;
    // Malformed ids are not found, never an error of the server.
    for bad in [
        "not-a-uuid",
        "00000000-0000-4000-8000-000000000000",
        "%00",
        &"a".repeat(300),
    ] {
        let response = system
            .with_key(
                &key,
                Method::GET,
                &format!("/api/accounts/{}/voicemails/{bad}", bob.id),
                None,
            )
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{bad}");
    }
    // Bob's own view, and the admin's delete.
    let mut bob_client = system.client("vmbob002", "bob-password");
    let shown = bob_client
        .json(
            Method::GET,
            &format!("/api/accounts/me/voicemails/{bobs}"),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(shown["sip_from"], "sip:caller@sip.example.org");
    let response = system
        .with_key(
            &key,
            Method::DELETE,
            &format!("/api/accounts/{}/voicemails/{bobs}", bob.id),
            None,
        )
        .await;
    assert_eq!(body_of(response, StatusCode::OK).await, json!({}));
    let listed = bob_client
        .json(
            Method::GET,
            "/api/accounts/me/voicemails",
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(listed, json!([]));
    let _ = alice;
}
