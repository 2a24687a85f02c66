//! Provisioning tokens: one use under concurrency, one current per account,
//! voided by deactivation and deletion, kept by blocking, expiry, the
//! account object never showing one, and the guessing limit.

use core_service::testing::Backend;
use reqwest::{header, Method, StatusCode};
use serde_json::json;

use super::{fetch, json, provisioning_token, xml_of, USER_AGENT};
use crate::helpers::{execute, spawn_system, spawn_system_with, Bind, Options};

core_service::on_every_backend!(
    six_parallel_uses_of_one_token_give_one_document,
    tokens_follow_the_account_state,
    expired_tokens_are_410_and_made_tokens_show_once,
    twenty_wrong_tokens_lock_an_address_out_without_spending_a_valid_one,
    a_request_that_fails_after_the_claim_spends_no_token,
);

async fn six_parallel_uses_of_one_token_give_one_document(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let account = system
        .grpc_create_account("erin0001", "erin-password", "SHA-256", false)
        .await;
    let token = provisioning_token(&system, account.id).await;
    let url = system.url(&format!("/provisioning/{token}"));
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (http, url) = (system.http.clone(), url.clone());
            tokio::spawn(async move {
                let response = http
                    .get(url)
                    .header("X-Linphone-Provisioning", "1")
                    .header(header::USER_AGENT, USER_AGENT)
                    .send()
                    .await
                    .unwrap();
                response.status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    let served = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::NOT_FOUND)
        .count();
    assert_eq!((served, refused), (1, 5), "{statuses:?}");
}

async fn state_of(system: &crate::helpers::TestSystem, id: i64) -> serde_json::Value {
    let path = format!("/api/accounts/{id}");
    system
        .admin()
        .json(Method::GET, &path, None, StatusCode::OK)
        .await
}

async fn admin_post(system: &crate::helpers::TestSystem, path: &str) {
    system
        .admin()
        .json(Method::POST, path, None, StatusCode::OK)
        .await;
}

async fn tokens_follow_the_account_state(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let account = system
        .grpc_create_account("fred0001", "fred-password", "SHA-256", false)
        .await;
    let id = account.id;
    // A new token voids the previous one.
    let first = provisioning_token(&system, id).await;
    let second = provisioning_token(&system, id).await;
    let stale = fetch(&system, &format!("/provisioning/{first}"), true).await;
    assert_eq!(stale.status(), StatusCode::NOT_FOUND);
    // Blocking keeps it: 403, then usable once unblocked.
    admin_post(&system, &format!("/api/accounts/{id}/block")).await;
    let blocked = fetch(&system, &format!("/provisioning/{second}"), true).await;
    assert_eq!(
        json(blocked, StatusCode::FORBIDDEN).await,
        json!({"message": "Account blocked"})
    );
    admin_post(&system, &format!("/api/accounts/{id}/unblock")).await;
    // Deactivation voids it.
    admin_post(&system, &format!("/api/accounts/{id}/deactivate")).await;
    let voided = fetch(&system, &format!("/provisioning/{second}"), true).await;
    assert_eq!(voided.status(), StatusCode::NOT_FOUND);
    // A token made while deactivated activates the account when used.
    let third = provisioning_token(&system, id).await;
    assert_eq!(state_of(&system, id).await["activated"], false);
    xml_of(fetch(&system, &format!("/provisioning/{third}"), true).await).await;
    assert_eq!(state_of(&system, id).await["activated"], true);
    // PUT activated=false voids too.
    let fourth = provisioning_token(&system, id).await;
    let path = format!("/api/accounts/{id}");
    system
        .admin()
        .json(
            Method::PUT,
            &path,
            Some(json!({"activated": false})),
            StatusCode::OK,
        )
        .await;
    let voided = fetch(&system, &format!("/provisioning/{fourth}"), true).await;
    assert_eq!(voided.status(), StatusCode::NOT_FOUND);
    // Deletion deletes them.
    let fifth = provisioning_token(&system, id).await;
    system
        .admin()
        .json(Method::DELETE, &path, None, StatusCode::OK)
        .await;
    let gone = fetch(&system, &format!("/provisioning/{fifth}"), true).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

async fn expired_tokens_are_410_and_made_tokens_show_once(backend: Backend) {
    let mut options = Options::default();
    options.provisioning.provisioning_token_ttl_seconds = 1;
    let Some(system) = spawn_system_with(backend, options).await else {
        return;
    };
    let account = system
        .grpc_create_account("gina0001", "gina-password", "SHA-256", false)
        .await;
    let path = format!("/api/accounts/{}/provision", account.id);
    let made = system
        .admin()
        .json(Method::GET, &path, None, StatusCode::OK)
        .await;
    assert_eq!(made["username"], "gina0001");
    assert!(made["provisioning_token_expire_at"].is_string(), "{made}");
    let token = made["provisioning_token"].as_str().unwrap().to_owned();
    // Never again in an account object, admins included.
    let shown = state_of(&system, account.id).await;
    assert!(!shown.to_string().contains(&token), "{shown}");
    let listed = system
        .admin()
        .json(Method::GET, "/api/accounts", None, StatusCode::OK)
        .await;
    assert!(!listed.to_string().contains(&token));
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let expired = fetch(&system, &format!("/provisioning/{token}"), true).await;
    assert_eq!(
        json(expired, StatusCode::GONE).await,
        json!({"message": "Provisioning token expired"})
    );
    // The user's own route.
    let mine = system
        .client("gina0001", "gina-password")
        .json(
            Method::GET,
            "/api/accounts/me/provision",
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(mine["provisioning_token"].as_str().unwrap().len(), 13);
    // Another domain's admin does not reach it; a user is not an admin.
    let refused = system
        .client("gina0001", "gina-password")
        .send(Method::GET, &path, None)
        .await;
    assert_eq!(
        json(refused, StatusCode::FORBIDDEN).await,
        json!({"message": "Unauthorized area"})
    );
}

async fn twenty_wrong_tokens_lock_an_address_out_without_spending_a_valid_one(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let account = system
        .grpc_create_account("hank0001", "hank-password", "SHA-256", false)
        .await;
    let token = provisioning_token(&system, account.id).await;
    let guesser = reqwest::Client::builder()
        .local_address(Some("127.0.0.2".parse().unwrap()))
        .build()
        .unwrap();
    let get = |path: String| {
        guesser
            .get(system.url(&path))
            .header("X-Linphone-Provisioning", "1")
            .send()
    };
    for guess in 0..20 {
        let wrong = get(format!("/provisioning/wrongToken{guess:03}"))
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::NOT_FOUND, "guess {guess}");
    }
    let locked = get(format!("/provisioning/{token}")).await.unwrap();
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.headers().contains_key(header::RETRY_AFTER));
    assert_eq!(
        json(locked, StatusCode::TOO_MANY_REQUESTS).await,
        json!({"message": "Too many failed attempts"})
    );
    let qr = get(format!("/provisioning/qrcode/{token}")).await.unwrap();
    assert_eq!(qr.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another address is not affected, and the token was not spent.
    xml_of(fetch(&system, &format!("/provisioning/{token}"), true).await).await;
}

async fn a_request_that_fails_after_the_claim_spends_no_token(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let domain = "sip.example.com";
    let account = system
        .grpc_create_account_in("ivan0001", domain, "ivan-password", "SHA-256", false)
        .await;
    let token = provisioning_token(&system, account.id).await;
    // A broken store under the claimed token: the space row is gone, so
    // the document cannot be built after the token was taken.
    execute(
        &system,
        "DELETE FROM spaces WHERE domain = $1",
        &[Bind::Text(domain)],
    )
    .await;
    let failed = fetch(&system, &format!("/provisioning/{token}"), true).await;
    assert_eq!(failed.status(), StatusCode::NOT_FOUND);
    system
        .admin()
        .json(
            Method::POST,
            "/api/spaces",
            Some(json!({"domain": domain})),
            StatusCode::CREATED,
        )
        .await;
    // The failed request spent nothing.
    xml_of(fetch(&system, &format!("/provisioning/{token}"), true).await).await;
}
