//! `/api/accounts/me…`: what any account may do to itself.

use axum::{
    extract::{Path, State},
    routing::{delete, get, post},
    Json, Router,
};
use flexiapi_proto::json;
use serde_json::Value;

use super::fields;
use crate::{auth::Authenticated, body::JsonObject, error::ApiError, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/accounts/me", get(show).delete(remove))
        .route("/api/accounts/me/password", post(change_password))
        .route("/api/accounts/me/devices", get(devices))
        .route("/api/accounts/me/devices/{uuid}", delete(remove_device))
}

async fn show(State(state): State<AppState>, auth: Authenticated) -> Result<Json<Value>, ApiError> {
    let account = state
        .core
        .get_account(auth.actor(), auth.account.id)
        .await?;
    Ok(Json(json::account(&account)))
}

/// 200 `{}`: the account is gone, with its passwords, devices and keys.
async fn remove(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<Value>, ApiError> {
    state.core.delete_account(auth.actor(), 0).await?;
    Ok(Json(serde_json::json!({})))
}

async fn change_password(
    State(state): State<AppState>,
    auth: Authenticated,
    body: JsonObject,
) -> Result<Json<Value>, ApiError> {
    let request = fields::password_change(&body, auth.actor())?;
    let account = state.core.change_password(request).await?;
    Ok(Json(json::account(&account)))
}

async fn devices(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<Value>, ApiError> {
    crate::routes::devices::list_of(&state, auth.actor(), 0).await
}

async fn remove_device(
    State(state): State<AppState>,
    auth: Authenticated,
    uuid: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Json<Value>, ApiError> {
    crate::routes::devices::remove_of(&state, auth.actor(), 0, uuid).await
}
