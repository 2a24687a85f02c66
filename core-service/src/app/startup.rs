//! Building and running the gRPC server: the database pool and its
//! migrations, the `flexiapi.v1` services, health, reflection, and the
//! background purge (`app::purge`).

use std::{future::Future, net::SocketAddr, path::PathBuf, sync::Arc};

use anyhow::Context as _;
use flexiapi_proto::pb::{
    self, account_service_server::AccountServiceServer,
    api_key_service_server::ApiKeyServiceServer, auth_service_server::AuthServiceServer,
    call_forwarding_service_server::CallForwardingServiceServer,
    device_service_server::DeviceServiceServer, onboarding_service_server::OnboardingServiceServer,
    provisioning_service_server::ProvisioningServiceServer,
    push_notification_service_server::PushNotificationServiceServer,
    session_service_server::SessionServiceServer, space_service_server::SpaceServiceServer,
    statistics_service_server::StatisticsServiceServer,
    voicemail_service_server::VoicemailServiceServer,
};
use tokio::{net::TcpListener, sync::watch};
use tonic::transport::{Server, ServerTlsConfig};

use super::incoming::{incoming, UnixSocket};
pub use super::serve_config::ServeConfig;
use crate::{
    adapters::{delivery::Channels, files::FilesDir, registrar::RedisRegistrar, SqlStore},
    app::{health, metrics, tls::TlsFiles},
    grpc::{
        deadline::CALL_DEADLINE,
        fence::Fence,
        gate::{self, Access, Gate},
        replica::Replica,
        unix_now, Api, Settings, Watchers,
    },
    rules::{
        auth::{
            account_cache::AccountCache,
            signed_nonces::{self, Keyring},
            throttle::{Guards, Limits},
            NonceState,
        },
        onboarding::Onboarding,
        spaces::store::SpaceStore,
        voicemails::Settings as VoicemailSettings,
    },
};

pub struct Application {
    listener: TcpListener,
    /// `--unix-socket`, bound; its file goes when serving ends.
    unix_socket: Option<UnixSocket>,
    /// The nonce keys (read at start: none is a failed start) and the
    /// answered nonces of this replica.
    nonces: Arc<NonceState>,
    metrics_listener: Option<TcpListener>,
    health_listener: Option<TcpListener>,
    store: SqlStore,
    settings: Settings,
    registrar: Option<RedisRegistrar>,
    max_device_watchers: usize,
    access: Access,
    clients_file: Option<PathBuf>,
    guards: Guards,
    tls: Option<ServerTlsConfig>,
    onboarding: Onboarding,
    /// What the background sweep keeps, beyond the settings.
    statistics_retention_days: u32,
}

impl Application {
    /// Connects, migrates and binds; serving starts with [`Self::run_until_stopped`].
    pub async fn build(config: &ServeConfig) -> anyhow::Result<Self> {
        let access = Access::for_listener(config.listen, config.clients_file.as_deref())?;
        // Before the port: TLS material that does not load fails the start.
        let tls = config
            .tls
            .as_ref()
            .map(TlsFiles::server_config)
            .transpose()?;
        if let Some(tls) = &tls {
            // Builds the acceptor once now: a key that is not the
            // certificate's fails here, naming the flags.
            Server::builder()
                .tls_config(tls.clone())
                .context(TLS_REFUSED)?;
        }
        let channels = Channels::build(&config.delivery, &config.sip_domain)?;
        log_channels(&channels);
        let onboarding = Onboarding {
            settings: config.onboarding.clone(),
            delivery: Arc::new(channels),
        };
        let store =
            SqlStore::connect_with(&config.database_url, config.database_max_connections).await?;
        store.migrate().await?;
        let files = FilesDir::open(&config.files_dir).await?;
        store.ensure_spaces(&config.sip_domain, unix_now()).await?;
        signed_nonces::ensure_key(&store, unix_now()).await?;
        let nonces = Arc::new(NonceState::new(Keyring::load(&store).await?));
        let listener = TcpListener::bind(config.listen).await.with_context(|| {
            format!(
                "cannot listen on {} (--listen / FLEXIAPI_CORE_LISTEN)",
                config.listen
            )
        })?;
        let unix_socket = match &config.unix_socket {
            // The gateway's Unix connector speaks plain HTTP/2: TLS there
            // would be refused by every caller.
            Some(_) if tls.is_some() => anyhow::bail!(
                "--unix-socket serves plain gRPC to a gateway on the same host: \
                 it cannot be used with --tls-cert-file"
            ),
            Some(path) => Some(UnixSocket::bind(path).await?),
            None => None,
        };
        let registrar = config
            .registrar_redis_url
            .as_deref()
            .map(RedisRegistrar::connect)
            .transpose()?;
        let metrics_listener = match config.metrics_listen {
            Some(addr) => Some(metrics::bind(addr).await?),
            None => None,
        };
        let health_listener = match config.health_listen {
            Some(addr) => Some(TcpListener::bind(addr).await.with_context(|| {
                format!("cannot listen on {addr} (--health-listen / FLEXIAPI_CORE_HEALTH_LISTEN)")
            })?),
            None => None,
        };
        Ok(Self {
            listener,
            unix_socket,
            nonces,
            metrics_listener,
            health_listener,
            store,
            registrar,
            max_device_watchers: config.max_device_watchers,
            access,
            clients_file: config.clients_file.clone(),
            guards: guards(config),
            tls,
            onboarding,
            statistics_retention_days: config.statistics_retention_days,
            settings: Settings {
                default_domain: config.sip_domain.clone(),
                nonce_ttl_seconds: i64::from(config.nonce_ttl_seconds),
                proxy_nonce_retention_seconds: i64::from(config.proxy_nonce_retention_seconds),
                account_cache_entries: config.account_cache_entries,
                api_key_idle_minutes: i64::from(config.api_key_idle_minutes),
                sessions: config.panel_sessions,
                provisioning: config.provisioning.clone(),
                voicemails: VoicemailSettings {
                    max_bytes: config.voicemail_max_bytes,
                },
                files,
            },
        })
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    pub fn health_addr(&self) -> Option<SocketAddr> {
        self.health_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    /// Serves until `shutdown` resolves, then finishes in-flight calls and
    /// returns.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        // Closed when serving ends: stops the purge, the health watcher and the
        // account epoch follower.
        let (stop_background, background_stopped) = watch::channel(());
        let plan = super::purge::Plan {
            nonce_ttl_seconds: self.settings.nonce_ttl_seconds,
            onboarding_retention_seconds: self.onboarding.settings.retention_seconds(),
            files: self.settings.files.clone(),
            statistics_retention_days: self.statistics_retention_days,
            sessions: self.settings.sessions,
        };
        let purger = tokio::spawn(super::purge::purge_expired(
            self.store.clone(),
            plan,
            background_stopped,
        ));

        let (health_reporter, health_service) = tonic_health::server::health_reporter();
        let health = health::watch_database(
            self.store.clone(),
            health_reporter.clone(),
            stop_background.subscribe(),
        )
        .await;
        let health_server = self.health_listener.map(|listener| {
            tokio::spawn(health::serve_plain(
                listener,
                health_service.clone(),
                stop_background.subscribe(),
            ))
        });
        let metrics_server = self
            .metrics_listener
            .map(|listener| tokio::spawn(metrics::serve(listener, self.store.clone())));
        // Both reflection versions: grpcurl asks v1, older tools v1alpha.
        let reflection = reflection_builder()
            .build_v1()
            .context("reflection service")?;
        let reflection_v1alpha = reflection_builder()
            .build_v1alpha()
            .context("reflection service")?;

        let accounts = Arc::new(AccountCache::new(self.settings.account_cache_entries));
        let follower = tokio::spawn({
            let (accounts, store) = (accounts.clone(), self.store.clone());
            let stopped = stop_background.subscribe();
            async move { accounts.follow_epoch(store, stopped).await }
        });
        let nonce_follower = tokio::spawn({
            let (nonces, store) = (self.nonces.clone(), self.store.clone());
            let (ttl_seconds, stopped) =
                (self.settings.nonce_ttl_seconds, stop_background.subscribe());
            async move { nonces.follow(store, ttl_seconds, stopped).await }
        });
        let clients_reloader = match (&self.access, self.clients_file) {
            (Access::Callers(callers), Some(path)) => Some(tokio::spawn(gate::reload_callers(
                path,
                callers.clone(),
                stop_background.subscribe(),
            ))),
            _ => None,
        };
        let registrar_health = self.registrar.clone().map(|registrar| {
            tokio::spawn(health::watch_registrar(
                registrar,
                health_reporter.clone(),
                stop_background.subscribe(),
            ))
        });
        // Dropped when shutdown is asked: open WatchDevices streams end, so
        // the graceful stop does not wait on them.
        let (stop_watchers, watchers_stopping) = watch::channel(());
        let shutdown = async move {
            shutdown.await;
            drop(stop_watchers);
        };
        let watchers = Watchers::new(self.max_device_watchers, watchers_stopping);
        let instance = self.nonces.keyring.instance();
        let fenced = (self.store.clone(), accounts.clone());
        let api = Api::new(
            self.store.clone(),
            accounts,
            self.nonces,
            self.settings,
            self.registrar,
            watchers,
            self.guards,
            self.onboarding,
        );
        let mut unix_socket = self.unix_socket;
        tracing::info!(
            addr = %self.listener.local_addr()?,
            unix_socket = unix_socket.as_ref().map(|s| s.path().display().to_string()),
            tls = self.tls.is_some(),
            "core-service listening"
        );
        let mut server = Server::builder();
        if let Some(tls) = self.tls {
            server = server.tls_config(tls).context(TLS_REFUSED)?;
        }
        let served = server
            .trace_fn(|request| {
                let path = request.uri().path();
                // The method stays in the log fields (`rpc`): it is all a log
                // line of the core says of its call.
                let rpc = path.trim_start_matches('/');
                let span = tracing::info_span!(
                    "grpc",
                    rpc,
                    otel.name = tracing::field::Empty,
                    otel.kind = tracing::field::Empty,
                    trace_id = tracing::field::Empty,
                    request_id = flexiapi_telemetry::request_id(request.headers()),
                );
                flexiapi_telemetry::name_span(&span, "server", || rpc.to_owned());
                flexiapi_telemetry::set_attribute(&span, "rpc.system", "grpc");
                flexiapi_telemetry::continue_trace(&span, request.headers());
                span
            })
            .layer(tower::layer::layer_fn(metrics::GrpcMetrics))
            .layer(tower::layer::layer_fn(move |inner| {
                Replica::new(inner, instance)
            }))
            .layer(Gate::layer(self.access, CALL_DEADLINE))
            .layer(tower::layer::layer_fn(move |inner| {
                Fence::new(inner, fenced.0.clone(), fenced.1.clone())
            }))
            .add_service(health_service)
            .add_service(reflection)
            .add_service(reflection_v1alpha)
            .add_service(AccountServiceServer::new(api.clone()))
            .add_service(AuthServiceServer::new(api.clone()))
            .add_service(CallForwardingServiceServer::new(api.clone()))
            .add_service(ApiKeyServiceServer::new(api.clone()))
            .add_service(SpaceServiceServer::new(api.clone()))
            .add_service(OnboardingServiceServer::new(api.clone()))
            .add_service(ProvisioningServiceServer::new(api.clone()))
            .add_service(VoicemailServiceServer::new(api.clone()))
            .add_service(StatisticsServiceServer::new(api.clone()))
            .add_service(PushNotificationServiceServer::new(api.clone()))
            .add_service(SessionServiceServer::new(api.clone()))
            .add_service(DeviceServiceServer::new(api))
            .serve_with_incoming_shutdown(incoming(self.listener, unix_socket.as_mut()), shutdown)
            .await;
        drop(unix_socket);

        drop(stop_background);
        let _ = purger.await;
        let _ = follower.await;
        let _ = nonce_follower.await;
        let _ = health.await;
        if let Some(watcher) = registrar_health {
            let _ = watcher.await;
        }
        if let Some(reloader) = clients_reloader {
            let _ = reloader.await;
        }
        if let Some(server) = metrics_server {
            server.abort();
        }
        if let Some(server) = health_server {
            let _ = server.await;
        }
        self.store.close().await;
        served.context("gRPC server failed")
    }
}

const TLS_REFUSED: &str = "the TLS files do not make a server configuration \
    (does --tls-key-file go with --tls-cert-file? is --tls-client-ca-file a CA?)";

fn guards(config: &ServeConfig) -> Guards {
    let window_seconds = i64::from(config.auth_lockout_seconds);
    Guards::new(
        Limits {
            failures: config.auth_failure_limit,
            window_seconds,
        },
        Limits {
            failures: config.api_key_failure_limit,
            window_seconds,
        },
    )
}

fn reflection_builder() -> tonic_reflection::server::Builder<'static> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
}

/// One line at start says which onboarding channels are on, and what the
/// others answer: operators see at once why sign-ups get "not sent".
fn log_channels(channels: &Channels) {
    use crate::rules::onboarding::delivery::Delivery as _;
    let on = channels.channels();
    let off: Vec<&str> = ["push-fcm", "push-apns", "email", "sms"]
        .into_iter()
        .filter(|channel| !on.contains(channel))
        .collect();
    if off.is_empty() {
        tracing::info!(on = ?on, "onboarding channels");
    } else {
        tracing::warn!(
            on = ?on,
            off = ?off,
            "onboarding channels: requests over the channels off answer 503 (not sent)"
        );
    }
}
