use std::time::Duration;

use flexiapi_proto::pb;
use tonic::Code;

use crate::helpers::{spawn_app, Backend, TestApp};

core_service::on_every_backend!(
    a_registered_device_is_listed_and_refreshed,
    expired_devices_are_never_listed,
    removing_a_device,
    bad_device_fields_are_named,
);

const UUID: &str = "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6";

fn registration(uuid: &str, contact: &str, expires_seconds: i64) -> pb::UpsertDeviceRequest {
    pb::UpsertDeviceRequest {
        username: "alice01".into(),
        domain: String::new(),
        uuid: uuid.into(),
        contact: contact.into(),
        user_agent: "Linphone/5.2 (Android)".into(),
        expires_seconds,
    }
}

async fn list(app: &TestApp) -> Vec<pb::Device> {
    app.devices
        .clone()
        .list_devices(pb::ListDevicesRequest {
            username: "alice01".into(),
            domain: String::new(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .devices
}

async fn a_registered_device_is_listed_and_refreshed(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_account("alice01", "secret-pw", "MD5").await;
    assert!(list(&app).await.is_empty());
    let mut devices = app.devices.clone();
    let quoted = format!("\"<{UUID}>\"");
    let device = devices
        .upsert_device(registration(&quoted, "<sip:alice01@10.0.0.2:5060>", 3600))
        .await
        .unwrap()
        .into_inner()
        .device
        .unwrap();
    assert_eq!(
        device.uuid, UUID,
        "the +sip.instance is stored without quotes and brackets"
    );
    assert_eq!(device.contact, "sip:alice01@10.0.0.2:5060");
    let expires = device.expires_at.unwrap().seconds - device.updated_at.unwrap().seconds;
    assert_eq!(expires, 3600);

    // The same uuid again refreshes the one binding.
    devices
        .upsert_device(registration(UUID, "sip:alice01@10.0.0.3:5060", 600))
        .await
        .unwrap();
    devices
        .upsert_device(registration("urn:uuid:other", "sip:alice01@10.0.0.9", 600))
        .await
        .unwrap();
    let listed = list(&app).await;
    let contacts: Vec<_> = listed
        .iter()
        .map(|d| (d.uuid.as_str(), d.contact.as_str()))
        .collect();
    assert_eq!(
        contacts,
        [
            (UUID, "sip:alice01@10.0.0.3:5060"),
            ("urn:uuid:other", "sip:alice01@10.0.0.9")
        ]
    );

    // Another account sees none of them.
    app.create_account("bob00001", "secret-pw", "MD5").await;
    let bobs = app
        .devices
        .clone()
        .list_devices(pb::ListDevicesRequest {
            username: "bob00001".into(),
            domain: String::new(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .devices;
    assert!(bobs.is_empty());

    // Expires 0 unregisters, as in SIP.
    let gone = devices
        .upsert_device(registration(UUID, "sip:x@y", 0))
        .await
        .unwrap()
        .into_inner();
    assert!(gone.device.is_none());
    assert_eq!(list(&app).await.len(), 1);
}

async fn expired_devices_are_never_listed(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_account("alice01", "secret-pw", "MD5").await;
    let mut devices = app.devices.clone();
    devices
        .upsert_device(registration(UUID, "sip:alice01@10.0.0.2", 1))
        .await
        .unwrap();
    devices
        .upsert_device(registration("urn:uuid:long", "sip:alice01@10.0.0.3", 3600))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let listed: Vec<_> = list(&app).await.into_iter().map(|d| d.uuid).collect();
    assert_eq!(listed, ["urn:uuid:long"]);
    let status = devices
        .remove_device(pb::RemoveDeviceRequest {
            username: "alice01".into(),
            domain: String::new(),
            uuid: UUID.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        Code::NotFound,
        "an expired binding is already gone"
    );
}

async fn removing_a_device(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_account("alice01", "secret-pw", "MD5").await;
    let mut devices = app.devices.clone();
    devices
        .upsert_device(registration(UUID, "sip:alice01@10.0.0.2", 600))
        .await
        .unwrap();
    let remove = |uuid: &str| pb::RemoveDeviceRequest {
        username: "alice01".into(),
        domain: String::new(),
        uuid: uuid.into(),
        ..Default::default()
    };
    devices.remove_device(remove(UUID)).await.unwrap();
    assert!(list(&app).await.is_empty());
    let status = devices.remove_device(remove(UUID)).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert_eq!(status.message(), "device not found");
    let mut unknown = remove(UUID);
    unknown.username = "nobody01".into();
    let status = devices.remove_device(unknown).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert_eq!(status.message(), "account not found");
}

async fn bad_device_fields_are_named(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_account("alice01", "secret-pw", "MD5").await;
    let mut devices = app.devices.clone();
    for (request, field) in [
        (registration("", "sip:a@b", 60), "uuid"),
        (registration(UUID, "http://a", 60), "contact"),
        (registration(UUID, "sip:a@b", -1), "expires_seconds"),
        (registration(UUID, "sip:a@b", i64::MAX), "expires_seconds"),
        (
            pb::UpsertDeviceRequest {
                user_agent: "x\r\ny".into(),
                ..registration(UUID, "sip:a@b", 60)
            },
            "user_agent",
        ),
    ] {
        let status = devices.upsert_device(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{field}");
        assert!(status.message().starts_with(field), "{}", status.message());
    }
    assert!(list(&app).await.is_empty());
}
