//! Building and running the HTTP server: the router, its layers (trace,
//! body limit, request timeout) and graceful shutdown.

use std::{future::Future, net::SocketAddr, time::Duration};

use anyhow::Context as _;
use axum::serve::ListenerExt as _;
use axum::{
    extract::{DefaultBodyLimit, MatchedPath, Request, State},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    Router,
};
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

pub use crate::state::AppState;
use crate::{config::Config, core_client::CoreClient, error::ApiError, metrics, routes};

pub fn app(state: AppState, body_limit_bytes: usize) -> anyhow::Result<Router> {
    Ok(routes::router(state.clone())?
        .layer(middleware::from_fn_with_state(state, with_timeout))
        .layer(DefaultBodyLimit::max(body_limit_bytes))
        .layer(middleware::from_fn(metrics::record))
        .layer(TraceLayer::new_for_http().make_span_with(http_span)))
}

/// A request's root span: only the method and the route, since headers carry
/// Digest answers; it continues the caller's trace when one is given.
fn http_span(request: &Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    let span = tracing::info_span!(
        "http",
        otel.name = format!("{} {route}", request.method()),
        otel.kind = "server",
        http.request.method = %request.method(),
        http.route = route,
        trace_id = tracing::field::Empty,
    );
    flexiapi_telemetry::continue_trace(&span, request.headers());
    span
}

/// A request that takes too long, body upload included, is answered 503
/// rather than left hanging.
async fn with_timeout(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(state.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            ApiError::Unavailable("The request took too long, retry later".into()).into_response()
        }
    }
}

pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        // Installed before the first request, so no count is lost.
        flexiapi_telemetry::prometheus();
        let core = CoreClient::connect_lazy(
            &config.core_url,
            Duration::from_secs(config.core_timeout_seconds),
        )?;
        let state = AppState {
            core,
            request_timeout: Duration::from_secs(config.request_timeout_seconds),
        };
        let body_limit = usize::try_from(config.body_limit_bytes).context("--body-limit-bytes")?;
        let listener = TcpListener::bind(config.listen).await.with_context(|| {
            format!(
                "cannot listen on {} (--listen / FLEXIAPI_GATEWAY_LISTEN)",
                config.listen
            )
        })?;
        Ok(Self {
            listener,
            router: app(state, body_limit)?,
        })
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(addr = %self.listener.local_addr()?, "rest-gateway listening");
        // Without TCP_NODELAY a response written in two segments waits for the
        // client's delayed ACK (40 ms on Linux): the max latency of every
        // benchmark run was 43-46 ms until this was set.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::debug!(%error, "cannot set TCP_NODELAY");
            }
        });
        axum::serve(listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
            .context("HTTP server failed")
    }
}

/// Resolves on SIGTERM (Kubernetes) or Ctrl-C (a terminal).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}
