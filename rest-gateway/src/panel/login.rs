//! `/`, `/login` and `/logout` (contract panel.md "Logging in"): the form,
//! the password proven to the core as a Digest answer, a new session
//! each time (no fixation), and a logout that ends it in the core.

use axum::{
    extract::State,
    http::{header, request::Parts, StatusCode},
    response::Response,
};
use flexiapi_proto::pb;
use maud::html;
use serde::Deserialize;

use super::{
    digest, page,
    session::{self, LoggedIn, Posted},
};
use crate::{
    auth::middleware::client_address_of, core_client::SipAddress, error::ApiError, state::AppState,
};

/// How long the login form's CSRF cookie lives, in seconds.
const LOGIN_FORM_SECONDS: i64 = 3600;
/// FlexiAPI's words, the same for a wrong password, an unknown account and
/// a deactivated one.
const INCORRECT: &str = "Incorrect username or password";

/// `/`: the home of a live session, else the login.
pub async fn home(State(state): State<AppState>, parts: Parts) -> Response {
    let name = session::session_cookie(state.web.secure_cookies());
    let Some(token) = session::cookie(&parts.headers, name) else {
        return page::see_other("/login");
    };
    match state.core.get_session(token).await {
        // Admins land on the accounts they manage, users on their own.
        Ok(session) if session.account.as_ref().is_some_and(|a| a.admin) => {
            page::see_other("/admin/accounts")
        }
        Ok(_) => page::see_other("/dashboard"),
        Err(_) => page::see_other("/login"),
    }
}

/// `GET /login`: the form, bound to a fresh CSRF cookie.
pub async fn form(State(state): State<AppState>, parts: Parts) -> Response {
    let name = session::session_cookie(state.web.secure_cookies());
    if let Some(token) = session::cookie(&parts.headers, name) {
        if state.core.get_session(token).await.is_ok() {
            return page::see_other("/dashboard");
        }
    }
    let Some(csrf) = random_token() else {
        return page::error(StatusCode::SERVICE_UNAVAILABLE, "No randomness", None);
    };
    let response = login_page(StatusCode::OK, &csrf, "", None);
    let https = state.web.secure_cookies();
    let cookie = session::csrf_cookie(https);
    page::with_cookie(
        response,
        &session::set_cookie(https, cookie, &csrf, Some(LOGIN_FORM_SECONDS)),
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `POST /login`.
pub async fn login(
    State(state): State<AppState>,
    parts: Parts,
    Posted(form): Posted<LoginForm>,
) -> Response {
    let https = state.web.secure_cookies();
    let expected = session::cookie(&parts.headers, session::csrf_cookie(https)).unwrap_or("");
    if !session::csrf_ok(&state, &parts, expected, &form.csrf) {
        return session::invalid_form();
    }
    let again = |status| login_page(status, expected, &form.username, Some(INCORRECT));
    let Some(address) = parse_login(&form.username) else {
        return again(StatusCode::OK);
    };
    let challenges = match state
        .core
        .challenge(&address, pb::PendingAccess::None)
        .await
    {
        Ok(challenges) => challenges,
        Err(ApiError::NotFound(_)) => return again(StatusCode::OK),
        Err(error) => return session::unavailable(&error),
    };
    let Some(fields) = digest::strongest(&challenges)
        .and_then(|challenge| digest::answer(&address, &form.password, challenge))
    else {
        return again(StatusCode::OK);
    };
    let request = pb::VerifyDigestRequest {
        username: address.username.clone(),
        domain: address.domain.clone(),
        method: digest::METHOD.into(),
        request_uri: digest::URI.into(),
        digest: Some(fields),
        client_address: client_address_of(&state, &parts.headers, &parts.extensions),
        nonce_from_caller: false,
        pending: pb::PendingAccess::None.into(),
    };
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let opened = match state.core.open_session(request, user_agent).await {
        Ok(opened) => opened,
        Err(ApiError::NotFound(_)) => return again(StatusCode::OK),
        Err(error) => return session::unavailable(&error),
    };
    let verdict = opened.verdict.unwrap_or_default();
    if verdict.ok && !opened.token.is_empty() {
        let session =
            session::set_cookie(https, session::session_cookie(https), &opened.token, None);
        let spent = session::set_cookie(https, session::csrf_cookie(https), "", Some(0));
        return page::with_cookie(page::with_cookie(page::see_other("/"), &session), &spent);
    }
    if !verdict.forbidden.is_empty() {
        return page::error(StatusCode::FORBIDDEN, &verdict.forbidden, None);
    }
    if verdict.outcome() == pb::VerifyOutcome::Throttled {
        let page = page::error(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed attempts",
            None,
        );
        return page::with_retry_after(page, verdict.retry_after_seconds.max(1));
    }
    again(StatusCode::OK)
}

/// A form that carries nothing but its CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
}

/// `POST /logout`: the session ends in the core, the cookie is cleared.
pub async fn logout(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    parts: Parts,
    Posted(form): Posted<CsrfForm>,
) -> Response {
    if !session::csrf_ok(&state, &parts, &logged_in.csrf_token, &form.csrf) {
        return session::invalid_form();
    }
    if let Err(error) = state.core.close_session(&logged_in.token).await {
        return session::unavailable(&error);
    }
    session::forget(&state, page::see_other("/login"))
}

/// `user@domain`, `sip:user@domain`, or `user` (the core's `--sip-domain`).
fn parse_login(raw: &str) -> Option<SipAddress> {
    let raw = raw.trim();
    let raw = match raw.get(..4) {
        Some(scheme) if scheme.eq_ignore_ascii_case("sip:") => &raw[4..],
        _ => raw,
    };
    let (username, domain) = raw.rsplit_once('@').unwrap_or((raw, ""));
    let fits = |text: &str| text.len() <= 255 && !text.chars().any(char::is_control);
    (!username.is_empty() && fits(username) && fits(domain)).then(|| SipAddress {
        username: username.to_owned(),
        domain: domain.to_owned(),
    })
}

/// The login form's CSRF token: 32 bytes from the OS generator, in hex.
fn random_token() -> Option<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).ok()?;
    Some(hex::encode(bytes))
}

fn login_page(status: StatusCode, csrf: &str, username: &str, error: Option<&str>) -> Response {
    let main = html! {
        form method="post" action="/login" data-testid="login-form" novalidate {
            @if let Some(error) = error {
                p role="alert" data-testid="form-error" id="login-error" { (error) }
            }
            input type="hidden" name="_csrf" value=(csrf);
            label for="username" { "SIP address" }
            input id="username" name="username" type="text" autocomplete="username"
                required value=(username)
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[error.map(|_| "login-error")];
            label for="password" { "Password" }
            input id="password" name="password" type="password"
                autocomplete="current-password" required;
            button type="submit" { "Log in" }
        }
    };
    page::respond(status, page::layout("Log in", None, main))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_names_an_account_three_ways() {
        let address = |raw| parse_login(raw).map(|a| (a.username, a.domain));
        let full = Some(("alice01".to_owned(), "sip.example.org".to_owned()));
        assert_eq!(address("alice01@sip.example.org"), full);
        assert_eq!(address(" SIP:alice01@sip.example.org "), full);
        assert_eq!(address("alice01"), Some(("alice01".into(), String::new())));
        for bad in ["", "@sip.example.org", "sip:", "a\u{0}b", &"x".repeat(300)] {
            assert_eq!(address(bad), None, "{bad:?}");
        }
    }
}
