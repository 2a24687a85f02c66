//! Finding an account by address: the admins' two searches and
//! `resolve`, the three Flexisip itself calls (with a super admin's key).
//! Within the actor's reach, as every admin route.

use axum::{extract::State, Json};
use flexiapi_proto::{json, pb};
use serde_json::{json, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{auth::Authenticated, error::ApiError, routes::path::PathText, state::AppState};

pub fn router() -> OpenApiRouter<AppState> {
    // One parameter name per position (the router requires it): `{id}` is
    // a SIP address or an email in the two searches.
    OpenApiRouter::new()
        .routes(routes!(search_by_sip))
        .routes(routes!(search_by_email))
        .routes(routes!(resolve))
}

type Answer = Result<Json<Value>, ApiError>;

/// The account at `sip`, with its `call_forwardings` as Flexisip's client
/// parses them (`no_answer` written `away`).
async fn found_by_sip(
    state: &AppState,
    auth: &Authenticated,
    sip: String,
) -> Result<Value, ApiError> {
    let by = pb::search_account_request::By::Sip(sip);
    let (account, forwardings) = state.core.search_account(auth.actor(), by).await?;
    let mut found = json::account(&account);
    let forwardings = forwardings
        .iter()
        .map(|f| json::call_forwarding(f, json::ForwardingNames::Flexisip))
        .collect();
    found["call_forwardings"] = Value::Array(forwardings);
    Ok(found)
}

/// The account and, as Flexisip's client requires, its call forwardings.
#[utoipa::path(get, operation_id = "accounts_admin_search_by_sip", path = "/api/accounts/{id}/search", tag = "accounts",
    params(("id" = String, Path, description = "A SIP address, `user@domain`, with or without `sip:`", pattern = r"^([Ss][Ii][Pp][Ss]?:)?[^\s\x00-\x1F\x7F-\x9F]{1,255}@[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*$")),
    responses(
        (status = 200, description = "The account and its call forwardings", body = crate::openapi::FoundAccount),
        (status = 404, description = "`SIP address not found`", body = crate::openapi::Message),
    ))]
async fn search_by_sip(
    State(state): State<AppState>,
    auth: Authenticated,
    PathText(sip): PathText,
) -> Answer {
    Ok(Json(found_by_sip(&state, &auth, sip).await?))
}

/// The account with this email, in the admin's reach.
#[utoipa::path(get, operation_id = "accounts_admin_search_by_email", path = "/api/accounts/{id}/search-by-email", tag = "accounts",
    params(("id" = String, Path, description = "An email address", min_length = 1, max_length = 255)),
    responses(
        (status = 200, description = "The account", body = crate::openapi::Account),
        (status = 404, description = "`Email address not found`", body = crate::openapi::Message),
    ))]
async fn search_by_email(
    State(state): State<AppState>,
    auth: Authenticated,
    PathText(email): PathText,
) -> Answer {
    let by = pb::search_account_request::By::Email(email);
    let (account, _) = state.core.search_account(auth.actor(), by).await?;
    Ok(Json(json::account(&account)))
}

/// What an address is, as Flexisip asks before routing a call to it: an
/// account (the only kind here) with its call forwardings.
#[utoipa::path(get, operation_id = "accounts_resolve", path = "/api/resolve/{sip}", tag = "accounts",
    params(("sip" = String, Path, description = "A SIP address, `user@domain`, with or without `sip:`",
        pattern = r"^([Ss][Ii][Pp][Ss]?:)?[^\s\x00-\x1F\x7F-\x9F]{1,255}@[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*$")),
    responses(
        (status = 200, description = "`{\"type\": \"account\", \"payload\": …}`", body = crate::openapi::Resolved),
        (status = 404, description = "`SIP address not found`", body = crate::openapi::Message),
    ))]
async fn resolve(
    State(state): State<AppState>,
    auth: Authenticated,
    PathText(sip): PathText,
) -> Answer {
    let payload = found_by_sip(&state, &auth, sip).await?;
    Ok(Json(json!({ "type": "account", "payload": payload })))
}
