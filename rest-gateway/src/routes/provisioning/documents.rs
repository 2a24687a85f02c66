//! The XML routes: `/provisioning` (the default space, no account),
//! `/provisioning/{token}`, `/provisioning/auth_token/{token}` and
//! `/provisioning/me` (Digest or API key, judged by the core in the same
//! call that builds the document). Each needs `X-Linphone-Provisioning`, so
//! a link previewer or a mail scanner never spends a token; every answer is
//! a full 200 (never a redirect or a 304: liblinphone applies only a 200)
//! with `Cache-Control: no-store`.

use std::sync::Mutex;

use axum::{
    extract::{Request, State},
    http::{header, request::Parts, HeaderMap, HeaderValue, Uri},
    response::{IntoResponse, Response},
};
use flexiapi_proto::pb;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::context;
use crate::{
    auth::{
        digest_header::www_authenticate,
        middleware::{client_address_of, identify, CoreVerify, Identified, Judge},
    },
    error::{append_challenges, ApiError},
    routes::{onboarding::Requester, path::PathText},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(anonymous))
        .routes(routes!(me))
        .routes(routes!(by_token))
        .routes(routes!(by_auth_token))
}

const HEADER: &str = "x-linphone-provisioning";

/// 400 without `X-Linphone-Provisioning` (any value).
fn require_header(headers: &HeaderMap) -> Result<(), ApiError> {
    if headers.contains_key(HEADER) {
        Ok(())
    } else {
        Err(ApiError::BadRequest(
            "x-linphone-provisioning header is missing".into(),
        ))
    }
}

/// A document as liblinphone takes it.
fn xml(document: String) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/xml; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        document,
    )
        .into_response()
}

/// The settings of the default domain's space, without an account, for
/// an app that has none yet. `From` and `Authorization` are ignored.
#[utoipa::path(get, operation_id = "provisioning_anonymous", security(()), path = "/provisioning", tag = "provisioning",
    params(("X-Linphone-Provisioning" = String, Header, description = "Any value; required")),
    responses(
        (status = 200, description = "The lpconfig XML document", content_type = "application/xml", body = String),
        (status = 400, description = "`x-linphone-provisioning header is missing`", body = crate::openapi::Message),
    ))]
async fn anonymous(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require_header(&headers)?;
    Ok(xml(state.core.provision_anonymous().await?))
}

/// The document of a provisioning token's account: the token is used (an
/// account deactivated or pending since is activated). `?reset_password`
/// gives the account a new password nobody sees, carried as HA1s.
#[utoipa::path(get, operation_id = "provisioning_by_token", security(()), path = "/provisioning/{provisioning_token}", tag = "provisioning",
    params(
        ("provisioning_token" = String, Path, description = "A provisioning token (13 characters)"),
        ("reset_password" = Option<String>, Query, description = "Present: a new password, nobody sees it"),
        ("X-Linphone-Provisioning" = String, Header, description = "Any value; required"),
    ),
    responses(
        (status = 200, description = "The lpconfig XML document", content_type = "application/xml", body = String),
        (status = 400, description = "`x-linphone-provisioning header is missing`", body = crate::openapi::Message),
        (status = 403, description = "`Account blocked` (the token stays usable)", body = crate::openapi::Message),
        (status = 404, description = "`Provisioning token not found`", body = crate::openapi::Message),
        (status = 410, description = "`Provisioning token expired`", body = crate::openapi::Message),
        (status = 429, description = "`Too many failed attempts` from this client address", body = crate::openapi::Message),
    ))]
async fn by_token(
    State(state): State<AppState>,
    Requester(client): Requester,
    token: PathText,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    require_header(&headers)?;
    let context = context(&state, client, &headers, &uri);
    Ok(xml(state
        .core
        .provision_by_token(&token.0, context)
        .await?))
}

/// The document of an auth token's account, once a logged-in device
/// attached it; the token is used. 404 until then: the new device polls.
#[utoipa::path(get, operation_id = "provisioning_by_auth_token", security(()), path = "/provisioning/auth_token/{auth_token}", tag = "provisioning",
    params(
        ("auth_token" = String, Path, description = "An auth token (32 characters)"),
        ("reset_password" = Option<String>, Query, description = "Present: a new password, nobody sees it"),
        ("X-Linphone-Provisioning" = String, Header, description = "Any value; required"),
    ),
    responses(
        (status = 200, description = "The lpconfig XML document", content_type = "application/xml", body = String),
        (status = 400, description = "`x-linphone-provisioning header is missing`", body = crate::openapi::Message),
        (status = 403, description = "`Account blocked`", body = crate::openapi::Message),
        (status = 404, description = "`Auth token not found`: unknown, expired, used or not attached yet", body = crate::openapi::Message),
        (status = 429, description = "`Too many failed attempts` from this client address", body = crate::openapi::Message),
    ))]
async fn by_auth_token(
    State(state): State<AppState>,
    Requester(client): Requester,
    token: PathText,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    require_header(&headers)?;
    let context = context(&state, client, &headers, &uri);
    Ok(xml(state
        .core
        .provision_by_auth_token(&token.0, context)
        .await?))
}

/// The caller's own document, by Digest (`From` names the account, as
/// liblinphone sends it) or API key; repeatable, it is the `config-uri` of
/// every provisioned app.
#[utoipa::path(get, operation_id = "provisioning_me", path = "/provisioning/me", tag = "provisioning",
    params(
        ("reset_password" = Option<String>, Query, description = "Present: a new password, nobody sees it"),
        ("X-Linphone-Provisioning" = String, Header, description = "Any value; required (checked after authentication)"),
    ),
    responses(
        (status = 200, description = "The lpconfig XML document", content_type = "application/xml", body = String),
        (status = 400, description = "`x-linphone-provisioning header is missing`", body = crate::openapi::Message),
        (status = 401, description = "A Digest challenge, or `Invalid API Key`", body = crate::openapi::Message),
        (status = 403, description = "`Account blocked`, `Account unvalidated`", body = crate::openapi::Message),
        (status = 429, description = "`Too many failed attempts`", body = crate::openapi::Message),
    ))]
async fn me(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let (parts, _) = request.into_parts();
    let pending = pb::PendingAccess::Forbidden;
    if let Err(missing) = require_header(&parts.headers) {
        // Authentication first: an anonymous client learns nothing more.
        let identified = identify(&state, &parts, pending, &CoreVerify).await?;
        return Ok(answer(identified, Err(missing)));
    }
    let judge = ProvisionMe {
        context: me_context(&state, &parts),
        document: Mutex::new(None),
    };
    let identified = identify(&state, &parts, pending, &judge).await?;
    let document = judge
        .document
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let served = document.map(xml).ok_or_else(|| {
        ApiError::Internal("ProvisionMe admitted the caller without a document".into())
    });
    Ok(answer(identified, served))
}

/// The answer of an authenticated `/provisioning/me`: 403 when the core
/// says the account may not act, else what was served; after a Digest
/// answer, its nonce again for the next request.
fn answer(identified: Identified, served: Result<Response, ApiError>) -> Response {
    let mut response = match identified.forbidden {
        Some(message) => ApiError::Forbidden(message).into_response(),
        None => served.unwrap_or_else(IntoResponse::into_response),
    };
    let challenges = identified.challenges.iter().map(www_authenticate);
    append_challenges(response.headers_mut(), challenges);
    response
}

fn me_context(state: &AppState, parts: &Parts) -> pb::ProvisioningContext {
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let client = pb::OnboardingClient {
        address: client_address_of(state, &parts.headers, &parts.extensions),
        user_agent,
    };
    context(state, client, &parts.headers, &parts.uri)
}

/// Judges the credential with ProvisionMe, keeping the document it brings.
struct ProvisionMe {
    context: pb::ProvisioningContext,
    document: Mutex<Option<String>>,
}

impl ProvisionMe {
    async fn call(
        &self,
        state: &AppState,
        credential: pb::provision_me_request::Credential,
    ) -> Result<pb::ProvisionMeResponse, ApiError> {
        let request = pb::ProvisionMeRequest {
            credential: Some(credential),
            context: Some(self.context.clone()),
        };
        let mut response = state.core.provision_me(request).await?;
        let xml = response
            .document
            .take()
            .and_then(|d| d.xml)
            .map(|x| x.value);
        *self
            .document
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = xml;
        Ok(response)
    }
}

impl Judge for ProvisionMe {
    async fn digest(
        &self,
        state: &AppState,
        request: pb::VerifyDigestRequest,
    ) -> Result<pb::VerifyDigestResponse, ApiError> {
        let credential = pb::provision_me_request::Credential::Digest(Box::new(request));
        let response = self.call(state, credential).await?;
        response
            .digest
            .ok_or_else(|| ApiError::Internal("ProvisionMe answered without a verdict".into()))
    }

    async fn api_key(
        &self,
        state: &AppState,
        request: pb::VerifyApiKeyRequest,
    ) -> Result<pb::VerifyApiKeyResponse, ApiError> {
        let credential = pb::provision_me_request::Credential::ApiKey(request);
        let response = self.call(state, credential).await?;
        response
            .api_key
            .ok_or_else(|| ApiError::Internal("ProvisionMe answered without a verdict".into()))
    }
}
