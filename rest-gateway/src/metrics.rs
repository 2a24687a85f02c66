//! Prometheus metrics of the gateway, served at `/metrics`: requests by
//! route, method and status with their latency, and Digest outcomes by
//! reason as the gateway answered them.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request},
    middleware::Next,
    response::Response,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(render))
}

/// The gateway's Prometheus metrics.
#[utoipa::path(get, operation_id = "metrics_render", path = "/metrics", tag = "operations", security(()),
    responses(
        (status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"),
    ))]
async fn render() -> String {
    flexiapi_telemetry::prometheus().render()
}

/// Counts and times every request under its route template (never the raw
/// path, which would give one series per device uuid).
pub async fn record(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = [
        ("route", route),
        ("method", method),
        ("status", response.status().as_str().to_owned()),
    ];
    metrics::counter!("flexiapi_gateway_http_requests_total", &labels).increment(1);
    metrics::histogram!("flexiapi_gateway_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Counts one authentication decision: `missing`, `malformed`, the core's
/// Digest reason (`VERIFY_OUTCOME_NONCE_REPLAYED`…), or `API_KEY_OK` /
/// `API_KEY_INVALID`.
pub fn digest_outcome(outcome: &str) {
    metrics::counter!("flexiapi_gateway_digest_outcomes_total", "outcome" => outcome.to_owned())
        .increment(1);
}
