//! The connections: plain HTTP/1.1 and h2c, or HTTPS with HTTP/2
//! ([`crate::tls`]), each with the limits a server facing the Internet
//! needs (contract `http.md` §7): how long a client may take to send a
//! request head or stay idle ([`deadlines`]), how large a head may be, and
//! HTTP/2's stream and header-list limits. hyper does the protocol work;
//! this module only sets its numbers and wraps each connection.

use std::{future::Future, net::SocketAddr, time::Duration};

use anyhow::Context as _;
use axum::Router;
use axum_server::{
    accept::NoDelayAcceptor,
    tls_rustls::{RustlsAcceptor, RustlsConfig},
    Handle,
};
use hyper_util::rt::TokioTimer;
use tokio::{net::TcpListener, sync::watch};

use crate::tls::{self, TlsFiles};

pub mod deadlines;

use deadlines::Deadlines;
pub use deadlines::Waits;

/// A request head (request line and headers) larger than this is answered
/// 431 on HTTP/1.1; on HTTP/2 the same bound is the header list's, as
/// `SETTINGS_MAX_HEADER_LIST_SIZE`.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// HTTP/2 streams a client may have open at once (RFC 9113 recommends at
/// least 100).
pub const MAX_CONCURRENT_STREAMS: u32 = 100;
/// Streams a client may open and reset before the server has answered
/// them, before it is sent `GOAWAY` (CVE-2023-44487, "rapid reset").
pub const MAX_PENDING_RESETS: usize = 20;
/// HTTP/2 keep-alive pings: how often, and how long the peer has to answer.
pub const PING_EVERY: Duration = Duration::from_secs(20);

/// The certificate, its files and how often they are read again.
pub struct Tls {
    pub config: RustlsConfig,
    pub files: TlsFiles,
    pub reload_every: Duration,
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets
/// in-flight requests finish for at most `drain`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    tls: Option<Tls>,
    waits: Waits,
    drain: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let handle = Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(drain));
    });
    // Without TCP_NODELAY a response written in two segments waits for the
    // client's delayed ACK (40 ms on Linux): the max latency of every
    // benchmark run was 43-46 ms until this was set.
    let nodelay = NoDelayAcceptor::new();
    let mut server = axum_server::from_tcp(listener.into_std()?)?.handle(handle);
    configure(server.http_builder());
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let Some(tls) = tls else {
        let acceptor = Deadlines {
            inner: nodelay,
            waits,
        };
        let served = server.acceptor(acceptor).serve(service).await;
        return served.context("HTTP server failed");
    };
    let (stop_reload, stopped) = watch::channel(());
    let reload = tokio::spawn(tls::keep_fresh(
        tls.config.clone(),
        tls.files,
        tls.reload_every,
        stopped,
    ));
    let acceptor = Deadlines {
        inner: RustlsAcceptor::new(tls.config).acceptor(nodelay),
        waits,
    };
    let served = server.acceptor(acceptor).serve(service).await;
    drop(stop_reload);
    let _ = reload.await;
    served.context("HTTPS server failed")
}

/// hyper's limits. HTTP/1's header read timeout is off: [`deadlines`]
/// keeps it apart from the keep-alive time, which hyper's would cut.
fn configure(builder: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>) {
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(None)
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(MAX_CONCURRENT_STREAMS)
        .max_header_list_size(MAX_HEAD_BYTES as u32)
        .max_pending_accept_reset_streams(MAX_PENDING_RESETS)
        .keep_alive_interval(PING_EVERY)
        .keep_alive_timeout(PING_EVERY);
}
