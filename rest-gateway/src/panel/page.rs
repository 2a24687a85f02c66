//! The panel's HTML: one layout (landmarks, the stylesheet, the logout
//! form on private pages), error pages, and the headers every page
//! carries (contract panel.md "Serving"). Templates are maud's: checked at
//! build time, every value escaped unless marked otherwise.

use std::convert::Infallible;

use axum::{
    extract::{FromRequestParts, Query},
    http::{header, request::Parts, HeaderName, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use maud::{html, Markup, DOCTYPE};

/// Nothing from another origin, no inline script or style, no framing;
/// the script may fetch the panel's own pages (search as you type).
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                   base-uri 'none'";

/// What a private page's chrome needs: the logout form's CSRF token, and
/// whether to link the admin pages and the spaces.
pub struct Chrome<'a> {
    pub csrf_token: &'a str,
    pub admin: bool,
    pub super_admin: bool,
}

/// A whole page: `title` in `<title>` and `<h1>`.
pub fn layout(title: &str, chrome: Option<&Chrome<'_>>, main: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · FlexiAPI" }
                link rel="stylesheet" href=(super::STYLESHEET);
                link rel="icon" href=(super::ICON) type="image/svg+xml";
                script src=(super::SCRIPT) defer {}
            }
            body {
                header {
                    nav aria-label="Main" {
                        a href="/" { "FlexiAPI" }
                        @if let Some(chrome) = chrome {
                            @if chrome.admin {
                                a href="/admin/accounts" { "Accounts" }
                            }
                            @if chrome.super_admin {
                                a href="/admin/spaces" { "Spaces" }
                            }
                            a href="/dashboard" { "My account" }
                            form method="post" action="/logout" class="logout" {
                                input type="hidden" name="_csrf" value=(chrome.csrf_token);
                                button type="submit" data-testid="logout" { "Log out" }
                            }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (main)
                }
            }
        }
    }
}

/// One labelled input; with an error, the message beside it (`error-NAME`)
/// and the field marked (`aria-invalid`, `aria-describedby`). Password
/// fields are never given a value.
pub struct Field<'a> {
    pub label: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub autocomplete: &'a str,
    pub value: &'a str,
    pub error: Option<&'a str>,
}

impl<'a> Field<'a> {
    /// A text field with the error the core gave for `name`, if any.
    pub fn text(
        label: &'a str,
        name: &'a str,
        value: &'a str,
        errors: &'a [(String, String)],
    ) -> Self {
        Self {
            label,
            name,
            kind: "text",
            autocomplete: "off",
            value,
            error: error_of(errors, name),
        }
    }

    pub fn render(&self) -> Markup {
        let error_id = format!("error-{}", self.name);
        let value = (self.kind != "password").then_some(self.value);
        html! {
            label for=(self.name) { (self.label) }
            input id=(self.name) name=(self.name) type=(self.kind)
                autocomplete=(self.autocomplete) value=[value]
                aria-invalid=[self.error.map(|_| "true")]
                aria-describedby=[self.error.map(|_| error_id.as_str())];
            @if let Some(error) = self.error {
                p id=(error_id) class="field-error" data-testid=(error_id) { (error) }
            }
        }
    }
}

/// A destructive action's confirmation: a page holding one form that
/// posts `hidden` to `action`, and a way `back`; nothing is done before
/// it is sent.
pub fn confirm(
    title: &str,
    question: Markup,
    (action, back): (&str, &str),
    hidden: &[(&str, &str)],
    chrome: &Chrome<'_>,
) -> Response {
    let main = html! {
        p { (question) }
        form method="post" action=(action) {
            input type="hidden" name="_csrf" value=(chrome.csrf_token);
            @for (name, value) in hidden {
                input type="hidden" name=(name) value=(value);
            }
            button type="submit" data-testid="confirm-delete" { "Yes, delete" }
        }
        p { a href=(back) { "No, go back" } }
    };
    respond(StatusCode::OK, layout(title, Some(chrome), main))
}

/// The core's message for field `name` among a refusal's `(field, message)`s.
pub fn error_of<'a>(errors: &'a [(String, String)], name: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|(field, _)| field == name)
        .map(|(_, message)| message.as_str())
}

/// A time as `2026-12-07 22:30 UTC` (minutes are enough for a person);
/// empty when unknown.
pub fn time(at: Option<&prost_types::Timestamp>) -> String {
    at.and_then(|t| chrono::DateTime::from_timestamp(t.seconds, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// The refusals of no field the form shows, once above it (`role="alert"`).
pub fn form_errors(errors: &[(String, String)], shown: &[&str]) -> Markup {
    html! {
        @for (field, message) in errors {
            @if !shown.contains(&field.as_str()) {
                p role="alert" data-testid="form-error" { (message) }
            }
        }
    }
}

/// `1 account`, `2 accounts`.
pub fn count(n: i64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// What the page that sent the browser here did (Post/Redirect/Get,
/// `?done=WORD`): a known word each page maps to its message, never text
/// to show, so no link can make a page say anything. A malformed query is
/// no reason to refuse the page: no message then.
pub struct Done(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Done {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        #[derive(serde::Deserialize)]
        struct Word {
            done: Option<String>,
        }
        let word = Query::<Word>::from_request_parts(parts, state).await;
        Ok(Self(word.ok().and_then(|Query(word)| word.done)))
    }
}

/// The message after an action (`role="status"`).
pub fn flash(message: &str) -> Markup {
    html! { p role="status" data-testid="flash" class="flash" { (message) } }
}

/// A page answer with the panel's headers; `no-store` always, so that the
/// back button after a logout shows nothing private.
pub fn respond(status: StatusCode, page: Markup) -> Response {
    let mut response = (status, page.into_string()).into_response();
    let headers = response.headers_mut();
    let set = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// An error page (403, 404, 429…) holding the message in `error-page`.
pub fn error(status: StatusCode, message: &str, chrome: Option<&Chrome<'_>>) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let main = html! {
        div data-testid="error-page" role="alert" { p { (message) } }
        p { a href="/" { "Back to the start" } }
    };
    respond(status, layout(title, chrome, main))
}

/// A 303 to `location` (Post/Redirect/Get), with the panel's headers.
pub fn see_other(location: &'static str) -> Response {
    let mut response = respond(StatusCode::SEE_OTHER, html! {});
    response
        .headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(location));
    response
}

/// A 303 to a path made for this answer.
pub fn see_other_to(location: String) -> Response {
    let mut response = respond(StatusCode::SEE_OTHER, html! {});
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Adds a `Set-Cookie` (names and values are ours: header-safe).
pub fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `Retry-After`, on a 429 page.
pub fn with_retry_after(mut response: Response, seconds: u32) -> Response {
    response.headers_mut().insert(
        HeaderName::from_static("retry-after"),
        HeaderValue::from(seconds),
    );
    response
}
