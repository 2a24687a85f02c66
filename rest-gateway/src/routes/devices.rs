use axum::{
    extract::{rejection::PathRejection, Path, State},
    routing::{delete, get},
    Json, Router,
};
use flexiapi_proto::pb;
use serde_json::{json, Map, Value};

use crate::{auth::Authenticated, error::ApiError, startup::AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/devices", get(list))
        .route("/api/devices/{uuid}", delete(remove))
}

/// The account's live bindings, keyed by uuid (`{}` when none).
async fn list(State(state): State<AppState>, auth: Authenticated) -> Result<Json<Value>, ApiError> {
    let devices = state.core.list_devices(&auth.address).await?;
    let keyed: Map<String, Value> = devices
        .iter()
        .map(|device| (device.uuid.clone(), device_json(device)))
        .collect();
    Ok(Json(Value::Object(keyed)))
}

/// 200 `{}` once removed; 404 when the account has no such live device.
async fn remove(
    State(state): State<AppState>,
    auth: Authenticated,
    uuid: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path(uuid) =
        uuid.map_err(|_| ApiError::BadRequest("The device uuid in the path is not valid".into()))?;
    state.core.remove_device(&auth.address, &uuid).await?;
    Ok(Json(json!({})))
}

fn device_json(device: &pb::Device) -> Value {
    json!({
        "uuid": device.uuid,
        "contact": device.contact,
        "user_agent": device.user_agent,
        "expires_at": super::rfc3339(device.expires_at.as_ref()),
        "updated_at": super::rfc3339(device.updated_at.as_ref()),
    })
}
