//! The Digest flow of the contract, in its order: a readable `From` (else
//! 422) naming an account (else 404); no `Authorization` → 401 with a fresh
//! challenge per algorithm; an answer → the core judges it; on success the
//! handler runs and its response carries the same nonce again, so the client
//! goes on with `nc + 1` without another round trip.

use axum::{
    extract::{FromRequestParts, OriginalUri, Request, State},
    http::{header, request::Parts, HeaderMap},
    middleware::Next,
    response::Response,
};
use flexiapi_proto::pb;

use super::headers::{parse_digest, parse_from, SipAddress};
use crate::{
    error::{append_challenges, ApiError},
    metrics,
    startup::AppState,
};

/// Who the request was authenticated as; handlers take it as an extractor.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub account: pb::Account,
    pub address: SipAddress,
}

pub async fn require_digest(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let address = from_header(request.headers())?;
    let Some(authorization) = request.headers().get(header::AUTHORIZATION) else {
        metrics::digest_outcome("missing");
        return Err(challenge(&state, &address, "Unauthenticated request").await);
    };
    let parsed = authorization
        .to_str()
        .map_err(|_| "Malformed Authorization header: it is not text".to_owned())
        .and_then(|text| parse_digest(text).map_err(|error| error.message()));
    let fields = match parsed {
        Ok(fields) => fields,
        Err(message) => {
            metrics::digest_outcome("malformed");
            return Err(challenge(&state, &address, &message).await);
        }
    };
    // The Digest uri is the request target as the client wrote it.
    let uri = request
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| request.uri().clone(), |original| original.0.clone());
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let verdict = state
        .core
        .verify(&address, request.method().as_str(), target, fields)
        .await
        .map_err(about_from)?;
    metrics::digest_outcome(verdict.outcome().as_str_name());
    if !verdict.ok {
        return Err(ApiError::Unauthenticated {
            message: verdict.message,
            challenges: verdict.challenges,
        });
    }
    let account = verdict
        .account
        .ok_or_else(|| ApiError::Internal("VerifyDigest passed without an account".into()))?;
    request
        .extensions_mut()
        .insert(Authenticated { account, address });
    let mut response = next.run(request).await;
    append_challenges(response.headers_mut(), &verdict.challenges);
    Ok(response)
}

fn from_header(headers: &HeaderMap) -> Result<SipAddress, ApiError> {
    let value = headers
        .get(header::FROM)
        .ok_or_else(|| ApiError::invalid("from", "The from header is required."))?;
    let text = value
        .to_str()
        .map_err(|_| ApiError::invalid("from", "The from header must be text."))?;
    parse_from(text).map_err(|message| ApiError::invalid("from", message))
}

/// A 401 with a fresh nonce: every refusal tells the client how to retry.
async fn challenge(state: &AppState, address: &SipAddress, message: &str) -> ApiError {
    match state.core.challenge(address).await.map_err(about_from) {
        Ok(challenges) => ApiError::Unauthenticated {
            message: message.to_owned(),
            challenges,
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
        parts
            .extensions
            .get::<Self>()
            .cloned()
            .ok_or_else(|| ApiError::Internal("route is missing the Digest middleware".into()))
    }
}

/// An authenticated admin; anyone else gets 403 `Unauthorized area`.
#[derive(Debug, Clone)]
pub struct Admin(pub Authenticated);

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let authenticated = Authenticated::from_request_parts(parts, state).await?;
        if authenticated.account.admin {
            Ok(Self(authenticated))
        } else {
            Err(ApiError::Forbidden)
        }
    }
}
