//! `GET /api/accounts/me/api_key`: a user key for clients that cannot do
//! Digest. Named keys for servers are made with `core-service api-keys`.

use axum::{extract::State, http::header, response::IntoResponse, routing::get, Router};

use crate::{auth::Authenticated, error::ApiError, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/accounts/me/api_key", get(create))
}

/// 200 `text/plain`: a new user key, which replaces the previous one and
/// expires after the core's `--api-key-idle-minutes` without use.
async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<impl IntoResponse, ApiError> {
    let key = state.core.create_user_key(auth.actor()).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], key))
}
