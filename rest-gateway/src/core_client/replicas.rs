//! Which core replica each call goes to.
//!
//! Only the replica that issued a nonce keeps the counts of its answered
//! nonces (the core's `rules::auth`), so a Digest answer must reach that
//! replica, whichever gateway the client talks to. `--core-url` names one
//! or more URLs; each host is resolved every [`REFRESH`] to all its
//! addresses (a Kubernetes headless Service gives one per core pod), and
//! each address is an endpoint with its own connection. Every core answer
//! says which replica it is (`flexiapi-core-instance`), so:
//! - an answer to a core nonce goes to the endpoint of the instance the
//!   nonce names (`routing::nonce_issuer`);
//! - an answer to a proxy's own nonce (Flexisip's delegated checks) goes to
//!   the endpoint that a hash of the nonce ranks first, the same one from
//!   every gateway that sees the same endpoints (rendezvous hashing);
//! - any other call goes round robin.
//!
//! An endpoint that refuses connections or says it cannot serve is skipped
//! until a probe finds it serving again. When the issuer is gone (a
//! restarted replica), the answer goes elsewhere and is told `stale=true`:
//! the client takes a new challenge, as RFC 7616 has it.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use arc_swap::ArcSwap;
use flexiapi_proto::routing;
use hyper::{header::HeaderName, http::uri::Authority, HeaderMap, Uri};
use sha2::{Digest as _, Sha256};

use super::connection::{Connector, Pool, CONNECT_TIMEOUT};

/// How often the hosts are resolved again and every endpoint probed.
pub(super) const REFRESH: Duration = Duration::from_secs(2);

/// The header every core answer names its replica in, parsed once.
static INSTANCE_HEADER: HeaderName = HeaderName::from_static(routing::INSTANCE_HEADER);

/// Where a call must go, put in its request's extensions by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// To the replica with this instance id.
    Issuer(u64),
    /// To the endpoint this key ranks first.
    Spread(u64),
}

impl Route {
    /// Where a Digest answer to `nonce` goes: its issuer for a core nonce,
    /// a hash for a proxy's (`from_caller`). `None`: anywhere (a nonce
    /// that is not the core's layout is refused by any replica).
    pub(crate) fn of_nonce(nonce: &str, from_caller: bool) -> Option<Self> {
        if from_caller {
            return Some(Route::Spread(rank(nonce.as_bytes())));
        }
        routing::nonce_issuer(nonce).map(Route::Issuer)
    }
}

/// One URL of `--core-url`.
#[derive(Debug)]
pub(super) struct Target {
    /// Without IPv6 brackets, as the resolver takes it.
    host: String,
    port: u16,
    /// What requests to this target carry, when it is not the first URL
    /// (the one tonic's clients are built with).
    authority: Option<Authority>,
}

impl Target {
    pub(super) fn new(authority: &Authority, https: bool, first: bool) -> Self {
        Self {
            host: authority
                .host()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            port: authority.port_u16().unwrap_or(if https { 443 } else { 80 }),
            authority: (!first).then(|| authority.clone()),
        }
    }

    /// An IP address, not a name: nothing to resolve.
    fn fixed(&self) -> Option<SocketAddr> {
        let ip = self.host.parse().ok()?;
        Some(SocketAddr::new(ip, self.port))
    }
}

/// One core endpoint: an address and its connection.
#[derive(Debug)]
pub(super) struct Endpoint {
    /// Which [`Target`] it comes from.
    target: usize,
    /// Where it connects; `None`: the target's host, resolved at each
    /// connection (before the first resolution).
    address: Option<SocketAddr>,
    authority: Option<Authority>,
    /// Its rank key, from its address: the same in every gateway.
    rank: u64,
    pub(super) pool: Pool,
    /// The replica that answered last (0: none yet).
    instance: AtomicU64,
    /// Whether it serves, as far as its last call or probe says.
    up: AtomicBool,
}

impl Endpoint {
    /// Points `request` at this endpoint's target.
    pub(super) fn aim(&self, request: &mut hyper::Request<tonic::body::Body>) {
        let Some(authority) = &self.authority else {
            return;
        };
        let mut parts = request.uri().clone().into_parts();
        parts.authority = Some(authority.clone());
        if let Ok(uri) = Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }

    /// Learns from an answer which replica this endpoint reaches.
    pub(super) fn answered(&self, headers: &HeaderMap) {
        let instance = headers
            .get(&INSTANCE_HEADER)
            .and_then(|value| value.to_str().ok())
            .and_then(routing::parse_instance);
        if let Some(instance) = instance {
            if self.instance.swap(instance, Ordering::Relaxed) != instance {
                tracing::info!(
                    endpoint = %self.name(),
                    instance = %routing::instance_text(instance),
                    "core endpoint reaches a new replica"
                );
            }
        }
    }

    /// Its connection was refused or timed out: skipped until a probe
    /// finds it serving.
    pub(super) fn unreachable(&self) {
        self.serving(false);
    }

    pub(super) fn serving(&self, up: bool) {
        if self.up.swap(up, Ordering::Relaxed) != up {
            if up {
                tracing::info!(endpoint = %self.name(), "core endpoint serving");
            } else {
                tracing::warn!(endpoint = %self.name(), "core endpoint not serving: skipped until it is");
            }
        }
    }

    fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    fn name(&self) -> String {
        match self.address {
            Some(address) => address.to_string(),
            None => format!("target {}", self.target),
        }
    }
}

/// Every core endpoint the gateway knows, and how to make new ones.
#[derive(Debug)]
pub(super) struct Replicas {
    /// The first URL's scheme and authority: what tonic's clients carry.
    pub(super) origin: Uri,
    targets: Vec<Target>,
    /// Whether there may be several replicas: only then are calls routed
    /// and answers read for their instance (one IP address URL, the
    /// default, has nothing to route).
    routed: bool,
    connector: Connector,
    endpoints: ArcSwap<Vec<Arc<Endpoint>>>,
    /// The round robin's position.
    next: AtomicUsize,
}

impl Replicas {
    /// Before the first resolution: one endpoint per URL, connecting where
    /// its host resolves (what a single-core gateway always does).
    pub(super) fn new(origin: Uri, targets: Vec<Target>, connector: Connector) -> Self {
        let routed = targets.len() > 1 || targets.iter().any(|target| target.fixed().is_none());
        let replicas = Self {
            origin,
            targets,
            routed,
            connector,
            endpoints: ArcSwap::from_pointee(Vec::new()),
            next: AtomicUsize::new(0),
        };
        let endpoints = (0..replicas.targets.len())
            .map(|target| {
                let address = replicas.targets[target].fixed();
                Arc::new(replicas.endpoint(target, address))
            })
            .collect();
        replicas.endpoints.store(Arc::new(endpoints));
        replicas
    }

    fn endpoint(&self, target: usize, address: Option<SocketAddr>) -> Endpoint {
        let rank = match address {
            Some(address) => rank(address.to_string().as_bytes()),
            None => rank(
                format!(
                    "{}:{}",
                    self.targets[target].host, self.targets[target].port
                )
                .as_bytes(),
            ),
        };
        Endpoint {
            target,
            address,
            authority: self.targets[target].authority.clone(),
            rank,
            pool: self.connector.pool(address),
            instance: AtomicU64::new(0),
            up: AtomicBool::new(true),
        }
    }

    /// Whether there is anything to follow and route: more than one URL,
    /// or a host name that may resolve to several replicas.
    pub(super) fn routed(&self) -> bool {
        self.routed
    }

    /// The endpoint for a call with `route`.
    pub(super) fn pick(&self, route: Option<&Route>) -> Arc<Endpoint> {
        let endpoints = self.endpoints.load();
        if let [only] = endpoints.as_slice() {
            return only.clone();
        }
        let up = || endpoints.iter().filter(|endpoint| endpoint.is_up());
        let routed = match route {
            Some(Route::Issuer(instance)) => {
                up().find(|endpoint| endpoint.instance.load(Ordering::Relaxed) == *instance)
            }
            Some(Route::Spread(key)) => up().max_by_key(|endpoint| mix(endpoint.rank ^ key)),
            None => None,
        };
        if let Some(endpoint) = routed {
            return endpoint.clone();
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let count = endpoints.len();
        let chosen = (0..count)
            .map(|offset| &endpoints[(start + offset) % count])
            .find(|endpoint| endpoint.is_up())
            // None serves: try one anyway, so the caller hears why.
            .unwrap_or(&endpoints[start % count]);
        chosen.clone()
    }

    /// Resolves every host again: new addresses become endpoints, gone
    /// ones are dropped (their calls in flight finish). A host that does
    /// not resolve keeps the endpoints it had.
    pub(super) async fn resolve(&self) {
        let current = self.endpoints.load_full();
        let mut endpoints: Vec<Arc<Endpoint>> = Vec::new();
        for (index, target) in self.targets.iter().enumerate() {
            let lookup = tokio::net::lookup_host((target.host.as_str(), target.port));
            let addresses: Vec<SocketAddr> = match tokio::time::timeout(CONNECT_TIMEOUT, lookup)
                .await
            {
                Ok(Ok(addresses)) => addresses.collect(),
                Ok(Err(error)) => {
                    tracing::warn!(host = %target.host, %error, "cannot resolve a --core-url host: its endpoints are kept");
                    Vec::new()
                }
                Err(_) => {
                    tracing::warn!(host = %target.host, "resolving a --core-url host timed out: its endpoints are kept");
                    Vec::new()
                }
            };
            if addresses.is_empty() {
                endpoints.extend(current.iter().filter(|e| e.target == index).cloned());
                continue;
            }
            for address in addresses {
                if endpoints.iter().any(|e| e.address == Some(address)) {
                    continue;
                }
                let known = current
                    .iter()
                    .find(|e| e.target == index && e.address == Some(address));
                endpoints.push(match known {
                    Some(endpoint) => endpoint.clone(),
                    None => Arc::new(self.endpoint(index, Some(address))),
                });
            }
        }
        let names = |list: &[Arc<Endpoint>]| list.iter().map(|e| e.name()).collect::<Vec<_>>();
        if names(&endpoints) != names(&current) {
            tracing::info!(endpoints = ?names(&endpoints), "core endpoints");
        }
        self.endpoints.store(Arc::new(endpoints));
    }

    /// The endpoints as they are now.
    pub(super) fn endpoints(&self) -> Arc<Vec<Arc<Endpoint>>> {
        self.endpoints.load_full()
    }
}

/// A stable 64-bit key: the same in every gateway and every version.
fn rank(bytes: &[u8]) -> u64 {
    let digest = Sha256::digest(bytes);
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// splitmix64's finalizer: spreads `endpoint ^ key` so that each key ranks
/// the endpoints in its own order.
fn mix(mut value: u64) -> u64 {
    value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    value ^ (value >> 31)
}

#[cfg(test)]
mod tests;
