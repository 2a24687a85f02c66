//! Contract part 4 end to end: the real core and gateway, the apps' call
//! sequences, and the providers (FCM and its OAuth, APNs, SMTP, an SMS
//! gateway) as local fakes speaking their real protocols.

use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_system_with, Options, TestSystem};
use core_service::testing::Backend;

mod accounts;
mod codes;
mod flows;
mod limits;
mod pages;
mod processes;
mod providers;
mod push_notifications;
mod refusals;
mod smtp;

pub use providers::Providers;
pub use smtp::SmtpSink;

/// What liblinphone sends with every request.
pub const USER_AGENT: &str = "LinphoneAndroid/6.0.0 (Pixel 8) LinphoneSDK/5.4.0";

/// A system whose core sends to the fakes.
pub struct Onboarding {
    pub system: TestSystem,
    pub providers: Providers,
    pub smtp: SmtpSink,
}

pub async fn spawn(backend: Backend) -> Option<Onboarding> {
    spawn_tuned(backend, |_| {}).await
}

/// [`spawn`], with the options changed by `tune` (limits, lifetimes).
pub async fn spawn_tuned(backend: Backend, tune: impl FnOnce(&mut Options)) -> Option<Onboarding> {
    let providers = Providers::start().await;
    let smtp = SmtpSink::start().await;
    let mut options = Options {
        delivery: providers.delivery(Some(smtp.url())),
        // Each test's requests come from one address: room for them.
        ..Options::default()
    };
    options.onboarding.requests_per_ip_per_hour = 1000;
    tune(&mut options);
    let system = spawn_system_with(backend, options).await?;
    Some(Onboarding {
        system,
        providers,
        smtp,
    })
}

/// A public request as the apps send it: every value a string, JSON in and
/// out, `Accept` and `User-Agent` set.
pub async fn public(system: &TestSystem, path: &str, body: Option<Value>) -> reqwest::Response {
    let mut request = system
        .http
        .request(Method::POST, system.url(path))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .header(header::USER_AGENT, USER_AGENT);
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    request.send().await.unwrap()
}

/// The JSON of an answer, asserting its status and that its
/// `Content-Type` is exactly `application/json` (liblinphone compares the
/// whole value).
pub async fn answer(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status, "{response:?}");
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/json",
        "liblinphone refuses any other Content-Type"
    );
    response.json().await.unwrap()
}

/// A creation token, pushed to a device of its own.
pub async fn pushed_token(o: &Onboarding, prid: &str) -> String {
    answer(refusals::push_fcm(&o.system, prid).await, StatusCode::OK).await;
    o.providers.last_fcm_token()
}

/// A pending account made with a pushed token.
pub async fn pending_account(o: &Onboarding, username: &str) -> Value {
    let token = pushed_token(o, &format!("device-of-{username}")).await;
    let body = json!({"username": username, "password": "app-password", "algorithm": "SHA-256", "account_creation_token": token});
    answer(
        public(
            &o.system,
            "/api/accounts/with-account-creation-token",
            Some(body),
        )
        .await,
        StatusCode::OK,
    )
    .await
}

/// A 64-hex-digit APNs device token, upper case as iOS apps send it.
pub fn apns_token(seed: u8) -> String {
    format!("{:02X}", seed).repeat(32)
}
