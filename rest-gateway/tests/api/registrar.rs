//! The devices routes with Flexisip's registrar as their source: bindings
//! written into a real Redis as Flexisip writes them, listed and removed
//! through the real gateway (the HDEL done, the publish heard), and 503
//! while Redis is down.

use std::time::Duration;

use core_service::testing::{redis, Backend, TestRedis};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{json, spawn_system_with, Options, DOMAIN};

const INSTANCE: &str = "urn:uuid:a5b87206-f31a-00c4-8977-1d8c88e03a76";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_devices_are_the_registrars_and_a_removal_reaches_it() {
    let Some(redis) = TestRedis::take().unwrap() else {
        return;
    };
    let options = Options {
        registrar_redis_url: Some(redis.url.clone()),
        ..Options::default()
    };
    let system = spawn_system_with(Backend::Sqlite, options).await.unwrap();
    system
        .grpc_create_account("alice01", "secret-pw", "MD5", false)
        .await;
    let now = core_service::grpc::unix_now();
    let key = format!("fs:alice01@{DOMAIN}");
    let value = format!(
        "<sip:alice01@203.0.113.45:38211;transport=tls;pn-provider=fcm;fs-conn-id=5624;callid=jX;expires=3600;cseq=24;updatedAt={now};alias=no;usedAsRoute=no?path=%3Csips%3A198.51.100.10%3A5061%3Blr%3E&accept=&user-agent=LinphoneAndroid/5.2.5%20(Pixel%207)%20LinphoneSDK/5.3.47>;+sip.instance=\"<{INSTANCE}>\";pub-gruu"
    );
    let mut writer = redis.connection().unwrap();
    let field = format!("\"<{INSTANCE}>\"");
    redis::cmd("HSET")
        .arg(&key)
        .arg(&field)
        .arg(&value)
        .query::<()>(&mut writer)
        .unwrap();

    let mut alice = system.client("alice01", "secret-pw");
    let listed = json(alice.get("/api/devices").await, StatusCode::OK).await;
    let device = &listed[INSTANCE];
    assert_eq!(
        device["contact"],
        "sip:alice01@203.0.113.45:38211;transport=tls;pn-provider=fcm"
    );
    assert_eq!(
        (
            device["app"].clone(),
            device["version"].clone(),
            device["device_name"].clone()
        ),
        (json!("LinphoneAndroid"), json!("5.2.5"), json!("Pixel 7"))
    );
    assert_eq!(device["update_time"], device["updated_at"]);

    let mut subscriber = redis.connection().unwrap();
    let (ready, subscribed) = std::sync::mpsc::channel();
    let heard = std::thread::spawn(move || {
        let mut pubsub = subscriber.as_pubsub();
        pubsub.subscribe(format!("alice01@{DOMAIN}")).unwrap();
        pubsub
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        ready.send(()).unwrap();
        pubsub
            .get_message()
            .unwrap()
            .get_payload::<String>()
            .unwrap()
    });
    subscribed.recv().unwrap();
    let path = format!("/api/devices/{INSTANCE}");
    let removed = alice
        .json(Method::DELETE, &path, None, StatusCode::OK)
        .await;
    assert_eq!(removed, json!({}));
    assert_eq!(heard.join().unwrap(), "", "PUBLISH <aor> \"\"");
    let left: usize = redis::cmd("HLEN").arg(&key).query(&mut writer).unwrap();
    assert_eq!(left, 0, "HDEL of its field");
    let again = alice
        .json(Method::DELETE, &path, None, StatusCode::NOT_FOUND)
        .await;
    assert!(again["message"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_is_a_503_for_devices_only() {
    let options = Options {
        // Nothing listens on port 1: the registrar is down from the start,
        // and the core starts anyway.
        registrar_redis_url: Some("redis://127.0.0.1:1/3".into()),
        ..Options::default()
    };
    let system = spawn_system_with(Backend::Sqlite, options).await.unwrap();
    system
        .grpc_create_account("alice01", "secret-pw", "MD5", false)
        .await;
    let mut alice = system.client("alice01", "secret-pw");
    let down = alice
        .json(
            Method::GET,
            "/api/devices",
            None,
            StatusCode::SERVICE_UNAVAILABLE,
        )
        .await;
    assert_eq!(
        down,
        json!({"message": "Flexisip's registrar is unavailable, retry later"})
    );
    assert_eq!(
        alice.get("/api/ping").await.status(),
        StatusCode::OK,
        "the rest goes on"
    );
}
