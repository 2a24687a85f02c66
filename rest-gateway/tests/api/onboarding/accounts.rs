//! Part 4's changes to part 2: the account's `phone`, admins ending a
//! pending state, admin-made creation tokens and their consumption.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{answer, pending_account, public, spawn};
use core_service::testing::Backend;

core_service::on_every_backend!(
    admins_set_search_and_clear_phones,
    admins_make_creation_tokens_that_accounts_consume_and_end_pending,
);

async fn admins_set_search_and_clear_phones(backend: Backend) {
    let Some(o) = spawn(backend).await else {
        return;
    };
    let mut admin = o.system.admin();
    let created = admin
        .json(Method::POST, "/api/accounts", Some(json!({"username": "phoned01", "password": "phoned-pw", "algorithm": "SHA-256", "phone": "+33612340001", "activated": "1"})), StatusCode::OK)
        .await;
    assert_eq!(created["phone"], "+33612340001");
    let id = created["id"].as_i64().unwrap();
    let refused = admin
        .json(Method::POST, "/api/accounts", Some(json!({"username": "phoned02", "password": "phoned-pw", "algorithm": "SHA-256", "phone": "+33612340001"})), StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(
        refused["errors"]["phone"],
        json!(["The phone has already been taken."])
    );
    let refused = admin
        .json(Method::POST, "/api/accounts", Some(json!({"username": "phoned02", "password": "phoned-pw", "algorithm": "SHA-256", "phone": "612340001"})), StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(
        refused["errors"]["phone"],
        json!(["The phone field must be a valid number."])
    );
    let page = admin
        .json(
            Method::GET,
            "/api/accounts?search=%2B3361234",
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["data"][0]["username"], "phoned01");
    // PUT replaces the profile: absent means none.
    let updated = admin
        .json(
            Method::PUT,
            &format!("/api/accounts/{id}"),
            Some(json!({"display_name": "Phoned"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(updated["phone"], serde_json::Value::Null);
}

async fn admins_make_creation_tokens_that_accounts_consume_and_end_pending(backend: Backend) {
    let Some(o) = spawn(backend).await else {
        return;
    };
    let system = &o.system;
    let mut admin = system.admin();
    let issued = answer(
        admin
            .send(Method::POST, "/api/account_creation_tokens", None)
            .await,
        StatusCode::CREATED,
    )
    .await;
    let token = issued["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 13);
    system
        .grpc_create_account("plain02", "plain-pw", "SHA-256", false)
        .await;
    let mut user = system.client("plain02", "plain-pw");
    let refused = user
        .json(
            Method::POST,
            "/api/account_creation_tokens",
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    assert_eq!(refused, json!({"message": "Unauthorized area"}));
    let spent = user
        .json(
            Method::POST,
            "/api/account_creation_tokens/consume",
            Some(json!({"account_creation_token": token})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(spent["token"], token.as_str());
    let again = user
        .json(
            Method::POST,
            "/api/account_creation_tokens/consume",
            Some(json!({"account_creation_token": token})),
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(again, json!({"message": "Token not found"}));
    // A consumed token creates nothing more.
    let body = json!({"username": "latecomer", "password": "app-password", "account_creation_token": token});
    answer(
        public(
            system,
            "/api/accounts/with-account-creation-token",
            Some(body),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    // An admin's activation ends pending; a pending account may consume.
    let pending = pending_account(&o, "waiting01").await;
    let mut app = system.client("waiting01", "app-password");
    let other = answer(
        admin
            .send(Method::POST, "/api/account_creation_tokens", None)
            .await,
        StatusCode::CREATED,
    )
    .await;
    app.json(
        Method::POST,
        "/api/account_creation_tokens/consume",
        Some(json!({"account_creation_token": other["token"]})),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        app.get("/api/devices").await.status(),
        StatusCode::FORBIDDEN
    );
    let id = pending["id"].as_i64().unwrap();
    admin
        .json(
            Method::POST,
            &format!("/api/accounts/{id}/activate"),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(app.get("/api/devices").await.status(), StatusCode::OK);
    // A pending account deletes itself.
    let dropped = pending_account(&o, "dropped01").await;
    let mut dropping = system.client("dropped01", "app-password");
    dropping
        .json(Method::DELETE, "/api/accounts/me", None, StatusCode::OK)
        .await;
    let id = dropped["id"].as_i64().unwrap();
    admin
        .json(
            Method::GET,
            &format!("/api/accounts/{id}"),
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
}
