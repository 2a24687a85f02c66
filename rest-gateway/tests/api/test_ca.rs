//! A certificate authority of the tests' own (rcgen), and the PEM files it
//! signs: the gateway's HTTPS, the core's gRPC TLS, client certificates.

use std::path::PathBuf;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};

fn named(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name
}

/// A CA and the certificates it signs for `localhost`, as PEM files.
pub struct TestCa {
    dir: tempfile::TempDir,
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl TestCa {
    pub fn new() -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        // Subjects of their own: with rcgen's one default name for both,
        // OpenSSL (curl) takes the leaf for a self-signed certificate.
        params.distinguished_name = named("flexiapi-rs test CA");
        let cert = params.self_signed(&key).unwrap();
        Self {
            dir: tempfile::tempdir().unwrap(),
            cert,
            key,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a new `localhost` certificate and its key to cert.pem and
    /// key.pem; returns the certificate's DER.
    pub fn issue(&self) -> Vec<u8> {
        let key = KeyPair::generate().unwrap();
        let names = vec!["localhost".to_owned()];
        let mut params = CertificateParams::new(names).unwrap();
        params.distinguished_name = named("localhost");
        let leaf = params.signed_by(&key, &self.cert, &self.key).unwrap();
        std::fs::write(self.path("cert.pem"), leaf.pem()).unwrap();
        std::fs::write(self.path("key.pem"), key.serialize_pem()).unwrap();
        std::fs::write(self.path("ca.pem"), self.cert.pem()).unwrap();
        leaf.der().to_vec()
    }

    /// Writes `<name>.pem` and `<name>-key.pem`: a certificate for
    /// `localhost` with the one extended key usage given (a gRPC server's,
    /// or a client's for mutual TLS); returns the two paths.
    pub fn issue_for(&self, name: &str, usage: ExtendedKeyUsagePurpose) -> (PathBuf, PathBuf) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.distinguished_name = named(name);
        params.extended_key_usages = vec![usage];
        let leaf = params.signed_by(&key, &self.cert, &self.key).unwrap();
        let cert = self.path(&format!("{name}.pem"));
        let key_path = self.path(&format!("{name}-key.pem"));
        std::fs::write(&cert, leaf.pem()).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        std::fs::write(self.path("ca.pem"), self.cert.pem()).unwrap();
        (cert, key_path)
    }

    pub fn cert_pem(&self) -> String {
        self.cert.pem()
    }

    pub fn files(&self) -> (PathBuf, PathBuf) {
        (self.path("cert.pem"), self.path("key.pem"))
    }

    /// Flexisip's client: HTTP/2 only (ALPN h2), trusting this CA.
    pub fn flexisip_client(&self) -> reqwest::Client {
        let ca = reqwest::Certificate::from_pem(self.cert.pem().as_bytes()).unwrap();
        reqwest::Client::builder()
            .use_rustls_tls()
            .add_root_certificate(ca)
            .http2_prior_knowledge()
            .tls_info(true)
            .build()
            .unwrap()
    }
}
