//! HTTPS for Flexisip, which calls the account manager over TLS with HTTP/2
//! only: the certificate and key of `--tls-cert-file` / `--tls-key-file`
//! (PEM), ALPN `h2` then `http/1.1`, rustls with ring (one crypto provider
//! for the whole workspace, no OpenSSL).
//!
//! A renewed certificate (cert-manager rewrites the mounted Secret) is
//! picked up without a restart: the files are read again every
//! `--tls-reload-seconds` and on SIGHUP; a pair that does not load is
//! logged and the one in service stays.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use anyhow::Context as _;
use axum_server::tls_rustls::RustlsConfig;
use rustls::{
    pki_types::{pem::PemObject as _, CertificateDer, PrivateKeyDer},
    ServerConfig,
};
use tokio::sync::watch;

/// Where the certificate and key are, as given on the command line.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The two files' contents, as last loaded (to tell a renewal from nothing).
#[derive(PartialEq, Eq)]
struct Loaded {
    cert: Vec<u8>,
    key: Vec<u8>,
}

impl TlsFiles {
    fn read(&self) -> anyhow::Result<Loaded> {
        let read = |path: &Path, flag: &str| {
            std::fs::read(path).with_context(|| format!("cannot read {flag} {}", path.display()))
        };
        Ok(Loaded {
            cert: read(&self.cert, "--tls-cert-file")?,
            key: read(&self.key, "--tls-key-file")?,
        })
    }

    /// The server configuration of these files; each failure names its flag.
    pub fn server_config(&self) -> anyhow::Result<Arc<ServerConfig>> {
        self.config_of(&self.read()?)
    }

    fn config_of(&self, loaded: &Loaded) -> anyhow::Result<Arc<ServerConfig>> {
        let cert_flag = || format!("--tls-cert-file {}", self.cert.display());
        let key_flag = || format!("--tls-key-file {}", self.key.display());
        let chain = CertificateDer::pem_slice_iter(&loaded.cert)
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("{} is not PEM", cert_flag()))?;
        anyhow::ensure!(!chain.is_empty(), "{} holds no certificate", cert_flag());
        let key = PrivateKeyDer::from_pem_slice(&loaded.key)
            .with_context(|| format!("{} holds no PEM private key", key_flag()))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("rustls refused its own default protocol versions")?
            .with_no_client_auth()
            // Fails when the key is not the certificate's.
            .with_single_cert(chain, key)
            .with_context(|| format!("{} does not go with {}", key_flag(), cert_flag()))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// Loads the pair now (an error fails the start) and returns what serves it.
pub fn load(files: &TlsFiles) -> anyhow::Result<RustlsConfig> {
    Ok(RustlsConfig::from_config(files.server_config()?))
}

/// Reloads `config` from `files` whenever they change, checking every
/// `every` and at each SIGHUP, until `stop` changes.
pub async fn keep_fresh(
    config: RustlsConfig,
    files: TlsFiles,
    every: Duration,
    mut stop: watch::Receiver<()>,
) {
    let mut current = files.read().ok();
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let hangup_received = async {
            match hangup.as_mut() {
                Some(signal) => signal.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = ticks.tick() => {}
            _ = hangup_received => tracing::info!("SIGHUP: reading the TLS files again"),
            _ = stop.changed() => return,
        }
        let loaded = match files.read() {
            Ok(loaded) if current.as_ref() != Some(&loaded) => loaded,
            Ok(_) => continue,
            Err(error) => {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "TLS files unreadable; the certificate in service stays"
                );
                continue;
            }
        };
        match files.config_of(&loaded) {
            Ok(fresh) => {
                config.reload_from_config(fresh);
                tracing::info!(cert = %files.cert.display(), "TLS certificate reloaded");
            }
            Err(error) => {
                // Half-written files (the key renewed, not yet the
                // certificate) land here; the next check sees them whole.
                tracing::warn!(
                    error = format!("{error:#}"),
                    "new TLS files do not load; the certificate in service stays"
                );
            }
        }
        current = Some(loaded);
    }
}
