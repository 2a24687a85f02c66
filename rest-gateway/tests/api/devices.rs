//! `GET /api/devices` and `DELETE /api/devices/{uuid}`, with devices recorded
//! the way Flexisip's registrar records them: `DeviceService.UpsertDevice`.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{json, spawn_system, TestSystem};

core_service::on_every_backend!(devices_are_listed_by_uuid, a_device_is_removed_once);

const UUID: &str = "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6";

async fn register(system: &TestSystem, username: &str, uuid: &str, expires_seconds: i64) {
    system
        .register_device(username, uuid, "Linphone/5.2 (Android)", expires_seconds)
        .await;
}

async fn devices_are_listed_by_uuid(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    system
        .grpc_create_account("alice01", "secret-pw", "MD5", false)
        .await;
    let mut alice = system.client("alice01", "secret-pw");
    assert_eq!(
        json(alice.get("/api/devices").await, StatusCode::OK).await,
        json!({})
    );

    register(&system, "alice01", UUID, 3600).await;
    register(&system, "admin01", "urn:uuid:admins-phone", 3600).await;
    let listed = json(alice.get("/api/devices").await, StatusCode::OK).await;
    let devices = listed.as_object().unwrap();
    assert_eq!(devices.len(), 1, "only the account's own devices: {listed}");
    let device = &devices[UUID];
    assert_eq!(device["uuid"], UUID);
    assert_eq!(
        device["contact"],
        "sip:alice01@192.0.2.4:5060;transport=tcp"
    );
    assert_eq!(device["user_agent"], "Linphone/5.2 (Android)");
    let expires =
        chrono::DateTime::parse_from_rfc3339(device["expires_at"].as_str().unwrap()).unwrap();
    let updated =
        chrono::DateTime::parse_from_rfc3339(device["updated_at"].as_str().unwrap()).unwrap();
    assert_eq!((expires - updated).num_seconds(), 3600);
}

async fn a_device_is_removed_once(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    system
        .grpc_create_account("alice01", "secret-pw", "MD5", false)
        .await;
    register(&system, "alice01", UUID, 3600).await;
    register(&system, "admin01", "urn:uuid:admins-phone", 3600).await;
    let mut alice = system.client("alice01", "secret-pw");

    let path = format!("/api/devices/{UUID}");
    assert_eq!(
        json(
            alice.send(Method::DELETE, &path, None).await,
            StatusCode::OK
        )
        .await,
        json!({})
    );
    assert_eq!(
        json(alice.get("/api/devices").await, StatusCode::OK).await,
        json!({})
    );
    let again = alice.send(Method::DELETE, &path, None).await;
    assert_eq!(
        json(again, StatusCode::NOT_FOUND).await,
        json!({"message": "Device not found"})
    );

    // Another account's device is not Alice's to remove.
    let theirs = alice
        .send(Method::DELETE, "/api/devices/urn:uuid:admins-phone", None)
        .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let admins = json(system.admin().get("/api/devices").await, StatusCode::OK).await;
    assert!(admins.get("urn:uuid:admins-phone").is_some());
}
