//! The admin routes of `/api/accounts`: create, list, show, change, delete,
//! change state, search, and an account's devices. Admins act within their
//! domain, super admins on every one; the core decides, the handlers only
//! translate.

use axum::{
    extract::{rejection::PathRejection, rejection::QueryRejection, Path, Query, State},
    routing::{delete, get, post},
    Json, Router,
};
use flexiapi_proto::{json, pb};
use serde_json::Value;

use super::{account_id, fields, pagination};
use crate::{auth::Authenticated, body::JsonObject, error::ApiError, state::AppState};

pub fn router() -> Router<AppState> {
    // One parameter name per position (the router requires it): `{id}` is
    // a SIP address or an email in the two searches.
    Router::new()
        .route("/api/accounts", post(create).get(list))
        .route("/api/accounts/{id}", get(show).put(update).delete(remove))
        .route("/api/accounts/{id}/activate", post(activate))
        .route("/api/accounts/{id}/deactivate", post(deactivate))
        .route("/api/accounts/{id}/block", post(block))
        .route("/api/accounts/{id}/unblock", post(unblock))
        .route("/api/accounts/{id}/search", get(search_by_sip))
        .route("/api/accounts/{id}/search-by-email", get(search_by_email))
        .route("/api/accounts/{id}/devices", get(devices))
        .route("/api/accounts/{id}/devices/{uuid}", delete(remove_device))
}

type Answer = Result<Json<Value>, ApiError>;

async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    body: Result<JsonObject, ApiError>,
) -> Answer {
    let body = match body {
        Ok(body) => body,
        Err(unreadable) => {
            // Who may call comes first: an empty request tells whether the
            // core would let this account create at all (it creates
            // nothing, missing every field).
            let probe = pb::CreateAccountRequest {
                actor: Some(auth.actor()),
                ..Default::default()
            };
            return Err(match state.core.create_account(probe).await {
                Err(forbidden @ ApiError::Forbidden(_)) => forbidden,
                _ => unreadable,
            });
        }
    };
    let request = fields::create_request(&body, auth.actor())?;
    let account = state.core.create_account(request).await?;
    Ok(Json(json::account(&account)))
}

async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Answer {
    let Query(query) =
        query.map_err(|_| ApiError::BadRequest("The query string is not valid".into()))?;
    let value = |name: &str| {
        query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let integer = |name: &str| -> Result<Option<i64>, (String, String)> {
        match value(name) {
            None | Some("") => Ok(None),
            Some(raw) => raw.parse::<i64>().map(Some).map_err(|_| {
                (
                    name.to_owned(),
                    format!("The {name} field must be an integer."),
                )
            }),
        }
    };
    let (page, per_page) = match (integer("page"), integer("per_page")) {
        (Ok(page), Ok(per_page)) => (page, per_page),
        (p, n) => return Err(crate::body::all_fields([p.err(), n.err()])),
    };
    let request = pb::ListAccountsRequest {
        actor: Some(auth.actor()),
        page,
        per_page,
        search: value("search").unwrap_or_default().to_owned(),
        domain: value("domain").unwrap_or_default().to_owned(),
    };
    let answer = state.core.list_accounts(request).await?;
    let kept = query
        .iter()
        .filter(|(k, _)| k != "page")
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let page_query = pagination::PageQuery {
        path: "/api/accounts",
        kept,
    };
    let data = answer.accounts.iter().map(json::account).collect();
    Ok(Json(pagination::paginator(
        &page_query,
        data,
        answer.page,
        answer.per_page,
        answer.total,
    )))
}

async fn show(State(state): State<AppState>, auth: Authenticated, id: Path<String>) -> Answer {
    let account = state
        .core
        .get_account(auth.actor(), account_id(id)?)
        .await?;
    Ok(Json(json::account(&account)))
}

async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    id: Path<String>,
    body: Result<JsonObject, ApiError>,
) -> Answer {
    let id = account_id(id)?;
    let body = match body {
        Ok(body) => body,
        // Who may call, and whether the account is in reach, come first.
        Err(unreadable) => {
            state.core.get_account(auth.actor(), id).await?;
            return Err(unreadable);
        }
    };
    let request = fields::update_request(&body, auth.actor(), id)?;
    let account = state.core.update_account(request).await?;
    Ok(Json(json::account(&account)))
}

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

async fn activate(State(state): State<AppState>, auth: Authenticated, id: Path<String>) -> Answer {
    set_state(&state, &auth, id, pb::AccountState::Activate).await
}

async fn deactivate(
    State(state): State<AppState>,
    auth: Authenticated,
    id: Path<String>,
) -> Answer {
    set_state(&state, &auth, id, pb::AccountState::Deactivate).await
}

async fn block(State(state): State<AppState>, auth: Authenticated, id: Path<String>) -> Answer {
    set_state(&state, &auth, id, pb::AccountState::Block).await
}

async fn unblock(State(state): State<AppState>, auth: Authenticated, id: Path<String>) -> Answer {
    set_state(&state, &auth, id, pb::AccountState::Unblock).await
}

/// The account and, as Flexisip's client requires, its call forwardings
/// (none yet).
async fn search_by_sip(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(sip): Path<String>,
) -> Answer {
    let by = pb::search_account_request::By::Sip(sip);
    let account = state.core.search_account(auth.actor(), by).await?;
    let mut found = json::account(&account);
    found["call_forwardings"] = serde_json::json!([]);
    Ok(Json(found))
}

async fn search_by_email(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(email): Path<String>,
) -> Answer {
    let by = pb::search_account_request::By::Email(email);
    let account = state.core.search_account(auth.actor(), by).await?;
    Ok(Json(json::account(&account)))
}

async fn devices(State(state): State<AppState>, auth: Authenticated, id: Path<String>) -> Answer {
    crate::routes::devices::list_of(&state, auth.actor(), account_id(id)?).await
}

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
