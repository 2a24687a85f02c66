//! The refusals of email and phone codes: format, tries, expiry, taken
//! destinations, and providers that refuse or are not configured.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{
    answer, apns_token, pending_account, providers::*, public, refusals::errors_of, spawn,
    spawn_tuned,
};
use crate::helpers::spawn_system;
use core_service::testing::Backend;

core_service::on_every_backend!(
    codes_die_after_three_tries_and_expire,
    destinations_are_checked_and_providers_refusals_are_503,
    without_channels_every_message_is_not_sent,
);

const PUSH: &str = "/api/account_creation_tokens/send-by-push";

async fn codes_die_after_three_tries_and_expire(backend: Backend) {
    let Some(o) = spawn_tuned(backend, |options| {
        options.onboarding.code_ttl_seconds = 2;
    })
    .await
    else {
        return;
    };
    let system = &o.system;
    pending_account(&o, "coder01").await;
    let mut app = system.client("coder01", "app-password");
    let confirm = "/api/accounts/me/phone";
    for code in ["123", "12345", "12a4"] {
        let refused = app
            .json(
                Method::POST,
                confirm,
                Some(json!({"code": code})),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(
            errors_of(&refused, "code"),
            json!(["The code field must be 4 digits."])
        );
    }
    let none = app
        .json(
            Method::POST,
            confirm,
            Some(json!({"code": "1234"})),
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(none, json!({"message": "No pending code"}));
    let request = "/api/accounts/me/phone/request";
    app.json(
        Method::POST,
        request,
        Some(json!({"phone": "+33611111111"})),
        StatusCode::OK,
    )
    .await;
    let code = o.providers.last_sms_code();
    let wrong = if code == "0000" { "1111" } else { "0000" };
    for _ in 0..3 {
        let refused = app
            .json(
                Method::POST,
                confirm,
                Some(json!({"code": wrong})),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(
            errors_of(&refused, "code"),
            json!(["The code should be valid"])
        );
    }
    // The 4th try, even right, is refused: the code is dead.
    let dead = app
        .json(
            Method::POST,
            confirm,
            Some(json!({"code": code})),
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(dead, json!({"message": "No pending code"}));
    // A new code replaces the last one; past its lifetime it is expired.
    app.json(
        Method::POST,
        request,
        Some(json!({"phone": "+33611111111"})),
        StatusCode::OK,
    )
    .await;
    let old = o.providers.last_sms_code();
    app.json(
        Method::POST,
        request,
        Some(json!({"phone": "+33611111111"})),
        StatusCode::OK,
    )
    .await;
    let new = o.providers.last_sms_code();
    if old != new {
        let replaced = app
            .json(
                Method::POST,
                confirm,
                Some(json!({"code": old})),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(
            errors_of(&replaced, "code"),
            json!(["The code should be valid"])
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let expired = app
        .json(
            Method::POST,
            confirm,
            Some(json!({"code": new})),
            StatusCode::GONE,
        )
        .await;
    assert_eq!(expired, json!({"message": "Expired code"}));
}

async fn destinations_are_checked_and_providers_refusals_are_503(backend: Backend) {
    let Some(o) = spawn(backend).await else {
        return;
    };
    let system = &o.system;
    pending_account(&o, "checker01").await;
    let mut other = system.client("admin01", "admin-password");
    let taken = json!({"username": "holder01", "password": "holder-pw", "algorithm": "MD5", "phone": "+33622222222", "email": "holder@example.net"});
    other
        .json(Method::POST, "/api/accounts", Some(taken), StatusCode::OK)
        .await;
    let named_like_a_number =
        json!({"username": "+33633333333", "password": "holder-pw", "algorithm": "MD5"});
    other
        .json(
            Method::POST,
            "/api/accounts",
            Some(named_like_a_number),
            StatusCode::OK,
        )
        .await;
    let mut app = system.client("checker01", "app-password");
    let phone = "/api/accounts/me/phone/request";
    let email = "/api/accounts/me/email/request";
    let cases = [
        (
            phone,
            json!({"phone": "0612345678"}),
            "phone",
            "The phone field must be a valid number.",
        ),
        (phone, json!({}), "phone", "The phone field is required."),
        (
            phone,
            json!({"phone": "+33622222222"}),
            "phone",
            "The phone has already been taken.",
        ),
        (
            phone,
            json!({"phone": "+33633333333"}),
            "phone",
            "The phone has already been taken.",
        ),
        (
            email,
            json!({"email": "nope"}),
            "email",
            "The email field must be a valid email address.",
        ),
        (
            email,
            json!({"email": "holder@example.net"}),
            "email",
            "The email has already been taken.",
        ),
    ];
    for (path, body, field, message) in cases {
        let refused = app
            .json(
                Method::POST,
                path,
                Some(body),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(errors_of(&refused, field), json!([message]), "{path}");
    }
    o.providers.fail_sms(502);
    let failed = app
        .json(
            Method::POST,
            phone,
            Some(json!({"phone": "+33644444444"})),
            StatusCode::SERVICE_UNAVAILABLE,
        )
        .await;
    assert_eq!(failed, json!({"message": "SMS not sent"}));
    // Nothing pending after a code that did not go.
    let none = app
        .json(
            Method::POST,
            "/api/accounts/me/phone",
            Some(json!({"code": "1234"})),
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(none, json!({"message": "No pending code"}));
    o.smtp.refuse(true);
    let failed = app
        .json(
            Method::POST,
            email,
            Some(json!({"email": "me@example.net"})),
            StatusCode::SERVICE_UNAVAILABLE,
        )
        .await;
    assert_eq!(failed, json!({"message": "Email not sent"}));
}

/// A core started with no channel: 503 with the contract's words, never a crash.
async fn without_channels_every_message_is_not_sent(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let pushed = public(
        &system,
        PUSH,
        Some(json!({"pn_provider": "fcm", "pn_param": FCM_PARAM, "pn_prid": "x"})),
    )
    .await;
    assert_eq!(
        answer(pushed, StatusCode::SERVICE_UNAVAILABLE).await,
        json!({"message": "Token not sent"})
    );
    let apns = public(
        &system,
        PUSH,
        Some(json!({"pn_provider": "apns", "pn_param": APNS_PARAM, "pn_prid": apns_token(2)})),
    )
    .await;
    assert_eq!(
        answer(apns, StatusCode::SERVICE_UNAVAILABLE).await,
        json!({"message": "Token not sent"})
    );
    system
        .grpc_create_account("plain01", "plain-pw", "SHA-256", false)
        .await;
    let mut user = system.client("plain01", "plain-pw");
    let sms = user
        .json(
            Method::POST,
            "/api/accounts/me/phone/request",
            Some(json!({"phone": "+33655555555"})),
            StatusCode::SERVICE_UNAVAILABLE,
        )
        .await;
    assert_eq!(sms, json!({"message": "SMS not sent"}));
    let mail = user
        .json(
            Method::POST,
            "/api/accounts/me/email/request",
            Some(json!({"email": "plain@example.net"})),
            StatusCode::SERVICE_UNAVAILABLE,
        )
        .await;
    assert_eq!(mail, json!({"message": "Email not sent"}));
}
