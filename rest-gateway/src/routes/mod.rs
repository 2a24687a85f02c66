//! The routes, each resource's handlers beside its routes. Every `/api`
//! route but the documentation sits behind the authentication middleware
//! (an API key or Digest). Routes are added only through utoipa's
//! `routes!`, so each one is in the OpenAPI document.

use std::sync::Once;

use axum::{
    extract::State,
    http::{StatusCode, Uri},
    middleware,
    response::IntoResponse,
    Extension, Json, Router,
};
use serde_json::json;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;

use crate::{
    auth::{authenticate, middleware::authenticate_pending},
    layers,
    openapi::ApiDoc,
    state::AppState,
};

pub(crate) mod accounts;
mod api_keys;
mod call_forwardings;
mod devices;
mod docs;
mod explorer;
pub(crate) mod external_auth;
pub(crate) mod files;
mod health;
pub(crate) mod onboarding;
pub(crate) mod path;
mod ping;
pub(crate) mod provisioning;
pub(crate) mod push_notifications;
pub(crate) mod spaces;
mod static_answer;
pub(crate) mod statistics;
mod voicemails;

/// Every route with its documentation, before the state is given.
fn documented(state: &AppState) -> OpenApiRouter<AppState> {
    // Compression only where an answer can reach 1 KiB: the hot paths
    // (ping, Flexisip's checks, health) skip the layer's cost, and the API
    // key answer is never compressed (BREACH).
    let large = OpenApiRouter::new()
        .merge(accounts::router())
        .merge(call_forwardings::router())
        .merge(voicemails::router())
        .merge(statistics::router())
        .merge(devices::router())
        .merge(spaces::router())
        .layer(layers::compression());
    let protected = OpenApiRouter::new()
        .merge(ping::router())
        .merge(api_keys::router())
        .merge(push_notifications::router())
        .merge(onboarding::protected_router())
        .merge(provisioning::protected_router())
        // Never compressed: audio, streamed.
        .merge(files::upload_router())
        .merge(large)
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate));
    // What a pending account (made with a creation token, not yet
    // validated) may call: its own account and its validation.
    let pending = OpenApiRouter::new()
        .merge(accounts::pending_router())
        .merge(onboarding::pending_router())
        .layer(layers::compression())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            authenticate_pending,
        ));
    let documents = OpenApiRouter::new()
        .merge(docs::router())
        .merge(explorer::router())
        .merge(crate::metrics::router())
        .layer(layers::compression());
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(documents)
        .merge(health::router())
        // Its own key, in the query: Flexisip sends no header of its own.
        .merge(external_auth::router())
        .merge(onboarding::public_router())
        // Never compressed: documents hold HA1s (BREACH).
        .merge(provisioning::public_router())
        // The capability links of voicemail files: no credentials.
        .merge(files::download_router())
        .merge(protected)
        .merge(pending)
}

/// `/api` plus the operators' endpoints (`/healthz/*`, `/metrics`).
pub fn router(state: AppState) -> anyhow::Result<Router> {
    let (router, document) = documented(&state).split_for_parts();
    let mut document = serde_json::to_value(&document)?;
    crate::openapi::complete(&mut document);
    let documents = docs::Documents::new(serde_json::to_string_pretty(&document)?);
    let router = if state.web.panel {
        router.merge(crate::panel::router())
    } else {
        router
    };
    Ok(router
        .layer(Extension(documents))
        .layer(Extension(explorer::Explorer::load()?))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state))
}

/// What a Flexisip asks for when its `[global::flexiapi] url` has a path:
/// it puts its own paths, which begin with `/api/`, after the URL's, so
/// `…/api/` gives `/api//api/spaces` and `…/api` gives `/api/api/spaces`.
const DOUBLED_API: [&str; 2] = ["/api//api/", "/api/api/"];

/// A JSON 404 under `/api` (and everywhere without the panel), else the
/// panel's HTML 404 page: a person typed that address.
async fn not_found(State(state): State<AppState>, uri: Uri) -> axum::response::Response {
    let path = uri.path();
    if state.web.panel && !path.starts_with("/api") {
        return crate::panel::not_found();
    }
    let message = if DOUBLED_API.iter().any(|prefix| path.starts_with(prefix)) {
        // Every request of such a Flexisip lands here: one line says why.
        static WARNED: Once = Once::new();
        WARNED.call_once(|| {
            tracing::warn!(
                path,
                "a client asked for /api/…/api/…: its base URL ends in /api; Flexisip's \
                 [global::flexiapi] url must be the origin only (https://HOST[:PORT])"
            );
        });
        format!(
            "No route for {path}: the client's base URL already ends in /api. Flexisip's \
             [global::flexiapi] url must be the server's origin only \
             (https://accounts.example.org), without /api"
        )
    } else {
        format!("No route for {path}")
    };
    (StatusCode::NOT_FOUND, Json(json!({ "message": message }))).into_response()
}

async fn method_not_allowed() -> impl IntoResponse {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(json!({ "message": "Method not allowed" })),
    )
}
