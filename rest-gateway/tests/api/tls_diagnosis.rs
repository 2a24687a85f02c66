//! A core certificate the gateway refuses, named in its log at start with
//! the fix: the mistakes operators make with internal TLS files.

use std::{
    io::{BufRead as _, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use core_service::{
    app::{
        startup::{Application as Core, ServeConfig},
        tls::TlsFiles,
    },
    testing::{Backend, TestDatabase},
};
use reqwest::StatusCode;

use crate::{
    internal_tls::unreachable,
    processes::{free_port, wait_for_port},
};

/// What `openssl req -x509` makes by default (`CA:TRUE`), given as both
/// the core's certificate and the gateway's `--core-ca-file`: TLS refuses
/// a CA as a server, so every request is a 503. The gateway's log names the
/// flag and the fix at its start, before any request, and once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_core_certificate_that_is_its_own_ca_is_named_in_the_gateways_log_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let certificate = params.self_signed(&key).unwrap();
    let (cert, key_file) = (dir.path().join("core.pem"), dir.path().join("core-key.pem"));
    std::fs::write(&cert, certificate.pem()).unwrap();
    std::fs::write(&key_file, key.serialize_pem()).unwrap();
    let database = TestDatabase::create(Backend::Sqlite)
        .await
        .unwrap()
        .unwrap();
    let core = Core::build(&ServeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: database.url.clone(),
        database_max_connections: 4,
        tls: Some(TlsFiles {
            cert: cert.clone(),
            key: key_file,
            client_ca: None,
        }),
        ..ServeConfig::default()
    })
    .await
    .unwrap();
    let core_port = core.local_addr().unwrap().port();
    tokio::spawn(core.run_until_stopped(std::future::pending()));

    let port = free_port();
    let mut gateway = Command::new(env!("CARGO_BIN_EXE_rest-gateway"))
        .env("FLEXIAPI_GATEWAY_LISTEN", format!("127.0.0.1:{port}"))
        .env(
            "FLEXIAPI_CORE_URL",
            format!("https://localhost:{core_port}"),
        )
        .env("FLEXIAPI_CORE_CA_FILE", &cert)
        .env("RUST_LOG", "info")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = log_lines(gateway.stderr.take().unwrap());
    let named = |line: &String| line.contains("it is a CA certificate");
    // Before any request: the start's own probe makes the handshake.
    let deadline = Instant::now() + Duration::from_secs(15);
    let told = std::iter::from_fn(|| {
        lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .ok()
    })
    .find(named)
    .expect("the gateway's log names the refused certificate at start");
    assert!(
        told.contains("--core-ca-file")
            && told.contains("--tls-cert-file")
            && told.contains(&cert.display().to_string()),
        "{told}"
    );
    wait_for_port(port);
    assert_eq!(
        unreachable(&format!("http://127.0.0.1:{port}")).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let again: Vec<String> = lines.try_iter().filter(named).collect();
    assert!(again.is_empty(), "said once: {again:?}");
    gateway.kill().unwrap();
    gateway.wait().unwrap();
}

/// A child's stderr, line by line, as it comes.
fn log_lines(stderr: std::process::ChildStderr) -> std::sync::mpsc::Receiver<String> {
    let (sender, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    lines
}
