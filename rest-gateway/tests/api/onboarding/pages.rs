//! The browser pages: recovery by phone (opened from a pushed recovery
//! token) and by email, the request token's page, and what every page
//! carries (no-store, no referrer, a strict CSP, escaped input).

use reqwest::{header, Method, StatusCode};
use serde_json::json;

use super::{answer, providers::*, public, spawn, spawn_tuned};
use crate::helpers::{DigestClient, TestSystem};
use core_service::testing::Backend;

core_service::on_every_backend!(
    a_lost_password_is_recovered_by_phone,
    a_recovery_by_email_tells_nothing_of_unknown_addresses,
);

/// The value of a hidden field of a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

async fn form(system: &TestSystem, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let response = system
        .http
        .post(system.url(path))
        .form(fields)
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/html; charset=utf-8"
    );
    (status, response.text().await.unwrap())
}

async fn a_lost_password_is_recovered_by_phone(backend: Backend) {
    let Some(o) = spawn(backend).await else {
        return;
    };
    let system = &o.system;
    let mut admin = system.admin();
    let account = json!({"username": "lost01", "password": "forgotten-pw", "algorithm": "MD5", "phone": "+33688888888"});
    admin
        .json(Method::POST, "/api/accounts", Some(account), StatusCode::OK)
        .await;
    let pushed = public(
        system,
        "/api/account_recovery_tokens/send-by-push",
        Some(json!({"pn_provider": "fcm", "pn_param": FCM_PARAM, "pn_prid": "lost-device"})),
    )
    .await;
    assert_eq!(answer(pushed, StatusCode::OK).await, json!({}));
    let token = o.providers.last_fcm_token();

    let page = system
        .http
        .get(system.url(&format!(
            "/recovery/phone/{token}?phone=%2B33688888888%22%3E%3Cscript%3E"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let headers = page.headers().clone();
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    assert!(headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .starts_with("default-src 'none'"));
    let html = page.text().await.unwrap();
    assert!(!html.contains("<script>"), "the query is escaped: {html}");
    assert!(html.contains("+33688888888&quot;&gt;&lt;script&gt;"));

    let (status, html) = form(
        system,
        "/recovery",
        &[
            ("phone", "+33688888888"),
            ("account_recovery_token", &token),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let recovery_id = hidden(&html, "recovery_id");
    let code = o.providers.last_sms_code();
    let wrong = if code == "0000" { "1111" } else { "0000" };
    let (status, html) = form(
        system,
        "/recovery/confirm",
        &[
            ("recovery_id", &recovery_id),
            ("code", wrong),
            ("password", "new-password"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("The code should be valid"), "{html}");
    let (status, html) = form(
        system,
        "/recovery/confirm",
        &[
            ("recovery_id", &recovery_id),
            ("code", &code),
            ("password", "new-password"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    // The new password works (its MD5 kept), the old one does not.
    let mut user = DigestClient::new(&system.base, "lost01", "new-password");
    let me = user
        .json(Method::GET, "/api/accounts/me", None, StatusCode::OK)
        .await;
    assert_eq!(me["passwords"], json!([{"algorithm": "MD5"}]));
    let mut old = DigestClient::new(&system.base, "lost01", "forgotten-pw");
    assert_eq!(
        old.get("/api/accounts/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // One token, one SMS: it is used now.
    let (status, _) = form(
        system,
        "/recovery",
        &[
            ("phone", "+33688888888"),
            ("account_recovery_token", &token),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let page = system
        .http
        .get(system.url(&format!("/recovery/phone/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let (status, _) = form(
        system,
        "/recovery/confirm",
        &[
            ("recovery_id", &recovery_id),
            ("code", &code),
            ("password", "other-password"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::GONE, "a used recovery is over");
}

async fn a_recovery_by_email_tells_nothing_of_unknown_addresses(backend: Backend) {
    let Some(o) = spawn_tuned(backend, |options| {
        options.onboarding.push_retry_seconds = 0;
    })
    .await
    else {
        return;
    };
    let system = &o.system;
    let page = system
        .http
        .get(system.url("/recovery/email"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    // An address no account has: the same page, and nothing sent.
    let (status, unknown_page) =
        form(system, "/recovery", &[("email", "nobody@example.net")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(o.smtp.mails().is_empty());
    let unknown_id = hidden(&unknown_page, "recovery_id");
    for _ in 0..3 {
        let (status, _) = form(
            system,
            "/recovery/confirm",
            &[
                ("recovery_id", &unknown_id),
                ("code", "1234"),
                ("password", "whatever-pw"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (status, _) = form(
        system,
        "/recovery/confirm",
        &[
            ("recovery_id", &unknown_id),
            ("code", "1234"),
            ("password", "whatever-pw"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::GONE, "dead after 3 tries");

    // A pending account recovers by its email and becomes activated.
    let token = super::pushed_token(&o, "mail-device").await;
    let body = json!({"username": "mailer01", "password": "app-password", "algorithm": "SHA-256", "account_creation_token": token, "email": "mailer01@example.net"});
    answer(
        public(
            system,
            "/api/accounts/with-account-creation-token",
            Some(body),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let (status, known_page) =
        form(system, "/recovery", &[("email", "mailer01@example.net")]).await;
    assert_eq!(status, StatusCode::OK);
    let strip = |html: &str| html.replace(&hidden(html, "recovery_id"), "");
    assert_eq!(
        strip(&known_page),
        strip(&unknown_page),
        "the same page either way"
    );
    let mail = o.smtp.mails().pop().unwrap();
    assert_eq!(mail.to, ["mailer01@example.net"]);
    assert_eq!(
        mail.header("Subject").unwrap(),
        "sip.example.org: Your account recovery code"
    );
    let code = code_in(mail.data.split_once("\r\n\r\n").unwrap().1);
    let id = hidden(&known_page, "recovery_id");
    let (status, _) = form(
        system,
        "/recovery/confirm",
        &[
            ("recovery_id", &id),
            ("code", &code),
            ("password", "recovered-pw"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mut user = DigestClient::new(&system.base, "mailer01", "recovered-pw");
    let me = user
        .json(Method::GET, "/api/accounts/me", None, StatusCode::OK)
        .await;
    assert_eq!(me["activated"], true);
}

core_service::on_every_backend!(the_request_token_page_asks_for_the_captcha_when_configured);

async fn the_request_token_page_asks_for_the_captcha_when_configured(backend: Backend) {
    let providers = Providers::start().await;
    let Some(o) = spawn_tuned(backend, |options| {
        options.hcaptcha = Some(providers.captcha());
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
    let token = made["token"].as_str().unwrap();
    let page = system
        .http
        .get(made["validation_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let policy = page.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("https://js.hcaptcha.com"), "{policy}");
    let html = page.text().await.unwrap();
    assert!(html.contains("data-sitekey=\"10000000-ffff-ffff-ffff-000000000001\""));
    let (status, _) = form(
        system,
        "/creation_token/validate",
        &[
            ("account_creation_request_token", token),
            ("h-captcha-response", "failed"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let exchange = json!({"account_creation_request_token": token});
    let path = "/api/account_creation_tokens/using-account-creation-request-token";
    answer(
        public(system, path, Some(exchange.clone())).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let (status, _) = form(
        system,
        "/creation_token/validate",
        &[
            ("account_creation_request_token", token),
            ("h-captcha-response", "passed"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    answer(
        public(system, path, Some(exchange)).await,
        StatusCode::CREATED,
    )
    .await;
    // The recovery by email asks for it too.
    let (status, _) = form(
        system,
        "/recovery",
        &[
            ("email", "nobody@example.net"),
            ("h-captcha-response", "failed"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, html) = form(
        system,
        "/recovery",
        &[
            ("email", "nobody@example.net"),
            ("h-captcha-response", "passed"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"recovery_id\""));
    let page = system
        .http
        .get(system.url("/recovery/email"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("class=\"h-captcha\""));
    // Unknown tokens: a 404 page, and a 422 page for the form.
    let page = system
        .http
        .get(system.url("/creation_token/check/AAAAAAAAAAAAA"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let (status, _) = form(
        system,
        "/creation_token/validate",
        &[
            ("account_creation_request_token", "AAAAAAAAAAAAA"),
            ("h-captcha-response", "passed"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
