//! `/api/accounts/{me,id}/voicemails`: the slots Flexisip's voicemail
//! server reserves and fills, and what users and admins see of them
//! (contract part 6 §2). The rules are the core's; the upload and the
//! download are in `routes::files`.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode, Uri},
    Json,
};
use flexiapi_proto::{json, pb};
use serde_json::{json as value, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Authenticated,
    body::{Fields, JsonObject},
    core_client::voicemails::owner,
    error::ApiError,
    routes::{accounts::account_id, onboarding::host_of},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_mine, create_mine))
        .routes(routes!(show_mine, remove_mine))
        .routes(routes!(list, create))
        .routes(routes!(show, remove))
}

type Answer = Result<Json<Value>, ApiError>;

/// The public origin links are made from: `--public-url`, else the scheme
/// served and the request's host.
pub(crate) fn origin(state: &AppState, headers: &HeaderMap, uri: &Uri) -> String {
    state.web.origin(host_of(headers, uri).as_deref())
}

async fn list_of(state: &AppState, auth: &Authenticated, id: Option<i64>, origin: &str) -> Answer {
    let found = state.core.list_voicemails(owner(auth.actor(), id)).await?;
    let shown: Vec<Value> = found
        .iter()
        .map(|v| json::voicemail(v, origin, false))
        .collect();
    Ok(Json(Value::Array(shown)))
}

async fn create_of(
    state: &AppState,
    auth: &Authenticated,
    id: Option<i64>,
    body: Result<JsonObject, ApiError>,
    origin: &str,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let owner = owner(auth.actor(), id);
    let request = body.and_then(|body| {
        let mut fields = Fields::default();
        let request = pb::CreateVoicemailRequest {
            owner,
            sip_from: fields.take(body.nullable_string("sip_from")),
            content_type: fields.take(body.nullable_string("content_type")),
        };
        fields.finish(request)
    });
    let request = match request {
        Ok(request) => request,
        // Whose voicemails, and whether they are in reach, come first.
        Err(refused) => {
            state.core.list_voicemails(owner).await?;
            return Err(refused);
        }
    };
    let made = state.core.create_voicemail(request).await?;
    Ok((
        StatusCode::CREATED,
        Json(json::voicemail(&made, origin, true)),
    ))
}

async fn show_of(
    state: &AppState,
    auth: &Authenticated,
    id: Option<i64>,
    uuid: String,
    origin: &str,
) -> Answer {
    let found = state
        .core
        .get_voicemail(owner(auth.actor(), id), uuid)
        .await?;
    Ok(Json(json::voicemail(&found, origin, false)))
}

async fn remove_of(
    state: &AppState,
    auth: &Authenticated,
    id: Option<i64>,
    uuid: String,
) -> Answer {
    state
        .core
        .delete_voicemail(owner(auth.actor(), id), uuid)
        .await?;
    Ok(Json(value!({})))
}

/// The caller's voicemails, newest first, empty slots included.
#[utoipa::path(get, operation_id = "voicemails_me_list", path = "/api/accounts/me/voicemails", tag = "voicemails",
    responses((status = 200, description = "Newest first", body = Vec<crate::openapi::Voicemail>)))]
async fn list_mine(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    uri: Uri,
) -> Answer {
    list_of(&state, &auth, None, &origin(&state, &headers, &uri)).await
}

/// A new voicemail slot of the caller's, to upload a recording into.
#[utoipa::path(post, operation_id = "voicemails_me_create", path = "/api/accounts/me/voicemails", tag = "voicemails",
    request_body = crate::openapi::NewVoicemail,
    responses((status = 201, description = "The slot", body = crate::openapi::VoicemailSlot)))]
async fn create_mine(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    uri: Uri,
    body: Result<JsonObject, ApiError>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    create_of(&state, &auth, None, body, &origin(&state, &headers, &uri)).await
}

/// One of the caller's voicemails.
#[utoipa::path(get, operation_id = "voicemails_me_show", path = "/api/accounts/me/voicemails/{uuid}", tag = "voicemails",
    params(("uuid" = String, Path, description = "The voicemail's id")),
    responses(
        (status = 200, description = "The voicemail", body = crate::openapi::Voicemail),
        (status = 404, description = "`Voicemail not found`", body = crate::openapi::Message),
    ))]
async fn show_mine(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    uri: Uri,
    Path(uuid): Path<String>,
) -> Answer {
    show_of(&state, &auth, None, uuid, &origin(&state, &headers, &uri)).await
}

/// Deletes one of the caller's voicemails and its file.
#[utoipa::path(delete, operation_id = "voicemails_me_remove", path = "/api/accounts/me/voicemails/{uuid}", tag = "voicemails",
    params(("uuid" = String, Path, description = "The voicemail's id")),
    responses(
        (status = 200, description = "`{}`", body = crate::openapi::Empty),
        (status = 404, description = "`Voicemail not found`", body = crate::openapi::Message),
    ))]
async fn remove_mine(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(uuid): Path<String>,
) -> Answer {
    remove_of(&state, &auth, None, uuid).await
}

/// The voicemails of an account of the admin's reach, newest first.
#[utoipa::path(get, operation_id = "voicemails_admin_list", path = "/api/accounts/{id}/voicemails", tag = "voicemails",
    params(("id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "Newest first", body = Vec<crate::openapi::Voicemail>),
        crate::openapi::AccountNotFound,
    ))]
async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    uri: Uri,
    id: Path<String>,
) -> Answer {
    let id = account_id(id)?;
    list_of(&state, &auth, Some(id), &origin(&state, &headers, &uri)).await
}

/// A new voicemail slot of an account of the admin's reach: what
/// Flexisip's voicemail server asks before recording.
#[utoipa::path(post, operation_id = "voicemails_admin_create", path = "/api/accounts/{id}/voicemails", tag = "voicemails",
    params(("id" = i64, Path, description = "The account's id")),
    request_body = crate::openapi::NewVoicemail,
    responses(
        (status = 201, description = "The slot", body = crate::openapi::VoicemailSlot),
        crate::openapi::AccountNotFound,
    ))]
async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    uri: Uri,
    id: Path<String>,
    body: Result<JsonObject, ApiError>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = account_id(id)?;
    create_of(
        &state,
        &auth,
        Some(id),
        body,
        &origin(&state, &headers, &uri),
    )
    .await
}

/// One voicemail of an account of the admin's reach.
#[utoipa::path(get, operation_id = "voicemails_admin_show", path = "/api/accounts/{id}/voicemails/{uuid}", tag = "voicemails",
    params(("id" = i64, Path, description = "The account's id"), ("uuid" = String, Path, description = "The voicemail's id")),
    responses(
        (status = 200, description = "The voicemail", body = crate::openapi::Voicemail),
        (status = 404, description = "`Account not found`, `Voicemail not found`", body = crate::openapi::Message),
    ))]
async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    uri: Uri,
    Path((id, uuid)): Path<(String, String)>,
) -> Answer {
    let id = account_id(Path(id))?;
    show_of(
        &state,
        &auth,
        Some(id),
        uuid,
        &origin(&state, &headers, &uri),
    )
    .await
}

/// Deletes a voicemail of an account of the admin's reach, and its file.
#[utoipa::path(delete, operation_id = "voicemails_admin_remove", path = "/api/accounts/{id}/voicemails/{uuid}", tag = "voicemails",
    params(("id" = i64, Path, description = "The account's id"), ("uuid" = String, Path, description = "The voicemail's id")),
    responses(
        (status = 200, description = "`{}`", body = crate::openapi::Empty),
        (status = 404, description = "`Account not found`, `Voicemail not found`", body = crate::openapi::Message),
    ))]
async fn remove(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((id, uuid)): Path<(String, String)>,
) -> Answer {
    let id = account_id(Path(id))?;
    remove_of(&state, &auth, Some(id), uuid).await
}
