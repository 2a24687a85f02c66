//! TLS on the internal plane: the core serves gRPC over TLS, with mutual
//! TLS when given a client CA; the gateway reaches it at an https:// URL
//! with the CA and its own certificate. A gateway without a certificate,
//! or speaking plain HTTP/2 to it, gets nothing through (503).

use std::{net::SocketAddr, path::PathBuf};

use core_service::{
    app::{
        startup::{Application as Core, ServeConfig},
        tls::TlsFiles,
    },
    testing::{Backend, TestDatabase},
};
use flexiapi_proto::pb::{self, account_service_client::AccountServiceClient};
use rcgen::ExtendedKeyUsagePurpose::{ClientAuth, ServerAuth};
use reqwest::StatusCode;
use rest_gateway::{config::Config, startup::Application as Gateway};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

use crate::{helpers::DigestClient, test_ca::TestCa};

struct Pki {
    ca: TestCa,
    server: (PathBuf, PathBuf),
    client: (PathBuf, PathBuf),
}

fn pki() -> Pki {
    let ca = TestCa::new();
    let server = ca.issue_for("core", ServerAuth);
    let client = ca.issue_for("gateway", ClientAuth);
    Pki { ca, server, client }
}

/// A core on SQLite serving gRPC over TLS (mutual when asked), with its
/// plain health port; an admin made over the same TLS. Its two addresses.
async fn tls_core(pki: &Pki, database: &TestDatabase, mutual: bool) -> (SocketAddr, SocketAddr) {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = flexiapi_telemetry::init("rest-gateway");
    }
    let core = Core::build(&ServeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: database.url.clone(),
        database_max_connections: 4,
        health_listen: Some("127.0.0.1:0".parse().unwrap()),
        tls: Some(TlsFiles {
            cert: pki.server.0.clone(),
            key: pki.server.1.clone(),
            client_ca: mutual.then(|| pki.ca.path("ca.pem")),
        }),
        ..ServeConfig::default()
    })
    .await
    .unwrap();
    let addr = core.local_addr().unwrap();
    let health = core.health_addr().unwrap();
    tokio::spawn(core.run_until_stopped(std::future::pending()));
    // The operator's first admin, over the same TLS (and certificate).
    let tls = ClientTlsConfig::new()
        .domain_name("localhost")
        .ca_certificate(Certificate::from_pem(pki.ca.cert_pem()))
        .identity(Identity::from_pem(
            std::fs::read(&pki.client.0).unwrap(),
            std::fs::read(&pki.client.1).unwrap(),
        ));
    let channel = Channel::from_shared(format!("https://localhost:{}", addr.port()))
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .connect()
        .await
        .unwrap();
    AccountServiceClient::new(channel)
        .create_account(pb::CreateAccountRequest {
            username: "admin01".into(),
            password: "admin-password".into(),
            algorithm: "SHA-256".into(),
            admin: true,
            ..Default::default()
        })
        .await
        .unwrap();
    (addr, health)
}

async fn gateway(config: Config) -> String {
    let gateway = Gateway::build(&Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..config
    })
    .await
    .unwrap();
    let base = format!("http://{}", gateway.local_addr().unwrap());
    tokio::spawn(gateway.run_until_stopped(std::future::pending()));
    base
}

/// A Digest-authenticated ping through a gateway that reaches the core.
async fn ping(base: &str) -> StatusCode {
    DigestClient::new(base, "admin01", "admin-password")
        .get("/api/ping")
        .await
        .status()
}

/// What a gateway answers when it cannot reach the core: the first step
/// (the challenge) already fails.
pub async fn unreachable(base: &str) -> StatusCode {
    reqwest::Client::new()
        .get(format!("{base}/api/ping"))
        .header("From", "sip:admin01@sip.example.org")
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_gateway_with_its_certificate_reaches_a_mutual_tls_core_and_no_other_does() {
    let pki = pki();
    let database = TestDatabase::create(Backend::Sqlite)
        .await
        .unwrap()
        .unwrap();
    let (core, health) = tls_core(&pki, &database, true).await;
    let https = format!("https://localhost:{}", core.port());

    // Kubernetes' probe: plain HTTP/2, no certificate, health alone.
    let plain = Channel::from_shared(format!("http://{health}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let status = tonic_health::pb::health_client::HealthClient::new(plain.clone())
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .unwrap()
        .into_inner()
        .status();
    assert_eq!(
        status,
        tonic_health::pb::health_check_response::ServingStatus::Serving
    );
    let elsewhere = pb::auth_service_client::AuthServiceClient::new(plain)
        .challenge(pb::ChallengeRequest::default())
        .await
        .unwrap_err();
    assert_eq!(elsewhere.code(), tonic::Code::Unimplemented, "health only");

    let with_certificate = Config {
        core_url: https.clone(),
        core_ca_file: Some(pki.ca.path("ca.pem")),
        core_client_cert_file: Some(pki.client.0.clone()),
        core_client_key_file: Some(pki.client.1.clone()),
        ..Config::default()
    };
    assert_eq!(ping(&gateway(with_certificate).await).await, StatusCode::OK);

    let without_certificate = Config {
        core_url: https,
        core_ca_file: Some(pki.ca.path("ca.pem")),
        ..Config::default()
    };
    let refused = gateway(without_certificate).await;
    assert_eq!(unreachable(&refused).await, StatusCode::SERVICE_UNAVAILABLE);

    let plain = Config {
        core_url: format!("http://127.0.0.1:{}", core.port()),
        ..Config::default()
    };
    assert_eq!(
        unreachable(&gateway(plain).await).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn without_a_client_ca_the_core_serves_tls_to_any_client_that_trusts_it() {
    let pki = pki();
    let database = TestDatabase::create(Backend::Sqlite)
        .await
        .unwrap()
        .unwrap();
    let (core, _) = tls_core(&pki, &database, false).await;
    let config = Config {
        core_url: format!("https://localhost:{}", core.port()),
        core_ca_file: Some(pki.ca.path("ca.pem")),
        ..Config::default()
    };
    assert_eq!(ping(&gateway(config).await).await, StatusCode::OK);

    // A CA that did not sign the core's certificate: no connection.
    let stranger = TestCa::new();
    stranger.issue();
    let config = Config {
        core_url: format!("https://localhost:{}", core.port()),
        core_ca_file: Some(stranger.path("ca.pem")),
        ..Config::default()
    };
    assert_eq!(
        unreachable(&gateway(config).await).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn tls_files_that_do_not_load_stop_either_start_naming_the_flag() {
    let pki = pki();
    let database = TestDatabase::create(Backend::Sqlite)
        .await
        .unwrap()
        .unwrap();
    let not_pem = pki.ca.path("not.pem");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let (other_cert, _) = pki.ca.issue_for("other", ServerAuth);
    let core_cases = [
        (
            not_pem.clone(),
            pki.server.1.clone(),
            None,
            "--tls-cert-file",
        ),
        (
            pki.server.0.clone(),
            not_pem.clone(),
            None,
            "--tls-key-file",
        ),
        (
            other_cert,
            pki.server.1.clone(),
            None,
            "does --tls-key-file go with",
        ),
        (
            pki.server.0.clone(),
            pki.server.1.clone(),
            Some(not_pem.clone()),
            "--tls-client-ca-file",
        ),
    ];
    for (cert, key, client_ca, expected) in core_cases {
        let config = ServeConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: database.url.clone(),
            tls: Some(TlsFiles {
                cert,
                key,
                client_ca,
            }),
            ..ServeConfig::default()
        };
        let Err(error) = Core::build(&config).await else {
            panic!("the core started with {expected}");
        };
        assert!(
            format!("{error:#}").contains(expected),
            "{expected}: {error:#}"
        );
    }

    let https = "https://localhost:1".to_owned();
    let gateway_cases = [
        (
            Config {
                core_url: https.clone(),
                ..Config::default()
            },
            "needs --core-ca-file",
        ),
        (
            Config {
                core_url: https.clone(),
                core_ca_file: Some(not_pem.clone()),
                ..Config::default()
            },
            "--core-ca-file",
        ),
        (
            Config {
                core_url: https,
                core_ca_file: Some(pki.ca.path("ca.pem")),
                core_client_cert_file: Some(pki.client.0.clone()),
                core_client_key_file: Some(pki.server.1.clone()),
                ..Config::default()
            },
            "does not go with --core-client-cert-file",
        ),
        (
            Config {
                core_ca_file: Some(pki.ca.path("ca.pem")),
                ..Config::default()
            },
            "need an https:// --core-url",
        ),
    ];
    for (config, expected) in gateway_cases {
        let Err(error) = Gateway::build(&config).await else {
            panic!("the gateway started: {expected}");
        };
        assert!(
            format!("{error:#}").contains(expected),
            "{expected}: {error:#}"
        );
    }
}
