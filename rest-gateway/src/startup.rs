//! Building and running the HTTP server: the router, its layers (trace,
//! body limit, request timeout), plain HTTP/1.1 and h2c or HTTPS with
//! HTTP/2 ([`crate::tls`]), and graceful shutdown.

use std::{future::Future, net::SocketAddr, time::Duration};

use anyhow::Context as _;
use axum::serve::ListenerExt as _;
use axum::{
    extract::{DefaultBodyLimit, MatchedPath, Request, State},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    Router,
};
use axum_server::{
    accept::NoDelayAcceptor,
    tls_rustls::{RustlsAcceptor, RustlsConfig},
    Handle,
};
use tokio::{net::TcpListener, sync::watch};
use tower_http::trace::TraceLayer;

pub use crate::state::AppState;
use crate::{
    config::Config,
    core_client::CoreClient,
    error::ApiError,
    metrics, routes,
    tls::{self, TlsFiles},
};

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
    tls: Option<Tls>,
    /// How long in-flight requests may finish after a shutdown request.
    drain: Duration,
}

struct Tls {
    config: RustlsConfig,
    files: TlsFiles,
    reload_every: Duration,
}

impl Application {
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        // Installed before the first request, so no count is lost.
        flexiapi_telemetry::prometheus();
        let core = CoreClient::connect_lazy(config)?;
        // Over TLS, one health check at once: a core certificate this
        // gateway refuses is named in its log at start (core_client::tls),
        // not at the first request.
        if config.core_url.starts_with("https://") {
            let probe = core.clone();
            tokio::spawn(async move { probe.ready().await });
        }
        let state = AppState {
            core,
            request_timeout: Duration::from_secs(config.request_timeout_seconds),
            trust_forwarded_for: config.trust_forwarded_for,
        };
        let body_limit = usize::try_from(config.body_limit_bytes).context("--body-limit-bytes")?;
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
            router: app(state, body_limit)?,
            tls,
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
        match self.tls {
            None => {
                tracing::info!(%addr, "rest-gateway listening (HTTP/1.1 and h2c)");
                serve_plain(self.listener, self.router, shutdown).await
            }
            Some(tls) => {
                tracing::info!(%addr, "rest-gateway listening (HTTPS: h2 and http/1.1)");
                serve_tls(self.listener, self.router, tls, self.drain, shutdown).await
            }
        }
    }
}

async fn serve_plain(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // Without TCP_NODELAY a response written in two segments waits for the
    // client's delayed ACK (40 ms on Linux): the max latency of every
    // benchmark run was 43-46 ms until this was set.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
    });
    // The peer address reaches the middleware: the failure limits count by it.
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("HTTP server failed")
}

/// axum-server, for what axum's own server lacks over TLS: a handshake
/// timeout (10 s), certificate swaps, and a bounded graceful shutdown.
async fn serve_tls(
    listener: TcpListener,
    router: Router,
    tls: Tls,
    drain: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let handle = Handle::new();
    let (stop_reload, stopped) = watch::channel(());
    let reload = tokio::spawn(tls::keep_fresh(
        tls.config.clone(),
        tls.files,
        tls.reload_every,
        stopped,
    ));
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(drain));
    });
    let acceptor = RustlsAcceptor::new(tls.config).acceptor(NoDelayAcceptor::new());
    let served = axum_server::from_tcp(listener.into_std()?)?
        .acceptor(acceptor)
        .handle(handle)
        .serve(router.into_make_service_with_connect_info::<SocketAddr>())
        .await;
    drop(stop_reload);
    let _ = reload.await;
    served.context("HTTPS server failed")
}
