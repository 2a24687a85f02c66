//! Prometheus metrics of the core: gRPC calls by method and status code with
//! their latency, Digest outcomes by reason (recorded where they are
//! decided), and the database pool's connections, served in the text format
//! on a listener of their own (`--metrics-listen`), apart from gRPC.

use std::{
    future::Future,
    net::SocketAddr,
    pin::Pin,
    task::{Context, Poll},
    time::Instant,
};

use anyhow::Context as _;
use axum::{extract::State, routing::get, Router};
use tokio::net::TcpListener;

use crate::adapters::SqlStore;

/// A tower layer counting and timing every gRPC call.
#[derive(Debug, Clone)]
pub struct GrpcMetrics<S>(pub S);

impl<S, B, R> tower::Service<http::Request<B>> for GrpcMetrics<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let method = request.uri().path().to_owned();
        let started = Instant::now();
        let call = self.0.call(request);
        Box::pin(async move {
            let result = call.await;
            // A refusal is sent "trailers-only": its grpc-status is in the
            // headers. A success carries it in trailers, so no header means 0.
            let code = match &result {
                Ok(response) => response
                    .headers()
                    .get("grpc-status")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("0")
                    .to_owned(),
                Err(_) => "transport".to_owned(),
            };
            let labels = [("method", method), ("code", code)];
            metrics::counter!("flexiapi_core_grpc_requests_total", &labels).increment(1);
            metrics::histogram!("flexiapi_core_grpc_request_duration_seconds", &labels)
                .record(started.elapsed().as_secs_f64());
            result
        })
    }
}

/// Serves `GET /metrics` on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, store: SqlStore) -> anyhow::Result<()> {
    let app = Router::new()
        .route("/metrics", get(render))
        .with_state(store);
    axum::serve(listener, app)
        .await
        .context("metrics server failed")
}

/// Binds the listener and installs the registry before the first call, so no
/// count is lost.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    flexiapi_telemetry::prometheus();
    TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr} (--metrics-listen / FLEXIAPI_CORE_METRICS_LISTEN)")
    })
}

async fn render(State(store): State<SqlStore>) -> String {
    let (open, idle) = store.pool_usage();
    let in_use = f64::from(open) - idle as f64;
    metrics::gauge!("flexiapi_core_db_pool_connections", "state" => "idle").set(idle as f64);
    metrics::gauge!("flexiapi_core_db_pool_connections", "state" => "in_use").set(in_use);
    flexiapi_telemetry::prometheus().render()
}
