//! The wire under every call: each call sent, over that endpoint's
//! connection, to the core endpoint [`super::replicas`] picks; and the
//! probes that tell which endpoints serve.
//!
//! tonic's `Channel` does the pooling behind a buffer task that every call
//! crosses; calling hyper directly saves that hop (5 µs of CPU per call in
//! the load tool), and lets a call say where it must go (a [`Route`] in its
//! extensions).

use std::{
    future::Future,
    pin::Pin,
    sync::{Arc, Weak},
    task::{Context, Poll},
    time::Duration,
};

use hyper::body::Incoming;
use tonic::Status;
use tonic_health::pb::{
    health_check_response::ServingStatus, health_client::HealthClient, HealthCheckRequest,
};

use super::{
    connection::CONNECT_TIMEOUT,
    replicas::{Endpoint, Replicas, Route, REFRESH},
};

/// Sends each call to one core endpoint, within `call_timeout`.
#[derive(Clone, Debug)]
pub struct Transport {
    replicas: Arc<Replicas>,
    /// A health probe's endpoint, whatever the call's route.
    pinned: Option<Arc<Endpoint>>,
    call_timeout: Duration,
}

impl Transport {
    pub(super) fn new(replicas: Arc<Replicas>, call_timeout: Duration) -> Self {
        Self {
            replicas,
            pinned: None,
            call_timeout,
        }
    }

    /// The same transport with another bound on each call.
    pub(super) fn with_timeout(&self, call_timeout: Duration) -> Self {
        Self {
            call_timeout,
            ..self.clone()
        }
    }

    /// Every call to `endpoint`: a probe of that one.
    pub(super) fn pinned(
        replicas: Arc<Replicas>,
        endpoint: Arc<Endpoint>,
        call_timeout: Duration,
    ) -> Self {
        Self {
            replicas,
            pinned: Some(endpoint),
            call_timeout,
        }
    }
}

type Call = Pin<Box<dyn Future<Output = Result<hyper::Response<Incoming>, Status>> + Send>>;

impl tower_service::Service<hyper::Request<tonic::body::Body>> for Transport {
    type Response = hyper::Response<Incoming>;
    type Error = Status;
    type Future = Call;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Status>> {
        // The pool opens or waits for a connection inside the call itself.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: hyper::Request<tonic::body::Body>) -> Call {
        let endpoint = match &self.pinned {
            Some(endpoint) => endpoint.clone(),
            None => self.replicas.pick(request.extensions().get::<Route>()),
        };
        endpoint.aim(&mut request);
        let response = endpoint.pool.send(request);
        let (call_timeout, routed) = (self.call_timeout, self.replicas.routed());
        Box::pin(async move {
            match tokio::time::timeout(call_timeout, response).await {
                Ok(Ok(response)) => {
                    if routed {
                        endpoint.answered(response.headers());
                    }
                    Ok(response)
                }
                Ok(Err(error)) => {
                    if error.is_connect() {
                        endpoint.unreachable();
                    }
                    Err(Status::unavailable(format!(
                        "cannot reach the core: {}",
                        error_chain(&error)
                    )))
                }
                Err(_) => Err(Status::deadline_exceeded("the core did not answer in time")),
            }
        })
    }
}

/// "client error (Connect): tcp connect error: Connection refused", not
/// just the outer "client error (Connect)".
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Asks every endpoint whether it serves (`grpc.health.v1`, which also
/// tells its instance); true when one does.
pub(super) async fn probe(replicas: &Arc<Replicas>) -> bool {
    let mut probes = tokio::task::JoinSet::new();
    for endpoint in replicas.endpoints().iter() {
        let pinned = Transport::pinned(replicas.clone(), endpoint.clone(), CONNECT_TIMEOUT * 2);
        let (endpoint, origin) = (endpoint.clone(), replicas.origin.clone());
        probes.spawn(async move {
            let request = HealthCheckRequest {
                service: String::new(),
            };
            let serving = match HealthClient::with_origin(pinned, origin)
                .check(request)
                .await
            {
                Ok(answer) => answer.into_inner().status() == ServingStatus::Serving,
                Err(_) => false,
            };
            endpoint.serving(serving);
            serving
        });
    }
    let mut any = false;
    while let Some(serving) = probes.join_next().await {
        any |= serving.unwrap_or(false);
    }
    any
}

/// Resolves and probes every [`REFRESH`], while the client lives.
pub(super) async fn follow(replicas: Weak<Replicas>) {
    loop {
        tokio::time::sleep(REFRESH).await;
        let Some(live) = replicas.upgrade() else {
            return;
        };
        live.resolve().await;
        probe(&live).await;
    }
}
