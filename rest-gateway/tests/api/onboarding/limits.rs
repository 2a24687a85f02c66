//! The abuse limits of part 4, counted by the core in the database (so
//! every gateway replica shares them): per client address, per account,
//! per destination.

use reqwest::{header, Method, StatusCode};
use serde_json::json;

use super::{answer, pending_account, public, spawn_tuned};
use crate::helpers::DigestClient;
use core_service::testing::Backend;

core_service::on_every_backend!(
    each_client_address_has_its_hourly_quota_of_public_requests,
    codes_are_limited_per_account_and_per_destination,
);

async fn each_client_address_has_its_hourly_quota_of_public_requests(backend: Backend) {
    let Some(o) = spawn_tuned(backend, |options| {
        options.onboarding.requests_per_ip_per_hour = 3;
    })
    .await
    else {
        return;
    };
    let system = &o.system;
    for _ in 0..3 {
        answer(
            public(system, "/api/account_creation_request_tokens", None).await,
            StatusCode::CREATED,
        )
        .await;
    }
    let refused = public(system, "/api/account_creation_request_tokens", None).await;
    let retry: u64 = refused.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((3500..=3600).contains(&retry), "{retry}");
    assert_eq!(
        answer(refused, StatusCode::TOO_MANY_REQUESTS).await,
        json!({"message": "Too many requests"})
    );
    // Pushes and sign-ups count in the same quota.
    let push = public(
        system,
        "/api/account_creation_tokens/send-by-push",
        Some(
            json!({"pn_provider": "fcm", "pn_param": super::providers::FCM_PARAM, "pn_prid": "q"}),
        ),
    )
    .await;
    assert_eq!(push.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another client address has its own.
    let other = reqwest::Client::builder()
        .local_address(Some("127.0.0.2".parse().unwrap()))
        .build()
        .unwrap();
    let made = other
        .post(system.url("/api/account_creation_request_tokens"))
        .header(header::CONTENT_TYPE, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::CREATED);
}

async fn codes_are_limited_per_account_and_per_destination(backend: Backend) {
    let Some(o) = spawn_tuned(backend, |options| {
        options.onboarding.codes_per_account_per_hour = 2;
        options.onboarding.messages_per_destination_per_hour = 2;
    })
    .await
    else {
        return;
    };
    let system = &o.system;
    pending_account(&o, "limited01").await;
    pending_account(&o, "limited02").await;
    let request = "/api/accounts/me/phone/request";
    let mut first: DigestClient = system.client("limited01", "app-password");
    first
        .json(
            Method::POST,
            request,
            Some(json!({"phone": "+33677777771"})),
            StatusCode::OK,
        )
        .await;
    first
        .json(
            Method::POST,
            "/api/accounts/me/email/request",
            Some(json!({"email": "l1@example.net"})),
            StatusCode::OK,
        )
        .await;
    let refused = first
        .send(
            Method::POST,
            request,
            Some(json!({"phone": "+33677777772"})),
        )
        .await;
    assert!(refused.headers().contains_key(header::RETRY_AFTER));
    assert_eq!(
        answer(refused, StatusCode::TOO_MANY_REQUESTS).await,
        json!({"message": "Too many codes requested"})
    );
    // One number receives at most 2 messages an hour, whoever asks.
    let mut second = system.client("limited02", "app-password");
    second
        .json(
            Method::POST,
            request,
            Some(json!({"phone": "+33677777771"})),
            StatusCode::OK,
        )
        .await;
    let refused = second
        .json(
            Method::POST,
            request,
            Some(json!({"phone": "+33677777771"})),
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await;
    assert_eq!(refused, json!({"message": "Too many codes requested"}));
    assert_eq!(o.providers.sms().len(), 2);
    // A recovery to that number is refused before its token is spent.
    let pushed = public(system, "/api/account_recovery_tokens/send-by-push", Some(json!({"pn_provider": "fcm", "pn_param": super::providers::FCM_PARAM, "pn_prid": "limited-device"}))).await;
    answer(pushed, StatusCode::OK).await;
    let token = o.providers.last_fcm_token();
    let form = [
        ("phone", "+33677777771"),
        ("account_recovery_token", token.as_str()),
    ];
    let refused = system
        .http
        .post(system.url("/recovery"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let page = system
        .http
        .get(system.url(&format!("/recovery/phone/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK, "the token is still usable");
}
