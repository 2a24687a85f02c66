//! The admin routes of `/api/accounts`: create, list, show, change, delete,
//! change state, and an account's devices (the searches are in
//! [`super::search`]). Admins act within their
//! domain, super admins on every one; the core decides, the handlers only
//! translate.

use axum::{
    extract::{rejection::PathRejection, rejection::QueryRejection, Path, Query, State},
    http::{header, HeaderName, HeaderValue},
    Json,
};
use flexiapi_proto::{json, pb};
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{account_id, fields, pagination};
use crate::{
    auth::Authenticated,
    body::{refusal_first, JsonObject},
    error::ApiError,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(show, update, remove))
        .routes(routes!(activate))
        .routes(routes!(deactivate))
        .routes(routes!(block))
        .routes(routes!(unblock))
        .routes(routes!(devices))
        .routes(routes!(remove_device))
}

type Answer = Result<Json<Value>, ApiError>;

/// Creates an account in the admin's domain (any domain for a super admin).
#[utoipa::path(post, operation_id = "accounts_admin_create", path = "/api/accounts", tag = "accounts", request_body = crate::openapi::NewAccount,
    responses(
        (status = 200, description = "The account", body = crate::openapi::Account,
            headers(
                ("Content-Location" = String, description = "`/api/accounts/{id}`, where a GET returns this account"),
                ("Location" = String, description = "The same path"),
            )),
    ))]
async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    body: Result<JsonObject, ApiError>,
) -> Result<([(HeaderName, HeaderValue); 2], Json<Value>), ApiError> {
    let request = body.and_then(|body| fields::create_request(&body, auth.actor()));
    let request = match request {
        Ok(request) => request,
        Err(refused) => {
            // Who may call comes first: an empty request tells whether the
            // core would let this account create at all (it creates
            // nothing, missing every field).
            let probe = pb::CreateAccountRequest {
                actor: Some(auth.actor()),
                ..Default::default()
            };
            return Err(refusal_first(
                state.core.create_account(probe).await,
                refused,
            ));
        }
    };
    let account = state.core.create_account(request).await?;
    // 200 as FlexiAPI answers (its clients test for it), and where the
    // account now lives (RFC 9110 §8.7: a GET of it returns this body).
    let place = format!("/api/accounts/{}", account.id);
    let place = HeaderValue::from_str(&place)
        .map_err(|_| ApiError::Internal("an account path is not a header value".into()))?;
    Ok((
        [
            (header::CONTENT_LOCATION, place.clone()),
            (header::LOCATION, place),
        ],
        Json(json::account(&account)),
    ))
}

/// A page of accounts, by id; `search` keeps usernames or emails starting with it.
#[utoipa::path(get, operation_id = "accounts_admin_list", path = "/api/accounts", tag = "accounts",
    params(
        ("page" = Option<i64>, Query, minimum = 1, maximum = 1000000000, description = "From 1"),
        ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100, description = "1 to 100, default 20"),
        ("search" = Option<String>, Query, max_length = 255, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$", description = "A prefix of the username or email"),
        ("domain" = Option<String>, Query, max_length = 253, pattern = r"^$|^[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*$", description = "Super admins: one domain"),
    ),
    responses(
        (status = 200, description = "Laravel's paginator", body = crate::openapi::AccountPage),
    ))]
async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Answer {
    let Query(query) =
        query.map_err(|_| ApiError::BadRequest("The query string is not valid".into()))?;
    let (page, per_page) = pagination::page_request(&query)?;
    let value = |name: &str| {
        pagination::query_value(&query, name)
            .unwrap_or_default()
            .to_owned()
    };
    let request = pb::ListAccountsRequest {
        actor: Some(auth.actor()),
        page,
        per_page,
        search: value("search"),
        domain: value("domain"),
    };
    let answer = state.core.list_accounts(request).await?;
    let page_query = pagination::PageQuery::of("/api/accounts", &query);
    let data = answer.accounts.iter().map(json::account).collect();
    Ok(Json(pagination::paginator(
        &page_query,
        data,
        answer.page,
        answer.per_page,
        answer.total,
    )))
}

/// One account of the admin's reach.
#[utoipa::path(get, operation_id = "accounts_admin_show", path = "/api/accounts/{id}", tag = "accounts", params(("id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The account", body = crate::openapi::Account),
        crate::openapi::AccountNotFound,
    ))]
async fn show(State(state): State<AppState>, auth: Authenticated, id: Path<String>) -> Answer {
    let account = state
        .core
        .get_account(auth.actor(), Some(account_id(id)?))
        .await?;
    Ok(Json(json::account(&account)))
}

/// Replaces email, display_name and dictionary; changes the rest when given.
#[utoipa::path(put, operation_id = "accounts_admin_update", path = "/api/accounts/{id}", tag = "accounts", params(("id" = i64, Path, description = "The account's id")), request_body = crate::openapi::AccountUpdate,
    responses(
        (status = 200, description = "The account", body = crate::openapi::Account),
        crate::openapi::AccountNotFound,
    ))]
async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    id: Path<String>,
    body: Result<JsonObject, ApiError>,
) -> Answer {
    let id = account_id(id)?;
    let request = body.and_then(|body| fields::update_request(&body, auth.actor(), id));
    let request = match request {
        Ok(request) => request,
        // Who may call, and whether the account is in reach, come first.
        Err(refused) => {
            state.core.get_account(auth.actor(), Some(id)).await?;
            return Err(refused);
        }
    };
    let account = state.core.update_account(request).await?;
    Ok(Json(json::account(&account)))
}

/// Deletes the account with its passwords, devices and keys; its username stays taken.
#[utoipa::path(delete, operation_id = "accounts_admin_remove", path = "/api/accounts/{id}", tag = "accounts", params(("id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "`{}`", body = crate::openapi::Empty),
        crate::openapi::AccountNotFound,
    ))]
async fn remove(State(state): State<AppState>, auth: Authenticated, id: Path<String>) -> Answer {
    state
        .core
        .delete_account(auth.actor(), account_id(id)?)
        .await?;
    Ok(Json(serde_json::json!({})))
}

async fn set_state(
    state: &AppState,
    auth: &Authenticated,
    id: Path<String>,
    to: pb::AccountState,
) -> Answer {
    let account = state
        .core
        .set_account_state(auth.actor(), account_id(id)?, to)
        .await?;
    Ok(Json(json::account(&account)))
}

/// Activates an account.
#[utoipa::path(post, operation_id = "accounts_admin_activate", path = "/api/accounts/{id}/activate", tag = "accounts", params(("id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The account, activated", body = crate::openapi::Account),
        crate::openapi::AccountNotFound,
    ))]
async fn activate(State(state): State<AppState>, auth: Authenticated, id: Path<String>) -> Answer {
    set_state(&state, &auth, id, pb::AccountState::Activate).await
}

/// Deactivates an account.
#[utoipa::path(post, operation_id = "accounts_admin_deactivate", path = "/api/accounts/{id}/deactivate", tag = "accounts", params(("id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The account, deactivated (no SIP, no REST)", body = crate::openapi::Account),
        crate::openapi::AccountNotFound,
    ))]
async fn deactivate(
    State(state): State<AppState>,
    auth: Authenticated,
    id: Path<String>,
) -> Answer {
    set_state(&state, &auth, id, pb::AccountState::Deactivate).await
}

/// Blocks an account: it may no longer authenticate.
#[utoipa::path(post, operation_id = "accounts_admin_block", path = "/api/accounts/{id}/block", tag = "accounts", params(("id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The account, blocked (no REST; SIP goes on)", body = crate::openapi::Account),
        crate::openapi::AccountNotFound,
    ))]
async fn block(State(state): State<AppState>, auth: Authenticated, id: Path<String>) -> Answer {
    set_state(&state, &auth, id, pb::AccountState::Block).await
}

/// Unblocks an account.
#[utoipa::path(post, operation_id = "accounts_admin_unblock", path = "/api/accounts/{id}/unblock", tag = "accounts", params(("id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The account, unblocked", body = crate::openapi::Account),
        crate::openapi::AccountNotFound,
    ))]
async fn unblock(State(state): State<AppState>, auth: Authenticated, id: Path<String>) -> Answer {
    set_state(&state, &auth, id, pb::AccountState::Unblock).await
}

/// The account's live devices, keyed by uuid.
#[utoipa::path(get, operation_id = "accounts_admin_devices", path = "/api/accounts/{id}/devices", tag = "accounts", params(("id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "Devices by uuid", body = std::collections::BTreeMap<String, crate::openapi::Device>),
        crate::openapi::AccountNotFound,
    ))]
async fn devices(State(state): State<AppState>, auth: Authenticated, id: Path<String>) -> Answer {
    crate::routes::devices::list_of(&state, auth.actor(), account_id(id)?).await
}

/// Unregisters one of an account's devices.
#[utoipa::path(delete, operation_id = "accounts_admin_remove_device", path = "/api/accounts/{id}/devices/{uuid}", tag = "accounts",
    params(("id" = i64, Path, description = "The account's id"), ("uuid" = String, Path, description = "The device's uuid (its `+sip.instance` without quotes and brackets)", pattern = r"^[!#-;=?-~]{1,255}$")),
    responses(
        (status = 200, description = "`{}`", body = crate::openapi::Empty),
        (status = 404, description = "No such account, or no such live device", body = crate::openapi::Message),
    ))]
async fn remove_device(
    State(state): State<AppState>,
    auth: Authenticated,
    ids: Result<Path<(String, String)>, PathRejection>,
) -> Answer {
    let Path((id, uuid)) =
        ids.map_err(|_| ApiError::BadRequest("The device uuid in the path is not valid".into()))?;
    let id = account_id(Path(id))?;
    crate::routes::devices::remove_of(&state, auth.actor(), id, Ok(Path(uuid))).await
}
