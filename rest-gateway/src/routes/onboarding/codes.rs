//! The email and phone validation of the caller's account (a pending one
//! too): a 4-digit code asked for, sent by mail or SMS, then confirmed.

use axum::{extract::State, Json};
use flexiapi_proto::{json, pb};
use serde_json::{json as value, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Requester;
use crate::{
    auth::Authenticated,
    body::{Fields, JsonObject},
    error::ApiError,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_email))
        .routes(routes!(confirm_email))
        .routes(routes!(request_phone))
        .routes(routes!(confirm_phone))
}

async fn request(
    state: &AppState,
    auth: &Authenticated,
    client: pb::OnboardingClient,
    body: &JsonObject,
    phone: bool,
) -> Result<Json<Value>, ApiError> {
    let field = if phone { "phone" } else { "email" };
    let mut fields = Fields::default();
    let destination = fields.take(body.required_string(field));
    let request = fields.finish(pb::RequestCodeRequest {
        actor: Some(auth.actor()),
        destination,
        client: Some(client),
    })?;
    state.core.request_code(phone, request).await?;
    Ok(Json(value!({})))
}

async fn confirm(
    state: &AppState,
    auth: &Authenticated,
    body: &JsonObject,
    phone: bool,
) -> Result<Json<Value>, ApiError> {
    let mut fields = Fields::default();
    let code = fields.take(body.required_string("code"));
    let code = fields.finish(code)?;
    let account = state.core.confirm_code(phone, auth.actor(), &code).await?;
    Ok(Json(json::account(&account)))
}

/// A code for a new email address, sent there. The address changes only
/// once the code is confirmed.
#[utoipa::path(post, operation_id = "onboarding_request_email_code", path = "/api/accounts/me/email/request", tag = "onboarding",
    request_body = crate::openapi::EmailOnly,
    responses(
        (status = 200, description = "`{}`: the relay took the mail", body = crate::openapi::Empty),
        (status = 429, description = "`Too many codes requested`", body = crate::openapi::Message),
        (status = 503, description = "`Email not sent`", body = crate::openapi::Message),
    ))]
async fn request_email(
    State(state): State<AppState>,
    auth: Authenticated,
    Requester(client): Requester,
    body: JsonObject,
) -> Result<Json<Value>, ApiError> {
    request(&state, &auth, client, &body, false).await
}

/// The code sent by mail: the account gets the address, and a pending
/// account is activated.
#[utoipa::path(post, operation_id = "onboarding_confirm_email", path = "/api/accounts/me/email", tag = "onboarding",
    request_body = crate::openapi::CodeOnly,
    responses(
        (status = 200, description = "The account", body = crate::openapi::Account),
        (status = 404, description = "`No pending code`", body = crate::openapi::Message),
        (status = 410, description = "`Expired code`", body = crate::openapi::Message),
    ))]
async fn confirm_email(
    State(state): State<AppState>,
    auth: Authenticated,
    body: JsonObject,
) -> Result<Json<Value>, ApiError> {
    confirm(&state, &auth, &body, false).await
}

/// A code for a new phone number (E.164), sent there by SMS.
#[utoipa::path(post, operation_id = "onboarding_request_phone_code", path = "/api/accounts/me/phone/request", tag = "onboarding",
    request_body = crate::openapi::PhoneOnly,
    responses(
        (status = 200, description = "`{}`: the SMS gateway took the message", body = crate::openapi::Empty),
        (status = 429, description = "`Too many codes requested`", body = crate::openapi::Message),
        (status = 503, description = "`SMS not sent`", body = crate::openapi::Message),
    ))]
async fn request_phone(
    State(state): State<AppState>,
    auth: Authenticated,
    Requester(client): Requester,
    body: JsonObject,
) -> Result<Json<Value>, ApiError> {
    request(&state, &auth, client, &body, true).await
}

/// The code sent by SMS: the account gets the number, and a pending
/// account is activated.
#[utoipa::path(post, operation_id = "onboarding_confirm_phone", path = "/api/accounts/me/phone", tag = "onboarding",
    request_body = crate::openapi::CodeOnly,
    responses(
        (status = 200, description = "The account", body = crate::openapi::Account),
        (status = 404, description = "`No pending code`", body = crate::openapi::Message),
        (status = 410, description = "`Expired code`", body = crate::openapi::Message),
    ))]
async fn confirm_phone(
    State(state): State<AppState>,
    auth: Authenticated,
    body: JsonObject,
) -> Result<Json<Value>, ApiError> {
    confirm(&state, &auth, &body, true).await
}
