//! What operators scrape: `/metrics` in the Prometheus text format.

use core_service::testing::Backend;
use reqwest::StatusCode;

use crate::helpers::spawn_system;

#[tokio::test]
async fn metrics_count_requests_by_route_and_digest_outcomes() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    let mut admin = system.admin();
    for _ in 0..2 {
        assert_eq!(admin.get("/api/ping").await.status(), StatusCode::OK);
    }
    let mut wrong = system.client("admin01", "wrong-password");
    assert_eq!(
        wrong.get("/api/ping").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let path = "/api/devices/urn:uuid:nothing-here";
    assert_eq!(
        admin
            .send(reqwest::Method::DELETE, path, None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    let text = reqwest::get(system.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for expected in [
        "flexiapi_gateway_http_requests_total{route=\"/api/ping\",method=\"GET\",status=\"200\"} 2",
        "flexiapi_gateway_http_requests_total{route=\"/api/ping\",method=\"GET\",status=\"401\"} 3",
        // One series per route template, not per uuid.
        "flexiapi_gateway_http_requests_total{route=\"/api/devices/{uuid}\",method=\"DELETE\",status=\"404\"} 1",
        "flexiapi_gateway_http_request_duration_seconds_bucket{route=\"/api/ping\",method=\"GET\",status=\"200\",le=",
        "flexiapi_gateway_digest_outcomes_total{outcome=\"missing\"} 2",
        "flexiapi_gateway_digest_outcomes_total{outcome=\"VERIFY_OUTCOME_OK\"} 3",
        "flexiapi_gateway_digest_outcomes_total{outcome=\"VERIFY_OUTCOME_UNAUTHORIZED\"} 1",
    ] {
        assert!(text.contains(expected), "missing {expected}\n{text}");
    }
}
