//! `/api/accounts/me…`: what any account does to itself, by Digest or by
//! its user API key.

use core_service::testing::Backend;
use reqwest::{header, Method, StatusCode};
use serde_json::json;

use crate::helpers::{json, spawn_system, Bind, TestSystem, DOMAIN};

core_service::on_every_backend!(
    an_account_shows_and_deletes_itself,
    the_password_change_checks_the_old_one,
    without_an_algorithm_every_stored_one_is_renewed,
    user_api_keys_rotate_and_authenticate_without_from,
    api_keys_reach_the_admin_routes_and_blocked_accounts_are_refused,
    an_idle_user_key_expires,
);

async fn user(system: &TestSystem) -> i64 {
    system
        .grpc_create_account("alice01", "alice-pw", "SHA-256", false)
        .await
        .id
}

async fn an_account_shows_and_deletes_itself(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let id = user(&system).await;
    let mut alice = system.client("alice01", "alice-pw");
    let me = alice
        .json(Method::GET, "/api/accounts/me", None, StatusCode::OK)
        .await;
    assert_eq!(me["id"], id);
    assert_eq!(me["sip_uri"], format!("sip:alice01@{DOMAIN}"));
    assert_eq!(me["passwords"], json!([{"algorithm": "SHA-256"}]));
    let devices = alice
        .json(
            Method::GET,
            "/api/accounts/me/devices",
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(devices, json!({}));
    let answer = alice
        .json(
            Method::DELETE,
            "/api/accounts/me/devices/urn:uuid:none",
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(answer, json!({"message": "Device not found"}));
    let gone = alice
        .json(Method::DELETE, "/api/accounts/me", None, StatusCode::OK)
        .await;
    assert_eq!(gone, json!({}));
    let again = system.client("alice01", "alice-pw");
    assert_eq!(again.fetch_challenge_status().await, StatusCode::NOT_FOUND);
}

async fn the_password_change_checks_the_old_one(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    user(&system).await;
    let mut alice = system.client("alice01", "alice-pw");
    let path = "/api/accounts/me/password";
    let wrong = json!({"old_password": "not-it-pw", "password": "new-alice-pw"});
    let answer = alice
        .json(
            Method::POST,
            path,
            Some(wrong),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(
        answer["errors"]["old_password"],
        json!(["Incorrect old password"])
    );
    let missing = alice
        .json(
            Method::POST,
            path,
            Some(json!({"password": "new-alice-pw"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(
        missing["errors"]["old_password"],
        json!(["The old_password field is required."])
    );
    // NUL or CR/LF in a new password: refused by name, the old one kept.
    for hostile in ["new\0alice-pw", "new\r\nalice-pw"] {
        let body = json!({"old_password": "alice-pw", "password": hostile});
        let answer = alice
            .json(
                Method::POST,
                path,
                Some(body),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(
            answer["errors"]["password"],
            json!(["The password must not contain control characters."])
        );
    }
    let short = json!({"old_password": "alice-pw", "password": "short"});
    let answer = alice
        .json(
            Method::POST,
            path,
            Some(short),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(answer["errors"]["password"].is_array(), "{answer}");

    let key = alice_key(&mut alice).await;
    let right = json!({"old_password": "alice-pw", "password": "new-alice-pw", "algorithm": "MD5"});
    let changed = alice
        .json(Method::POST, path, Some(right), StatusCode::OK)
        .await;
    assert_eq!(changed["passwords"], json!([{"algorithm": "MD5"}]));
    // The very next check uses the new password; the old one is refused.
    let mut old = system.client("alice01", "alice-pw");
    assert_eq!(
        old.get("/api/ping").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let mut new = system.client("alice01", "new-alice-pw");
    assert_eq!(new.get("/api/ping").await.status(), StatusCode::OK);
    let ping = system.with_key(&key, Method::GET, "/api/ping", None).await;
    assert_eq!(ping.status(), StatusCode::OK, "API keys stay");
}

async fn without_an_algorithm_every_stored_one_is_renewed(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let id = user(&system).await;
    // A second password, as an account imported with both would have.
    let md5 = crate::helpers::hash("MD5", &format!("alice01:{DOMAIN}:alice-pw"));
    crate::helpers::execute(
        &system,
        "INSERT INTO passwords (account_id, password, algorithm) VALUES ($1, $2, 'MD5')",
        &[Bind::Int(id), Bind::Text(&md5)],
    )
    .await;
    let mut alice = system.client("alice01", "alice-pw");
    let body = json!({"old_password": "alice-pw", "password": "both-new-pw"});
    let changed = alice
        .json(
            Method::POST,
            "/api/accounts/me/password",
            Some(body),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        changed["passwords"],
        json!([{"algorithm": "MD5"}, {"algorithm": "SHA-256"}])
    );
    for algorithm in ["MD5", "SHA-256"] {
        let mut client = system.client("alice01", "both-new-pw");
        client.fetch_challenge(algorithm).await;
        let authorization = client.authorization("GET", "/api/ping");
        let response = system
            .ping(Some(client.sip_from()), Some(authorization))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{algorithm}");
    }
}

/// A user key, fetched with Digest.
async fn alice_key(alice: &mut crate::helpers::DigestClient) -> String {
    let response = alice.get("/api/accounts/me/api_key").await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let key = response.text().await.unwrap();
    assert_eq!(key.len(), 40, "{key}");
    assert!(key.bytes().all(|b| b.is_ascii_alphanumeric()), "{key}");
    key
}

async fn user_api_keys_rotate_and_authenticate_without_from(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    user(&system).await;
    let mut alice = system.client("alice01", "alice-pw");
    let first = alice_key(&mut alice).await;
    let ping = system
        .with_key(&first, Method::GET, "/api/ping", None)
        .await;
    assert_eq!(ping.status(), StatusCode::OK);
    assert_eq!(ping.text().await.unwrap(), "pong");
    let me = json(
        system
            .with_key(&first, Method::GET, "/api/accounts/me", None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["username"], "alice01");

    let second = json_text(
        system
            .with_key(&first, Method::GET, "/api/accounts/me/api_key", None)
            .await,
    )
    .await;
    assert_ne!(first, second);
    let refused = system
        .with_key(&first, Method::GET, "/api/ping", None)
        .await;
    assert_eq!(
        json(refused, StatusCode::UNAUTHORIZED).await,
        json!({"message": "Invalid API Key"})
    );
    assert_eq!(
        system
            .with_key(&second, Method::GET, "/api/ping", None)
            .await
            .status(),
        StatusCode::OK
    );
    for bad in ["", "short", &"A".repeat(40), &"é".repeat(20)] {
        let answer = system.with_key(bad, Method::GET, "/api/ping", None).await;
        assert_eq!(
            json(answer, StatusCode::UNAUTHORIZED).await,
            json!({"message": "Invalid API Key"}),
            "{bad}"
        );
    }
    // A key is authentication enough: no From, no Digest.
    let answer = system
        .with_key(&second, Method::GET, "/api/accounts", None)
        .await;
    assert_eq!(
        json(answer, StatusCode::FORBIDDEN).await,
        json!({"message": "Unauthorized area"})
    );
}

async fn json_text(response: reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

async fn api_keys_reach_the_admin_routes_and_blocked_accounts_are_refused(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let id = user(&system).await;
    let mut admin = system.admin();
    let admin_key = json_text(admin.get("/api/accounts/me/api_key").await).await;
    let body = json!({"username": "bobby001", "password": "secret-pw", "algorithm": "MD5"});
    let created = json(
        system
            .with_key(&admin_key, Method::POST, "/api/accounts", Some(body))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(created["username"], "bobby001");
    let mut alice = system.client("alice01", "alice-pw");
    let alice_key = alice_key(&mut alice).await;
    let blocked = system
        .with_key(
            &admin_key,
            Method::POST,
            &format!("/api/accounts/{id}/block"),
            None,
        )
        .await;
    assert_eq!(blocked.status(), StatusCode::OK);
    let answer = system
        .with_key(&alice_key, Method::GET, "/api/ping", None)
        .await;
    assert_eq!(
        json(answer, StatusCode::FORBIDDEN).await,
        json!({"message": "Account blocked"})
    );
    let answer = alice.get("/api/accounts/me").await;
    assert_eq!(
        json(answer, StatusCode::FORBIDDEN).await,
        json!({"message": "Account blocked"})
    );

    // A blocked admin loses the API too.
    let me = json(
        system
            .with_key(&admin_key, Method::GET, "/api/accounts/me", None)
            .await,
        StatusCode::OK,
    )
    .await;
    let other_admin = system
        .grpc_create_account("admin002", "admin2-pw", "MD5", true)
        .await;
    let mut other = system.client("admin002", "admin2-pw");
    let path = format!("/api/accounts/{}/block", me["id"]);
    other.json(Method::POST, &path, None, StatusCode::OK).await;
    let answer = system
        .with_key(&admin_key, Method::GET, "/api/accounts", None)
        .await;
    assert_eq!(
        json(answer, StatusCode::FORBIDDEN).await,
        json!({"message": "Account blocked"})
    );
    assert!(other_admin.id > 0);
}

async fn an_idle_user_key_expires(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let id = user(&system).await;
    let mut alice = system.client("alice01", "alice-pw");
    let key = alice_key(&mut alice).await;
    let fresh = system.with_key(&key, Method::GET, "/api/ping", None).await;
    assert_eq!(fresh.status(), StatusCode::OK);
    // Last used 59 minutes ago: still alive (the idle limit is 60).
    let recently = core_service::grpc::unix_now() - 59 * 60;
    crate::helpers::execute(
        &system,
        "UPDATE api_keys SET last_used_at = $1 WHERE account_id = $2",
        &[Bind::Int(recently), Bind::Int(id)],
    )
    .await;
    let alive = system.with_key(&key, Method::GET, "/api/ping", None).await;
    assert_eq!(alive.status(), StatusCode::OK);
    // Last used 61 minutes ago (the idle limit is 60).
    let long_ago = core_service::grpc::unix_now() - 61 * 60;
    crate::helpers::execute(
        &system,
        "UPDATE api_keys SET last_used_at = $1 WHERE account_id = $2",
        &[Bind::Int(long_ago), Bind::Int(id)],
    )
    .await;
    let answer = system.with_key(&key, Method::GET, "/api/ping", None).await;
    assert_eq!(
        json(answer, StatusCode::UNAUTHORIZED).await,
        json!({"message": "Invalid API Key"})
    );
}
