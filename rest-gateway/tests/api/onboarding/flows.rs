//! The apps' whole call sequences (the contract's last table): a pushed
//! token (FCM, APNs) or a request token validated in a browser creates a
//! pending account, a code received by SMS or mail validates it, and the
//! account then authenticates over Digest and SIP.

use flexiapi_proto::pb::{self, auth_service_client::AuthServiceClient};
use reqwest::{header, Method, StatusCode, Version};
use serde_json::json;

use super::{answer, apns_token, providers::*, public, smtp::Received, spawn};
use crate::helpers::{TestSystem, DOMAIN};
use core_service::testing::Backend;

core_service::on_every_backend!(
    an_android_app_signs_up_by_fcm_and_validates_its_phone_by_sms,
    an_ios_app_signs_up_by_apns_and_validates_its_email_by_smtp,
    a_desktop_app_signs_up_with_a_request_token_validated_in_a_browser,
);

/// Whether SIP (Flexisip's GetCredentials) knows the account.
async fn sip_knows(system: &TestSystem, username: &str) -> bool {
    let mut auth = AuthServiceClient::new(system.core_channel().await);
    let request = pb::GetCredentialsRequest {
        username: username.into(),
        domain: String::new(),
    };
    match auth.get_credentials(request).await {
        Ok(answer) => !answer.into_inner().credentials.is_empty(),
        Err(status) if status.code() == tonic::Code::NotFound => false,
        Err(status) => panic!("{status:?}"),
    }
}

/// Steps 3 to 5 of every app: create the account with the token, then
/// check that it is pending.
async fn create_pending(system: &TestSystem, username: &str, token: &str) -> serde_json::Value {
    let body = json!({
        "username": username,
        "password": "app-password",
        "algorithm": "SHA-256",
        "account_creation_token": token,
        "domain": "elsewhere.example.org",
    });
    let account = answer(
        public(
            system,
            "/api/accounts/with-account-creation-token",
            Some(body.clone()),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(account["activated"], false);
    assert_eq!(account["domain"], DOMAIN, "the body's domain is ignored");
    assert_eq!(account["passwords"], json!([{"algorithm": "SHA-256"}]));
    assert!(
        !account.to_string().contains(token),
        "no token in the account"
    );
    // One use: the same token again is unknown.
    let again = answer(
        public(
            system,
            "/api/accounts/with-account-creation-token",
            Some(body),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        again["errors"]["account_creation_token"],
        json!(["Please provide a valid account_creation_token"])
    );
    assert!(
        !sip_knows(system, username).await,
        "SIP does not know a pending account"
    );
    account
}

/// A pending account reaches its own routes and nothing else.
async fn check_pending(system: &TestSystem, username: &str) {
    let mut app = system.client(username, "app-password");
    let me = app
        .json(Method::GET, "/api/accounts/me", None, StatusCode::OK)
        .await;
    assert_eq!(me["activated"], false);
    let refused = app
        .json(Method::GET, "/api/devices", None, StatusCode::FORBIDDEN)
        .await;
    assert_eq!(refused, json!({"message": "Account unvalidated"}));
    let ping = app.get("/api/ping").await;
    assert_eq!(ping.status(), StatusCode::FORBIDDEN);
}

/// After validation: activated, over REST and SIP alike.
async fn check_activated(system: &TestSystem, username: &str) {
    let mut app = system.client(username, "app-password");
    let devices = app.get("/api/devices").await;
    assert_eq!(devices.status(), StatusCode::OK);
    assert!(sip_knows(system, username).await);
}

async fn an_android_app_signs_up_by_fcm_and_validates_its_phone_by_sms(backend: Backend) {
    let Some(o) = spawn(backend).await else {
        return;
    };
    let system = &o.system;
    let prid = "fYd1-kZ3Q0u:APA91bH_test-registration-token";
    let pushed = public(
        system,
        "/api/account_creation_tokens/send-by-push",
        Some(json!({"pn_provider": "fcm", "pn_param": FCM_PARAM, "pn_prid": prid})),
    )
    .await;
    assert_eq!(
        answer(pushed, StatusCode::OK).await,
        json!({}),
        "never the token"
    );
    // The OAuth grant: a JWT signed with the service account's key.
    let grants = o.providers.oauth();
    assert_eq!(grants.len(), 1);
    assert_eq!(
        grants[0]["scope"],
        "https://www.googleapis.com/auth/firebase.messaging"
    );
    assert_eq!(
        grants[0]["exp"].as_u64().unwrap() - grants[0]["iat"].as_u64().unwrap(),
        3600
    );
    let push = o.providers.fcm().pop().unwrap();
    assert_eq!(push.version, Version::HTTP_11);
    assert_eq!(push.headers[header::CONTENT_TYPE], "application/json");
    let message = &push.body["message"];
    assert_eq!(message["token"], prid);
    assert_eq!(message["android"]["priority"], "high");
    assert_eq!(message["android"]["ttl"], "3600s");
    let token = o.providers.last_fcm_token();
    assert!(token.len() == 13 && token.bytes().all(|b| b.is_ascii_alphanumeric()));
    // FlexiAPIClient sends the From (and Digest) of the account the app
    // already has: public routes ignore both.
    let with_identity = system
        .http
        .post(system.url("/api/account_creation_request_tokens"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::FROM, "sip:someone@sip.example.org")
        .header(
            header::AUTHORIZATION,
            "Digest username=\"someone\", response=\"x\"",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(with_identity.status(), StatusCode::CREATED);

    create_pending(system, "android01", &token).await;
    check_pending(system, "android01").await;

    // Step 4: Digest as the pending account, the password just typed.
    let mut app = system.client("android01", "app-password");
    let asked = app
        .send(
            Method::POST,
            "/api/accounts/me/phone/request",
            Some(json!({"phone": "+33612345678"})),
        )
        .await;
    assert_eq!(answer(asked, StatusCode::OK).await, json!({}));
    let sms = o.providers.sms().pop().unwrap();
    assert_eq!(sms.body["to"], "+33612345678");
    assert_eq!(
        sms.headers[header::AUTHORIZATION],
        format!("Bearer {SMS_TOKEN}")
    );
    let text = sms.body["message"].as_str().unwrap();
    let code = code_in(text);
    assert_eq!(
        text,
        format!("Your {DOMAIN} validation code is {code}. The code is available for 10 minutes")
    );

    // A wrong code costs a try; the right one validates.
    let wrong = if code == "0000" { "1111" } else { "0000" };
    let refused = app
        .json(
            Method::POST,
            "/api/accounts/me/phone",
            Some(json!({"code": wrong})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(
        refused["errors"]["code"],
        json!(["The code should be valid"])
    );
    let account = answer(
        app.send(
            Method::POST,
            "/api/accounts/me/phone",
            Some(json!({"code": code})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(account["phone"], "+33612345678");
    assert_eq!(account["activated"], true);
    check_activated(system, "android01").await;
    // Used: the same code again finds nothing pending.
    let used = app
        .json(
            Method::POST,
            "/api/accounts/me/phone",
            Some(json!({"code": code})),
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(used, json!({"message": "No pending code"}));
}

async fn an_ios_app_signs_up_by_apns_and_validates_its_email_by_smtp(backend: Backend) {
    let Some(o) = spawn(backend).await else {
        return;
    };
    let system = &o.system;
    let device = apns_token(0xA7);
    let pushed = public(
        system,
        "/api/account_creation_tokens/send-by-push",
        Some(json!({"pn_provider": "apns.dev", "pn_param": APNS_PARAM, "pn_prid": device})),
    )
    .await;
    assert_eq!(answer(pushed, StatusCode::OK).await, json!({}));
    let push = o.providers.apns().pop().unwrap();
    assert_eq!(push.version, Version::HTTP_2, "APNs speaks HTTP/2 only");
    assert_eq!(push.path, device);
    assert_eq!(push.headers["apns-topic"], "org.linphone.phone");
    assert_eq!(push.headers["apns-push-type"], "background");
    assert_eq!(push.headers["apns-priority"], "5");
    let expiration: u64 = push.headers["apns-expiration"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        (now + 3500..=now + 3700).contains(&expiration),
        "{expiration}"
    );
    assert_eq!(push.body["aps"], json!({"content-available": 1}));
    let token = push.body["customPayload"]["token"]
        .as_str()
        .unwrap()
        .to_owned();

    create_pending(system, "iphone01", &token).await;
    let mut app = system.client("iphone01", "app-password");
    let asked = app
        .send(
            Method::POST,
            "/api/accounts/me/email/request",
            Some(json!({"email": "iphone01@example.net"})),
        )
        .await;
    assert_eq!(answer(asked, StatusCode::OK).await, json!({}));
    let mail: Received = o.smtp.mails().pop().unwrap();
    assert_eq!(mail.to, ["iphone01@example.net"]);
    assert_eq!(mail.from, format!("no-reply@{DOMAIN}"));
    assert_eq!(
        mail.auth.as_deref(),
        Some("\0mailer\0relay-pw"),
        "AUTH PLAIN with the URL's credentials"
    );
    assert_eq!(
        mail.header("Subject").unwrap(),
        format!("{DOMAIN}: Confirm your registration")
    );
    for name in ["Date", "Message-ID", "From", "To"] {
        assert!(mail.header(name).is_some(), "{name} in {}", mail.data);
    }
    assert!(mail
        .header("Content-Type")
        .unwrap()
        .starts_with("text/plain; charset=utf-8"));
    assert!(mail.data.contains("10 minutes"), "{}", mail.data);
    for secret in ["app-password", token.as_str()] {
        assert!(!mail.data.contains(secret), "the mail holds its code only");
    }
    let code = code_in(mail.data.split_once("\r\n\r\n").unwrap().1);
    let account = answer(
        app.send(
            Method::POST,
            "/api/accounts/me/email",
            Some(json!({"code": code})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(account["email"], "iphone01@example.net");
    assert_eq!(account["activated"], true);
    check_activated(system, "iphone01").await;
}

async fn a_desktop_app_signs_up_with_a_request_token_validated_in_a_browser(backend: Backend) {
    let Some(o) = spawn(backend).await else {
        return;
    };
    let system = &o.system;
    // An empty body with Content-Type: application/json, as liblinphone sends.
    let made = answer(
        public(system, "/api/account_creation_request_tokens", None).await,
        StatusCode::CREATED,
    )
    .await;
    let request_token = made["token"].as_str().unwrap().to_owned();
    let url = made["validation_url"].as_str().unwrap().to_owned();
    assert_eq!(
        url,
        system.url(&format!("/creation_token/check/{request_token}"))
    );
    let exchange = json!({"account_creation_request_token": request_token});
    let path = "/api/account_creation_tokens/using-account-creation-request-token";
    let early = answer(
        public(system, path, Some(exchange.clone())).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(early, json!({"message": "Token not validated"}));

    // The browser: the page's form, posted as a browser does.
    let page = system.http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("action=\"/creation_token/validate\""),
        "{html}"
    );
    let validated = system
        .http
        .post(system.url("/creation_token/validate"))
        .form(&[("account_creation_request_token", request_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(validated.status(), StatusCode::OK);

    let issued = answer(
        public(system, path, Some(exchange.clone())).await,
        StatusCode::CREATED,
    )
    .await;
    let token = issued["token"].as_str().unwrap().to_owned();
    assert!(issued["expire_at"].as_str().unwrap().ends_with('Z'));
    let twice = answer(
        public(system, path, Some(exchange)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        twice["errors"]["account_creation_request_token"],
        json!(["Please provide a valid account_creation_request_token"])
    );
    create_pending(system, "desktop01", &token).await;
    check_pending(system, "desktop01").await;
}
