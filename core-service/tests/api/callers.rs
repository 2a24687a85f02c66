//! The internal plane: with a clients file, only known callers reach the
//! core, each to the RPCs of its role; probes and reflection stay open.

use std::{path::Path, time::Duration};

use flexiapi_proto::{
    pb::{
        self, account_service_client::AccountServiceClient, auth_service_client::AuthServiceClient,
    },
    REFUSED_CALLER,
};
use sha2::{Digest as _, Sha256};
use tonic::{metadata::MetadataValue, transport::Channel, Code, Request, Status};
use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};
use tonic_reflection::pb::v1::{
    server_reflection_client::ServerReflectionClient, server_reflection_request::MessageRequest,
    ServerReflectionRequest,
};

use crate::helpers::{spawn_app_with, wait_until, AppOptions, Backend, TestApp, DOMAIN};

const GATEWAY: &str = "gw-5cb1e0a7d3f24c8e9a01";
const PROXY: &str = "px-0d9e8f7a6b5c4d3e2f10";
const ADMIN: &str = "op-a1b2c3d4e5f6a7b8c9d0";

fn line(name: &str, role: &str, token: &str) -> String {
    format!(
        "{name} {role} {}\n",
        hex::encode(Sha256::digest(token.as_bytes()))
    )
}

fn write_clients(path: &Path, lines: &[String]) {
    std::fs::write(
        path,
        format!("# callers of the test core\n{}", lines.concat()),
    )
    .unwrap();
}

/// A request carrying `token` as `authorization: Bearer …`.
fn with_token<T>(message: T, token: Option<&str>) -> Request<T> {
    let mut request = Request::new(message);
    if let Some(token) = token {
        let value: MetadataValue<_> = format!("Bearer {token}").parse().unwrap();
        request.metadata_mut().insert("authorization", value);
    }
    request
}

/// What the gate said: `Some(code)` for its own refusal, `None` when the
/// call went through it (whatever the handler answered then).
fn gate_verdict<T>(result: Result<T, Status>) -> Option<Code> {
    match result {
        Err(status) if status.metadata().contains_key(REFUSED_CALLER) => Some(status.code()),
        _ => None,
    }
}

async fn spawn_guarded(dir: &Path) -> TestApp {
    let clients = dir.join("clients");
    write_clients(
        &clients,
        &[
            line("gateway", "gateway", GATEWAY),
            line("proxy-1", "proxy", PROXY),
            line("ops", "admin", ADMIN),
        ],
    );
    let options = AppOptions {
        clients_file: Some(clients),
        ..AppOptions::default()
    };
    spawn_app_with(Backend::Sqlite, options).await.unwrap()
}

async fn get_credentials(
    channel: Channel,
    token: Option<&str>,
) -> Result<pb::GetCredentialsResponse, Status> {
    let request = pb::GetCredentialsRequest {
        username: "admin01".into(),
        domain: DOMAIN.into(),
    };
    AuthServiceClient::new(channel)
        .get_credentials(with_token(request, token))
        .await
        .map(tonic::Response::into_inner)
}

async fn create_account(
    channel: Channel,
    token: Option<&str>,
    username: &str,
) -> Result<pb::CreateAccountResponse, Status> {
    let request = pb::CreateAccountRequest {
        username: username.into(),
        password: "secret-pw".into(),
        algorithm: "SHA-256".into(),
        admin: true,
        ..Default::default()
    };
    AccountServiceClient::new(channel)
        .create_account(with_token(request, token))
        .await
        .map(tonic::Response::into_inner)
}

async fn challenge(channel: Channel, token: Option<&str>) -> Result<pb::ChallengeResponse, Status> {
    let request = pb::ChallengeRequest {
        username: "admin01".into(),
        domain: DOMAIN.into(),
        ..Default::default()
    };
    AuthServiceClient::new(channel)
        .challenge(with_token(request, token))
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test]
async fn strangers_are_unauthenticated_and_each_role_reaches_its_rpcs_only() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_guarded(dir.path()).await;
    let channel = app.channel();

    // The measured attack: no credential, read an admin's HA1 or make one.
    for token in [None, Some("not-a-known-token"), Some("")] {
        let credentials = get_credentials(channel.clone(), token).await;
        assert_eq!(
            gate_verdict(credentials),
            Some(Code::Unauthenticated),
            "{token:?}"
        );
        let created = create_account(channel.clone(), token, "mallory1").await;
        assert_eq!(
            gate_verdict(created),
            Some(Code::Unauthenticated),
            "{token:?}"
        );
    }
    // A token sent under another scheme, or the hash in place of the token.
    let mut basic = Request::new(pb::ChallengeRequest::default());
    basic
        .metadata_mut()
        .insert("authorization", format!("Basic {ADMIN}").parse().unwrap());
    let refused = AuthServiceClient::new(channel.clone())
        .challenge(basic)
        .await;
    assert_eq!(gate_verdict(refused), Some(Code::Unauthenticated));
    let hash = hex::encode(Sha256::digest(ADMIN.as_bytes()));
    let refused = challenge(channel.clone(), Some(&hash)).await;
    assert_eq!(gate_verdict(refused), Some(Code::Unauthenticated));

    // admin: everything.
    create_account(channel.clone(), Some(ADMIN), "admin01")
        .await
        .unwrap();
    let credentials = get_credentials(channel.clone(), Some(ADMIN)).await.unwrap();
    assert_eq!(credentials.credentials.len(), 1);

    // gateway: everything but the HA1s.
    create_account(channel.clone(), Some(GATEWAY), "alice01")
        .await
        .unwrap();
    challenge(channel.clone(), Some(GATEWAY)).await.unwrap();
    let refused = get_credentials(channel.clone(), Some(GATEWAY))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    assert!(refused.metadata().contains_key(REFUSED_CALLER));
    assert_eq!(
        refused.message(),
        "the role gateway may not call flexiapi.v1.AuthService/GetCredentials"
    );

    // proxy: AuthService and DeviceService.
    get_credentials(channel.clone(), Some(PROXY)).await.unwrap();
    challenge(channel.clone(), Some(PROXY)).await.unwrap();
    let devices = pb::device_service_client::DeviceServiceClient::new(channel.clone())
        .list_devices(with_token(
            pb::ListDevicesRequest {
                username: "alice01".into(),
                domain: DOMAIN.into(),
                ..Default::default()
            },
            Some(PROXY),
        ))
        .await;
    assert_eq!(gate_verdict(devices), None);
    let created = create_account(channel.clone(), Some(PROXY), "proxymade").await;
    assert_eq!(gate_verdict(created), Some(Code::PermissionDenied));
    let spaces = pb::space_service_client::SpaceServiceClient::new(channel.clone())
        .list_spaces(with_token(pb::ListSpacesRequest::default(), Some(PROXY)))
        .await;
    assert_eq!(gate_verdict(spaces), Some(Code::PermissionDenied));

    // Nothing refused was written: mallory1 and proxymade do not exist.
    for username in ["mallory1", "proxymade"] {
        let found = AccountServiceClient::new(channel.clone())
            .get_account(with_token(
                pb::GetAccountRequest {
                    lookup: Some(pb::get_account_request::Lookup::Address(
                        pb::AccountAddress {
                            username: username.into(),
                            domain: DOMAIN.into(),
                        },
                    )),
                    ..Default::default()
                },
                Some(ADMIN),
            ))
            .await
            .unwrap_err();
        assert_eq!(found.code(), Code::NotFound, "{username}");
    }
    app.stop().await;
}

#[tokio::test]
async fn probes_and_reflection_need_no_token() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_guarded(dir.path()).await;
    let health = HealthClient::new(app.channel())
        .check(HealthCheckRequest::default())
        .await
        .unwrap();
    assert_eq!(health.into_inner().status, 1, "SERVING");
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut answers = ServerReflectionClient::new(app.channel())
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    assert!(answers.message().await.unwrap().is_some());
    app.stop().await;
}

#[tokio::test]
async fn a_changed_clients_file_applies_without_a_restart_and_a_broken_one_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_guarded(dir.path()).await;
    let clients = dir.path().join("clients");
    let channel = app.channel();
    assert_eq!(
        gate_verdict(challenge(channel.clone(), Some(GATEWAY)).await),
        None
    );

    // Rotation: the new gateway token in, the old one out.
    let rotated = "gw-rotated-77aa88bb99cc";
    write_clients(
        &clients,
        &[
            line("gateway-2", "gateway", rotated),
            line("ops", "admin", ADMIN),
        ],
    );
    hang_up();
    let applied = wait_until(|| async {
        gate_verdict(challenge(channel.clone(), Some(GATEWAY)).await).is_some()
    })
    .await;
    assert!(applied, "the old token still works after SIGHUP");
    assert_eq!(
        gate_verdict(challenge(channel.clone(), Some(rotated)).await),
        None
    );

    // A half-written file is logged and the callers in force stay.
    std::fs::write(&clients, "gateway-3 gateway 12ab\n").unwrap();
    hang_up();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        gate_verdict(challenge(channel.clone(), Some(rotated)).await),
        None
    );
    app.stop().await;
}

/// SIGHUP to this test process, whose core catches it (nextest runs each
/// test in a process of its own).
fn hang_up() {
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}
