//! The core's `--unix-socket` and the gateway's `--core-url unix:PATH`: a
//! gateway on the core's host reaches it without the loopback TCP stack.
//! The same services answer on both; the socket file is owner and group
//! only, replaced when stale, never taken from a live core, and removed
//! when the core stops.

use std::{
    os::unix::fs::{FileTypeExt as _, PermissionsExt as _},
    path::{Path, PathBuf},
};

use core_service::{
    app::{
        startup::{Application as Core, ServeConfig},
        tls::TlsFiles,
    },
    testing::{Backend, TestDatabase},
};
use flexiapi_proto::pb::{self, account_service_client::AccountServiceClient};
use reqwest::StatusCode;
use rest_gateway::config::Config;

use crate::{
    helpers::DigestClient,
    servers::{start_gateway, Running},
    test_ca::TestCa,
};

fn core_config(database: &TestDatabase, socket: &Path) -> ServeConfig {
    ServeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        unix_socket: Some(socket.to_owned()),
        database_url: database.url.clone(),
        database_max_connections: 4,
        ..ServeConfig::default()
    }
}

/// A core serving on `socket` (and a TCP port); stopped by the handle.
async fn start(config: &ServeConfig) -> (Running, std::net::SocketAddr) {
    let core = Core::build(config).await.unwrap();
    let addr = core.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(core.run_until_stopped(async {
        let _ = stopped.await;
    }));
    (Running { stop, task }, addr)
}

/// Why `config` does not start.
async fn refused(config: &ServeConfig) -> String {
    match Core::build(config).await {
        Ok(_) => panic!("a core started where it must not"),
        Err(error) => format!("{error:#}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_reaches_its_core_over_a_unix_socket() {
    let dir = tempfile::tempdir().unwrap();
    let socket: PathBuf = dir.path().join("core.sock");
    let database = TestDatabase::create(Backend::Sqlite)
        .await
        .unwrap()
        .unwrap();
    let config = core_config(&database, &socket);
    let (core, tcp) = start(&config).await;
    let metadata = std::fs::symlink_metadata(&socket).unwrap();
    assert!(metadata.file_type().is_socket());
    assert_eq!(metadata.permissions().mode() & 0o777, 0o660);

    // An account made over TCP; Digest through a gateway on the socket.
    AccountServiceClient::connect(format!("http://{tcp}"))
        .await
        .unwrap()
        .create_account(pb::CreateAccountRequest {
            username: "alice01".into(),
            password: "alice-pw".into(),
            algorithm: "SHA-256".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let gateway_config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        core_url: format!("unix:{}", socket.display()),
        ..Config::default()
    };
    let (gateway, base) = start_gateway(&gateway_config).await;
    let mut alice = DigestClient::new(&base, "alice01", "alice-pw");
    assert_eq!(alice.get("/api/ping").await.status(), StatusCode::OK);
    assert_eq!(
        alice.get("/api/ping").await.status(),
        StatusCode::OK,
        "nonce reused"
    );
    let ready = reqwest::get(format!("{base}/healthz/ready")).await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);

    // Nobody takes a live core's socket.
    let error = refused(&config).await;
    assert!(error.contains("another process serves on"), "{error}");
    assert!(error.contains("--unix-socket"), "{error}");

    // Stopped: the file is gone and the gateway says so; started again,
    // the gateway reconnects by itself.
    core.stop().await;
    assert!(!socket.exists(), "the socket file is removed at stop");
    let down = alice.get("/api/ping").await;
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    let (core, _) = start(&config).await;
    let mut alice = DigestClient::new(&base, "alice01", "alice-pw");
    assert_eq!(alice.get("/api/ping").await.status(), StatusCode::OK);
    core.stop().await;
    gateway.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_socket_is_replaced_and_anything_else_refused() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::create(Backend::Sqlite)
        .await
        .unwrap()
        .unwrap();

    // What a core killed with SIGKILL leaves: a socket file nobody serves.
    let stale = dir.path().join("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
    assert!(stale.exists());
    let (core, _) = start(&core_config(&database, &stale)).await;
    assert!(tokio::net::UnixStream::connect(&stale).await.is_ok());
    core.stop().await;

    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "an operator's notes").unwrap();
    let error = refused(&core_config(&database, &file)).await;
    assert!(error.contains("exists and is not a socket"), "{error}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "an operator's notes"
    );

    // The gateway's Unix connector speaks plain HTTP/2: no TLS there.
    let ca = TestCa::new();
    ca.issue();
    let (cert, key) = ca.files();
    let tls = ServeConfig {
        tls: Some(TlsFiles {
            cert,
            key,
            client_ca: None,
        }),
        ..core_config(&database, &dir.path().join("tls.sock"))
    };
    let error = refused(&tls).await;
    assert!(
        error.contains("--unix-socket") && error.contains("--tls-cert-file"),
        "{error}"
    );
}
