//! The door of the core: a tower layer in front of every service that lets
//! a call through only when its bearer token names a caller whose role may
//! call that RPC ([`crate::grpc::callers`]), and bounds how long an admitted call
//! may take ([`super::deadline`]). Health and reflection stay open.
//!
//! A refusal is answered here, before any handler or database work: a
//! stranger costs one SHA-256.

use std::{
    future::Future,
    net::SocketAddr,
    path::{Path, PathBuf},
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use arc_swap::ArcSwap;
use tokio::sync::watch;
use tonic::Status;

use flexiapi_proto::REFUSED_CALLER;

use crate::grpc::callers::{self, Callers};

/// Marks a refusal as the gate's ([`REFUSED_CALLER`]).
fn refused(mut status: Status) -> Status {
    status.metadata_mut().insert(
        REFUSED_CALLER,
        tonic::metadata::MetadataValue::from_static("1"),
    );
    status
}

/// Who gets in.
#[derive(Debug, Clone)]
pub enum Access {
    /// No clients file: every caller, which startup allows only on a
    /// loopback address (the laptop run).
    Anyone,
    /// Only the callers of the clients file, by token and role; swapped
    /// whole when the file changes.
    Callers(Arc<ArcSwap<Callers>>),
}

impl Access {
    /// Who may call: the clients file's callers, or anyone when there is none,
    /// which only a loopback address allows (the core holds every HA1).
    pub fn for_listener(listen: SocketAddr, clients_file: Option<&Path>) -> anyhow::Result<Self> {
        let Some(path) = clients_file else {
            anyhow::ensure!(
                listen.ip().is_loopback(),
                "refusing to serve unauthenticated callers on {}: give a clients file \
                 (--clients-file / FLEXIAPI_CORE_CLIENTS_FILE), or listen on a loopback address",
                listen
            );
            tracing::warn!(
                addr = %listen,
                "no clients file: any local process may call the core (loopback only)"
            );
            return Ok(Self::Anyone);
        };
        let callers = Callers::load(path)?;
        if callers.is_empty() {
            tracing::warn!(file = %path.display(), "the clients file names no caller: every call is refused");
        }
        Ok(Self::Callers(Arc::new(ArcSwap::from_pointee(callers))))
    }

    /// Why a call to `path` with this `authorization` value is refused, if
    /// it is.
    pub fn refusal(&self, path: &str, authorization: Option<&[u8]>) -> Option<Status> {
        let Self::Callers(callers) = self else {
            return None;
        };
        if callers::is_open(path) {
            return None;
        }
        let Some(token) = authorization.and_then(callers::bearer_token) else {
            return Some(refused(Status::unauthenticated(
                "a bearer token is required (metadata authorization: Bearer <token>)",
            )));
        };
        let callers = callers.load();
        let Some(caller) = callers.identify(token) else {
            return Some(refused(Status::unauthenticated("unknown bearer token")));
        };
        if callers::roles_of(path).contains(&caller.role) {
            return None;
        }
        tracing::warn!(caller = %caller.name, role = caller.role.as_str(), rpc = path, "call refused to the caller's role");
        Some(refused(Status::permission_denied(format!(
            "the role {} may not call {}",
            caller.role.as_str(),
            path.trim_start_matches('/')
        ))))
    }
}

/// How often the clients file is read again, so a token added or removed
/// (a Kubernetes Secret updated in place) applies without a restart.
const CLIENTS_RELOAD: Duration = Duration::from_secs(10);

/// Reads the clients file every [`CLIENTS_RELOAD`] and on SIGHUP; a file
/// that no longer parses is logged and the callers in force stay.
pub async fn reload_callers(
    path: PathBuf,
    callers: Arc<ArcSwap<Callers>>,
    mut stopped: watch::Receiver<()>,
) {
    let mut last = std::fs::read(&path).ok();
    let mut ticker = tokio::time::interval(CLIENTS_RELOAD);
    let mut hangup = hangups();
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = hangup.recv() => {}
            _ = stopped.changed() => return,
        }
        let Ok(bytes) = std::fs::read(&path) else {
            tracing::warn!(file = %path.display(), "cannot read the clients file; the callers in force stay");
            continue;
        };
        if last.as_ref() == Some(&bytes) {
            continue;
        }
        match Callers::load(&path) {
            Ok(loaded) => {
                tracing::info!(file = %path.display(), "clients file reloaded");
                callers.store(Arc::new(loaded));
                last = Some(bytes);
            }
            Err(error) => {
                tracing::warn!(error = format!("{error:#}"), "the callers in force stay");
            }
        }
    }
}

/// SIGHUP, as a stream of wake-ups; nothing where there is no such signal.
fn hangups() -> tokio::sync::mpsc::Receiver<()> {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    #[cfg(unix)]
    if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        tokio::spawn(async move {
            while signal.recv().await.is_some() {
                if tx.send(()).await.is_err() {
                    return;
                }
            }
        });
    }
    #[cfg(not(unix))]
    drop(tx);
    rx
}

/// The layer's service: see the module documentation.
#[derive(Debug, Clone)]
pub struct Gate<S> {
    inner: S,
    access: Access,
    /// How long an admitted call may take ([`super::deadline`]).
    deadline: Duration,
}

impl<S> Gate<S> {
    pub fn layer(
        access: Access,
        deadline: Duration,
    ) -> impl tower::Layer<S, Service = Self> + Clone {
        tower::layer::layer_fn(move |inner| Gate {
            inner,
            access: access.clone(),
            deadline,
        })
    }
}

impl<S, B, R> tower::Service<http::Request<B>> for Gate<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    R: Default + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let authorization = request
            .headers()
            .get(http::header::AUTHORIZATION)
            .map(http::HeaderValue::as_bytes);
        if let Some(status) = self.access.refusal(request.uri().path(), authorization) {
            return Box::pin(std::future::ready(Ok(status.into_http())));
        }
        // A reference count, not a copy: named only if the call times out.
        let uri = request.uri().clone();
        let deadline = super::deadline::for_call(uri.path(), self.deadline);
        Box::pin(super::deadline::bounded(
            uri,
            deadline,
            self.inner.call(request),
        ))
    }
}
