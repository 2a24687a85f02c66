//! What Flexisip's event-log writer posts (`logger=flexiapi`): calls and
//! messages, then what each device did. Super admins only (the core
//! decides); a body the gateway cannot read is answered after that
//! decision, so a caller that may not record learns nothing from its body.

use axum::{extract::State, Json};
use flexiapi_proto::{json, pb};
use serde_json::Value;

use super::bodies;
use crate::{
    auth::Authenticated,
    body::{refusal_first, JsonObject},
    error::ApiError,
    routes::path::PathTexts,
    state::AppState,
};

pub type Answer = Result<Json<Value>, ApiError>;

/// `refused`, or the 403 the caller gets whatever it sends: the core is
/// asked with an empty call, which it refuses before reading it.
async fn after_permission(state: &AppState, auth: &Authenticated, refused: ApiError) -> ApiError {
    let probe = pb::RecordCallRequest {
        actor: Some(auth.actor()),
        ..Default::default()
    };
    refusal_first(state.core.record_call(probe).await, refused)
}

/// The request a body makes, or the refusal that comes first.
async fn read<T>(
    state: &AppState,
    auth: &Authenticated,
    body: Result<JsonObject, ApiError>,
    make: impl FnOnce(&JsonObject) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    match body.and_then(|body| make(&body)) {
        Ok(request) => Ok(request),
        Err(refused) => Err(after_permission(state, auth, refused).await),
    }
}

/// The path's parameters, as many as the route has.
fn params<const N: usize>(path: PathTexts) -> Result<[String; N], ApiError> {
    <[String; N]>::try_from(path.0)
        .map_err(|_| ApiError::BadRequest("The path parameters are not the route's".into()))
}

pub async fn create_call(
    State(state): State<AppState>,
    auth: Authenticated,
    body: Result<JsonObject, ApiError>,
) -> Answer {
    let request = read(&state, &auth, body, |b| bodies::call(b, auth.actor())).await?;
    let call = state.core.record_call(request).await?;
    Ok(Json(json::call(&call)))
}

pub async fn end_call(
    State(state): State<AppState>,
    auth: Authenticated,
    path: PathTexts,
    body: Result<JsonObject, ApiError>,
) -> Answer {
    let [id] = params(path)?;
    let request = read(&state, &auth, body, |b| {
        bodies::call_end(b, auth.actor(), id)
    })
    .await?;
    let call = state.core.end_call(request).await?;
    Ok(Json(json::call(&call)))
}

pub async fn update_call_device(
    State(state): State<AppState>,
    auth: Authenticated,
    path: PathTexts,
    body: Result<JsonObject, ApiError>,
) -> Answer {
    let [call_id, device_id] = params(path)?;
    let request = read(&state, &auth, body, |b| {
        bodies::call_device_update(b, auth.actor(), call_id, &device_id)
    })
    .await?;
    let call = state.core.record_call_device(request).await?;
    Ok(Json(json::call(&call)))
}

pub async fn create_message(
    State(state): State<AppState>,
    auth: Authenticated,
    body: Result<JsonObject, ApiError>,
) -> Answer {
    let request = read(&state, &auth, body, |b| bodies::message(b, auth.actor())).await?;
    let message = state.core.record_message(request).await?;
    Ok(Json(json::message(&message)))
}

pub async fn update_message_device(
    State(state): State<AppState>,
    auth: Authenticated,
    path: PathTexts,
    body: Result<JsonObject, ApiError>,
) -> Answer {
    let [message_id, to, device_id] = params(path)?;
    let request = read(&state, &auth, body, |b| {
        bodies::message_device_update(b, auth.actor(), message_id, &to, &device_id)
    })
    .await?;
    let message = state.core.record_message_device(request).await?;
    Ok(Json(json::message(&message)))
}
