//! The web panel over HTTP (contract panel.md), with a plain HTTP client
//! that keeps its cookies by hand: the login proven to the core without
//! sending it the password, the session cookie and its end, CSRF and the
//! headers of every page. (Browser tests drive the same pages in Chromium.)

use core_service::testing::Backend;
use reqwest::{header, Method, StatusCode};

use crate::helpers::{spawn_system, spawn_system_with, Options, DOMAIN};

mod admin;
mod admin_edit;
mod browser;
mod client;
mod me;
mod secure;
mod spaces;

use client::{alice, Browser, Page};

core_service::on_every_backend!(
    logging_in_and_out,
    what_ends_a_session_or_refuses_one,
    changing_the_password,
);

/// `--web-panel false`: the panel's paths are the API's JSON 404s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panel_can_be_switched_off() {
    let options = Options {
        web_panel: false,
        ..Options::default()
    };
    let Some(system) = spawn_system_with(Backend::Sqlite, options).await else {
        return;
    };
    for path in ["/", "/login", "/dashboard", "/static/panel.css"] {
        let answer = system.http.get(system.url(path)).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{path}");
        let body = answer.text().await.unwrap();
        assert_eq!(body, format!(r#"{{"message":"No route for {path}"}}"#));
    }
}

async fn logging_in_and_out(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    alice(&system).await;
    let mut browser = Browser::new(&system);

    // Every page: HTML, locked down, never cached.
    let form = browser.send(Method::GET, "/login", None).await;
    assert_eq!(form.status, StatusCode::OK);
    let csp = form.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    for part in [
        "default-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert_eq!(form.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(form.headers[header::REFERRER_POLICY], "same-origin");
    assert_eq!(form.headers[header::CACHE_CONTROL], "no-store");
    assert!(form.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(form.body.starts_with("<!DOCTYPE html><html lang=\"en\">"));
    assert!(form.body.contains(r#"data-testid="login-form""#));
    assert!(!form.body.contains("http://") && !form.body.contains("https://"));
    let csrf_cookie = form.set_cookies()[0].to_owned();
    assert!(
        csrf_cookie.starts_with("flexiapi_csrf=")
            && csrf_cookie.contains("HttpOnly; SameSite=Strict; Path=/"),
        "{csrf_cookie}"
    );
    // Every file the page links is served, with its type.
    for (path, kind) in [
        ("/static/panel.css", "text/css"),
        ("/static/panel.js", "text/javascript"),
        ("/static/favicon.svg", "image/svg+xml"),
    ] {
        assert!(form.body.contains(&format!(r#""{path}""#)), "{path} linked");
        let file = system.http.get(system.url(path)).send().await.unwrap();
        assert_eq!(file.status(), StatusCode::OK, "{path}");
        let content_type = file.headers()[header::CONTENT_TYPE].to_str().unwrap();
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
    }

    // A path that is no page: the HTML 404; under /api, the JSON one.
    let missing = browser.send(Method::GET, "/no-such-page", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains(r#"data-testid="error-page""#));
    assert_eq!(missing.headers[header::CACHE_CONTROL], "no-store");
    let api = browser.send(Method::GET, "/api/no-such-route", None).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.body, r#"{"message":"No route for /api/no-such-route"}"#);

    // A private page without a session, and the home: the login.
    for path in ["/dashboard", "/"] {
        let page = browser.send(Method::GET, path, None).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location(), "/login");
    }

    // A wrong password: the form again, the username kept, not the password.
    let wrong = browser.log_in("alice01", "not-alice-pw").await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert!(wrong.body.contains("Incorrect username or password"));
    assert!(wrong.body.contains(r#"value="alice01""#));
    assert!(!wrong.body.contains("not-alice-pw"));
    assert!(wrong.body.contains(r#"aria-invalid="true""#));
    assert!(browser.cookie("flexiapi_session").is_none());
    // An unknown account gets the same words.
    let unknown = browser.log_in("nobody01", "whatever").await;
    assert!(unknown.body.contains("Incorrect username or password"));

    // Without the form's token, or from another origin: refused, no session.
    browser.send(Method::GET, "/login", None).await;
    let no_token = [("username", "alice01"), ("password", "alice-pw")];
    let refused = browser.send(Method::POST, "/login", Some(&no_token)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused
        .body
        .contains("Invalid or expired form, reload the page and try again"));
    let form = browser.send(Method::GET, "/login", None).await;
    let csrf = form.csrf();
    let fields = [
        ("username", "alice01"),
        ("password", "alice-pw"),
        ("_csrf", csrf.as_str()),
    ];
    let evil = [("origin", "http://evil.example")];
    let refused = browser
        .send_with(Method::POST, "/login", Some(&fields), &evil)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(browser.cookie("flexiapi_session").is_none());

    // The right password, as `sip:user@domain`: a session, then home.
    let sip_address = format!("sip:alice01@{DOMAIN}");
    let logged_in = browser.log_in(&sip_address, "alice-pw").await;
    assert_eq!(
        logged_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        logged_in.body
    );
    assert_eq!(logged_in.location(), "/");
    let session = logged_in
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("flexiapi_session="))
        .unwrap()
        .to_owned();
    assert!(
        session.ends_with("; HttpOnly; SameSite=Strict; Path=/"),
        "{session}"
    );
    let token = browser.cookie("flexiapi_session").unwrap().to_owned();
    assert_eq!(token.len(), 43);
    let home = browser.send(Method::GET, "/", None).await;
    assert_eq!(home.location(), "/dashboard");
    let dashboard = browser.send(Method::GET, "/dashboard", None).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert_eq!(dashboard.headers[header::CACHE_CONTROL], "no-store");
    assert!(dashboard
        .body
        .contains(&format!(r#"data-testid="sip-address">{sip_address}<"#)));
    assert!(dashboard.body.contains(r#"data-testid="logout""#));
    assert!(
        !dashboard.body.contains(&token),
        "the token never reaches a page"
    );
    // The login form is no longer shown to a live session.
    let again = browser.send(Method::GET, "/login", None).await;
    assert_eq!(again.location(), "/dashboard");

    // Logging out needs the session's CSRF token too.
    let refused = browser
        .send(Method::POST, "/logout", Some(&[("_csrf", "forged")]))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let csrf = dashboard.csrf();
    let out = browser
        .send(Method::POST, "/logout", Some(&[("_csrf", csrf.as_str())]))
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/login");
    assert!(browser.cookie("flexiapi_session").is_none());

    // The old cookie is dead, wherever it was copied.
    let mut copy = Browser::new(&system);
    copy.cookies.push(("flexiapi_session".into(), token));
    let page = copy.send(Method::GET, "/dashboard", None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login");
}

async fn what_ends_a_session_or_refuses_one(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    alice(&system).await;
    let id = system
        .grpc_create_account("bobby01", "bobby-pw", "MD5", false)
        .await
        .id;
    let mut bob = Browser::new(&system);
    assert_eq!(
        bob.log_in("bobby01", "bobby-pw").await.status,
        StatusCode::SEE_OTHER
    );

    // Blocked by an admin over REST: the next page says so, then the login;
    // logging in again is refused with the same words.
    let mut admin = system.admin();
    admin
        .json(
            Method::POST,
            &format!("/api/accounts/{id}/block"),
            None,
            StatusCode::OK,
        )
        .await;
    let blocked = bob.send(Method::GET, "/dashboard", None).await;
    assert_eq!(blocked.status, StatusCode::FORBIDDEN);
    assert!(blocked.body.contains(r#"data-testid="error-page""#));
    assert!(blocked.body.contains("Account blocked"));
    assert!(
        bob.cookie("flexiapi_session").is_none(),
        "the dead cookie is cleared"
    );
    let after = bob.send(Method::GET, "/dashboard", None).await;
    assert_eq!(after.location(), "/login");
    let refused = bob.log_in("bobby01", "bobby-pw").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("Account blocked"));
    assert!(bob.cookie("flexiapi_session").is_none());

    // Five wrong passwords from one address: the sixth try, right or not,
    // is the 429 page, as REST and SIP count it.
    let mut guesser = Browser::new(&system);
    for _ in 0..5 {
        let page = guesser.log_in("alice01", "guess").await;
        assert!(page.body.contains("Incorrect username or password"));
    }
    let throttled = guesser.log_in("alice01", "alice-pw").await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.body.contains("Too many failed attempts"));
    let retry: u32 = throttled.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0);
    // The REST API counts the same failures: alice's Digest is refused too.
    let mut rest = system.client("alice01", "alice-pw");
    assert_eq!(
        rest.get("/api/ping").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn changing_the_password(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    alice(&system).await;
    let (mut here, mut elsewhere) = (Browser::new(&system), Browser::new(&system));
    for browser in [&mut here, &mut elsewhere] {
        assert_eq!(
            browser.log_in("alice01", "alice-pw").await.status,
            StatusCode::SEE_OTHER
        );
    }
    let form = here.send(Method::GET, "/password", None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(r#"data-testid="password-form""#));
    let csrf = form.csrf();
    let post = |old: &'static str, new: &'static str, again: &'static str| {
        [
            ("old_password", old),
            ("password", new),
            ("password_confirmation", again),
        ]
    };

    // Refusals: each beside its field, in the API's words; nothing typed shown.
    let mut fields = post("alice-pw", "new-alice-pw1", "new-alice-pw2").to_vec();
    fields.push(("_csrf", &csrf));
    let mismatch = here.send(Method::POST, "/password", Some(&fields)).await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.body.contains(
        r#"data-testid="error-password_confirmation">The password confirmation does not match.<"#
    ));
    assert!(mismatch
        .body
        .contains(r#"aria-invalid="true" aria-describedby="error-password_confirmation""#));
    let mut fields = post("not-alice-pw", "new-alice-pw1", "new-alice-pw1").to_vec();
    fields.push(("_csrf", &csrf));
    let wrong = here.send(Method::POST, "/password", Some(&fields)).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong
        .body
        .contains(r#"data-testid="error-old_password">Incorrect old password<"#));
    for page in [&mismatch, &wrong] {
        for typed in ["alice-pw", "new-alice-pw1", "new-alice-pw2"] {
            assert!(!page.body.contains(&format!("\"{typed}\"")), "{typed}");
        }
    }
    let without_token = post("alice-pw", "new-alice-pw1", "new-alice-pw1");
    let refused = here
        .send(Method::POST, "/password", Some(&without_token))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The change: this session stays, the other one ends; the new password
    // is the one Digest takes.
    let mut fields = post("alice-pw", "new-alice-pw1", "new-alice-pw1").to_vec();
    fields.push(("_csrf", &csrf));
    let changed = here.send(Method::POST, "/password", Some(&fields)).await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    assert_eq!(changed.location(), "/dashboard?done=password");
    let dashboard = here.send(Method::GET, changed.location(), None).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard
        .body
        .contains(r#"role="status" data-testid="flash" class="flash">Password changed<"#));
    let other = elsewhere.send(Method::GET, "/dashboard", None).await;
    assert_eq!(other.location(), "/login");
    let mut old = system.client("alice01", "alice-pw");
    assert_eq!(
        old.get("/api/ping").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let mut new = system.client("alice01", "new-alice-pw1");
    assert_eq!(new.get("/api/ping").await.status(), StatusCode::OK);
}
