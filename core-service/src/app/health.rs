//! `grpc.health.v1`: SERVING while the database answers, NOT_SERVING while it
//! does not, so Kubernetes stops routing to a core that can only fail.
//! The service `liveness` stays SERVING as long as the process serves gRPC:
//! a database outage is no reason to restart the pod.

use std::time::Duration;

use tokio::sync::watch;
use tonic_health::{server::HealthReporter, ServingStatus};

use crate::adapters::{registrar::RedisRegistrar, SqlStore};

/// What the readiness of each service follows.
const SERVICES: &[&str] = &[
    "",
    "flexiapi.v1.AccountService",
    "flexiapi.v1.ApiKeyService",
    "flexiapi.v1.AuthService",
    "flexiapi.v1.DeviceService",
    "flexiapi.v1.SpaceService",
];
pub const LIVENESS: &str = "liveness";

/// How often the database is probed, and how long a probe may take.
const PROBE_EVERY: Duration = Duration::from_secs(1);
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Reports the database's state now, then keeps probing it in a task until
/// `stopped` closes, reporting each change once.
pub async fn watch_database(
    store: SqlStore,
    reporter: HealthReporter,
    mut stopped: watch::Receiver<()>,
) -> tokio::task::JoinHandle<()> {
    reporter
        .set_service_status(LIVENESS, ServingStatus::Serving)
        .await;
    let mut last = probe(&store).await;
    report(&reporter, last).await;
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(PROBE_EVERY);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = stopped.changed() => return,
            }
            let up = probe(&store).await;
            if up != last {
                last = up;
                report(&reporter, up).await;
            }
        }
    })
}

/// The `registrar` service: SERVING while Flexisip's Redis answers. Only
/// device calls need it, so the other services do not follow it.
pub const REGISTRAR: &str = "registrar";

/// Reports the registrar's state now and at each change, until `stopped`.
pub async fn watch_registrar(
    registrar: RedisRegistrar,
    reporter: HealthReporter,
    mut stopped: watch::Receiver<()>,
) {
    let mut last = None;
    let mut ticker = tokio::time::interval(PROBE_EVERY);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stopped.changed() => return,
        }
        let up = matches!(
            tokio::time::timeout(PROBE_TIMEOUT, registrar.ping()).await,
            Ok(true)
        );
        if last != Some(up) {
            last = Some(up);
            let status = status_of("registrar", up);
            reporter.set_service_status(REGISTRAR, status).await;
        }
    }
}

async fn probe(store: &SqlStore) -> bool {
    matches!(
        tokio::time::timeout(PROBE_TIMEOUT, store.ping()).await,
        Ok(Ok(()))
    )
}

/// The status of a dependency, logged once per change.
fn status_of(what: &str, up: bool) -> ServingStatus {
    if up {
        tracing::info!("{what} reachable: SERVING");
        ServingStatus::Serving
    } else {
        tracing::warn!("{what} unreachable: NOT_SERVING");
        ServingStatus::NotServing
    }
}

async fn report(reporter: &HealthReporter, up: bool) {
    let status = status_of("database", up);
    for service in SERVICES {
        reporter.set_service_status(*service, status).await;
    }
}

/// Serves `grpc.health.v1` alone on `listener`, in plain HTTP/2 with no
/// token, until `stopped` closes: what Kubernetes' gRPC probe can reach
/// when the main port speaks TLS (the probe cannot). It tells whether the
/// core can serve, nothing else.
pub async fn serve_plain(
    listener: tokio::net::TcpListener,
    service: tonic_health::pb::health_server::HealthServer<
        impl tonic_health::pb::health_server::Health,
    >,
    mut stopped: watch::Receiver<()>,
) {
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    let served = tonic::transport::Server::builder()
        .add_service(service)
        .serve_with_incoming_shutdown(incoming, async move {
            let _ = stopped.changed().await;
        })
        .await;
    if let Err(error) = served {
        tracing::warn!(%error, "the health listener stopped");
    }
}
