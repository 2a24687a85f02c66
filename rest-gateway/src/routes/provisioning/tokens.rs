//! The `/api` routes of part 5: a provisioning token for an account (shown
//! once, in this answer), the provisioning email, and the auth tokens by
//! which a logged-in device provisions a new one.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode, Uri},
    Json,
};
use flexiapi_proto::json;
use serde_json::{json as value, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::context;
use crate::{
    auth::Authenticated,
    core_client::provisioning::ProvisioningToken,
    error::ApiError,
    routes::{accounts::account_id, onboarding::Requester, path::PathText},
    state::AppState,
};

pub fn public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_auth_token))
        .routes(routes!(api_key_from_auth_token))
}

pub fn protected_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(provision_me))
        .routes(routes!(provision))
        .routes(routes!(send_email))
        .routes(routes!(attach))
}

type Answer = Result<Json<Value>, ApiError>;

/// The account object with its new token, the only place it ever appears.
fn provisioned(made: &ProvisioningToken) -> Value {
    let mut account = json::account(&made.account);
    if let Value::Object(object) = &mut account {
        object.insert("provisioning_token".into(), value!(made.issued.token));
        object.insert(
            "provisioning_token_expire_at".into(),
            value!(json::time(made.issued.expire_at.as_ref())),
        );
    }
    account
}

/// A new provisioning token for the caller's own account; the previous
/// one stops working.
#[utoipa::path(get, operation_id = "provisioning_me_provision", path = "/api/accounts/me/provision", tag = "provisioning",
    responses(
        (status = 200, description = "The account and its new provisioning token", body = crate::openapi::ProvisionedAccount),
    ))]
async fn provision_me(
    State(state): State<AppState>,
    auth: Authenticated,
    Requester(client): Requester,
) -> Answer {
    let made = state
        .core
        .create_provisioning_token(auth.actor(), 0, client)
        .await?;
    Ok(Json(provisioned(&made)))
}

/// A new provisioning token for an account of the admin's reach.
#[utoipa::path(get, operation_id = "provisioning_admin_provision", path = "/api/accounts/{id}/provision", tag = "provisioning",
    params(("id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The account and its new provisioning token", body = crate::openapi::ProvisionedAccount),
        crate::openapi::AccountNotFound,
    ))]
async fn provision(
    State(state): State<AppState>,
    auth: Authenticated,
    Requester(client): Requester,
    id: Path<String>,
) -> Answer {
    let id = account_id(id)?;
    let made = state
        .core
        .create_provisioning_token(auth.actor(), id, client)
        .await?;
    Ok(Json(provisioned(&made)))
}

/// Mails the account a new provisioning link and its QR code link.
#[utoipa::path(post, operation_id = "provisioning_admin_send_email", path = "/api/accounts/{id}/send_provisioning_email", tag = "provisioning",
    params(("id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "`{}`: the mail went", body = crate::openapi::Empty),
        (status = 403, description = "`No email configured`, `Unauthorized area`", body = crate::openapi::Message),
        crate::openapi::AccountNotFound,
        (status = 503, description = "`Email not sent`: no SMTP relay, or it refused (no token was made)", body = crate::openapi::Message),
    ))]
async fn send_email(
    State(state): State<AppState>,
    auth: Authenticated,
    Requester(client): Requester,
    id: Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Answer {
    let id = account_id(id)?;
    let context = context(&state, client, &headers, &uri);
    state
        .core
        .send_provisioning_email(auth.actor(), id, context)
        .await?;
    Ok(Json(value!({})))
}

/// A token for a new device with no account yet: a logged-in device
/// attaches it, then the new one fetches its configuration or an API key
/// with it. No body.
#[utoipa::path(post, operation_id = "provisioning_create_auth_token", security(()), path = "/api/accounts/auth_token", tag = "provisioning",
    responses(
        (status = 201, description = "The token (32 characters) and its expiry", body = crate::openapi::Token),
        (status = 429, description = "`Too many requests` from this client address", body = crate::openapi::Message),
    ))]
async fn create_auth_token(
    State(state): State<AppState>,
    Requester(client): Requester,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let issued = state.core.create_auth_token(client).await?;
    Ok((
        StatusCode::CREATED,
        Json(value!({
            "token": issued.token,
            "expire_at": json::time(issued.expire_at.as_ref()),
        })),
    ))
}

/// The caller's device vouches for a new device's auth token.
#[utoipa::path(get, operation_id = "provisioning_attach_auth_token", path = "/api/accounts/auth_token/{auth_token}/attach", tag = "provisioning",
    params(("auth_token" = String, Path, description = "An auth token (32 characters)")),
    responses(
        (status = 200, description = "`{}`: the token now stands for the caller", body = crate::openapi::Empty),
        (status = 404, description = "`Auth token not found`: unknown, expired or attached already", body = crate::openapi::Message),
        (status = 429, description = "`Too many failed attempts` from this client address", body = crate::openapi::Message),
    ))]
async fn attach(
    State(state): State<AppState>,
    auth: Authenticated,
    Requester(client): Requester,
    token: PathText,
) -> Answer {
    state
        .core
        .attach_auth_token(auth.actor(), &token.0, client)
        .await?;
    Ok(Json(value!({})))
}

/// A new user API key of an attached auth token's account (it replaces
/// that account's previous user key); the token is used.
#[utoipa::path(get, operation_id = "provisioning_api_key_from_auth_token", security(()), path = "/api/accounts/me/api_key/{auth_token}", tag = "provisioning",
    params(("auth_token" = String, Path, description = "An attached auth token (32 characters)")),
    responses(
        (status = 200, description = "The key (40 characters), shown once", body = crate::openapi::ApiKeyAnswer),
        (status = 403, description = "`Account blocked`", body = crate::openapi::Message),
        (status = 404, description = "`Auth token not found`: unknown, expired, used or not attached yet", body = crate::openapi::Message),
        (status = 429, description = "`Too many failed attempts` from this client address", body = crate::openapi::Message),
    ))]
async fn api_key_from_auth_token(
    State(state): State<AppState>,
    Requester(client): Requester,
    token: PathText,
    headers: HeaderMap,
    uri: Uri,
) -> Answer {
    let context = context(&state, client, &headers, &uri);
    let key = state
        .core
        .api_key_from_auth_token(&token.0, context)
        .await?;
    Ok(Json(value!({ "api_key": key })))
}
