//! `/api/accounts/{me,id}/call_forwardings`: where an account's calls go
//! when it does not take them (contract part 6). The user manages its own,
//! an admin those of the accounts it administers; the rules are the
//! core's. Flexisip reads them in the account search (`routes::accounts`).

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use flexiapi_proto::{
    json::{self, ForwardingNames},
    pb,
};
use serde_json::{json as value, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Authenticated,
    body::{Fields, JsonObject},
    core_client::call_forwardings::owner,
    error::ApiError,
    routes::accounts::account_id,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_mine, create_mine))
        .routes(routes!(show_mine, update_mine, remove_mine))
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
}

type Answer = Result<Json<Value>, ApiError>;

const NOT_FOUND: &str = "Call forwarding not found";

fn shown(forwarding: &pb::CallForwarding) -> Json<Value> {
    Json(json::call_forwarding(forwarding, ForwardingNames::FlexiApi))
}

/// A forwarding's id from the path: anything else is not found.
fn forwarding_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::NotFound(NOT_FOUND.into()))
}

/// The fields a body gives, type-checked; the rules are the core's.
fn write_request(
    body: &JsonObject,
    owner: Option<pb::CallForwardingOwner>,
    id: i64,
) -> Result<pb::WriteCallForwardingRequest, ApiError> {
    let mut fields = Fields::default();
    let request = pb::WriteCallForwardingRequest {
        owner,
        id,
        r#type: fields.take(body.nullable_string("type")),
        forward_to: fields.take(body.nullable_string("forward_to")),
        sip_uri: fields.take(body.nullable_string("sip_uri")),
        enabled: fields.take(body.optional_bool("enabled")),
        contact_id: fields.take(body.optional_integer("contact_id")),
    };
    fields.finish(request)
}

async fn list_of(state: &AppState, auth: &Authenticated, id: Option<i64>) -> Answer {
    let found = state
        .core
        .list_call_forwardings(owner(auth.actor(), id))
        .await?;
    let shown: Vec<Value> = found
        .iter()
        .map(|f| json::call_forwarding(f, ForwardingNames::FlexiApi))
        .collect();
    Ok(Json(Value::Array(shown)))
}

async fn write_of(
    state: &AppState,
    auth: &Authenticated,
    id: Option<i64>,
    forwarding: Option<i64>,
    body: Result<JsonObject, ApiError>,
) -> Answer {
    let owner = owner(auth.actor(), id);
    let request = body.and_then(|body| write_request(&body, owner, forwarding.unwrap_or(0)));
    let request = match request {
        Ok(request) => request,
        // Whose forwardings, and whether they are in reach, come first.
        Err(refused) => {
            state.core.list_call_forwardings(owner).await?;
            return Err(refused);
        }
    };
    let written = match forwarding {
        None => state.core.create_call_forwarding(request).await?,
        Some(_) => state.core.update_call_forwarding(request).await?,
    };
    Ok(shown(&written))
}

async fn show_of(state: &AppState, auth: &Authenticated, id: Option<i64>, cf: &str) -> Answer {
    let cf = forwarding_id(cf)?;
    let found = state
        .core
        .get_call_forwarding(owner(auth.actor(), id), cf)
        .await?;
    Ok(shown(&found))
}

async fn remove_of(state: &AppState, auth: &Authenticated, id: Option<i64>, cf: &str) -> Answer {
    let cf = forwarding_id(cf)?;
    state
        .core
        .delete_call_forwarding(owner(auth.actor(), id), cf)
        .await?;
    Ok(Json(value!({})))
}

/// The caller's call forwardings, newest first.
#[utoipa::path(get, operation_id = "call_forwardings_me_list", path = "/api/accounts/me/call_forwardings", tag = "call forwardings",
    responses((status = 200, description = "Newest first", body = Vec<crate::openapi::CallForwarding>)))]
async fn list_mine(State(state): State<AppState>, auth: Authenticated) -> Answer {
    list_of(&state, &auth, None).await
}

/// A new call forwarding of the caller's.
#[utoipa::path(post, operation_id = "call_forwardings_me_create", path = "/api/accounts/me/call_forwardings", tag = "call forwardings",
    request_body = crate::openapi::NewCallForwarding,
    responses((status = 201, description = "The call forwarding", body = crate::openapi::CallForwarding)))]
async fn create_mine(
    State(state): State<AppState>,
    auth: Authenticated,
    body: Result<JsonObject, ApiError>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let made = write_of(&state, &auth, None, None, body).await?;
    Ok((StatusCode::CREATED, made))
}

/// One of the caller's call forwardings.
#[utoipa::path(get, operation_id = "call_forwardings_me_show", path = "/api/accounts/me/call_forwardings/{cf_id}", tag = "call forwardings",
    params(("cf_id" = i64, Path, description = "The call forwarding's id")),
    responses(
        (status = 200, description = "The call forwarding", body = crate::openapi::CallForwarding),
        (status = 404, description = "`Call forwarding not found`", body = crate::openapi::Message),
    ))]
async fn show_mine(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(cf): Path<String>,
) -> Answer {
    show_of(&state, &auth, None, &cf).await
}

/// Changes one of the caller's call forwardings (`type` may be left out).
#[utoipa::path(put, operation_id = "call_forwardings_me_update", path = "/api/accounts/me/call_forwardings/{cf_id}", tag = "call forwardings",
    params(("cf_id" = i64, Path, description = "The call forwarding's id")),
    request_body = crate::openapi::CallForwardingUpdate,
    responses(
        (status = 200, description = "The call forwarding", body = crate::openapi::CallForwarding),
        (status = 404, description = "`Call forwarding not found`", body = crate::openapi::Message),
    ))]
async fn update_mine(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(cf): Path<String>,
    body: Result<JsonObject, ApiError>,
) -> Answer {
    let cf = forwarding_id(&cf)?;
    write_of(&state, &auth, None, Some(cf), body).await
}

/// Deletes one of the caller's call forwardings.
#[utoipa::path(delete, operation_id = "call_forwardings_me_remove", path = "/api/accounts/me/call_forwardings/{cf_id}", tag = "call forwardings",
    params(("cf_id" = i64, Path, description = "The call forwarding's id")),
    responses(
        (status = 200, description = "`{}`", body = crate::openapi::Empty),
        (status = 404, description = "`Call forwarding not found`", body = crate::openapi::Message),
    ))]
async fn remove_mine(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(cf): Path<String>,
) -> Answer {
    remove_of(&state, &auth, None, &cf).await
}

/// The call forwardings of an account of the admin's reach, newest first.
#[utoipa::path(get, operation_id = "call_forwardings_admin_list", path = "/api/accounts/{id}/call_forwardings", tag = "call forwardings",
    params(("id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "Newest first", body = Vec<crate::openapi::CallForwarding>),
        crate::openapi::AccountNotFound,
    ))]
async fn list(State(state): State<AppState>, auth: Authenticated, id: Path<String>) -> Answer {
    list_of(&state, &auth, Some(account_id(id)?)).await
}

/// A new call forwarding of an account of the admin's reach.
#[utoipa::path(post, operation_id = "call_forwardings_admin_create", path = "/api/accounts/{id}/call_forwardings", tag = "call forwardings",
    params(("id" = i64, Path, description = "The account's id")),
    request_body = crate::openapi::NewCallForwarding,
    responses(
        (status = 201, description = "The call forwarding", body = crate::openapi::CallForwarding),
        crate::openapi::AccountNotFound,
    ))]
async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    id: Path<String>,
    body: Result<JsonObject, ApiError>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = account_id(id)?;
    let made = write_of(&state, &auth, Some(id), None, body).await?;
    Ok((StatusCode::CREATED, made))
}

/// One call forwarding of an account of the admin's reach.
#[utoipa::path(get, operation_id = "call_forwardings_admin_show", path = "/api/accounts/{id}/call_forwardings/{cf_id}", tag = "call forwardings",
    params(("id" = i64, Path, description = "The account's id"), ("cf_id" = i64, Path, description = "The call forwarding's id")),
    responses(
        (status = 200, description = "The call forwarding", body = crate::openapi::CallForwarding),
        (status = 404, description = "`Account not found`, `Call forwarding not found`", body = crate::openapi::Message),
    ))]
async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((id, cf)): Path<(String, String)>,
) -> Answer {
    let id = account_id(Path(id))?;
    show_of(&state, &auth, Some(id), &cf).await
}

/// Changes a call forwarding of an account of the admin's reach.
#[utoipa::path(put, operation_id = "call_forwardings_admin_update", path = "/api/accounts/{id}/call_forwardings/{cf_id}", tag = "call forwardings",
    params(("id" = i64, Path, description = "The account's id"), ("cf_id" = i64, Path, description = "The call forwarding's id")),
    request_body = crate::openapi::CallForwardingUpdate,
    responses(
        (status = 200, description = "The call forwarding", body = crate::openapi::CallForwarding),
        (status = 404, description = "`Account not found`, `Call forwarding not found`", body = crate::openapi::Message),
    ))]
async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((id, cf)): Path<(String, String)>,
    body: Result<JsonObject, ApiError>,
) -> Answer {
    let (id, cf) = (account_id(Path(id))?, forwarding_id(&cf)?);
    write_of(&state, &auth, Some(id), Some(cf), body).await
}

/// Deletes a call forwarding of an account of the admin's reach.
#[utoipa::path(delete, operation_id = "call_forwardings_admin_remove", path = "/api/accounts/{id}/call_forwardings/{cf_id}", tag = "call forwardings",
    params(("id" = i64, Path, description = "The account's id"), ("cf_id" = i64, Path, description = "The call forwarding's id")),
    responses(
        (status = 200, description = "`{}`", body = crate::openapi::Empty),
        (status = 404, description = "`Account not found`, `Call forwarding not found`", body = crate::openapi::Message),
    ))]
async fn remove(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((id, cf)): Path<(String, String)>,
) -> Answer {
    let id = account_id(Path(id))?;
    remove_of(&state, &auth, Some(id), &cf).await
}
