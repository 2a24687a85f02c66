//! Contract part 4, the Linphone apps' onboarding: public JSON routes that
//! make and exchange tokens ([`tokens`]) and create an account with one
//! ([`signup`]), the routes a pending account validates its email or phone
//! with ([`codes`]), and the few browser pages ([`pages`]) served at the
//! root, as FlexiAPI's web panel serves them. Every rule (tokens, codes,
//! limits) is the core's; these turn requests into its calls and its
//! answers into JSON or HTML.

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
};
use flexiapi_proto::pb;
use utoipa_axum::router::OpenApiRouter;

use crate::{auth::middleware::client_address_of, error::ApiError, state::AppState};

mod codes;
mod pages;
mod signup;
mod tokens;

/// The routes no authentication guards (public JSON routes and pages).
pub fn public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(tokens::public_router())
        .merge(signup::router())
        .merge(pages::router())
}

/// The routes an admin or a user calls (behind `authenticate`).
pub fn protected_router() -> OpenApiRouter<AppState> {
    tokens::admin_router()
}

/// The routes a pending account may call too (behind
/// `authenticate_pending`).
pub fn pending_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(tokens::pending_router())
        .merge(codes::router())
}

/// The requests that make the core send a push, a mail or an SMS: they
/// get the providers' timeout on top of `--request-timeout-seconds`.
pub fn delivers(method: &axum::http::Method, path: &str) -> bool {
    const PATHS: [&str; 5] = [
        "/api/account_creation_tokens/send-by-push",
        "/api/account_recovery_tokens/send-by-push",
        "/api/accounts/me/email/request",
        "/api/accounts/me/phone/request",
        "/recovery",
    ];
    method == axum::http::Method::POST && PATHS.contains(&path)
}

/// The client of a public request, as the core's limits count it, with
/// its `User-Agent`.
pub struct Requester(pub pb::OnboardingClient);

impl FromRequestParts<AppState> for Requester {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let address = client_address_of(state, &parts.headers, &parts.extensions);
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Ok(Self(pb::OnboardingClient {
            address,
            user_agent,
        }))
    }
}

/// A request's host (`Host`, or HTTP/2's `:authority`), for links built
/// without `--public-url`. Only a valid authority is taken: it is written
/// into answers.
pub fn host_of(headers: &axum::http::HeaderMap, uri: &axum::http::Uri) -> Option<String> {
    let from_header = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .and_then(|host| host.parse::<axum::http::uri::Authority>().ok());
    from_header
        .or_else(|| uri.authority().cloned())
        .map(|authority| authority.to_string())
}
