//! The servers of a test system: a real core and a real gateway, each a
//! task of the test's runtime, started with the options a test chose.

use std::{net::SocketAddr, path::PathBuf};

use core_service::{
    adapters::delivery::DeliveryConfig,
    app::startup::{Application as Core, ServeConfig},
    domain::Domain,
    rules::{
        onboarding::Settings as OnboardingSettings, provisioning::Settings as ProvisioningSettings,
    },
};
use rest_gateway::{config::Config, startup::Application as Gateway};
use tokio::{sync::oneshot, task::JoinHandle};

pub const DOMAIN: &str = "sip.example.org";

/// A server task that stops when told to.
pub struct Running {
    pub(crate) stop: oneshot::Sender<()>,
    pub(crate) task: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }
}

/// How a test's core and gateway are started (each field one of their
/// flags, the defaults a user gets unless a test says otherwise).
#[derive(Clone)]
pub struct Options {
    pub nonce_ttl_seconds: u32,
    pub body_limit_bytes: u64,
    /// Serve HTTPS with this certificate and key (PEM files); `base` is
    /// then `https://localhost:PORT`.
    pub tls: Option<(PathBuf, PathBuf)>,
    pub tls_reload_seconds: u64,
    /// The core reads devices from this Redis (Flexisip's registrar).
    pub registrar_redis_url: Option<String>,
    /// `--trust-forwarded-for` on the gateway.
    pub trust_forwarded_for: bool,
    /// The gateway's `--request-timeout-seconds`,
    /// `--header-read-timeout-seconds` and `--keep-alive-timeout-seconds`.
    pub request_timeout_seconds: u64,
    pub header_read_timeout_seconds: u64,
    pub keep_alive_timeout_seconds: u64,
    /// `--cors-allowed-origins`.
    pub cors_allowed_origins: Vec<String>,
    /// The core's part 4 lifetimes and limits, and its channels.
    pub onboarding: OnboardingSettings,
    pub delivery: DeliveryConfig,
    /// The core's part 5 token lifetimes.
    pub provisioning: ProvisioningSettings,
    /// The gateway's `--public-url` and hCaptcha (secret, sitekey, verify URL).
    pub public_url: Option<String>,
    pub hcaptcha: Option<(String, String, String)>,
    /// The core's `--files-dir` (a directory of the test's own when
    /// `None`) and `--voicemail-max-bytes`.
    pub files_dir: Option<PathBuf>,
    pub voicemail_max_bytes: u64,
    /// The gateway's `--web-panel`.
    pub web_panel: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            nonce_ttl_seconds: 300,
            body_limit_bytes: 64 * 1024,
            tls: None,
            tls_reload_seconds: 60,
            registrar_redis_url: None,
            trust_forwarded_for: false,
            request_timeout_seconds: 10,
            header_read_timeout_seconds: 10,
            keep_alive_timeout_seconds: 60,
            cors_allowed_origins: Vec::new(),
            onboarding: OnboardingSettings::default(),
            delivery: DeliveryConfig::default(),
            provisioning: ProvisioningSettings::default(),
            public_url: None,
            hcaptcha: None,
            files_dir: None,
            voicemail_max_bytes: 16_777_216,
            web_panel: true,
        }
    }
}

/// The gateway `options` describe, in front of `core_url`.
pub(crate) fn gateway_config(options: &Options, core_url: String) -> Config {
    Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        core_url,
        body_limit_bytes: options.body_limit_bytes,
        tls_cert_file: options.tls.as_ref().map(|(cert, _)| cert.clone()),
        tls_key_file: options.tls.as_ref().map(|(_, key)| key.clone()),
        tls_reload_seconds: options.tls_reload_seconds,
        trust_forwarded_for: options.trust_forwarded_for,
        web_panel: options.web_panel,
        request_timeout_seconds: options.request_timeout_seconds,
        header_read_timeout_seconds: options.header_read_timeout_seconds,
        keep_alive_timeout_seconds: options.keep_alive_timeout_seconds,
        cors_allowed_origins: options
            .cors_allowed_origins
            .iter()
            .map(|origin| origin.parse().unwrap())
            .collect(),
        public_url: options.public_url.clone(),
        hcaptcha_secret: options.hcaptcha.as_ref().map(|h| h.0.clone()),
        hcaptcha_sitekey: options.hcaptcha.as_ref().map(|h| h.1.clone()),
        hcaptcha_verify_url: options
            .hcaptcha
            .as_ref()
            .map_or_else(|| Config::default().hcaptcha_verify_url, |h| h.2.clone()),
        ..Config::default()
    }
}

/// A running gateway and its base URL.
pub(crate) async fn start_gateway(config: &Config) -> (Running, String) {
    let gateway = Gateway::build(config).await.unwrap();
    let port = gateway.local_addr().unwrap().port();
    let base = if gateway.is_tls() {
        format!("https://localhost:{port}")
    } else {
        format!("http://127.0.0.1:{port}")
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(gateway.run_until_stopped(async {
        let _ = stopped.await;
    }));
    (Running { stop, task }, base)
}

pub(crate) async fn start_core(
    database_url: &str,
    listen: SocketAddr,
    options: &Options,
) -> (Running, SocketAddr) {
    let config = ServeConfig {
        listen,
        database_url: database_url.to_owned(),
        database_max_connections: 4,
        sip_domain: Domain::parse(DOMAIN).unwrap(),
        nonce_ttl_seconds: options.nonce_ttl_seconds,
        metrics_listen: None,
        account_cache_entries: 100,
        api_key_idle_minutes: 60,
        registrar_redis_url: options.registrar_redis_url.clone(),
        max_device_watchers: 8,
        onboarding: options.onboarding.clone(),
        delivery: options.delivery.clone(),
        provisioning: options.provisioning.clone(),
        files_dir: options.files_dir.clone().unwrap_or_default(),
        voicemail_max_bytes: options.voicemail_max_bytes,
        ..ServeConfig::default()
    };
    let core = Core::build(&config).await.unwrap();
    let addr = core.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(core.run_until_stopped(async {
        let _ = stopped.await;
    }));
    (Running { stop, task }, addr)
}
