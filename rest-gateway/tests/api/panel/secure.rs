//! The panel reached over HTTPS: served by the gateway itself (HTTP/2, as
//! browsers speak to it) or by a TLS-terminating proxy in front of a plain
//! gateway (`--public-url https://…`). Either way the cookies are `__Host-`
//! and `Secure`.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode};

use super::{alice, Browser};
use crate::{
    helpers::{spawn_system_with, Options},
    test_ca::TestCa,
};

/// Over HTTPS and HTTP/2, as browsers reach a TLS gateway: `__Host-`
/// cookies with `Secure`, and the Origin check made against `:authority`
/// (HTTP/2 sends no `Host`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_and_http2_cookies_are_host_only_and_secure() {
    let ca = TestCa::new();
    ca.issue();
    let options = Options {
        tls: Some(ca.files()),
        ..Options::default()
    };
    let Some(system) = spawn_system_with(Backend::Sqlite, options).await else {
        return;
    };
    alice(&system).await;
    let root = reqwest::Certificate::from_pem(ca.cert_pem().as_bytes()).unwrap();
    let http = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(root)
        .http2_prior_knowledge()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut browser = Browser::with_client(&system, http);
    let form = browser.send(Method::GET, "/login", None).await;
    let csrf_cookie = form.set_cookies()[0].to_owned();
    assert!(
        csrf_cookie.starts_with("__Host-flexiapi_csrf=") && csrf_cookie.contains("; Secure"),
        "{csrf_cookie}"
    );
    let csrf = form.csrf();
    let origin = [("origin", system.base.as_str())];
    let fields = [
        ("username", "alice01"),
        ("password", "alice-pw"),
        ("_csrf", csrf.as_str()),
    ];
    let logged_in = browser
        .send_with(Method::POST, "/login", Some(&fields), &origin)
        .await;
    assert_eq!(
        logged_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        logged_in.body
    );
    let session = logged_in
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-flexiapi_session="))
        .unwrap()
        .to_owned();
    assert!(
        session.ends_with("; HttpOnly; SameSite=Strict; Path=/; Secure"),
        "{session}"
    );
    let dashboard = browser.send(Method::GET, "/dashboard", None).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    let csrf = dashboard.csrf();
    let out = browser
        .send_with(
            Method::POST,
            "/logout",
            Some(&[("_csrf", csrf.as_str())]),
            &origin,
        )
        .await;
    assert_eq!(out.location(), "/login");
    assert!(browser.cookie("__Host-flexiapi_session").is_none());
}

/// Behind a TLS-terminating proxy the gateway speaks plain HTTP, yet the
/// browser is on HTTPS: `--public-url https://…` says so, and the cookies
/// are the HTTPS ones (else a session cookie would travel without `Secure`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_tls_proxy_cookies_are_secure_too() {
    let origin = "https://panel.example.org";
    let options = Options {
        public_url: Some(origin.into()),
        ..Options::default()
    };
    let Some(system) = spawn_system_with(Backend::Sqlite, options).await else {
        return;
    };
    alice(&system).await;
    let mut browser = Browser::new(&system);
    let form = browser.send(Method::GET, "/login", None).await;
    let csrf_cookie = form.set_cookies()[0].to_owned();
    assert!(
        csrf_cookie.starts_with("__Host-flexiapi_csrf=") && csrf_cookie.contains("; Secure"),
        "{csrf_cookie}"
    );
    let csrf = form.csrf();
    let fields = [
        ("username", "alice01"),
        ("password", "alice-pw"),
        ("_csrf", csrf.as_str()),
    ];
    // The proxy passes the browser's Origin: the public one.
    let logged_in = browser
        .send_with(Method::POST, "/login", Some(&fields), &[("origin", origin)])
        .await;
    assert_eq!(
        logged_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        logged_in.body
    );
    let session = logged_in.set_cookies().join("\n");
    assert!(
        session.contains("__Host-flexiapi_session=") && session.contains("; Secure"),
        "{session}"
    );
    let dashboard = browser.send(Method::GET, "/dashboard", None).await;
    assert_eq!(dashboard.status, StatusCode::OK);
}
