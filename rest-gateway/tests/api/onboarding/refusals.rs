//! Every refusal of part 4, with its status and words, and what a refused
//! request leaves behind (nothing usable, a token still usable).

use reqwest::{header, StatusCode};
use serde_json::{json, Value};

use super::{answer, apns_token, providers::*, public, pushed_token, spawn, spawn_tuned};
use crate::helpers::TestSystem;
use core_service::testing::Backend;

core_service::on_every_backend!(
    push_requests_are_checked_and_a_failed_push_leaves_nothing,
    account_creation_checks_everything_before_spending_the_token,
);

const PUSH: &str = "/api/account_creation_tokens/send-by-push";
const SIGN_UP: &str = "/api/accounts/with-account-creation-token";

pub fn errors_of(body: &Value, field: &str) -> Value {
    body["errors"][field].clone()
}

pub async fn push_fcm(system: &TestSystem, prid: &str) -> reqwest::Response {
    public(
        system,
        PUSH,
        Some(json!({"pn_provider": "fcm", "pn_param": FCM_PARAM, "pn_prid": prid})),
    )
    .await
}

async fn push_requests_are_checked_and_a_failed_push_leaves_nothing(backend: Backend) {
    let Some(o) = spawn(backend).await else {
        return;
    };
    let system = &o.system;
    let cases = [
        (
            json!({"pn_provider": "gcm", "pn_param": "1", "pn_prid": "x"}),
            "pn_provider",
            "The pn provider should be in apns.dev, apns, fcm",
        ),
        (
            json!({"pn_param": "1", "pn_prid": "x"}),
            "pn_provider",
            "The pn provider field is required.",
        ),
        (
            json!({"pn_provider": "fcm", "pn_prid": "x"}),
            "pn_param",
            "The pn param field is required.",
        ),
        (
            json!({"pn_provider": "fcm", "pn_param": "a/b", "pn_prid": "x"}),
            "pn_param",
            "The pn param should contain only alphanumeric, dots and underscore characters",
        ),
        (
            json!({"pn_provider": "apns", "pn_param": APNS_PARAM, "pn_prid": "abc"}),
            "pn_prid",
            "The pn prid should be the 64 hexadecimal digits of an APNs device token",
        ),
    ];
    for (body, field, message) in cases {
        let refused = answer(
            public(system, PUSH, Some(body)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(errors_of(&refused, field), json!([message]));
    }
    // An app with no service account: not sent.
    let unknown = public(
        system,
        PUSH,
        Some(json!({"pn_provider": "fcm", "pn_param": "111", "pn_prid": "x"})),
    )
    .await;
    assert_eq!(
        answer(unknown, StatusCode::SERVICE_UNAVAILABLE).await,
        json!({"message": "Token not sent"})
    );
    // FCM refuses: not sent, and nothing stored (the next push is not
    // "too recent").
    o.providers.fail_fcm(500);
    let failed = push_fcm(system, "device-1").await;
    assert_eq!(
        answer(failed, StatusCode::SERVICE_UNAVAILABLE).await,
        json!({"message": "Token not sent"})
    );
    o.providers.fail_fcm(200);
    answer(push_fcm(system, "device-1").await, StatusCode::OK).await;
    // Sent: a second push to that device within a minute is refused.
    let again = push_fcm(system, "device-1").await;
    let retry: u64 = again.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(
        answer(again, StatusCode::TOO_MANY_REQUESTS).await,
        json!({"message": "Last token requested too recently"})
    );
    // The recovery push is throttled apart.
    let recovery = public(
        system,
        "/api/account_recovery_tokens/send-by-push",
        Some(json!({"pn_provider": "fcm", "pn_param": FCM_PARAM, "pn_prid": "device-1"})),
    )
    .await;
    assert_eq!(answer(recovery, StatusCode::OK).await, json!({}));
    // APNs for an upper-case 64-hex token is fine.
    let apns = public(
        system,
        PUSH,
        Some(json!({"pn_provider": "apns", "pn_param": APNS_PARAM, "pn_prid": apns_token(1)})),
    )
    .await;
    assert_eq!(answer(apns, StatusCode::OK).await, json!({}));
}

async fn account_creation_checks_everything_before_spending_the_token(backend: Backend) {
    let Some(o) = spawn_tuned(backend, |options| {
        options.onboarding.push_retry_seconds = 0;
    })
    .await
    else {
        return;
    };
    let system = &o.system;
    let token = pushed_token(&o, "device-2").await;
    let good = json!({"username": "newuser01", "password": "app-password", "algorithm": "SHA-256", "account_creation_token": token});
    let mut refused_bodies = Vec::new();
    for field in ["admin", "activated", "blocked"] {
        let mut body = good.clone();
        body[field] = json!("0");
        refused_bodies.push((body, field, format!("The {field} field must be missing.")));
    }
    let mut body = good.clone();
    body["username"] = json!("NewUser01");
    refused_bodies.push((body, "username", "No uppercase letters are allowed.".into()));
    let mut body = good.clone();
    body["username"] = json!("+33612345678");
    refused_bodies.push((
        body,
        "username",
        "The username should not be a phone number".into(),
    ));
    let mut body = good.clone();
    body["password"] = json!("short");
    refused_bodies.push((
        body,
        "password",
        "The password must be at least 6 characters.".into(),
    ));
    let mut body = good.clone();
    body["phone"] = json!("0612345678");
    refused_bodies.push((
        body,
        "phone",
        "The phone field must be a valid number.".into(),
    ));
    let mut body = good.clone();
    body["algorithm"] = json!("SHA-512");
    refused_bodies.push((body, "algorithm", String::new()));
    for (body, field, message) in refused_bodies {
        let refused = answer(
            public(system, SIGN_UP, Some(body)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        let messages = errors_of(&refused, field);
        assert!(messages.is_array(), "{field}: {refused}");
        if !message.is_empty() {
            assert!(
                messages.as_array().unwrap().contains(&json!(message)),
                "{refused}"
            );
        }
    }
    let mut no_token = good.clone();
    no_token
        .as_object_mut()
        .unwrap()
        .remove("account_creation_token");
    let refused = answer(
        public(system, SIGN_UP, Some(no_token)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        errors_of(&refused, "account_creation_token"),
        json!(["Please provide a valid account_creation_token"])
    );
    // Every refusal left the token usable.
    let account = answer(public(system, SIGN_UP, Some(good)).await, StatusCode::OK).await;
    assert_eq!(account["username"], "newuser01");
    // That device made an account: no new creation token for an hour.
    let again = push_fcm(system, "device-2").await;
    assert_eq!(
        answer(again, StatusCode::TOO_MANY_REQUESTS).await,
        json!({"message": "Last token requested too recently"})
    );

    // Two requests racing with one token make one account.
    let token = pushed_token(&o, "device-3").await;
    let racers = (0..8).map(|n| {
        let body = json!({"username": format!("racer0{n}"), "password": "app-password", "algorithm": "SHA-256", "account_creation_token": token});
        let (http, url) = (system.http.clone(), system.url(SIGN_UP));
        async move {
            http.post(url)
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.to_string())
                .send()
                .await
                .unwrap()
        }
    });
    let statuses: Vec<StatusCode> = futures_statuses(racers).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert!(statuses
        .iter()
        .all(|s| *s == StatusCode::OK || *s == StatusCode::UNPROCESSABLE_ENTITY));
}

async fn futures_statuses(
    requests: impl Iterator<
        Item = impl std::future::Future<Output = reqwest::Response> + Send + 'static,
    >,
) -> Vec<StatusCode> {
    let tasks: Vec<_> = requests.map(tokio::spawn).collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().status());
    }
    statuses
}

core_service::on_every_backend!(expired_tokens_are_told_apart_from_unknown_ones);

/// Past its lifetime a token is "expired" where FlexiAPI says so, and no
/// longer opens anything.
async fn expired_tokens_are_told_apart_from_unknown_ones(backend: Backend) {
    let Some(o) = spawn_tuned(backend, |options| {
        options.onboarding.request_token_ttl_seconds = 1;
        options.onboarding.creation_token_ttl_seconds = 1;
        options.onboarding.recovery_token_ttl_seconds = 1;
    })
    .await
    else {
        return;
    };
    let system = &o.system;
    let made = answer(
        public(system, "/api/account_creation_request_tokens", None).await,
        StatusCode::CREATED,
    )
    .await;
    let request_token = made["token"].as_str().unwrap().to_owned();
    let creation_token = pushed_token(&o, "expiring-device").await;
    let recovery = public(
        system,
        "/api/account_recovery_tokens/send-by-push",
        Some(json!({"pn_provider": "fcm", "pn_param": FCM_PARAM, "pn_prid": "expiring-device"})),
    )
    .await;
    answer(recovery, StatusCode::OK).await;
    let recovery_token = o.providers.last_fcm_token();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;

    let exchange = json!({"account_creation_request_token": request_token});
    let path = "/api/account_creation_tokens/using-account-creation-request-token";
    let expired = answer(
        public(system, path, Some(exchange)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        errors_of(&expired, "account_creation_request_token"),
        json!(["The provided token is expired"])
    );
    let page = system
        .http
        .get(system.url(&format!("/creation_token/check/{request_token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let body = json!({"username": "late0001", "password": "app-password", "account_creation_token": creation_token});
    let expired = answer(
        public(system, SIGN_UP, Some(body)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        errors_of(&expired, "account_creation_token"),
        json!(["The provided token is expired"])
    );
    let page = system
        .http
        .get(system.url(&format!("/recovery/phone/{recovery_token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::GONE);
    system
        .grpc_create_account("consumer1", "consumer-pw", "SHA-256", false)
        .await;
    let mut user = system.client("consumer1", "consumer-pw");
    let gone = user
        .json(
            reqwest::Method::POST,
            "/api/account_creation_tokens/consume",
            Some(json!({"account_creation_token": creation_token})),
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(gone, json!({"message": "Token not found"}));
}
