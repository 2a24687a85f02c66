//! The token routes: a request token for apps without push, its exchange
//! for a creation token, tokens sent by push, an admin's creation token,
//! and a creation token consumed by an existing account.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, Uri},
    Json,
};
use flexiapi_proto::{json, pb};
use serde_json::{json as value, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{host_of, Requester};
use crate::{
    auth::Authenticated,
    body::{Fields, JsonObject},
    core_client::onboarding::Issued,
    error::ApiError,
    state::AppState,
};

pub fn public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_request_token))
        .routes(routes!(exchange_request_token))
        .routes(routes!(creation_token_by_push))
        .routes(routes!(recovery_token_by_push))
}

pub fn admin_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_admin_token))
}

pub fn pending_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(consume))
}

/// `{"token":…,"expire_at":…}`.
fn token_json(issued: &Issued) -> Value {
    value!({
        "token": issued.token,
        "expire_at": json::time(issued.expire_at.as_ref()),
    })
}

/// A token for an app without push: the app opens `validation_url` in a
/// browser, where its user passes the page, then polls
/// `using-account-creation-request-token`. The body, if any, is ignored.
#[utoipa::path(post, operation_id = "onboarding_create_request_token", security(()), path = "/api/account_creation_request_tokens", tag = "onboarding",
    responses(
        (status = 201, description = "The token and the page that validates it", body = crate::openapi::RequestToken),
        (status = 429, description = "`Too many requests` from this client address", body = crate::openapi::Message),
    ))]
async fn create_request_token(
    State(state): State<AppState>,
    Requester(client): Requester,
    headers: HeaderMap,
    uri: Uri,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let issued = state.core.create_request_token(client).await?;
    let origin = state.web.origin(host_of(&headers, &uri).as_deref());
    let url = format!("{origin}/creation_token/check/{}", issued.token);
    Ok((
        StatusCode::CREATED,
        Json(value!({ "token": issued.token, "validation_url": url })),
    ))
}

/// A validated request token, exchanged once for a creation token. 404
/// `Token not validated` until the browser page was passed (the app polls).
#[utoipa::path(post, operation_id = "onboarding_exchange_request_token", security(()), path = "/api/account_creation_tokens/using-account-creation-request-token", tag = "onboarding",
    request_body = crate::openapi::RequestTokenExchange,
    responses(
        (status = 201, description = "A creation token", body = crate::openapi::Token),
        (status = 404, description = "`Token not validated`", body = crate::openapi::Message),
    ))]
async fn exchange_request_token(
    State(state): State<AppState>,
    Requester(client): Requester,
    body: JsonObject,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut fields = Fields::default();
    let token = fields.take(body.optional_string("account_creation_request_token"));
    let token = fields.finish(token)?;
    let issued = state.core.exchange_request_token(&token, client).await?;
    Ok((StatusCode::CREATED, Json(token_json(&issued))))
}

/// The three push fields of a `send-by-push` body.
fn push_request(
    body: &JsonObject,
    client: pb::OnboardingClient,
) -> Result<pb::SendTokenByPushRequest, ApiError> {
    let mut fields = Fields::default();
    let pn_provider = fields.take(body.optional_string("pn_provider"));
    let pn_param = fields.take(body.optional_string("pn_param"));
    let pn_prid = fields.take(body.optional_string("pn_prid"));
    fields.finish(pb::SendTokenByPushRequest {
        pn_provider,
        pn_param,
        pn_prid,
        client: Some(client),
    })
}

/// A creation token, sent to the device by push (FCM or APNs), never in
/// the answer.
#[utoipa::path(post, operation_id = "onboarding_creation_token_by_push", security(()), path = "/api/account_creation_tokens/send-by-push", tag = "onboarding",
    request_body = crate::openapi::PushTarget,
    responses(
        (status = 200, description = "`{}`: the provider took the push", body = crate::openapi::Empty),
        (status = 429, description = "`Last token requested too recently`, or `Too many requests`", body = crate::openapi::Message),
        (status = 503, description = "`Token not sent`", body = crate::openapi::Message),
    ))]
async fn creation_token_by_push(
    State(state): State<AppState>,
    Requester(client): Requester,
    body: JsonObject,
) -> Result<Json<Value>, ApiError> {
    let request = push_request(&body, client)?;
    state.core.send_creation_token_by_push(request).await?;
    Ok(Json(value!({})))
}

/// A recovery token, sent to the device by push: it opens the recovery
/// page `{root}/recovery/phone/{token}`. Says nothing of accounts.
#[utoipa::path(post, operation_id = "onboarding_recovery_token_by_push", security(()), path = "/api/account_recovery_tokens/send-by-push", tag = "onboarding",
    request_body = crate::openapi::PushTarget,
    responses(
        (status = 200, description = "`{}`: the provider took the push", body = crate::openapi::Empty),
        (status = 429, description = "`Last token requested too recently`, or `Too many requests`", body = crate::openapi::Message),
        (status = 503, description = "`Token not sent`", body = crate::openapi::Message),
    ))]
async fn recovery_token_by_push(
    State(state): State<AppState>,
    Requester(client): Requester,
    body: JsonObject,
) -> Result<Json<Value>, ApiError> {
    let request = push_request(&body, client)?;
    state.core.send_recovery_token_by_push(request).await?;
    Ok(Json(value!({})))
}

/// An admin makes a creation token (to hand out). The body, if any, is
/// ignored.
#[utoipa::path(post, operation_id = "onboarding_create_admin_token", path = "/api/account_creation_tokens", tag = "onboarding",
    responses(
        (status = 201, description = "A creation token", body = crate::openapi::Token),
    ))]
async fn create_admin_token(
    State(state): State<AppState>,
    auth: Authenticated,
    Requester(client): Requester,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let issued = state
        .core
        .create_admin_creation_token(auth.actor(), client)
        .await?;
    Ok((StatusCode::CREATED, Json(token_json(&issued))))
}

/// The caller's account (a pending one too) spends a creation token, which
/// is then linked to it.
#[utoipa::path(post, operation_id = "onboarding_consume", path = "/api/account_creation_tokens/consume", tag = "onboarding",
    request_body = crate::openapi::CreationTokenOnly,
    responses(
        (status = 200, description = "The token spent", body = crate::openapi::Token),
        (status = 404, description = "`Token not found`", body = crate::openapi::Message),
    ))]
async fn consume(
    State(state): State<AppState>,
    auth: Authenticated,
    body: JsonObject,
) -> Result<Json<Value>, ApiError> {
    let mut fields = Fields::default();
    let token = fields.take(body.optional_string("account_creation_token"));
    let token = fields.finish(token)?;
    let issued = state
        .core
        .consume_creation_token(auth.actor(), &token)
        .await?;
    Ok(Json(token_json(&issued)))
}
