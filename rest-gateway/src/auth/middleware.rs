//! Who a request comes from, in the contract's order. An `x-api-key` header
//! authenticates as its key's account (`From` is then ignored; with an
//! `Authorization` too, the request is refused 401); otherwise
//! Digest: a readable `From` (else 422) naming an account (else 404); no
//! `Authorization` → 401 with a fresh challenge per algorithm; an answer →
//! the core judges it, and on success the response carries the same nonce
//! again, so the client goes on with `nc + 1` without another round trip.
//!
//! Either way the core may answer that the account, though authenticated,
//! may not act (`Account blocked`): that is a 403 before any handler runs.
//! What the account may do is never decided here; handlers pass it to the
//! core as the actor of every call.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts, OriginalUri, Request, State},
    http::{header, request::Parts, HeaderMap},
    middleware::Next,
    response::{IntoResponse, Response},
};
use flexiapi_proto::pb;

use super::{
    digest_header::{parse_digest, www_authenticate, www_authenticate_all},
    from_header::parse_from,
};
use crate::{
    core_client::SipAddress,
    error::{append_challenges, ApiError},
    metrics,
    state::AppState,
};

/// The header FlexiAPI's clients and Flexisip send a key in.
pub const API_KEY_HEADER: &str = "x-api-key";

/// Who the request was authenticated as; handlers take it as an extractor.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub account: pb::Account,
    /// The client's IP address as the core counts failures by it (empty
    /// when unknown: the core then counts the gateway's).
    pub client_address: String,
}

impl Authenticated {
    /// The account, as the actor of a call to the core.
    pub fn actor(&self) -> pb::Actor {
        pb::Actor {
            account_id: self.account.id,
        }
    }
}

/// The middleware of every route a pending account may not call: such an
/// account is authenticated, then refused 403 `Account unvalidated`.
pub async fn authenticate(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    authenticate_as(&state, request, next, pb::PendingAccess::Forbidden).await
}

/// The middleware of the routes a pending account may call (its own
/// account, its email and phone validation, a token to consume).
pub async fn authenticate_pending(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    authenticate_as(&state, request, next, pb::PendingAccess::Allowed).await
}

async fn authenticate_as(
    state: &AppState,
    request: Request,
    next: Next,
    pending: pb::PendingAccess,
) -> Result<Response, ApiError> {
    // The body is not Sync: only the head is looked at across the core call.
    let (mut parts, body) = request.into_parts();
    let Identified {
        authenticated,
        forbidden,
        challenges,
    } = identify(state, &parts, pending, &CoreVerify).await?;
    let mut response = match forbidden {
        Some(message) => ApiError::Forbidden(message).into_response(),
        None => {
            parts.extensions.insert(authenticated);
            next.run(Request::from_parts(parts, body)).await
        }
    };
    // A right Digest answer: the client may go on with this nonce either way.
    append_challenges(
        response.headers_mut(),
        challenges.iter().map(www_authenticate),
    );
    Ok(response)
}

/// Who judges a credential: the core's VerifyDigest and VerifyApiKey, or a
/// call that judges it the same way and does something with the account
/// in the same round trip (`/provisioning/me`).
pub(crate) trait Judge {
    async fn digest(
        &self,
        state: &AppState,
        request: pb::VerifyDigestRequest,
    ) -> Result<pb::VerifyDigestResponse, ApiError>;
    async fn api_key(
        &self,
        state: &AppState,
        request: pb::VerifyApiKeyRequest,
    ) -> Result<pb::VerifyApiKeyResponse, ApiError>;
}

/// The judge of every authenticated route.
pub(crate) struct CoreVerify;

impl Judge for CoreVerify {
    async fn digest(
        &self,
        state: &AppState,
        request: pb::VerifyDigestRequest,
    ) -> Result<pb::VerifyDigestResponse, ApiError> {
        state.core.verify_digest(request).await
    }

    async fn api_key(
        &self,
        state: &AppState,
        request: pb::VerifyApiKeyRequest,
    ) -> Result<pb::VerifyApiKeyResponse, ApiError> {
        state.core.verify_api_key_request(request).await
    }
}

/// An authenticated request, before it is served.
pub(crate) struct Identified {
    pub authenticated: Authenticated,
    /// The core's "may not act" (`Account blocked`): the request gets 403.
    pub forbidden: Option<String>,
    /// After a right Digest answer, its nonce again, for the response.
    pub challenges: Vec<pb::DigestChallenge>,
}

/// Who the request comes from, in the contract's order; `Err` is the
/// refusal to answer with (401 with a challenge, 429, 422 on `From`).
pub(crate) async fn identify(
    state: &AppState,
    request: &Parts,
    pending: pb::PendingAccess,
    judge: &impl Judge,
) -> Result<Identified, ApiError> {
    // A request naming two identities (two keys, or a key and a Digest
    // answer) is ambiguous: refused, never read as whichever comes first.
    let headers = &request.headers;
    let keys = headers.get_all(API_KEY_HEADER).iter().count();
    if keys > 1 || (keys == 1 && headers.contains_key(header::AUTHORIZATION)) {
        return Err(ApiError::InvalidApiKey);
    }
    let client = client_address_of(state, headers, &request.extensions);
    match headers.get(API_KEY_HEADER) {
        Some(key) => {
            let key = key
                .to_str()
                .map_err(|_| ApiError::InvalidApiKey)?
                .to_owned();
            let request = pb::VerifyApiKeyRequest {
                key,
                client_address: client,
                scope: String::new(),
                pending: pending.into(),
            };
            by_api_key(state, request, judge).await
        }
        None => by_digest(state, (client, pending), request, judge).await,
    }
}

/// Who the failure limits count: the connection's peer, or with
/// `--trust-forwarded-for` the first `X-Forwarded-For` hop (the client as
/// the proxy in front saw it).
pub(crate) fn client_address(state: &AppState, request: &Request) -> String {
    client_address_of(state, request.headers(), request.extensions())
}

/// [`client_address`], from a request's parts.
pub(crate) fn client_address_of(
    state: &AppState,
    headers: &HeaderMap,
    extensions: &axum::http::Extensions,
) -> String {
    let forwarded = state
        .trust_forwarded_for
        .then(|| first_forwarded_hop(headers))
        .flatten();
    let peer = || {
        extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip())
    };
    forwarded
        .or_else(peer)
        .map(|ip| ip.to_string())
        .unwrap_or_default()
}

/// The first address of the first `X-Forwarded-For` header, with or
/// without a port; `None` when it is not an address.
fn first_forwarded_hop(headers: &HeaderMap) -> Option<IpAddr> {
    let value = headers.get("x-forwarded-for")?.to_str().ok()?;
    let first = value.split(',').next()?.trim();
    first
        .parse::<IpAddr>()
        .ok()
        .or_else(|| first.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

async fn by_api_key(
    state: &AppState,
    request: pb::VerifyApiKeyRequest,
    judge: &impl Judge,
) -> Result<Identified, ApiError> {
    let client_address = request.client_address.clone();
    let verdict = judge.api_key(state, request).await?;
    if verdict.retry_after_seconds > 0 {
        metrics::digest_outcome("API_KEY_THROTTLED");
        return Err(ApiError::too_many_attempts(verdict.retry_after_seconds));
    }
    metrics::digest_outcome(if verdict.ok {
        "API_KEY_OK"
    } else {
        "API_KEY_INVALID"
    });
    let account = match verdict.account {
        Some(account) if verdict.ok => account,
        _ => return Err(ApiError::InvalidApiKey),
    };
    Ok(Identified {
        authenticated: Authenticated {
            account,
            client_address,
        },
        forbidden: Some(verdict.forbidden).filter(|f| !f.is_empty()),
        challenges: Vec::new(),
    })
}

async fn by_digest(
    state: &AppState,
    (client_address, pending): (String, pb::PendingAccess),
    request: &Parts,
    judge: &impl Judge,
) -> Result<Identified, ApiError> {
    let address = from_header(&request.headers)?;
    if request
        .headers
        .get_all(header::AUTHORIZATION)
        .iter()
        .nth(1)
        .is_some()
    {
        metrics::digest_outcome("malformed");
        let message = "Malformed Authorization header: it must be given once";
        return Err(challenge(state, &address, message, pending).await);
    }
    let Some(authorization) = request.headers.get(header::AUTHORIZATION) else {
        metrics::digest_outcome("missing");
        return Err(challenge(state, &address, "Unauthenticated request", pending).await);
    };
    let parsed = authorization
        .to_str()
        .map_err(|_| "Malformed Authorization header: it is not text".to_owned())
        .and_then(|text| parse_digest(text).map_err(|error| error.message()));
    let fields = match parsed {
        Ok(fields) => fields,
        Err(message) => {
            metrics::digest_outcome("malformed");
            return Err(challenge(state, &address, &message, pending).await);
        }
    };
    // The Digest uri is the request target as the client wrote it.
    let uri = request
        .extensions
        .get::<OriginalUri>()
        .map_or_else(|| request.uri.clone(), |original| original.0.clone());
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let verify = pb::VerifyDigestRequest {
        username: address.username.clone(),
        domain: address.domain.clone(),
        method: request.method.as_str().to_owned(),
        request_uri: target.to_owned(),
        digest: Some(fields),
        client_address: client_address.clone(),
        nonce_from_caller: false,
        pending: pending.into(),
    };
    let verdict = judge.digest(state, verify).await.map_err(about_from)?;
    metrics::digest_outcome(verdict.outcome().as_str_name());
    if verdict.outcome() == pb::VerifyOutcome::Throttled {
        return Err(ApiError::too_many_attempts(verdict.retry_after_seconds));
    }
    if !verdict.ok {
        return Err(ApiError::Unauthenticated {
            message: verdict.message,
            challenges: www_authenticate_all(&verdict.challenges),
        });
    }
    let account = verdict
        .account
        .ok_or_else(|| ApiError::Internal("VerifyDigest passed without an account".into()))?;
    Ok(Identified {
        authenticated: Authenticated {
            account,
            client_address,
        },
        forbidden: Some(verdict.forbidden).filter(|f| !f.is_empty()),
        challenges: verdict.challenges,
    })
}

fn from_header(headers: &HeaderMap) -> Result<SipAddress, ApiError> {
    if headers.get_all(header::FROM).iter().nth(1).is_some() {
        return Err(ApiError::invalid(
            "from",
            "The from header must be given once.",
        ));
    }
    let value = headers
        .get(header::FROM)
        .ok_or_else(|| ApiError::invalid("from", "The from header is required."))?;
    let text = value
        .to_str()
        .map_err(|_| ApiError::invalid("from", "The from header must be text."))?;
    parse_from(text).map_err(|message| ApiError::invalid("from", message))
}

/// A 401 with a fresh nonce: every refusal tells the client how to retry.
async fn challenge(
    state: &AppState,
    address: &SipAddress,
    message: &str,
    pending: pb::PendingAccess,
) -> ApiError {
    match state
        .core
        .challenge(address, pending)
        .await
        .map_err(about_from)
    {
        Ok(challenges) => ApiError::Unauthenticated {
            message: message.to_owned(),
            challenges: www_authenticate_all(&challenges),
        },
        Err(error) => error,
    }
}

/// The core judges the username and domain it was given; to a REST client
/// both came from one header, so that header is the field at fault.
fn about_from(error: ApiError) -> ApiError {
    match error {
        ApiError::Validation(violations) => ApiError::Validation(
            violations
                .into_iter()
                .map(|(field, message)| {
                    let message = message.replacen(
                        &format!("The {field}"),
                        &format!("The from header's {field}"),
                        1,
                    );
                    ("from".to_owned(), message)
                })
                .collect(),
        ),
        other => other,
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<Self>().cloned().ok_or_else(|| {
            ApiError::Internal("route is missing the authentication middleware".into())
        })
    }
}
