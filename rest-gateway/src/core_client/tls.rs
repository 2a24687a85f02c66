//! TLS to the core, for `--core-url https://…`: the core's certificate is
//! checked against `--core-ca-file` (an internal CA, not the system's
//! roots), and with `--core-client-cert-file` / `--core-client-key-file` the
//! gateway presents its own certificate (the core's mutual TLS). rustls with
//! ring; ALPN `h2`, set by the connector.

use std::{path::Path, sync::Arc};

use anyhow::Context as _;
use rustls::{
    pki_types::{pem::PemObject as _, CertificateDer, PrivateKeyDer},
    ClientConfig, RootCertStore,
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
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("rustls refused its own default protocol versions")?
        .with_root_certificates(roots);
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
