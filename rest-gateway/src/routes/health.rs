use axum::{extract::State, http::StatusCode, routing::get, Json, Router};
use serde_json::{json, Value};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz/live", get(live))
        .route("/healthz/ready", get(ready))
}

/// Alive while the process serves HTTP: restarting the gateway would not
/// bring a missing core back.
async fn live() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// Ready while the core says it can serve, so traffic goes elsewhere
/// when it cannot.
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
