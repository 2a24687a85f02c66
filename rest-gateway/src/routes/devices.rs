//! Devices: `/api/devices` (part 1) is the account's own; the same answers
//! serve `/api/accounts/me/devices` and an admin's `/api/accounts/{id}/devices`.

use axum::{
    extract::{rejection::PathRejection, Path, State},
    Json,
};
use flexiapi_proto::{json, pb};
use serde_json::{Map, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{auth::Authenticated, error::ApiError, state::AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(remove))
}

/// The account's live devices, keyed by uuid (`{}` when none).
#[utoipa::path(get, operation_id = "devices_list", path = "/api/devices", tag = "devices",
    responses(
        (status = 200, description = "Devices by uuid", body = std::collections::BTreeMap<String, crate::openapi::Device>),
    ))]
async fn list(State(state): State<AppState>, auth: Authenticated) -> Result<Json<Value>, ApiError> {
    list_of(&state, auth.actor(), 0).await
}

/// Unregisters a device of the caller's domain.
#[utoipa::path(delete, operation_id = "devices_remove", path = "/api/devices/{uuid}", tag = "devices",
    params(("uuid" = String, Path, description = "The device's uuid (its `+sip.instance` without quotes and brackets)", pattern = r"^[!#-;=?-~]{1,255}$")),
    responses(
        (status = 200, description = "`{}`", body = crate::openapi::Empty),
        (status = 404, description = "`Device not found`", body = crate::openapi::Message),
    ))]
async fn remove(
    State(state): State<AppState>,
    auth: Authenticated,
    uuid: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    remove_of(&state, auth.actor(), 0, uuid).await
}

/// The live bindings of account `account_id` (0: the actor's own), keyed by
/// uuid (`{}` when none).
pub async fn list_of(
    state: &AppState,
    actor: pb::Actor,
    account_id: i64,
) -> Result<Json<Value>, ApiError> {
    let devices = state.core.list_devices(actor, account_id).await?;
    let keyed: Map<String, Value> = devices
        .iter()
        .map(|device| (device.uuid.clone(), device_json(device)))
        .collect();
    Ok(Json(Value::Object(keyed)))
}

/// 200 `{}` once removed; 404 when the account has no such live device.
pub async fn remove_of(
    state: &AppState,
    actor: pb::Actor,
    account_id: i64,
    uuid: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path(uuid) =
        uuid.map_err(|_| ApiError::BadRequest("The device uuid in the path is not valid".into()))?;
    state.core.remove_device(actor, account_id, &uuid).await?;
    Ok(Json(serde_json::json!({})))
}

fn device_json(device: &pb::Device) -> Value {
    serde_json::json!({
        "uuid": device.uuid,
        "contact": device.contact,
        "user_agent": device.user_agent,
        "expires_at": json::time(device.expires_at.as_ref()),
        "updated_at": json::time(device.updated_at.as_ref()),
        // FlexiAPI 2026's names for the same facts.
        "update_time": json::time(device.updated_at.as_ref()),
        "app": device.app,
        "version": device.version,
        "device_name": device.device_name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_documented_key_for_key() {
        let device = pb::Device {
            uuid: "urn:uuid:1".into(),
            contact: "sip:alice@10.0.0.2".into(),
            expires_at: Some(prost_types::Timestamp {
                seconds: 1,
                nanos: 0,
            }),
            ..Default::default()
        };
        crate::openapi::assert_documented::<crate::openapi::Device>(&device_json(&device));
    }
}
