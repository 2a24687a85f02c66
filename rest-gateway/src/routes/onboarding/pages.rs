//! The browser pages of part 4, served at the root as FlexiAPI's are:
//! a request token's validation (the desktop app opens it), and the
//! recovery of a lost password by phone (opened from a pushed recovery
//! token) or by email. Plain server-rendered HTML without any external
//! resource (but hCaptcha's widget, when configured); every page is
//! `no-store` and sends no referrer, since its URL may hold a token.

use std::collections::HashMap;

use axum::{
    extract::{FromRequest, Path, Query, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Form,
};
use flexiapi_proto::pb;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Requester;
use crate::{error::ApiError, state::AppState, web::html::escape};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(check_request_token))
        .routes(routes!(validate_request_token))
        .routes(routes!(recovery_by_phone))
        .routes(routes!(recovery_by_email))
        .routes(routes!(start_recovery))
        .routes(routes!(confirm_recovery))
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;\
    padding:0 1rem;color:#222}label{display:block;margin:1rem 0 .25rem}\
    input{width:100%;padding:.5rem;box-sizing:border-box;font-size:1rem}\
    button{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem}.error{color:#a00}";

/// A whole page with its status and the headers every page carries.
fn page(status: StatusCode, title: &str, body: &str, captcha: bool) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head>\n<body><h1>{title}</h1>\n{body}\n</body></html>\n",
        title = escape(title),
    );
    let policy = if captcha {
        "default-src 'none'; style-src 'unsafe-inline' https://*.hcaptcha.com; \
         script-src https://js.hcaptcha.com https://*.hcaptcha.com; \
         frame-src https://*.hcaptcha.com; connect-src https://*.hcaptcha.com; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    } else {
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'"
    };
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    if let Ok(policy) = HeaderValue::from_str(policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

/// A refusal as a page: the status and the sentence of the JSON answer.
fn refusal(error: &ApiError) -> Response {
    let status = error.status();
    let title = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::GONE => "Expired",
        StatusCode::TOO_MANY_REQUESTS => "Too many requests",
        StatusCode::FORBIDDEN => "Forbidden",
        s if s.is_server_error() => "Unavailable",
        _ => "Invalid request",
    };
    let body = format!("<p class=\"error\">{}</p>", escape(&error.message()));
    page(status, title, &body, false)
}

fn text(title: &str, status: StatusCode, message: &str) -> Response {
    page(status, title, &format!("<p>{}</p>", escape(message)), false)
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        escape(name),
        escape(value)
    )
}

/// A browser form's fields; a body that is not a form is a 400 page.
struct Fields(HashMap<String, String>);

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        match Form::<HashMap<String, String>>::from_request(request, state).await {
            Ok(Form(fields)) => Ok(Self(fields)),
            Err(rejection) => {
                let message = format!("The form could not be read: {}", rejection.body_text());
                Err(text("Invalid request", StatusCode::BAD_REQUEST, &message))
            }
        }
    }
}

fn field<'a>(fields: &'a HashMap<String, String>, name: &str) -> &'a str {
    fields.get(name).map_or("", String::as_str)
}

/// The captcha widget when one is configured, else nothing.
fn widget(state: &AppState) -> String {
    state
        .web
        .captcha
        .as_ref()
        .map(|c| c.widget())
        .unwrap_or_default()
}

/// Whether the form's captcha answer passes (always, without a captcha).
async fn captcha_passed(
    state: &AppState,
    fields: &HashMap<String, String>,
    client: &pb::OnboardingClient,
) -> bool {
    match &state.web.captcha {
        Some(captcha) => {
            captcha
                .passed(field(fields, "h-captcha-response"), &client.address)
                .await
        }
        None => true,
    }
}

/// The page a desktop app opens: a button validates the request token.
#[utoipa::path(get, operation_id = "pages_check_request_token", security(()), path = "/creation_token/check/{token}", tag = "pages",
    params(("token" = String, Path, description = "The request token")),
    responses(
        (status = 200, description = "The validation form", content_type = "text/html", body = String),
        (status = 404, description = "Unknown, used or expired token", content_type = "text/html", body = String),
    ))]
async fn check_request_token(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match state.core.check_token(pb::TokenKind::Request, &token).await {
        Ok(pb::TokenState::Usable) => {
            let body = format!(
                "<p>Confirm that you are creating an account from the app.</p>\n\
                 <form method=\"post\" action=\"/creation_token/validate\">{}{}\
                 <button type=\"submit\">Confirm</button></form>",
                hidden("account_creation_request_token", &token),
                widget(&state)
            );
            page(
                StatusCode::OK,
                "Account creation",
                &body,
                state.web.captcha.is_some(),
            )
        }
        Ok(_) => text(
            "Not found",
            StatusCode::NOT_FOUND,
            "This link is unknown, used or expired: ask the app for a new one.",
        ),
        Err(error) => refusal(&error),
    }
}

/// The form of the page above: the request token is validated, and the
/// app, which polls, gets its creation token.
#[utoipa::path(post, operation_id = "pages_validate_request_token", security(()), path = "/creation_token/validate", tag = "pages",
    request_body(content = crate::openapi::RequestTokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 400, description = "A body that is not a form", content_type = "text/html", body = String),
        (status = 200, description = "Validated", content_type = "text/html", body = String),
        (status = 422, description = "Unknown, used or expired token, or a failed captcha", content_type = "text/html", body = String),
    ))]
async fn validate_request_token(
    State(state): State<AppState>,
    Requester(client): Requester,
    Fields(fields): Fields,
) -> Response {
    if !captcha_passed(&state, &fields, &client).await {
        return text(
            "Invalid request",
            StatusCode::UNPROCESSABLE_ENTITY,
            "The captcha was not passed: go back and try again.",
        );
    }
    let token = field(&fields, "account_creation_request_token");
    match state.core.validate_request_token(token).await {
        Ok(()) => text(
            "Account creation",
            StatusCode::OK,
            "Validated: go back to the app, it goes on by itself.",
        ),
        Err(error) => refusal(&error),
    }
}

/// Opened from the recovery token pushed to the app: a phone number to
/// send a code to.
#[utoipa::path(get, operation_id = "pages_recovery_by_phone", security(()), path = "/recovery/phone/{account_recovery_token}", tag = "pages",
    params(
        ("account_recovery_token" = String, Path, description = "The recovery token pushed to the app"),
        ("phone" = Option<String>, Query, description = "The number to prefill"),
    ),
    responses(
        (status = 200, description = "The phone form", content_type = "text/html", body = String),
        (status = 404, description = "Unknown or used token", content_type = "text/html", body = String),
        (status = 410, description = "Expired token", content_type = "text/html", body = String),
    ))]
async fn recovery_by_phone(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match state
        .core
        .check_token(pb::TokenKind::Recovery, &token)
        .await
    {
        Ok(pb::TokenState::Usable) => {
            let phone = query.get("phone").map_or("", String::as_str);
            let body = format!(
                "<p>A code will be sent by SMS to the number of your account.</p>\n\
                 <form method=\"post\" action=\"/recovery\">{}\
                 <label for=\"phone\">Phone number</label>\
                 <input id=\"phone\" name=\"phone\" type=\"tel\" required value=\"{}\" placeholder=\"+33612345678\">\
                 <button type=\"submit\">Send the code</button></form>",
                hidden("account_recovery_token", &token),
                escape(phone)
            );
            page(StatusCode::OK, "Account recovery", &body, false)
        }
        Ok(pb::TokenState::Expired) => text(
            "Expired",
            StatusCode::GONE,
            "This link has expired: ask the app for a new one.",
        ),
        Ok(_) => text(
            "Not found",
            StatusCode::NOT_FOUND,
            "This link is unknown or was used: ask the app for a new one.",
        ),
        Err(error) => refusal(&error),
    }
}

/// The recovery by email: an address (and a username where addresses are
/// shared) to send a code to.
#[utoipa::path(get, operation_id = "pages_recovery_by_email", security(()), path = "/recovery/email", tag = "pages",
    responses((status = 200, description = "The email form", content_type = "text/html", body = String)))]
async fn recovery_by_email(State(state): State<AppState>) -> Response {
    let body = format!(
        "<p>A code will be sent to the email address of your account.</p>\n\
         <form method=\"post\" action=\"/recovery\">\
         <label for=\"email\">Email address</label>\
         <input id=\"email\" name=\"email\" type=\"email\" required>\
         <label for=\"username\">Username (if several accounts share the address)</label>\
         <input id=\"username\" name=\"username\">{}\
         <button type=\"submit\">Send the code</button></form>",
        widget(&state)
    );
    page(
        StatusCode::OK,
        "Account recovery",
        &body,
        state.web.captcha.is_some(),
    )
}

/// The code form, the same whether or not an account matched.
fn code_form(recovery_id: &str, error: Option<&str>) -> String {
    let error = error.map_or_else(String::new, |e| {
        format!("<p class=\"error\">{}</p>", escape(e))
    });
    format!(
        "{error}<p>If an account matches, a 4-digit code was sent to it. Type it with a new password.</p>\n\
         <form method=\"post\" action=\"/recovery/confirm\">{}\
         <label for=\"code\">Code</label>\
         <input id=\"code\" name=\"code\" inputmode=\"numeric\" pattern=\"[0-9]{{4}}\" maxlength=\"4\" required autocomplete=\"one-time-code\">\
         <label for=\"password\">New password</label>\
         <input id=\"password\" name=\"password\" type=\"password\" required minlength=\"6\" autocomplete=\"new-password\">\
         <button type=\"submit\">Change the password</button></form>",
        hidden("recovery_id", recovery_id)
    )
}

/// Sends a code to the account named by phone (with its recovery token) or
/// by email, if there is one.
#[utoipa::path(post, operation_id = "pages_start_recovery", security(()), path = "/recovery", tag = "pages",
    request_body(content = crate::openapi::RecoveryForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 400, description = "A body that is not a form", content_type = "text/html", body = String),
        (status = 200, description = "The code form", content_type = "text/html", body = String),
        (status = 403, description = "A bad recovery token", content_type = "text/html", body = String),
        (status = 422, description = "No phone number or email address, or one that is not one", content_type = "text/html", body = String),
        (status = 429, description = "Too many requests or codes", content_type = "text/html", body = String),
        (status = 503, description = "Not sent", content_type = "text/html", body = String),
    ))]
async fn start_recovery(
    State(state): State<AppState>,
    Requester(client): Requester,
    Fields(fields): Fields,
) -> Response {
    let by_email = !field(&fields, "email").is_empty();
    if by_email && !captcha_passed(&state, &fields, &client).await {
        return text(
            "Invalid request",
            StatusCode::UNPROCESSABLE_ENTITY,
            "The captcha was not passed: go back and try again.",
        );
    }
    let request = pb::StartRecoveryRequest {
        phone: field(&fields, "phone").to_owned(),
        email: field(&fields, "email").to_owned(),
        username: field(&fields, "username").to_owned(),
        recovery_token: pb::SecretText::new(field(&fields, "account_recovery_token")),
        client: Some(client),
    };
    match state.core.start_recovery(request).await {
        Ok(id) => page(
            StatusCode::OK,
            "Account recovery",
            &code_form(&id, None),
            false,
        ),
        Err(error) => refusal(&error),
    }
}

/// The code and a new password.
#[utoipa::path(post, operation_id = "pages_confirm_recovery", security(()), path = "/recovery/confirm", tag = "pages",
    request_body(content = crate::openapi::RecoveryConfirmForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 400, description = "A body that is not a form", content_type = "text/html", body = String),
        (status = 200, description = "Password changed", content_type = "text/html", body = String),
        (status = 410, description = "A dead, expired or unknown recovery", content_type = "text/html", body = String),
        (status = 422, description = "A wrong code (one try spent) or password", content_type = "text/html", body = String),
    ))]
async fn confirm_recovery(
    State(state): State<AppState>,
    Requester(client): Requester,
    Fields(fields): Fields,
) -> Response {
    let recovery_id = field(&fields, "recovery_id");
    let request = pb::ConfirmRecoveryRequest {
        recovery_id: pb::SecretText::new(recovery_id),
        code: pb::SecretText::new(field(&fields, "code")),
        password: pb::SecretText::new(field(&fields, "password")),
        client: Some(client),
    };
    match state.core.confirm_recovery(request).await {
        Ok(account) => text(
            "Password changed",
            StatusCode::OK,
            &format!(
                "The password of {}@{} is changed: use it in the app.",
                account.username, account.domain
            ),
        ),
        // A wrong code or a refused password: the form again, to retry.
        Err(error @ ApiError::Validation(_)) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Account recovery",
            &code_form(recovery_id, Some(&error.message())),
            false,
        ),
        Err(error) => refusal(&error),
    }
}
