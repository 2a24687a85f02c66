//! The browser's side of a session: the cookie holding its token, the
//! logged-in account read from the core on every page (so a logout, a
//! block or a removed admin flag takes effect at the next page), and the
//! CSRF checks of every POST (contract panel.md "Sessions", "Forms and
//! CSRF").

use axum::{
    extract::{FromRequest, FromRequestParts, Request},
    http::{header, request::Parts, HeaderMap, StatusCode},
    response::Response,
    Form,
};
use flexiapi_proto::pb;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq as _;

use super::page;
use crate::{error::ApiError, state::AppState};

/// The session cookie: `__Host-` over TLS, so no subdomain nor plain-HTTP
/// page can set or shadow it.
pub fn session_cookie(https: bool) -> &'static str {
    if https {
        "__Host-flexiapi_session"
    } else {
        "flexiapi_session"
    }
}

/// The login form's CSRF cookie (there is no session yet to hold one).
pub fn csrf_cookie(https: bool) -> &'static str {
    if https {
        "__Host-flexiapi_csrf"
    } else {
        "flexiapi_csrf"
    }
}

/// `name=value; HttpOnly; SameSite=Strict; Path=/` (`Secure` over TLS),
/// no `Domain`; `max_age` for a short-lived one, `Some(0)` to clear it.
pub fn set_cookie(https: bool, name: &str, value: &str, max_age: Option<i64>) -> String {
    let mut cookie = format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/");
    if https {
        cookie.push_str("; Secure");
    }
    if let Some(seconds) = max_age {
        cookie.push_str(&format!("; Max-Age={seconds}"));
    }
    cookie
}

/// The value of cookie `name`, if the request carries it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Whether a POST may change anything: its `_csrf` field (or
/// `X-CSRF-Token` header) is `expected`, compared in constant time, and
/// its `Origin`, when the browser sends one, is the panel's own.
pub fn csrf_ok(state: &AppState, parts: &Parts, expected: &str, sent: &str) -> bool {
    let sent = parts
        .headers
        .get("x-csrf-token")
        .and_then(|value| value.to_str().ok())
        .filter(|_| sent.is_empty())
        .unwrap_or(sent);
    let same_token = !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(sent.as_bytes()));
    same_token && same_origin(state, parts)
}

fn same_origin(state: &AppState, parts: &Parts) -> bool {
    let Some(origin) = parts.headers.get(header::ORIGIN) else {
        return true;
    };
    // HTTP/2 carries the host as `:authority` (in the URI), not `Host`.
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()));
    origin.as_bytes() == state.web.origin(host).as_bytes()
}

/// The contract's answer to a POST without its token or from elsewhere.
pub fn invalid_form() -> Response {
    page::error(
        StatusCode::FORBIDDEN,
        "Invalid or expired form, reload the page and try again",
        None,
    )
}

/// A posted form. One that cannot be read (no form body, another content
/// type, bytes that are not a form) carries no readable CSRF token either,
/// so it gets the contract's 403 page, not axum's plain-text 415 or 422.
pub struct Posted<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Posted<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        match Form::<T>::from_request(request, state).await {
            Ok(Form(form)) => Ok(Self(form)),
            Err(_) => Err(invalid_form()),
        }
    }
}

/// A page's logged-in account, read from the core on every request.
/// Without a live session: a 303 to `/login`; ended by a block: the 403
/// page `Account blocked`.
pub struct LoggedIn {
    pub account: pb::Account,
    pub csrf_token: String,
    pub token: String,
}

impl LoggedIn {
    pub fn chrome(&self) -> page::Chrome<'_> {
        page::Chrome {
            csrf_token: &self.csrf_token,
            admin: self.account.admin,
            super_admin: self.account.super_admin,
        }
    }

    /// Every call a page makes is made for the logged-in account.
    pub fn actor(&self) -> pb::Actor {
        pb::Actor {
            account_id: self.account.id,
        }
    }
}

impl FromRequestParts<AppState> for LoggedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let name = session_cookie(state.web.secure_cookies());
        let Some(token) = cookie(&parts.headers, name) else {
            return Err(page::see_other("/login"));
        };
        match state.core.get_session(token).await {
            Ok(session) => match session.account {
                Some(account) => Ok(Self {
                    account,
                    csrf_token: session.csrf_token,
                    token: token.to_owned(),
                }),
                None => Err(page::see_other("/login")),
            },
            // An ended session's cookie is cleared: the browser stops
            // sending a token that opens nothing.
            Err(ApiError::NotFound(_)) => Err(forget(state, page::see_other("/login"))),
            Err(ApiError::Forbidden(message)) => Err(forget(
                state,
                page::error(StatusCode::FORBIDDEN, &message, None),
            )),
            Err(error) => Err(unavailable(&error)),
        }
    }
}

/// `response`, clearing the session cookie.
pub fn forget(state: &AppState, response: Response) -> Response {
    let https = state.web.secure_cookies();
    let cleared = set_cookie(https, session_cookie(https), "", Some(0));
    page::with_cookie(response, &cleared)
}

/// The core could not answer: a 503 page, the API's words.
pub fn unavailable(error: &ApiError) -> Response {
    tracing::warn!(%error, "panel page without the core");
    page::error(
        StatusCode::SERVICE_UNAVAILABLE,
        "The core service is unavailable, retry later",
        None,
    )
}
