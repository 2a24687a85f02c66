//! Request ids (contract `http.md` §5): the client's `x-request-id` when it
//! is a valid one, else a fresh UUID v4; set on the request (where the
//! request's span reads it), echoed on every response, errors included,
//! and passed to the core in the metadata of every call made while the
//! request is served ([`current`], read by `core_client`).

use axum::{
    extract::{MatchedPath, Request},
    http::HeaderValue,
    middleware::Next,
    response::Response,
};
use flexiapi_telemetry::{is_valid_request_id, REQUEST_ID};

tokio::task_local! {
    static CURRENT: HeaderValue;
}

/// The id of the request this task is serving, if any.
pub fn current() -> Option<HeaderValue> {
    CURRENT.try_with(HeaderValue::clone).ok()
}

pub async fn assign(mut request: Request, next: Next) -> Response {
    let id = match request.headers().get(REQUEST_ID) {
        Some(given) if is_valid_request_id(given.as_bytes()) => given.clone(),
        _ => {
            let made = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
                .unwrap_or_else(|_| HeaderValue::from_static("unknown"));
            request.headers_mut().insert(REQUEST_ID, made.clone());
            made
        }
    };
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let mut response = CURRENT.scope(id.clone(), next.run(request)).await;
    if response.status().is_server_error() {
        // At the default level, so the id a user reports leads here.
        tracing::warn!(
            request_id = id.to_str().unwrap_or_default(),
            method = %method,
            route = route.as_ref().map_or("unmatched", MatchedPath::as_str),
            status = response.status().as_u16(),
            "request answered with a server error"
        );
    }
    response.headers_mut().insert(REQUEST_ID, id);
    response
}
