//! Devices from Flexisip's registrar: bindings written into a real Redis
//! (a DB index of the test's own) exactly as Flexisip writes them, read,
//! removed (HDEL, then a publish a subscriber receives) and refused; and
//! Redis cut through a relay and restored.

use std::time::Duration;

use core_service::testing::TestRedis;
use flexiapi_proto::pb;
use tonic::Code;
use tonic_health::pb::{
    health_check_response::ServingStatus, health_client::HealthClient, HealthCheckRequest,
};

use crate::helpers::{spawn_app_with, AppOptions, Backend, CuttableProxy, TestApp, DOMAIN};

const INSTANCE: &str = "urn:uuid:a5b87206-f31a-00c4-8977-1d8c88e03a76";

fn now() -> i64 {
    core_service::grpc::unix_now()
}

/// A binding value as Flexisip ≥ 2.3 writes it.
fn binding(user: &str, port: u16, updated_at: i64, expires: u32, instance: Option<&str>) -> String {
    let instance = instance.map_or(String::new(), |id| format!(";+sip.instance=\"<{id}>\""));
    format!(
        "<sip:{user}@203.0.113.45:{port};transport=tls;fs-conn-id=56243e5f;callid=c{port};expires={expires};cseq=2;updatedAt={updated_at};alias=no;usedAsRoute=no?path=%3Csips%3A198.51.100.10%3A5061%3Blr%3E&accept=&user-agent=LinphoneAndroid/5.2.5%20(Pixel%207)>{instance};pub-gruu"
    )
}

async fn app_on(redis_url: String) -> TestApp {
    let options = AppOptions {
        registrar_redis_url: Some(redis_url),
        ..AppOptions::default()
    };
    spawn_app_with(Backend::Sqlite, options).await.unwrap()
}

fn list(username: &str) -> pb::ListDevicesRequest {
    pb::ListDevicesRequest {
        username: username.into(),
        ..Default::default()
    }
}

fn remove(uuid: &str) -> pb::RemoveDeviceRequest {
    pb::RemoveDeviceRequest {
        username: "alice01".into(),
        uuid: uuid.into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_are_the_registrars_bindings() {
    let Some(redis) = TestRedis::take().unwrap() else {
        return;
    };
    let app = app_on(redis.url.clone()).await;
    app.create_account("alice01", "alice-pw", "MD5").await;
    let key = format!("fs:alice01@{DOMAIN}");
    let t = now();
    let mut writer = redis.connection().unwrap();
    let fields = [
        (
            format!("\"<{INSTANCE}>\""),
            binding("alice01", 1001, t - 10, 3600, Some(INSTANCE)),
        ),
        (
            "fs-gen-Qx3Vb9_kT2mZr8LwYc0A".into(),
            binding("alice01", 1002, t - 10, 600, None),
        ),
        (
            "\"<urn:uuid:expired>\"".into(),
            binding("alice01", 1003, t - 7200, 3600, Some("urn:uuid:expired")),
        ),
        ("fs-gen-unreadable".into(), "not a contact".into()),
    ];
    for (field, value) in &fields {
        redis::cmd("HSET")
            .arg(&key)
            .arg(field)
            .arg(value)
            .query::<()>(&mut writer)
            .unwrap();
    }

    let mut devices = app.devices.clone();
    let listed = devices
        .list_devices(list("alice01"))
        .await
        .unwrap()
        .into_inner()
        .devices;
    let uuids: Vec<_> = listed.iter().map(|d| d.uuid.as_str()).collect();
    assert_eq!(
        uuids,
        ["fs-gen-Qx3Vb9_kT2mZr8LwYc0A", INSTANCE],
        "live ones, by uuid"
    );
    let alice = &listed[1];
    assert_eq!(alice.contact, "sip:alice01@203.0.113.45:1001;transport=tls");
    assert_eq!(alice.user_agent, "LinphoneAndroid/5.2.5 (Pixel 7)");
    assert_eq!(alice.expires_at.unwrap().seconds, t - 10 + 3600);

    let refused = devices
        .upsert_device(pb::UpsertDeviceRequest {
            username: "alice01".into(),
            uuid: "urn:uuid:new".into(),
            contact: "sip:alice01@192.0.2.1".into(),
            expires_seconds: 60,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);

    // A reg-event subscriber of the address hears the removal.
    let channel = format!("alice01@{DOMAIN}");
    let mut subscriber = redis.connection().unwrap();
    let (ready, subscribed) = std::sync::mpsc::channel();
    let heard = std::thread::spawn(move || {
        let mut pubsub = subscriber.as_pubsub();
        pubsub.subscribe(&channel).unwrap();
        pubsub
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        ready.send(()).unwrap();
        let message = pubsub.get_message().unwrap();
        (
            message.get_channel_name().to_owned(),
            message.get_payload::<String>().unwrap(),
        )
    });
    subscribed.recv().unwrap();
    devices.remove_device(remove(INSTANCE)).await.unwrap();
    assert_eq!(
        heard.join().unwrap(),
        (format!("alice01@{DOMAIN}"), String::new())
    );
    let exists: bool = redis::cmd("HEXISTS")
        .arg(&key)
        .arg(format!("\"<{INSTANCE}>\""))
        .query(&mut writer)
        .unwrap();
    assert!(!exists, "HDEL of the binding's field");

    for gone in [INSTANCE, "urn:uuid:expired", "urn:uuid:never"] {
        let status = devices.remove_device(remove(gone)).await.unwrap_err();
        assert_eq!(status.code(), Code::NotFound, "{gone}");
    }
    let unknown = devices.list_devices(list("nobody01")).await.unwrap_err();
    assert_eq!(
        unknown.code(),
        Code::NotFound,
        "the account is checked first"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registrar_outage_fails_device_calls_only_and_heals_by_itself() {
    let Some(redis) = TestRedis::take().unwrap() else {
        return;
    };
    let proxy = CuttableProxy::start("127.0.0.1:6379".parse().unwrap()).await;
    let index = redis.url.rsplit('/').next().unwrap().to_owned();
    let app = app_on(format!("redis://{}/{index}", proxy.addr)).await;
    app.create_account("alice01", "alice-pw", "MD5").await;
    let mut devices = app.devices.clone();
    let mut health = HealthClient::new(app.channel());
    let registrar_status = async |health: &mut HealthClient<_>| {
        let request = HealthCheckRequest {
            service: "registrar".into(),
        };
        health.check(request).await.unwrap().into_inner().status()
    };
    devices.list_devices(list("alice01")).await.unwrap();

    proxy.cut();
    let status = devices.list_devices(list("alice01")).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert_eq!(status.message(), "registrar unavailable");
    assert!(
        !app.challenge("alice01").await.is_empty(),
        "SIP authentication goes on"
    );
    let mut down = false;
    for _ in 0..50 {
        if registrar_status(&mut health).await == ServingStatus::NotServing {
            down = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(down, "health service registrar follows Redis");

    proxy.restore().await;
    let mut healed = false;
    for _ in 0..50 {
        if devices.list_devices(list("alice01")).await.is_ok()
            && registrar_status(&mut health).await == ServingStatus::Serving
        {
            healed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healed, "the core reconnects by itself");
}

/// The next message of a watch, within `limit`.
async fn next_list(
    stream: &mut tonic::Streaming<pb::WatchDevicesResponse>,
    limit: Duration,
) -> Vec<String> {
    let message = tokio::time::timeout(limit, stream.message())
        .await
        .expect("a message in time")
        .unwrap()
        .expect("the stream goes on");
    message.devices.into_iter().map(|d| d.uuid).collect()
}

fn watch(username: &str) -> pb::WatchDevicesRequest {
    pb::WatchDevicesRequest {
        username: username.into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_sees_a_binding_another_client_writes_within_a_second() {
    let Some(redis) = TestRedis::take().unwrap() else {
        return;
    };
    let app = app_on(redis.url.clone()).await;
    app.create_account("alice01", "alice-pw", "MD5").await;
    let key = format!("fs:alice01@{DOMAIN}");
    let mut writer = redis.connection().unwrap();
    let t = now();
    let first = binding("alice01", 1001, t, 3600, Some(INSTANCE));
    redis::cmd("HSET")
        .arg(&key)
        .arg(format!("\"<{INSTANCE}>\""))
        .arg(first)
        .query::<()>(&mut writer)
        .unwrap();

    let mut stream = app
        .devices
        .clone()
        .watch_devices(watch("alice01"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        next_list(&mut stream, Duration::from_secs(1)).await,
        [INSTANCE],
        "sent at once"
    );

    // What Flexisip does on a REGISTER: write the binding, then publish.
    let second = binding("alice01", 1002, now(), 3600, Some("urn:uuid:second"));
    redis::cmd("HSET")
        .arg(&key)
        .arg("\"<urn:uuid:second>\"")
        .arg(second)
        .query::<()>(&mut writer)
        .unwrap();
    redis::cmd("PUBLISH")
        .arg(format!("alice01@{DOMAIN}"))
        .arg("\"<urn:uuid:second>\"")
        .query::<()>(&mut writer)
        .unwrap();
    assert_eq!(
        next_list(&mut stream, Duration::from_secs(1)).await,
        [INSTANCE, "urn:uuid:second"]
    );

    // A binding that expires leaves the list without anyone publishing.
    let short = binding("alice01", 1003, now(), 1, Some("urn:uuid:short"));
    redis::cmd("HSET")
        .arg(&key)
        .arg("\"<urn:uuid:short>\"")
        .arg(short)
        .query::<()>(&mut writer)
        .unwrap();
    redis::cmd("PUBLISH")
        .arg(format!("alice01@{DOMAIN}"))
        .arg("x")
        .query::<()>(&mut writer)
        .unwrap();
    assert_eq!(
        next_list(&mut stream, Duration::from_secs(1)).await.len(),
        3
    );
    assert_eq!(
        next_list(&mut stream, Duration::from_secs(3)).await.len(),
        2,
        "gone at its expiry"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watches_are_bounded_end_on_cancel_and_on_shutdown() {
    let options = AppOptions {
        max_device_watchers: 2,
        ..AppOptions::default()
    };
    let app = spawn_app_with(Backend::Sqlite, options).await.unwrap();
    app.create_account("alice01", "alice-pw", "MD5").await;
    let mut devices = app.devices.clone();
    let mut first = devices
        .watch_devices(watch("alice01"))
        .await
        .unwrap()
        .into_inner();
    assert!(next_list(&mut first, Duration::from_secs(1))
        .await
        .is_empty());
    let second = devices
        .watch_devices(watch("alice01"))
        .await
        .unwrap()
        .into_inner();
    let full = devices.watch_devices(watch("alice01")).await.unwrap_err();
    assert_eq!(full.code(), Code::ResourceExhausted);

    // The database source: this core's own writes.
    devices
        .upsert_device(pb::UpsertDeviceRequest {
            username: "alice01".into(),
            uuid: "urn:uuid:db".into(),
            contact: "sip:alice01@192.0.2.1".into(),
            expires_seconds: 600,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        next_list(&mut first, Duration::from_secs(1)).await,
        ["urn:uuid:db"]
    );

    drop(second);
    let mut freed = false;
    for _ in 0..20 {
        if devices.watch_devices(watch("alice01")).await.is_ok() {
            freed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(freed, "a cancelled watch gives its place back");

    let stopped = tokio::time::timeout(Duration::from_secs(5), app.stop()).await;
    assert!(stopped.is_ok(), "shutdown does not wait on open watches");
    let ended = tokio::time::timeout(Duration::from_secs(2), first.message()).await;
    assert!(
        matches!(ended, Ok(Ok(None)) | Ok(Err(_))),
        "the stream ends"
    );
}
