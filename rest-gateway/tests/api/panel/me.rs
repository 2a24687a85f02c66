//! A user's own pages: its devices removed after a confirmation, an API key
//! shown once, and its account deleted after typing its SIP address.

use core_service::testing::Backend;
use reqwest::{header, Method, StatusCode};

use super::{alice, Browser};
use crate::helpers::{spawn_system, DOMAIN};

core_service::on_every_backend!(a_user_looks_after_its_own_account);

const UUID: &str = "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6";

async fn a_user_looks_after_its_own_account(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    alice(&system).await;
    let mut browser = Browser::new(&system);
    assert_eq!(
        browser.log_in("alice01", "alice-pw").await.status,
        StatusCode::SEE_OTHER
    );
    let empty = browser.send(Method::GET, "/dashboard", None).await;
    assert!(empty.body.contains(r#"data-testid="devices-empty""#));

    // A device, as Flexisip's registrar reports it, then removed.
    system
        .register_device(
            "alice01",
            UUID,
            "LinphoneAndroid/5.2.1 (Pixel 7) LinphoneSDK/5.3.4",
            3600,
        )
        .await;
    let dashboard = browser.send(Method::GET, "/dashboard", None).await;
    assert!(dashboard.body.contains(r#"data-testid="device-row""#));
    assert!(dashboard.body.contains("Pixel 7"), "{}", dashboard.body);
    let link = format!(
        "/devices/delete?uuid={}",
        percent_encoding::utf8_percent_encode(UUID, percent_encoding::NON_ALPHANUMERIC)
    );
    assert!(dashboard.body.contains(&link.replace('&', "&amp;")));
    let confirm = browser.send(Method::GET, &link, None).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains(r#"data-testid="confirm-delete""#));
    assert!(confirm.body.contains(UUID));
    let still = browser.send(Method::GET, "/dashboard", None).await;
    assert!(
        still.body.contains(r#"data-testid="device-row""#),
        "nothing before the POST"
    );
    let csrf = confirm.csrf();
    let fields = [("uuid", UUID), ("_csrf", csrf.as_str())];
    let removed = browser
        .send(Method::POST, "/devices/delete", Some(&fields))
        .await;
    assert_eq!(removed.location(), "/dashboard?done=device");
    let after = browser.send(Method::GET, removed.location(), None).await;
    assert!(after.body.contains("Device removed"));
    assert!(after.body.contains(r#"data-testid="devices-empty""#));
    let again = browser
        .send(Method::POST, "/devices/delete", Some(&fields))
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.body.contains("Device not found"));

    // An API key: shown once, on the answer to the POST; it works.
    let form = browser.send(Method::GET, "/api_key", None).await;
    assert!(form.body.contains(r#"data-testid="api-key-form""#));
    let csrf = form.csrf();
    let created = browser
        .send(Method::POST, "/api_key", Some(&[("_csrf", csrf.as_str())]))
        .await;
    assert_eq!(created.status, StatusCode::OK);
    assert_eq!(created.headers[header::CACHE_CONTROL], "no-store");
    let re = regex::Regex::new(r#"data-testid="api-key">([A-Za-z0-9]{40})<"#).unwrap();
    let key = re.captures(&created.body).unwrap()[1].to_owned();
    let ping = system
        .http
        .get(system.url("/api/ping"))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), StatusCode::OK);
    for path in ["/api_key", "/dashboard"] {
        let page = browser.send(Method::GET, path, None).await;
        assert!(!page.body.contains(&key), "{path} shows the key again");
    }

    // Deleting the account: the SIP address must be typed, then it is gone.
    let form = browser.send(Method::GET, "/delete", None).await;
    assert!(form.body.contains(r#"data-testid="delete-account-form""#));
    let csrf = form.csrf();
    let wrong = [
        ("sip_address", "sip:bob@elsewhere.org"),
        ("_csrf", csrf.as_str()),
    ];
    let refused = browser.send(Method::POST, "/delete", Some(&wrong)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .body
        .contains(r#"data-testid="error-sip_address">The SIP address does not match.<"#));
    let address = format!("sip:alice01@{DOMAIN}");
    let right = [("sip_address", address.as_str()), ("_csrf", csrf.as_str())];
    let deleted = browser.send(Method::POST, "/delete", Some(&right)).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(deleted.location(), "/login");
    assert!(browser.cookie("flexiapi_session").is_none());
    let gone = system
        .http
        .get(system.url("/api/ping"))
        .header("From", address.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(
        gone.status(),
        StatusCode::NOT_FOUND,
        "no account to challenge"
    );
    let login = browser.log_in("alice01", "alice-pw").await;
    assert!(login.body.contains("Incorrect username or password"));
}
