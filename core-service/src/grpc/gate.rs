//! The door of the core: a tower layer in front of every service that lets
//! a call through only when its bearer token names a caller whose role may
//! call that RPC ([`crate::callers`]). Health and reflection stay open.
//!
//! A refusal is answered here, before any handler or database work: a
//! stranger costs one SHA-256.

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use arc_swap::ArcSwap;
use tonic::Status;

use flexiapi_proto::REFUSED_CALLER;

use crate::callers::{self, Callers};

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

/// The layer's service: see the module documentation.
#[derive(Debug, Clone)]
pub struct Gate<S> {
    inner: S,
    access: Access,
}

impl<S> Gate<S> {
    pub fn layer(access: Access) -> impl tower::Layer<S, Service = Self> + Clone {
        tower::layer::layer_fn(move |inner| Gate {
            inner,
            access: access.clone(),
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
        match self.access.refusal(request.uri().path(), authorization) {
            None => Box::pin(self.inner.call(request)),
            Some(status) => Box::pin(std::future::ready(Ok(status.into_http()))),
        }
    }
}
