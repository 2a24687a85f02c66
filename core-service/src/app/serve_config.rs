//! What `serve` is given: every flag of the running core, with the
//! defaults of a bare `core-service` (the laptop run).

use std::{net::SocketAddr, path::PathBuf};

use crate::{
    adapters::delivery::DeliveryConfig,
    app::tls::TlsFiles,
    domain::Domain,
    rules::{
        onboarding::Settings as OnboardingSettings, provisioning::Settings as ProvisioningSettings,
        sessions::Lifetimes,
    },
};

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    /// `--unix-socket`: also serve there (a gateway on the same host).
    pub unix_socket: Option<PathBuf>,
    pub database_url: String,
    pub database_max_connections: u32,
    pub sip_domain: Domain,
    pub nonce_ttl_seconds: u32,
    /// `--proxy-nonce-retention-seconds`.
    pub proxy_nonce_retention_seconds: u32,
    pub metrics_listen: Option<SocketAddr>,
    /// `--health-listen`: `grpc.health.v1` alone, without TLS or token, for
    /// probes that cannot speak TLS (Kubernetes' gRPC probe).
    pub health_listen: Option<SocketAddr>,
    pub account_cache_entries: usize,
    pub api_key_idle_minutes: u32,
    /// `--panel-session-idle-minutes` and `--panel-session-max-hours`.
    pub panel_sessions: Lifetimes,
    /// `--registrar-redis-url`: Flexisip's registrar as the source of devices.
    pub registrar_redis_url: Option<String>,
    /// `--max-device-watchers`: open WatchDevices streams per core.
    pub max_device_watchers: usize,
    /// `--clients-file`: who may call, by token and role; `None` serves
    /// anyone, which is allowed on a loopback address only.
    pub clients_file: Option<PathBuf>,
    /// `--auth-failure-limit`, `--api-key-failure-limit` and
    /// `--auth-lockout-seconds`.
    pub auth_failure_limit: u32,
    pub api_key_failure_limit: u32,
    pub auth_lockout_seconds: u32,
    /// `--tls-cert-file` / `--tls-key-file` / `--tls-client-ca-file`.
    pub tls: Option<TlsFiles>,
    /// Part 4's lifetimes and limits.
    pub onboarding: OnboardingSettings,
    /// Part 5's token lifetimes.
    pub provisioning: ProvisioningSettings,
    /// Part 4's channels: push, email, SMS.
    pub delivery: DeliveryConfig,
    /// `--files-dir`: uploaded files (part 6).
    pub files_dir: PathBuf,
    /// `--voicemail-max-bytes`.
    pub voicemail_max_bytes: u64,
    /// `--statistics-retention-days` (0: keep).
    pub statistics_retention_days: u32,
}

impl Default for ServeConfig {
    /// The laptop run: what a bare `core-service` does.
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 50051)),
            unix_socket: None,
            database_url: "sqlite://flexiapi.sqlite?mode=rwc".into(),
            database_max_connections: crate::adapters::sql::DEFAULT_POSTGRES_CONNECTIONS,
            sip_domain: Domain::default(),
            nonce_ttl_seconds: 300,
            proxy_nonce_retention_seconds: 3_600,
            metrics_listen: None,
            health_listen: None,
            account_cache_entries: 10_000,
            api_key_idle_minutes: 60,
            panel_sessions: Lifetimes::default(),
            registrar_redis_url: None,
            max_device_watchers: 1000,
            clients_file: None,
            auth_failure_limit: 5,
            api_key_failure_limit: 20,
            auth_lockout_seconds: 300,
            tls: None,
            onboarding: OnboardingSettings::default(),
            provisioning: ProvisioningSettings::default(),
            delivery: DeliveryConfig::default(),
            files_dir: PathBuf::from("files"),
            voicemail_max_bytes: 16_777_216,
            statistics_retention_days: 0,
        }
    }
}
