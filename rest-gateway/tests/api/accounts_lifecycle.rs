//! The admin routes that change an account's life: delete (the username
//! stays taken), activate, deactivate, block, unblock (and an admin's
//! protection of itself), and the searches, each within the admin's reach.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{
    accounts_admin::alice,
    helpers::{spawn_system, DOMAIN},
};

core_service::on_every_backend!(
    deleted_usernames_can_never_be_taken_again,
    state_changes_and_self_protection,
    search_by_sip_address_and_by_email,
);

async fn deleted_usernames_can_never_be_taken_again(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let id = alice(&system).await["id"].as_i64().unwrap();
    let mut alice = system.client("alice01", "alice-pw");
    assert_eq!(alice.get("/api/ping").await.status(), StatusCode::OK);
    let mut admin = system.admin();
    let gone = admin
        .json(
            Method::DELETE,
            &format!("/api/accounts/{id}"),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(gone, json!({}));
    admin
        .json(
            Method::GET,
            &format!("/api/accounts/{id}"),
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
    admin
        .json(
            Method::DELETE,
            &format!("/api/accounts/{id}"),
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
    let again = json!({"username": "alice01", "password": "alice-pw", "algorithm": "MD5"});
    let answer = admin
        .json(
            Method::POST,
            "/api/accounts",
            Some(again),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(
        answer["errors"]["username"],
        json!(["The username has already been taken."])
    );
    // Its nonce went with it: the old client's next answer names no account.
    assert_eq!(alice.get("/api/ping").await.status(), StatusCode::NOT_FOUND);
    let elsewhere = json!({"username": "alice01", "password": "alice-pw", "algorithm": "MD5", "domain": "b.example.org"});
    admin
        .json(
            Method::POST,
            "/api/accounts",
            Some(elsewhere),
            StatusCode::OK,
        )
        .await;
}

async fn state_changes_and_self_protection(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let id = alice(&system).await["id"].as_i64().unwrap();
    let mut admin = system.admin();
    let mut alice = system.client("alice01", "alice-pw");
    let post = |action: &str| format!("/api/accounts/{id}/{action}");
    let blocked = admin
        .json(Method::POST, &post("block"), None, StatusCode::OK)
        .await;
    assert_eq!(blocked["blocked"], true);
    let answer = crate::helpers::json(alice.get("/api/ping").await, StatusCode::FORBIDDEN).await;
    assert_eq!(answer, json!({"message": "Account blocked"}));
    admin
        .json(Method::POST, &post("unblock"), None, StatusCode::OK)
        .await;
    assert_eq!(alice.get("/api/ping").await.status(), StatusCode::OK);
    let off = admin
        .json(Method::POST, &post("deactivate"), None, StatusCode::OK)
        .await;
    assert_eq!(off["activated"], false);
    assert_eq!(
        alice.get("/api/ping").await.status(),
        StatusCode::NOT_FOUND,
        "no REST for a deactivated account"
    );
    admin
        .json(Method::POST, &post("activate"), None, StatusCode::OK)
        .await;
    let mut alice = system.client("alice01", "alice-pw");
    assert_eq!(alice.get("/api/ping").await.status(), StatusCode::OK);

    let me = admin
        .json(Method::GET, "/api/accounts/me", None, StatusCode::OK)
        .await;
    let own = me["id"].as_i64().unwrap();
    let protected = json!({"message": "An admin cannot do this to its own account"});
    for action in ["block", "deactivate"] {
        let answer = admin
            .json(
                Method::POST,
                &format!("/api/accounts/{own}/{action}"),
                None,
                StatusCode::FORBIDDEN,
            )
            .await;
        assert_eq!(answer, protected, "{action}");
    }
    let answer = admin
        .json(
            Method::DELETE,
            &format!("/api/accounts/{own}"),
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    assert_eq!(answer, protected);
    for body in [
        json!({"admin": false}),
        json!({"blocked": true}),
        json!({"activated": false}),
    ] {
        let answer = admin
            .json(
                Method::PUT,
                &format!("/api/accounts/{own}"),
                Some(body.clone()),
                StatusCode::FORBIDDEN,
            )
            .await;
        assert_eq!(answer, protected, "{body}");
    }
    // A user on an admin route: 403, whatever it sends, even about itself.
    let alice_id = alice
        .json(Method::GET, "/api/accounts/me", None, StatusCode::OK)
        .await["id"]
        .clone();
    let answer = alice
        .json(
            Method::GET,
            &format!("/api/accounts/{alice_id}"),
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    assert_eq!(answer, json!({"message": "Unauthorized area"}));
    let answer = alice
        .json(Method::GET, "/api/accounts", None, StatusCode::FORBIDDEN)
        .await;
    assert_eq!(answer, json!({"message": "Unauthorized area"}));
    let answer = alice
        .json(
            Method::POST,
            &format!("/api/accounts/{own}/block"),
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    assert_eq!(answer, json!({"message": "Unauthorized area"}));
}

async fn search_by_sip_address_and_by_email(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let created = alice(&system).await;
    let mut admin = system.admin();
    for sip in [
        format!("alice01@{DOMAIN}"),
        format!("sip:alice01@{DOMAIN}"),
        format!("sip%3Aalice01%40{DOMAIN}"),
    ] {
        let found = admin
            .json(
                Method::GET,
                &format!("/api/accounts/{sip}/search"),
                None,
                StatusCode::OK,
            )
            .await;
        assert_eq!(found["id"], created["id"], "{sip}");
        assert_eq!(found["call_forwardings"], json!([]));
    }
    let missing = admin
        .json(
            Method::GET,
            &format!("/api/accounts/nobody01@{DOMAIN}/search"),
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(missing, json!({"message": "SIP address not found"}));
    let found = admin
        .json(
            Method::GET,
            "/api/accounts/alice@example.org/search-by-email",
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(found["id"], created["id"]);
    let missing = admin
        .json(
            Method::GET,
            "/api/accounts/nobody@example.org/search-by-email",
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(missing, json!({"message": "Email address not found"}));

    // Another domain's admin: the account does not exist for it.
    system
        .grpc_create_account_in("badmin01", "b.example.org", "badmin-pw", "MD5", true)
        .await;
    let mut b_admin = system.client_in("badmin01", "b.example.org", "badmin-pw");
    let id = created["id"].as_i64().unwrap();
    for path in [
        format!("/api/accounts/{id}"),
        format!("/api/accounts/{id}/devices"),
    ] {
        let answer = b_admin
            .json(Method::GET, &path, None, StatusCode::NOT_FOUND)
            .await;
        assert_eq!(answer, json!({"message": "Account not found"}), "{path}");
    }
    b_admin
        .json(
            Method::GET,
            &format!("/api/accounts/alice01@{DOMAIN}/search"),
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
    b_admin
        .json(
            Method::GET,
            "/api/accounts/alice@example.org/search-by-email",
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
    let answer = b_admin
        .json(
            Method::PUT,
            &format!("/api/accounts/{id}"),
            Some(json!({})),
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(answer, json!({"message": "Account not found"}));
    let elsewhere = json!({"username": "eve00001", "password": "secret-pw", "algorithm": "MD5", "domain": DOMAIN});
    let answer = b_admin
        .json(
            Method::POST,
            "/api/accounts",
            Some(elsewhere),
            StatusCode::FORBIDDEN,
        )
        .await;
    assert_eq!(answer, json!({"message": "Unauthorized area"}));
    let admin_devices = admin
        .json(
            Method::GET,
            &format!("/api/accounts/{id}/devices"),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(admin_devices, json!({}));
}
