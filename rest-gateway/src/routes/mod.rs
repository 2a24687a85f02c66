//! The routes, each resource's handlers beside its routes. Every `/api`
//! route but the documentation page sits behind the Digest middleware.

use axum::{
    http::{StatusCode, Uri},
    middleware,
    response::IntoResponse,
    Json, Router,
};
use serde_json::json;

use crate::{auth::require_digest, startup::AppState};

mod accounts;
mod devices;
mod docs;
mod health;
mod ping;

/// `/api` plus the operators' endpoints (`/healthz/*`, `/metrics`).
pub fn router(state: AppState) -> Router {
    let protected = Router::new()
        .merge(ping::router())
        .merge(accounts::router())
        .merge(devices::router())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_digest,
        ));
    Router::new()
        .merge(docs::router())
        .merge(health::router())
        .merge(crate::metrics::router())
        .merge(protected)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn not_found(uri: Uri) -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "message": format!("No route for {}", uri.path()) })),
    )
}

async fn method_not_allowed() -> impl IntoResponse {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(json!({ "message": "Method not allowed" })),
    )
}

/// A protobuf timestamp as the contract's JSON writes times (RFC 3339, UTC).
fn rfc3339(timestamp: Option<&prost_types::Timestamp>) -> Option<String> {
    let t = timestamp?;
    chrono::DateTime::from_timestamp(t.seconds, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}
