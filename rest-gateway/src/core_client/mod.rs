//! The gateway's only way to the state: gRPC calls to the core, over one
//! lazy HTTP/2 connection per core endpoint (`replicas`: each Digest answer
//! goes to the replica that issued its nonce). Lazy means the gateway starts
//! (and answers 503) while the core is down, and reconnects by itself when
//! it comes back.
//!
//! One method per RPC, in a file per service, each with its client span;
//! every call on someone's behalf carries the acting account.

use std::{path::PathBuf, sync::Arc, time::Duration};

use anyhow::Context as _;

use crate::config::Config;
use connection::Connector;
use flexiapi_proto::pb::{
    account_service_client::AccountServiceClient, api_key_service_client::ApiKeyServiceClient,
    auth_service_client::AuthServiceClient,
    call_forwarding_service_client::CallForwardingServiceClient,
    device_service_client::DeviceServiceClient, onboarding_service_client::OnboardingServiceClient,
    provisioning_service_client::ProvisioningServiceClient,
    push_notification_service_client::PushNotificationServiceClient,
    session_service_client::SessionServiceClient, space_service_client::SpaceServiceClient,
    statistics_service_client::StatisticsServiceClient,
    voicemail_service_client::VoicemailServiceClient,
};
use hyper::{http::uri::Authority, Uri};
use replicas::{Replicas, Target};
use tonic::{
    metadata::AsciiMetadataValue,
    service::{interceptor::InterceptedService, Interceptor},
    Status,
};
use transport::Transport;

/// Calls one RPC inside a client span named after it (the span the
/// trace's `traceparent` is taken from), and unwraps the answer.
macro_rules! rpc {
    ($core:expr, $client:ident . $method:ident ($request:expr), $name:literal) => {{
        use tracing::Instrument as _;
        let span = tracing::info_span!(
            "grpc_call",
            otel.name = tracing::field::Empty,
            otel.kind = tracing::field::Empty,
        );
        flexiapi_telemetry::name_span(&span, "client", || $name.to_owned());
        flexiapi_telemetry::set_attribute(&span, "rpc.system", "grpc");
        async {
            let answer = $core.0.$client.clone().$method($request).await?;
            Ok::<_, crate::error::ApiError>(answer.into_inner())
        }
        .instrument(span)
        .await
    }};
}

mod accounts;
mod auth;
pub(crate) mod call_forwardings;
mod connection;
mod devices;
pub(crate) mod onboarding;
pub(crate) mod provisioning;
mod push_notifications;
mod replicas;
mod sessions;
mod spaces;
mod statistics;
mod tls;
mod transport;
pub(crate) mod voicemails;

/// An account as the core names it: the user part and the domain of its
/// SIP address (parsed from a request by `auth::from_header`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipAddress {
    pub username: String,
    pub domain: String,
}

/// An answer that must hold an account but does not is a core bug.
fn account_in(
    account: Option<flexiapi_proto::pb::Account>,
    rpc: &str,
) -> Result<flexiapi_proto::pb::Account, crate::error::ApiError> {
    account.ok_or_else(|| {
        crate::error::ApiError::Internal(format!("{rpc} answered without an account"))
    })
}

/// Every call carries the caller's trace (`traceparent` in its metadata),
/// the request's id (`x-request-id`) and the gateway's bearer token, when
/// it has one.
type Traced = InterceptedService<Transport, Outgoing>;

/// What the gateway adds to each call's metadata.
#[derive(Clone, Debug)]
struct Outgoing {
    /// `Bearer <token>`, marked sensitive so no debug output shows it.
    authorization: Option<AsciiMetadataValue>,
}

impl Interceptor for Outgoing {
    fn call(&mut self, request: tonic::Request<()>) -> Result<tonic::Request<()>, Status> {
        let mut request = flexiapi_telemetry::propagate_trace(request)?;
        // Made of header-safe characters, so also valid metadata.
        if let Some(id) = crate::request_id::current() {
            if let Ok(id) = AsciiMetadataValue::try_from(id.as_bytes()) {
                request
                    .metadata_mut()
                    .insert(flexiapi_telemetry::REQUEST_ID, id);
            }
        }
        if let Some(value) = &self.authorization {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// `--core-token` as a metadata value: printable ASCII without spaces, as
/// the core's `Bearer` parsing and any HTTP/2 header allow.
fn bearer(token: Option<&str>) -> anyhow::Result<Option<AsciiMetadataValue>> {
    let Some(token) = token else {
        return Ok(None);
    };
    anyhow::ensure!(
        !token.is_empty() && token.len() <= 4096 && token.bytes().all(|b| b.is_ascii_graphic()),
        "invalid --core-token / FLEXIAPI_CORE_TOKEN: 1 to 4096 printable ASCII characters \
         without spaces expected"
    );
    let mut value = AsciiMetadataValue::try_from(format!("Bearer {token}"))
        .context("invalid --core-token / FLEXIAPI_CORE_TOKEN")?;
    value.set_sensitive(true);
    Ok(Some(value))
}

/// Cheap to clone (one reference count): axum clones the state for every
/// extractor of every request, and a profile showed the four channel clones
/// this used to take among the gateway's top costs.
#[derive(Debug, Clone)]
pub struct CoreClient(Arc<Clients>);

#[derive(Debug)]
struct Clients {
    accounts: AccountServiceClient<Traced>,
    auth: AuthServiceClient<Traced>,
    api_keys: ApiKeyServiceClient<Traced>,
    call_forwardings: CallForwardingServiceClient<Traced>,
    devices: DeviceServiceClient<Traced>,
    spaces: SpaceServiceClient<Traced>,
    /// Its calls may wait on a push, mail or SMS provider: their timeout
    /// is the others' plus the providers' (10 s).
    onboarding: OnboardingServiceClient<Traced>,
    /// Its provisioning email waits on the SMTP relay too.
    provisioning: ProvisioningServiceClient<Traced>,
    /// Waits on FCM or APNs.
    push_notifications: PushNotificationServiceClient<Traced>,
    voicemails: VoicemailServiceClient<Traced>,
    /// An upload's answer comes once the whole file is sent: its timeout
    /// is [`TRANSFER_TIMEOUT`].
    uploads: VoicemailServiceClient<Traced>,
    statistics: StatisticsServiceClient<Traced>,
    /// The web panel's sessions.
    sessions: SessionServiceClient<Traced>,
    /// Every core endpoint, and where each call goes.
    replicas: Arc<Replicas>,
}

/// How much longer a call may take when the core sends a message: the
/// providers' timeout (contract part 4).
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a file upload or download may take, end to end (below the
/// core's 130 s bound on an upload, so the gateway's is what a client
/// hears): 16 MiB at about 1 Mbit/s.
pub const TRANSFER_TIMEOUT: Duration = Duration::from_secs(120);

impl CoreClient {
    /// `--core-url`, with `--core-token`; `--core-timeout-seconds` bounds
    /// every call, so a core that accepts connections but does not answer is
    /// a 503 too.
    pub fn connect_lazy(config: &Config) -> anyhow::Result<Self> {
        let call_timeout = Duration::from_secs(config.core_timeout_seconds);
        let outgoing = Outgoing {
            authorization: bearer(config.core_token.as_deref())?,
        };
        let unix = unix_socket(&config.core_url)?;
        let (origin, targets, https) = match &unix {
            // One endpoint, reached whatever its address says; requests
            // carry `localhost` as their authority.
            Some(_) => (
                Uri::from_static("http://localhost"),
                vec![Target::new(
                    &Authority::from_static("127.0.0.1"),
                    false,
                    true,
                )],
                false,
            ),
            None => targets(&config.core_url)?,
        };
        let connector = Connector {
            tls: tls::client_config(config, https)?,
            unix,
        };
        let replicas = Arc::new(Replicas::new(origin.clone(), targets, connector));
        let transport = Transport::new(replicas.clone(), call_timeout);
        let delivering = transport.with_timeout(call_timeout + DELIVERY_TIMEOUT);
        let traced = |transport: Transport| -> Traced {
            InterceptedService::new(transport, outgoing.clone())
        };
        Ok(Self(Arc::new(Clients {
            accounts: AccountServiceClient::with_origin(traced(transport.clone()), origin.clone()),
            auth: AuthServiceClient::with_origin(traced(transport.clone()), origin.clone()),
            api_keys: ApiKeyServiceClient::with_origin(traced(transport.clone()), origin.clone()),
            call_forwardings: CallForwardingServiceClient::with_origin(
                traced(transport.clone()),
                origin.clone(),
            ),
            devices: DeviceServiceClient::with_origin(traced(transport.clone()), origin.clone()),
            spaces: SpaceServiceClient::with_origin(traced(transport.clone()), origin.clone()),
            onboarding: OnboardingServiceClient::with_origin(
                traced(delivering.clone()),
                origin.clone(),
            ),
            provisioning: ProvisioningServiceClient::with_origin(
                traced(delivering.clone()),
                origin.clone(),
            ),
            push_notifications: PushNotificationServiceClient::with_origin(
                traced(delivering),
                origin.clone(),
            ),
            voicemails: VoicemailServiceClient::with_origin(
                traced(transport.clone()),
                origin.clone(),
            ),
            uploads: VoicemailServiceClient::with_origin(
                traced(transport.with_timeout(TRANSFER_TIMEOUT)),
                origin.clone(),
            ),
            statistics: StatisticsServiceClient::with_origin(
                traced(transport.clone()),
                origin.clone(),
            ),
            sessions: SessionServiceClient::with_origin(traced(transport), origin),
            replicas,
        })))
    }

    /// Finds every core endpoint and the replica behind each, so that the
    /// first Digest answer is already routed (and, over TLS, a refused core
    /// certificate is named in the log at start, not at the first
    /// request); then, when `--core-url` may name several replicas, again
    /// every 2 s while this client lives.
    pub async fn follow_replicas(&self) {
        let replicas = &self.0.replicas;
        if replicas.routed() {
            replicas.resolve().await;
        }
        transport::probe(replicas).await;
        if replicas.routed() {
            tokio::spawn(transport::follow(Arc::downgrade(replicas)));
        }
    }

    /// Whether a core endpoint says it can serve (its database answers).
    pub async fn ready(&self) -> bool {
        transport::probe(&self.0.replicas).await
    }
}

/// A `unix:/PATH` (or `unix:///PATH`) `--core-url`: the core's socket on
/// this host. It names one core, so it stands alone.
fn unix_socket(urls: &str) -> anyhow::Result<Option<PathBuf>> {
    let urls = urls.trim();
    let Some(rest) = urls.strip_prefix("unix:") else {
        return Ok(None);
    };
    let path = rest.strip_prefix("//").unwrap_or(rest);
    anyhow::ensure!(
        path.starts_with('/') && !path.contains(','),
        "invalid --core-url / FLEXIAPI_CORE_URL: {urls}: expected unix:/PATH, an absolute \
         path to the core's --unix-socket, alone"
    );
    Ok(Some(PathBuf::from(path)))
}

/// `--core-url`: one URL, or several separated by commas, all http:// or
/// all https://; the first one's origin, each one's target, and whether
/// they are https.
fn targets(urls: &str) -> anyhow::Result<(Uri, Vec<Target>, bool)> {
    let invalid = |url: &str| {
        format!(
            "invalid --core-url / FLEXIAPI_CORE_URL: {url}: expected http://HOST:PORT or \
             https://HOST:PORT, or several separated by commas, or unix:/PATH"
        )
    };
    let mut parsed = Vec::new();
    for url in urls.split(',').map(str::trim) {
        let uri: Uri = url.parse().with_context(|| invalid(url))?;
        let scheme = uri.scheme_str();
        anyhow::ensure!(
            matches!(scheme, Some("http" | "https"))
                && uri.authority().is_some()
                && matches!(uri.path(), "" | "/")
                && uri.query().is_none(),
            "{}",
            invalid(url)
        );
        parsed.push(uri);
    }
    let https = parsed[0].scheme_str() == Some("https");
    anyhow::ensure!(
        parsed
            .iter()
            .all(|uri| (uri.scheme_str() == Some("https")) == https),
        "invalid --core-url / FLEXIAPI_CORE_URL: {urls}: all http:// or all https://"
    );
    let mut targets = Vec::new();
    for (index, uri) in parsed.iter().enumerate() {
        let authority = uri.authority().with_context(|| invalid(urls))?;
        targets.push(Target::new(authority, https, index == 0));
    }
    Ok((parsed.swap_remove(0), targets, https))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_core_url_that_is_not_http_host_port_names_the_flag() {
        for url in [
            "core:50051",
            "ftp://core:50051",
            "not a url",
            "http://",
            "http://core:50051/path",
            "http://a:50051,https://b:50051",
            "http://a:50051,",
            "unix:relative/core.sock",
            "unix:",
            "unix:/run/a.sock,unix:/run/b.sock",
            "unix:/run/a.sock,http://b:50051",
        ] {
            let config = Config {
                core_url: url.into(),
                ..Config::default()
            };
            let error = CoreClient::connect_lazy(&config).unwrap_err();
            assert!(
                format!("{error:#}").contains("--core-url"),
                "{url}: {error:#}"
            );
        }
    }

    #[test]
    fn several_core_urls_are_several_targets_of_one_scheme() {
        let (origin, found, https) =
            targets("http://core-0:50051, http://[::1]:50052,http://10.0.0.3").unwrap();
        assert_eq!(origin, "http://core-0:50051/");
        assert_eq!(found.len(), 3);
        assert!(!https);
        let (_, _, https) = targets("https://core-service-replicas:50051").unwrap();
        assert!(https);
    }

    #[test]
    fn a_unix_core_url_names_a_socket() {
        for url in [
            "unix:/run/flexiapi/core.sock",
            "unix:///run/flexiapi/core.sock",
        ] {
            let path = unix_socket(url).unwrap().unwrap();
            assert_eq!(path, PathBuf::from("/run/flexiapi/core.sock"), "{url}");
        }
        assert_eq!(unix_socket("http://127.0.0.1:50051").unwrap(), None);
    }

    #[test]
    fn a_token_that_cannot_be_a_header_names_the_flag_never_the_token() {
        for token in ["", "two words", "tab\there", "ünïcode", &"x".repeat(5000)] {
            let config = Config {
                core_token: Some(token.into()),
                ..Config::default()
            };
            let error = format!("{:#}", CoreClient::connect_lazy(&config).unwrap_err());
            assert!(error.contains("--core-token"), "{error}");
            assert!(token.is_empty() || !error.contains(token), "{error}");
        }
        let config = Config {
            core_token: Some("Zm9v.YmFy-_~+/=".into()),
            ..Config::default()
        };
        let client = CoreClient::connect_lazy(&config).unwrap();
        assert!(!format!("{client:?}").contains("Zm9v"));
    }
}
