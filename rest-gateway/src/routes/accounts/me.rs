//! `/api/accounts/me…`: what any account may do to itself.

use axum::{
    extract::{Path, State},
    Json,
};
use flexiapi_proto::json;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::fields;
use crate::{auth::Authenticated, body::JsonObject, error::ApiError, state::AppState};

/// Its own account, which a pending account may read and delete too.
pub fn pending_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show, remove))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(change_password))
        .routes(routes!(devices))
        .routes(routes!(remove_device))
}

/// The caller's own account.
#[utoipa::path(get, operation_id = "accounts_me_show", path = "/api/accounts/me", tag = "me", responses(
        (status = 200, description = "The account", body = crate::openapi::Account),
    ))]
async fn show(State(state): State<AppState>, auth: Authenticated) -> Result<Json<Value>, ApiError> {
    let account = state.core.get_account(auth.actor(), None).await?;
    Ok(Json(json::account(&account)))
}

/// 200 `{}`: the account is gone, with its passwords, devices and keys.
#[utoipa::path(delete, operation_id = "accounts_me_remove", path = "/api/accounts/me", tag = "me",
    responses(
        (status = 200, description = "`{}`", body = crate::openapi::Empty),
    ))]
async fn remove(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<Value>, ApiError> {
    state.core.delete_account(auth.actor(), 0).await?;
    Ok(Json(serde_json::json!({})))
}

/// The old password is checked first (422 `Incorrect old password`).
#[utoipa::path(post, operation_id = "accounts_me_change_password", path = "/api/accounts/me/password", tag = "me", request_body = crate::openapi::PasswordChange,
    responses(
        (status = 200, description = "The account", body = crate::openapi::Account),
    ))]
async fn change_password(
    State(state): State<AppState>,
    auth: Authenticated,
    body: JsonObject,
) -> Result<Json<Value>, ApiError> {
    let request = fields::password_change(&body, &auth)?;
    let account = state.core.change_password(request).await?;
    Ok(Json(json::account(&account)))
}

/// The caller's registered devices.
#[utoipa::path(get, operation_id = "accounts_me_devices", path = "/api/accounts/me/devices", tag = "me",
    responses(
        (status = 200, description = "Devices by uuid", body = std::collections::BTreeMap<String, crate::openapi::Device>),
    ))]
async fn devices(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<Value>, ApiError> {
    crate::routes::devices::list_of(&state, auth.actor(), 0).await
}

/// Unregisters one of the caller's devices.
#[utoipa::path(delete, operation_id = "accounts_me_remove_device", path = "/api/accounts/me/devices/{uuid}", tag = "me",
    params(("uuid" = String, Path, description = "The device's uuid (its `+sip.instance` without quotes and brackets)", pattern = r"^[!#-;=?-~]{1,255}$")),
    responses(
        (status = 200, description = "`{}`", body = crate::openapi::Empty),
        (status = 404, description = "`Device not found`", body = crate::openapi::Message),
    ))]
async fn remove_device(
    State(state): State<AppState>,
    auth: Authenticated,
    uuid: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Json<Value>, ApiError> {
    crate::routes::devices::remove_of(&state, auth.actor(), 0, uuid).await
}
