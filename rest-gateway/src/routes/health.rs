use axum::{extract::State, http::StatusCode, Json};
use serde_json::{json, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(live))
        .routes(routes!(ready))
}

/// Alive while the process serves HTTP: restarting the gateway would not
/// bring a missing core back.
#[utoipa::path(get, operation_id = "health_live", path = "/healthz/live", tag = "operations", security(()),
    responses(
        (status = 200, description = "`{\"status\":\"ok\"}`"),
    ))]
async fn live() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// Ready while the core says it can serve, so traffic goes elsewhere
/// when it cannot.
#[utoipa::path(get, operation_id = "health_ready", path = "/healthz/ready", tag = "operations", security(()), responses(
        (status = 200, description = "The core serves"),
        (status = 503, description = "The core is down or its database is"),
    ))]
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if state.core.ready().await {
        (StatusCode::OK, Json(json!({"status": "ok"})))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "core unavailable"})),
        )
    }
}
