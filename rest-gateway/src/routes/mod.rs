//! The routes, each resource's handlers beside its routes. Every `/api`
//! route but the documentation page sits behind the authentication
//! middleware (an API key or Digest).

use axum::{
    http::{StatusCode, Uri},
    middleware,
    response::IntoResponse,
    Json, Router,
};
use serde_json::json;

use crate::{auth::authenticate, state::AppState};

mod accounts;
mod api_keys;
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
        .merge(api_keys::router())
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate));
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
