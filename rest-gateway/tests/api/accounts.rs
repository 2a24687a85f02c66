//! `POST /api/accounts`: admins only, every rule of the contract's table.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{json, spawn_system, DOMAIN};

core_service::on_every_backend!(
    an_admin_creates_an_account_that_can_then_authenticate,
    a_non_admin_gets_403,
    each_rule_is_a_422_naming_its_field,
    usernames_are_unique_per_domain,
);

async fn create(system: &crate::helpers::TestSystem, body: Value) -> reqwest::Response {
    system
        .admin()
        .send(Method::POST, "/api/accounts", Some(body))
        .await
}

async fn an_admin_creates_an_account_that_can_then_authenticate(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let response = create(
        &system,
        json!({"username": "alice01", "password": "secret-pw", "algorithm": "MD5"}),
    )
    .await;
    let account = json(response, StatusCode::OK).await;
    let keys: Vec<_> = account.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "activated",
            "admin",
            "blocked",
            "created_at",
            "dictionary",
            "display_name",
            "domain",
            "email",
            "id",
            "passwords",
            "phone",
            "sip_uri",
            "updated_at",
            "username"
        ],
        "part 2's account object: no password, no hash"
    );
    assert_eq!(account["passwords"], json!([{"algorithm": "MD5"}]));
    assert_eq!(account["username"], "alice01");
    assert_eq!(account["domain"], DOMAIN);
    assert_eq!(account["activated"], true);
    assert_eq!(account["admin"], false);
    assert!(account["id"].as_i64().unwrap() > 1);
    let created_at = account["created_at"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(created_at).is_ok(),
        "{created_at}"
    );

    let mut alice = system.client("alice01", "secret-pw");
    assert_eq!(alice.get("/api/ping").await.status(), StatusCode::OK);

    let response = create(
        &system,
        json!({"username": "bob00001", "password": "secret-pw", "algorithm": "SHA-256", "domain": "Other.Example.org"}),
    )
    .await;
    assert_eq!(
        json(response, StatusCode::OK).await["domain"],
        "other.example.org"
    );
}

async fn a_non_admin_gets_403(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    system
        .grpc_create_account("alice01", "secret-pw", "SHA-256", false)
        .await;
    let mut alice = system.client("alice01", "secret-pw");
    let body = json!({"username": "bob00001", "password": "secret-pw", "algorithm": "MD5"});
    let response = alice.send(Method::POST, "/api/accounts", Some(body)).await;
    assert_eq!(
        json(response, StatusCode::FORBIDDEN).await,
        json!({"message": "Unauthorized area"})
    );
    // Even with a broken body: who may call comes first.
    let response = alice
        .send(Method::POST, "/api/accounts", Some(json!([1, 2])))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

async fn each_rule_is_a_422_naming_its_field(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let mut admin = system.admin();
    let cases = [
        (
            json!({"password": "secret-pw", "algorithm": "MD5"}),
            "username",
            "The username field is required.",
        ),
        (
            json!({"username": "alice01", "algorithm": "MD5"}),
            "password",
            "The password field is required.",
        ),
        (
            json!({"username": "alice01", "password": "secret-pw"}),
            "algorithm",
            "The algorithm field is required.",
        ),
        (
            json!({"username": 123456, "password": "secret-pw", "algorithm": "MD5"}),
            "username",
            "The username field must be a string.",
        ),
        (
            json!({"username": "alice", "password": "secret-pw", "algorithm": "MD5"}),
            "username",
            "The username must be between 6 and 64 characters.",
        ),
        (
            json!({"username": "x".repeat(65), "password": "secret-pw", "algorithm": "MD5"}),
            "username",
            "The username must be between 6 and 64 characters.",
        ),
        (
            json!({"username": "alice 01", "password": "secret-pw", "algorithm": "MD5"}),
            "username",
            "The username must not contain ' '.",
        ),
        (
            json!({"username": "alice01", "password": "12345", "algorithm": "MD5"}),
            "password",
            "The password must be at least 6 characters.",
        ),
        (
            json!({"username": "alice01", "password": "secret-pw", "algorithm": "SHA-1"}),
            "algorithm",
            "The algorithm must be SHA-256 or MD5.",
        ),
        (
            json!({"username": "alice01", "password": "secret-pw", "algorithm": "MD5", "domain": "not a host"}),
            "domain",
            "The domain must contain only letters, digits, '-' and '.'.",
        ),
    ];
    for (body, field, message) in cases {
        let response = admin
            .send(Method::POST, "/api/accounts", Some(body.clone()))
            .await;
        let answer = json(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(answer["errors"][field], json!([message]), "{body}");
        assert_eq!(answer["message"], message);
    }
    let response = admin
        .send(Method::POST, "/api/accounts", Some(json!({})))
        .await;
    let answer = json(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        answer["message"],
        "The username field is required. (and 2 more errors)"
    );
    assert_eq!(answer["errors"].as_object().unwrap().len(), 3);
}

async fn usernames_are_unique_per_domain(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let body = json!({"username": "alice01", "password": "secret-pw", "algorithm": "MD5"});
    assert_eq!(create(&system, body.clone()).await.status(), StatusCode::OK);
    let answer = json(
        create(&system, body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        answer["errors"]["username"],
        json!(["The username has already been taken."])
    );
    let elsewhere = json!({"username": "alice01", "password": "secret-pw", "algorithm": "MD5", "domain": "b.example.org"});
    assert_eq!(create(&system, elsewhere).await.status(), StatusCode::OK);
}
