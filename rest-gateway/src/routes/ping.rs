use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{auth::Authenticated, state::AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(ping))
}

/// Any authenticated account: proves the credentials work.
#[utoipa::path(get, operation_id = "ping_ping", path = "/api/ping", tag = "auth", responses(
        (status = 200, description = "`pong`", body = String, content_type = "text/plain"),
        (status = 401, description = "No or a wrong answer, with a fresh challenge (`WWW-Authenticate`), or an invalid API key", body = crate::openapi::Message),
        (status = 403, description = "`Account blocked`", body = crate::openapi::Message),
        (status = 404, description = "`From` names no account", body = crate::openapi::Message),
        (status = 422, description = "No or an unreadable `From`", body = crate::openapi::ValidationErrors),
    ))]
async fn ping(_: Authenticated) -> &'static str {
    "pong"
}
