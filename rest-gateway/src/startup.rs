//! Building and running the HTTP server: the router, its layers (trace,
//! body limit, request timeout), plain HTTP/1.1 and h2c or HTTPS with
//! HTTP/2 ([`crate::tls`]), and graceful shutdown.

use std::{future::Future, net::SocketAddr, time::Duration};

use anyhow::Context as _;
use axum::{
    extract::{DefaultBodyLimit, MatchedPath, Request},
    http::HeaderValue,
    middleware, Router,
};
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

pub use crate::state::AppState;
use crate::{
    config::Config,
    core_client::CoreClient,
    layers, metrics, request_id,
    request_limits::{self, RequestLimits},
    routes,
    tls::{self, TlsFiles},
    transport::{self, Tls, Waits},
};

/// The routes in their layers, outermost last: every answer gets its
/// request id; a CORS preflight is answered before anything else runs.
pub fn app(
    state: AppState,
    limits: RequestLimits,
    cors_origins: &[HeaderValue],
) -> anyhow::Result<Router> {
    // A chunked body is counted as it is read (axum's limit); a declared
    // one is judged before the routes (request_limits).
    let body_limit = usize::try_from(limits.body_bytes).context("--body-limit-bytes")?;
    let router = routes::router(state)?
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(
            limits,
            request_limits::enforce,
        ))
        .layer(middleware::from_fn(metrics::record))
        .layer(TraceLayer::new_for_http().make_span_with(http_span));
    // Without origins no CORS layer at all, not even an empty one.
    let router = match layers::cors(cors_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    };
    Ok(router.layer(request_id::AssignLayer))
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
        otel.name = tracing::field::Empty,
        otel.kind = tracing::field::Empty,
        http.request.method = %request.method(),
        http.route = route,
        trace_id = tracing::field::Empty,
        // Set by request_id::AssignLayer, which runs before this span is made.
        request_id = tracing::field::Empty,
    );
    flexiapi_telemetry::name_span(&span, "server", || format!("{} {route}", request.method()));
    if let Some(id) = flexiapi_telemetry::request_id(request.headers()) {
        span.record("request_id", id);
        // The OpenTelemetry name, on the exported span only.
        flexiapi_telemetry::set_attribute(&span, "http.request.header.x-request-id", id);
    }
    flexiapi_telemetry::continue_trace(&span, request.headers());
    span
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    tls: Option<Tls>,
    waits: Waits,
    /// How long in-flight requests may finish after a shutdown request.
    drain: Duration,
}

impl Application {
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        // Installed before the first request, so no count is lost.
        flexiapi_telemetry::prometheus();
        let core = CoreClient::connect_lazy(config)?;
        // Every core endpoint and its replica, before the first request:
        // Digest answers are routed by nonce from the start.
        core.follow_replicas().await;
        let state = AppState {
            core,
            trust_forwarded_for: config.trust_forwarded_for,
            web: std::sync::Arc::new(crate::web::Web::new(config)?),
        };
        let limits = RequestLimits {
            body_bytes: config.body_limit_bytes,
            timeout: Duration::from_secs(config.request_timeout_seconds),
        };
        // Before the port: a certificate that does not load fails the start.
        let tls = match (&config.tls_cert_file, &config.tls_key_file) {
            (Some(cert), Some(key)) => {
                let files = TlsFiles {
                    cert: cert.clone(),
                    key: key.clone(),
                };
                Some(Tls {
                    config: tls::load(&files)?,
                    files,
                    reload_every: Duration::from_secs(config.tls_reload_seconds),
                })
            }
            _ => None,
        };
        let listener = TcpListener::bind(config.listen).await.with_context(|| {
            format!(
                "cannot listen on {} (--listen / FLEXIAPI_GATEWAY_LISTEN)",
                config.listen
            )
        })?;
        Ok(Self {
            listener,
            router: app(state, limits, &config.cors_allowed_origins)?,
            tls,
            waits: Waits {
                header_read: Duration::from_secs(config.header_read_timeout_seconds),
                keep_alive: Duration::from_secs(config.keep_alive_timeout_seconds),
            },
            drain: Duration::from_secs(config.request_timeout_seconds + 1),
        })
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Whether it serves HTTPS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let addr = self.listener.local_addr()?;
        if self.tls.is_some() {
            tracing::info!(%addr, "rest-gateway listening (HTTPS: h2 and http/1.1)");
        } else {
            tracing::info!(%addr, "rest-gateway listening (HTTP/1.1 and h2c)");
        }
        transport::serve(
            self.listener,
            self.router,
            self.tls,
            self.waits,
            self.drain,
            shutdown,
        )
        .await
    }
}
