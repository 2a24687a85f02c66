//! The core going away and coming back, with the same gateway process.

use std::time::{Duration, Instant};

use core_service::testing::Backend;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{json, spawn_system, wait_until};

core_service::on_every_backend!(a_stopped_core_is_a_fast_503_and_its_return_heals);

async fn a_stopped_core_is_a_fast_503_and_its_return_heals(backend: Backend) {
    let Some(mut system) = spawn_system(backend).await else {
        return;
    };
    let mut admin = system.admin();
    assert_eq!(admin.get("/api/ping").await.status(), StatusCode::OK);

    let base = system.base.clone();
    let status = |path: &'static str| {
        let url = format!("{base}{path}");
        async move { reqwest::get(url).await.unwrap().status() }
    };
    assert_eq!(status("/healthz/ready").await, StatusCode::OK);

    system.stop_core().await;
    assert_eq!(
        status("/healthz/ready").await,
        StatusCode::SERVICE_UNAVAILABLE,
        "not ready without a core"
    );
    assert_eq!(status("/healthz/live").await, StatusCode::OK, "but alive");
    for _ in 0..3 {
        let started = Instant::now();
        let response = admin.get("/api/ping").await;
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "answered in {:?}",
            started.elapsed()
        );
        assert_eq!(
            json(response, StatusCode::SERVICE_UNAVAILABLE).await,
            json!({"message": "The core service is unavailable, retry later"})
        );
    }

    system.restart_core().await;
    let healed = wait_until(Duration::from_secs(10), async || {
        let mut fresh = system.admin();
        fresh.get("/api/ping").await.status() == StatusCode::OK
    })
    .await;
    assert!(
        healed,
        "the same gateway serves again once the core is back"
    );
}

/// A core that accepts connections and never answers (hung, or a black-holed
/// network) is a 503 after the call timeout, not a hang.
#[tokio::test]
async fn a_silent_core_is_a_503_after_the_call_timeout() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let core_url = format!("http://{}", silent.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    let config = rest_gateway::config::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        core_url,
        core_timeout_seconds: 1,
        body_limit_bytes: 1024,
        ..Default::default()
    };
    let gateway = rest_gateway::startup::Application::build(&config)
        .await
        .unwrap();
    let base = format!("http://{}", gateway.local_addr().unwrap());
    tokio::spawn(gateway.run_until_stopped(std::future::pending()));

    let started = Instant::now();
    let response = reqwest::Client::new()
        .get(format!("{base}/api/ping"))
        .header("From", "sip:alice01@sip.example.org")
        .send()
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(
        json(response, StatusCode::SERVICE_UNAVAILABLE).await["message"],
        "The core service is unavailable, retry later"
    );
    assert!(elapsed < Duration::from_secs(4), "answered in {elapsed:?}");
    held.abort();
}
