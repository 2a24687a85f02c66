//! The limits of one request, judged before anything else (contract
//! `http.md` §7-8): a body declared larger than `--body-limit-bytes` is
//! answered 413 at once, unread (no `100 Continue` is sent, since hyper
//! sends it only when the body is first read); a request not done within
//! `--request-timeout-seconds` is answered 408 when its body had not all
//! arrived (the client was slow), else 503 (the core was). Both close the
//! connection, whose unread body would otherwise have to be drained. A
//! request that sends a message (part 4) gets the providers' 10 s more.

use std::{
    pin::Pin,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderValue},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http_body::{Frame, SizeHint};

use crate::error::ApiError;

#[derive(Debug, Clone, Copy)]
pub struct RequestLimits {
    /// `--body-limit-bytes`.
    pub body_bytes: u64,
    /// `--request-timeout-seconds`.
    pub timeout: Duration,
}

pub async fn enforce(
    State(limits): State<RequestLimits>,
    request: Request,
    next: Next,
) -> Response {
    let (method, path) = (request.method(), request.uri().path());
    // A file transfer has its own limit, the core's (contract part 6).
    let transfers = crate::routes::files::transfers(method, path);
    if !transfers && declared_length(&request).is_some_and(|length| length > limits.body_bytes) {
        return closing(ApiError::PayloadTooLarge);
    }
    // A request that makes the core send a push, a mail or an SMS may wait
    // on the provider as well.
    let delivers = crate::routes::onboarding::delivers(method, path)
        || crate::routes::provisioning::delivers(method, path)
        || crate::routes::push_notifications::delivers(method, path);
    let timeout = if transfers {
        crate::core_client::TRANSFER_TIMEOUT
    } else if delivers {
        limits.timeout + crate::core_client::DELIVERY_TIMEOUT
    } else {
        limits.timeout
    };
    let (request, received) = watch_body(request);
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) if received.is_some_and(|done| !done.load(Ordering::Acquire)) => {
            closing(ApiError::RequestTimeout)
        }
        Err(_) => {
            ApiError::Unavailable("The request took too long, retry later".into()).into_response()
        }
    }
}

fn declared_length(request: &Request) -> Option<u64> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

fn closing(error: ApiError) -> Response {
    let mut response = error.into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A request with a body gets a flag raised once the body has all
/// arrived; one without (most: every GET) is left as it is.
fn watch_body(request: Request) -> (Request, Option<Arc<AtomicBool>>) {
    if http_body::Body::is_end_stream(request.body()) {
        return (request, None);
    }
    let done = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&done);
    let request = request.map(|inner| Body::new(Watched { inner, done: flag }));
    (request, Some(done))
}

struct Watched {
    inner: Body,
    done: Arc<AtomicBool>,
}

impl http_body::Body for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.done.store(true, Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
