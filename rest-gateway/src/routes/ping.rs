use axum::{routing::get, Router};

use crate::{auth::Authenticated, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/ping", get(ping))
}

/// Any authenticated account: proves the credentials work.
async fn ping(_: Authenticated) -> &'static str {
    "pong"
}
