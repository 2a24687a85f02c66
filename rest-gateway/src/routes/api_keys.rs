//! `GET /api/accounts/me/api_key`: a user key for clients that cannot do
//! Digest. Named keys for servers are made with `core-service api-keys`.

use axum::{extract::State, http::header, response::IntoResponse};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{auth::Authenticated, error::ApiError, state::AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create))
}

/// 200 `text/plain`: a new user key, which replaces the previous one and
/// expires after the core's `--api-key-idle-minutes` without use.
#[utoipa::path(get, operation_id = "api_keys_create", path = "/api/accounts/me/api_key", tag = "me",
    responses(
        (status = 200, description = "A new user key, 40 characters", body = String, content_type = "text/plain"),
    ))]
async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<axum::response::Response, ApiError> {
    let key = state.core.create_user_key(auth.actor()).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], key).into_response())
}
