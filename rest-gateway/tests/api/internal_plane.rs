//! The gateway as a known caller of a locked core: with its token it serves
//! as before; without it, or with a wrong one, clients get a 503 (the
//! operator's mistake is logged, never explained to them). The token may
//! come from a file.

use std::{
    net::SocketAddr,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use core_service::{
    app::startup::{Application as Core, ServeConfig},
    testing::{Backend, TestDatabase},
};
use flexiapi_proto::pb::{self, account_service_client::AccountServiceClient};
use reqwest::{Method, StatusCode};
use rest_gateway::{config::Config, startup::Application as Gateway};
use sha2::{Digest as _, Sha256};

use crate::helpers::{json, DigestClient, DOMAIN};

const GATEWAY_TOKEN: &str = "gw-token-0123456789abcdef";
const ADMIN_TOKEN: &str = "ops-token-fedcba9876543210";

/// A core on SQLite (in `dir`) whose clients file knows a gateway and an
/// operator, with an admin account.
struct LockedCore {
    addr: SocketAddr,
    dir: tempfile::TempDir,
    _database: TestDatabase,
}

async fn locked_core() -> LockedCore {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::create(Backend::Sqlite)
        .await
        .unwrap()
        .unwrap();
    let addr = start_locked_core(dir.path(), &database).await;
    LockedCore {
        addr,
        dir,
        _database: database,
    }
}

async fn start_locked_core(dir: &std::path::Path, database: &TestDatabase) -> SocketAddr {
    let sha = |token: &str| hex::encode(Sha256::digest(token.as_bytes()));
    let clients = dir.join("clients");
    std::fs::write(
        &clients,
        format!(
            "gateway gateway {}\nops admin {}\n",
            sha(GATEWAY_TOKEN),
            sha(ADMIN_TOKEN)
        ),
    )
    .unwrap();
    let core = Core::build(&ServeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: database.url.clone(),
        database_max_connections: 4,
        clients_file: Some(clients),
        ..ServeConfig::default()
    })
    .await
    .unwrap();
    let addr = core.local_addr().unwrap();
    tokio::spawn(core.run_until_stopped(std::future::pending()));
    let mut request = tonic::Request::new(pb::CreateAccountRequest {
        username: "admin01".into(),
        password: "admin-password".into(),
        algorithm: "SHA-256".into(),
        admin: true,
        ..Default::default()
    });
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {ADMIN_TOKEN}").parse().unwrap(),
    );
    AccountServiceClient::connect(format!("http://{addr}"))
        .await
        .unwrap()
        .create_account(request)
        .await
        .unwrap();
    addr
}

async fn gateway(core: SocketAddr, token: Option<&str>) -> String {
    let gateway = Gateway::build(&Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        core_url: format!("http://{core}"),
        core_token: token.map(str::to_owned),
        ..Config::default()
    })
    .await
    .unwrap();
    let base = format!("http://{}", gateway.local_addr().unwrap());
    tokio::spawn(gateway.run_until_stopped(std::future::pending()));
    base
}

#[tokio::test]
async fn only_a_gateway_with_its_token_serves() {
    let locked = locked_core().await;
    let core = locked.addr;

    let base = gateway(core, Some(GATEWAY_TOKEN)).await;
    let mut admin = DigestClient::new(&base, "admin01", "admin-password");
    let response = admin.get("/api/ping").await;
    assert_eq!(response.status(), StatusCode::OK);
    let created = admin
        .json(
            Method::POST,
            "/api/accounts",
            Some(serde_json::json!({"username": "alice01", "password": "alice-pw", "algorithm": "MD5"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        created["username"], "alice01",
        "the gateway role creates accounts"
    );
    let ready = reqwest::get(format!("{base}/healthz/ready")).await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);

    for token in [None, Some("gw-token-wrong")] {
        let base = gateway(core, token).await;
        let response = reqwest::Client::new()
            .get(format!("{base}/api/ping"))
            .header("From", format!("sip:admin01@{DOMAIN}"))
            .send()
            .await
            .unwrap();
        let body = json(response, StatusCode::SERVICE_UNAVAILABLE).await;
        assert_eq!(
            body["message"], "The core service is unavailable, retry later",
            "{token:?}"
        );
        // Readiness needs no token: the probe says the core serves.
        let ready = reqwest::get(format!("{base}/healthz/ready")).await.unwrap();
        assert_eq!(ready.status(), StatusCode::OK);
    }
}

/// The binary reads FLEXIAPI_CORE_TOKEN_FILE (a mounted Secret), and
/// refuses a token given twice.
#[tokio::test]
async fn the_binary_takes_its_token_from_a_file() {
    let locked = locked_core().await;
    let core = locked.addr;
    let token_file = locked.dir.path().join("core-token");
    std::fs::write(&token_file, format!("{GATEWAY_TOKEN}\n")).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let gateway = |both: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rest-gateway"));
        command
            .args(["--listen", &listen, "--core-url", &format!("http://{core}")])
            .env("FLEXIAPI_CORE_TOKEN_FILE", &token_file)
            .env_remove("FLEXIAPI_CORE_TOKEN")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if both {
            command.env("FLEXIAPI_CORE_TOKEN", GATEWAY_TOKEN);
        }
        command
    };
    let output = gateway(true).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("both FLEXIAPI_CORE_TOKEN and FLEXIAPI_CORE_TOKEN_FILE"),
        "{stderr}"
    );
    assert!(!stderr.contains(GATEWAY_TOKEN), "{stderr}");

    let mut child = gateway(false).stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(&listen).is_err() {
        assert!(Instant::now() < deadline, "rest-gateway never listened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut admin = DigestClient::new(&format!("http://{listen}"), "admin01", "admin-password");
    let status = admin.get("/api/ping").await.status();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, StatusCode::OK);
}
