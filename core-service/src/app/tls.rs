//! TLS on the gRPC port: the certificate and key of `--tls-cert-file` /
//! `--tls-key-file` (PEM), and with `--tls-client-ca-file` mutual TLS: a
//! caller without a certificate that CA signed cannot even open a
//! connection. rustls with ring, as everywhere in the workspace.
//!
//! The files are read at start: a renewed certificate is served after a
//! restart (a rolling one, with two replicas, fails no call).

use std::{path::PathBuf, time::Duration};

use anyhow::Context as _;
use rustls_pki_types::{pem::PemObject as _, CertificateDer, PrivateKeyDer};
use tonic::transport::{Certificate, Identity, ServerTlsConfig};

/// Where the TLS material is, as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// Callers must present a certificate this CA signed.
    pub client_ca: Option<PathBuf>,
}

/// A handshake that has not finished by then is dropped: a client that
/// opens connections and says nothing cannot hold them.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

impl TlsFiles {
    /// The server configuration, each file checked first so that a failure
    /// names its flag and path.
    pub fn server_config(&self) -> anyhow::Result<ServerTlsConfig> {
        let cert = read(&self.cert, "--tls-cert-file")?;
        let chain = CertificateDer::pem_slice_iter(&cert)
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("--tls-cert-file {} is not PEM", self.cert.display()))?;
        anyhow::ensure!(
            !chain.is_empty(),
            "--tls-cert-file {} holds no certificate",
            self.cert.display()
        );
        let key = read(&self.key, "--tls-key-file")?;
        PrivateKeyDer::from_pem_slice(&key).with_context(|| {
            format!(
                "--tls-key-file {} holds no PEM private key",
                self.key.display()
            )
        })?;
        let mut config = ServerTlsConfig::new()
            .identity(Identity::from_pem(cert, key))
            .timeout(HANDSHAKE_TIMEOUT);
        if let Some(path) = &self.client_ca {
            let ca = read(path, "--tls-client-ca-file")?;
            let roots = CertificateDer::pem_slice_iter(&ca)
                .collect::<Result<Vec<_>, _>>()
                .ok()
                .filter(|roots| !roots.is_empty());
            anyhow::ensure!(
                roots.is_some(),
                "--tls-client-ca-file {} holds no PEM certificate",
                path.display()
            );
            config = config.client_ca_root(Certificate::from_pem(ca));
        }
        Ok(config)
    }
}

fn read(path: &std::path::Path, flag: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {flag} {}", path.display()))
}
