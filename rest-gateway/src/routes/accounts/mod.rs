//! `/api/accounts…`: the admin routes ([`admin`]), the lookups by address
//! ([`search`], with `/api/resolve`), the account's own ([`me`]), the request fields they share ([`fields`]) and the Laravel
//! paginator of the list ([`pagination`]). Every handler names the
//! authenticated account as the actor; the core decides what it may do.

use axum::extract::Path;
use utoipa_axum::router::OpenApiRouter;

use crate::{error::ApiError, state::AppState};

mod admin;
pub(crate) mod fields;
mod me;
pub(crate) mod pagination;
mod search;

/// The routes a pending account may call too: its own account.
pub fn pending_router() -> OpenApiRouter<AppState> {
    me::pending_router()
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(me::router())
        .merge(admin::router())
        .merge(search::router())
}

/// `{id}` as the contract reads it: a positive number, or no such account.
pub(crate) fn account_id(Path(raw): Path<String>) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::NotFound("Account not found".into()))
}
