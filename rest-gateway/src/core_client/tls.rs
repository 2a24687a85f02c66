//! TLS to the core, for `--core-url https://…`: the core's certificate is
//! checked against `--core-ca-file` (an internal CA, not the system's
//! roots), and with `--core-client-cert-file` / `--core-client-key-file` the
//! gateway presents its own certificate (the core's mutual TLS). rustls with
//! ring; ALPN `h2`, set by the connector.

use std::{
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicU8, Ordering},
        Arc,
    },
};

use anyhow::Context as _;
use rustls::{
    client::{
        danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
        WebPkiServerVerifier,
    },
    pki_types::{pem::PemObject as _, CertificateDer, PrivateKeyDer, ServerName, UnixTime},
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::config::Config;

/// The client configuration `config` asks for: `None` for `http://`.
pub fn client_config(config: &Config, https: bool) -> anyhow::Result<Option<ClientConfig>> {
    let given = config.core_ca_file.is_some()
        || config.core_client_cert_file.is_some()
        || config.core_client_key_file.is_some();
    if !https {
        anyhow::ensure!(
            !given,
            "--core-ca-file and --core-client-cert-file / --core-client-key-file need an https:// --core-url"
        );
        return Ok(None);
    }
    let ca = config.core_ca_file.as_deref().context(
        "an https:// --core-url needs --core-ca-file (the CA that signed the core's certificate)",
    )?;
    let mut roots = RootCertStore::empty();
    for certificate in certificates(ca, "--core-ca-file")? {
        roots
            .add(certificate)
            .with_context(|| format!("--core-ca-file {}: not a CA certificate", ca.display()))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Explaining {
        inner: WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .with_context(|| format!("--core-ca-file {}: no usable CA", ca.display()))?,
        ca_file: ca.to_path_buf(),
        told: AtomicU8::new(0),
    };
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("rustls refused its own default protocol versions")?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let client = match (&config.core_client_cert_file, &config.core_client_key_file) {
        (Some(cert), Some(key)) => {
            let chain = certificates(cert, "--core-client-cert-file")?;
            let key_pem = read(key, "--core-client-key-file")?;
            let key_der = PrivateKeyDer::from_pem_slice(&key_pem).with_context(|| {
                format!(
                    "--core-client-key-file {} holds no PEM private key",
                    key.display()
                )
            })?;
            builder
                .with_client_auth_cert(chain, key_der)
                .with_context(|| {
                    format!(
                        "--core-client-key-file {} does not go with --core-client-cert-file {}",
                        key.display(),
                        cert.display()
                    )
                })?
        }
        (None, None) => builder.with_no_client_auth(),
        _ => anyhow::bail!("--core-client-cert-file and --core-client-key-file go together"),
    };
    // ALPN (h2 only) is hyper-rustls's to set: enable_http2 in core_client.
    Ok(Some(client))
}

/// rustls's own check of the core's certificate against `--core-ca-file`,
/// unchanged, plus one clear line (once per reason) when it refuses it for
/// a reason an operator fixes with files: otherwise only each request's
/// 503 and a `CaUsedAsEndEntity` deep in a debug log would tell.
#[derive(Debug)]
struct Explaining {
    inner: Arc<WebPkiServerVerifier>,
    ca_file: PathBuf,
    /// One bit per reason already logged.
    told: AtomicU8,
}

impl Explaining {
    fn explain(&self, error: &rustls::Error) {
        let Some((bit, why)) = explanation(error) else {
            return;
        };
        if self.told.fetch_or(bit, Ordering::Relaxed) & bit == 0 {
            tracing::error!(
                ca_file = %self.ca_file.display(),
                "the core's TLS certificate is refused: {why} (docs/security.md shows the openssl commands)"
            );
        }
    }
}

/// The refusals an operator fixes with files, each with its bit and fix.
fn explanation(error: &rustls::Error) -> Option<(u8, &'static str)> {
    let rustls::Error::InvalidCertificate(error) = error else {
        return None;
    };
    match error {
        CertificateError::Other(other)
            if matches!(
                other.0.downcast_ref::<webpki::Error>(),
                Some(webpki::Error::CaUsedAsEndEntity)
            ) =>
        {
            Some((
                1,
                "it is a CA certificate (CA:TRUE, what `openssl req -x509` makes), which TLS \
                 does not accept as a server's; give the core (--tls-cert-file) a certificate \
                 signed by a CA, and the gateway that CA as --core-ca-file",
            ))
        }
        CertificateError::UnknownIssuer => Some((
            2,
            "it is not signed by a CA of --core-ca-file; give the CA that signed it",
        )),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            Some((
                4,
                "it does not name the host of --core-url; use a name its subjectAltName holds",
            ))
        }
        _ => None,
    }
}

impl ServerCertVerifier for Explaining {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .inspect_err(|error| self.explain(error))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

fn read(path: &Path, flag: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {flag} {}", path.display()))
}

fn certificates(path: &Path, flag: &str) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let chain = CertificateDer::pem_slice_iter(&read(path, flag)?)
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("{flag} {} is not PEM", path.display()))?;
    anyhow::ensure!(
        !chain.is_empty(),
        "{flag} {} holds no certificate",
        path.display()
    );
    Ok(chain)
}
