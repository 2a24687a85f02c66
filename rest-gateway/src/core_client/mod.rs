//! The gateway's only way to the state: gRPC calls to the core, over one
//! lazy HTTP/2 connection per core endpoint (`replicas`: each Digest answer
//! goes to the replica that issued its nonce). Lazy means the gateway starts
//! (and answers 503) while the core is down, and reconnects by itself when
//! it comes back.
//!
//! One method per RPC, in a file per service, each with its client span;
//! every call on someone's behalf carries the acting account.

use std::{sync::Arc, time::Duration};

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
use replicas::Replicas;
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
mod corked;
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
mod urls;
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
        let urls::CoreUrls {
            origin,
            targets,
            https,
            unix,
        } = urls::parse(&config.core_url)?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
