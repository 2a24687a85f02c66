//! Request ids (contract `http.md` §5): the client's `x-request-id` when it
//! is a valid one, else a fresh UUID v4; set on the request (where the
//! request's span reads it), echoed on every response, errors included,
//! and passed to the core in the metadata of every call made while the
//! request is served ([`current`], read by `core_client`).
//!
//! A tower layer rather than an axum `from_fn` middleware: it runs on
//! every request, and `from_fn` boxes and clones the inner service each
//! time (measured: `bench/cpu-per-request.sh http`).

use std::{
    future::Future,
    pin::Pin,
    task::{ready, Context, Poll},
};

use axum::{
    extract::{MatchedPath, Request},
    http::{HeaderName, HeaderValue, Method},
    response::Response,
};
use flexiapi_telemetry::is_valid_request_id;
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};

tokio::task_local! {
    static CURRENT: HeaderValue;
}

const REQUEST_ID: HeaderName = HeaderName::from_static(flexiapi_telemetry::REQUEST_ID);

/// The id of the request this task is serving, if any.
pub fn current() -> Option<HeaderValue> {
    CURRENT.try_with(HeaderValue::clone).ok()
}

#[derive(Debug, Clone, Copy, Default)]
pub struct AssignLayer;

impl<S> Layer<S> for AssignLayer {
    type Service = Assign<S>;

    fn layer(&self, inner: S) -> Assign<S> {
        Assign { inner }
    }
}

#[derive(Debug, Clone)]
pub struct Assign<S> {
    inner: S,
}

impl<S> Service<Request> for Assign<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Assigned<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let id = match request.headers().get(&REQUEST_ID) {
            Some(given) if is_valid_request_id(given.as_bytes()) => given.clone(),
            _ => {
                let made = made_up();
                request.headers_mut().insert(REQUEST_ID, made.clone());
                made
            }
        };
        let method = request.method().clone();
        let route = request.extensions().get::<MatchedPath>().cloned();
        Assigned {
            inner: CURRENT.scope(id.clone(), self.inner.call(request)),
            id,
            method,
            route,
        }
    }
}

fn made_up() -> HeaderValue {
    let mut buffer = uuid::Uuid::encode_buffer();
    let text = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buffer);
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

pin_project_lite::pin_project! {
    /// The answer, with the id set on it.
    pub struct Assigned<F> {
        #[pin]
        inner: TaskLocalFuture<HeaderValue, F>,
        id: HeaderValue,
        method: Method,
        route: Option<MatchedPath>,
    }
}

impl<F, E> Future for Assigned<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.inner.poll(cx))?;
        if response.status().is_server_error() {
            // At the default level, so the id a user reports leads here.
            tracing::warn!(
                request_id = this.id.to_str().unwrap_or_default(),
                method = %this.method,
                route = this.route.as_ref().map_or("unmatched", MatchedPath::as_str),
                status = response.status().as_u16(),
                "request answered with a server error"
            );
        }
        response.headers_mut().insert(REQUEST_ID, this.id.clone());
        Poll::Ready(Ok(response))
    }
}
