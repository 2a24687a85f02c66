//! `POST /api/push_notification` (contract part 6 §4): Flexisip's exact
//! request over HTTP/2 + TLS with its key, sent through part 4's senders
//! to the fake FCM and APNs, in Flexisip's own payloads; and every way it
//! is not sent or not allowed.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode, Version};
use serde_json::{json, Value};

use super::{apns_token, providers::*, spawn_tuned, Onboarding};
use crate::{
    helpers::{json as body_of, ADMIN},
    test_ca::TestCa,
};

core_service::on_every_backend!(
    flexisips_pushes_reach_fcm_and_apns_as_its_own_pusher_sends_them,
    pushes_that_cannot_go_are_503_and_only_admins_may_ask,
);

const SEND_TIME: &str = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$";

async fn spawn(backend: Backend, ca: &TestCa) -> Option<Onboarding> {
    let files = ca.files();
    spawn_tuned(backend, |options| options.tls = Some(files)).await
}

/// What Flexisip posts: nlohmann's compact JSON, keys sorted.
async fn flexisip_posts(
    o: &Onboarding,
    client: &reqwest::Client,
    key: &str,
    body: &str,
) -> reqwest::Response {
    let answer = client
        .post(o.system.url("/api/push_notification"))
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .header("content-length", body.len())
        .header("x-api-key", key)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.version(), Version::HTTP_2);
    answer
}

fn send_time(value: &Value) -> String {
    let time = value.as_str().unwrap().to_owned();
    let pattern = regex::Regex::new(SEND_TIME).unwrap();
    assert!(pattern.is_match(&time), "send-time {time:?}");
    time
}

async fn flexisips_pushes_reach_fcm_and_apns_as_its_own_pusher_sends_them(backend: Backend) {
    let ca = TestCa::new();
    ca.issue();
    let Some(o) = spawn(backend, &ca).await else {
        return;
    };
    let key = o.system.named_key(ADMIN, "flexisip").await;
    let flexisip = ca.flexisip_client();

    // An incoming call to an Android device: a VoIP-valued data message.
    let body = format!(
        r#"{{"call_id":"Xa7Gp~2.q@host-1","pn_param":"{FCM_PARAM}","pn_prid":"eZ1x4cV5T3u:APA91bF2kq","pn_provider":"fcm","type":"call"}}"#
    );
    let answer = flexisip_posts(&o, &flexisip, &key, &body).await;
    assert_eq!(body_of(answer, StatusCode::OK).await, json!({}));
    let push = o.providers.fcm().pop().unwrap();
    assert_eq!(push.uri, "/v1/projects/linphone-test/messages:send");
    let data = push.body["message"]["android"]["data"].clone();
    let time = send_time(&data["send-time"]);
    assert_eq!(
        push.body,
        json!({"message": {"token": "eZ1x4cV5T3u:APA91bF2kq", "android": {"priority": "high", "ttl": "90s", "data": {
            "uuid": "", "from-uri": "", "display-name": "", "call-id": "Xa7Gp~2.q@host-1", "sip-from": "",
            "loc-key": "IC_MSG", "loc-args": "", "send-time": time, "custom-payload": "{}"}}}})
    );
    // A message: FCM's longest lifetime, IM_MSG, no call id.
    let body = format!(
        r#"{{"call_id":null,"pn_param":"{FCM_PARAM}","pn_prid":"eZ1x4cV5T3u:APA91bF2kq","pn_provider":"fcm","type":"message"}}"#
    );
    body_of(
        flexisip_posts(&o, &flexisip, &key, &body).await,
        StatusCode::OK,
    )
    .await;
    let push = o.providers.fcm().pop().unwrap();
    let android = &push.body["message"]["android"];
    assert_eq!(android["ttl"], "2419200s");
    assert_eq!(android["data"]["loc-key"], "IM_MSG");
    assert_eq!(android["data"]["call-id"], "");

    // A call to an iPhone in development: a VoIP push on the dev URL.
    let device = apns_token(0x5C);
    let body = format!(
        r#"{{"call_id":"c1","pn_param":"ABCD1234.org.linphone.phone.voip","pn_prid":"{device}:voip","pn_provider":"apns.dev","type":"call"}}"#
    );
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    body_of(
        flexisip_posts(&o, &flexisip, &key, &body).await,
        StatusCode::OK,
    )
    .await;
    let push = o.providers.apns().pop().unwrap();
    assert_eq!(push.version, Version::HTTP_2);
    assert_eq!(push.uri, format!("/3/device/{device}"));
    assert_eq!(push.headers["apns-topic"], "org.linphone.phone.voip");
    assert_eq!(push.headers["apns-push-type"], "voip");
    assert_eq!(push.headers["apns-priority"], "10");
    assert!(push.headers.get("apns-collapse-id").is_none());
    let expiration: u64 = push.headers["apns-expiration"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (before + 89..=before + 92).contains(&expiration),
        "{expiration}"
    );
    let time = send_time(&push.body["aps"]["send-time"]);
    assert_eq!(
        push.body,
        json!({"aps": {"sound": "", "loc-key": "IC_MSG", "loc-args": [""], "call-id": "c1", "uuid": "", "send-time": time},
               "from-uri": "", "display-name": "", "pn_ttl": 90, "customPayload": {}})
    );
    // A message to an iPhone in production: a visible alert.
    let body = format!(
        r#"{{"call_id":null,"pn_param":"ABCD1234.org.linphone.phone.remote","pn_prid":"{device}","pn_provider":"apns","type":"message"}}"#
    );
    body_of(
        flexisip_posts(&o, &flexisip, &key, &body).await,
        StatusCode::OK,
    )
    .await;
    let push = o.providers.apns().pop().unwrap();
    assert_eq!(push.uri, format!("/production/3/device/{device}"));
    assert_eq!(push.headers["apns-topic"], "org.linphone.phone");
    assert_eq!(push.headers["apns-push-type"], "alert");
    let time = send_time(&push.body["send-time"]);
    assert_eq!(
        push.body,
        json!({"aps": {"alert": {"loc-key": "IM_MSG", "loc-args": [""]}, "sound": "empty", "mutable-content": 1, "badge": 1},
               "from-uri": "", "display-name": "", "call-id": "", "pn_ttl": 2592000, "uuid": "", "send-time": time,
               "chat-room-addr": "", "customPayload": {}})
    );
    // A silent one.
    let body = format!(
        r#"{{"call_id":null,"pn_param":"ABCD1234.org.linphone.phone","pn_prid":"{device}","pn_provider":"apns","type":"background"}}"#
    );
    body_of(
        flexisip_posts(&o, &flexisip, &key, &body).await,
        StatusCode::OK,
    )
    .await;
    let push = o.providers.apns().pop().unwrap();
    assert_eq!(push.headers["apns-push-type"], "background");
    assert_eq!(push.body["aps"]["content-available"], 1);
    assert_eq!(push.body["aps"]["badge"], 0);
}

async fn pushes_that_cannot_go_are_503_and_only_admins_may_ask(backend: Backend) {
    let Some(o) = super::spawn(backend).await else {
        return;
    };
    let system = &o.system;
    let key = system.named_key(ADMIN, "flexisip").await;
    let not_sent = |body: Value| {
        let key = key.clone();
        async move {
            let answer = system
                .with_key(&key, Method::POST, "/api/push_notification", Some(body))
                .await;
            let refused = body_of(answer, StatusCode::SERVICE_UNAVAILABLE).await;
            assert_eq!(refused, json!({"message": "Push notification not sent"}));
        }
    };
    let device = apns_token(0x11);
    // No device, no credentials for it, a token Flexisip would not send to.
    not_sent(json!({"pn_provider": "fcm", "pn_param": FCM_PARAM, "pn_prid": null, "type": "call"}))
        .await;
    not_sent(json!({"pn_provider": "fcm", "pn_param": null, "pn_prid": "abc", "type": "call"}))
        .await;
    not_sent(
        json!({"pn_provider": "fcm", "pn_param": "unknown_app", "pn_prid": "abc", "type": "call"}),
    )
    .await;
    not_sent(json!({"pn_provider": "apns", "pn_param": "ABCD1234.org.linphone.phone", "pn_prid": "abc123", "type": "call"})).await;
    let sent_to_apns = o.providers.apns().len();
    assert_eq!(sent_to_apns, 0, "nothing reached APNs");
    // A provider that refuses.
    o.providers.fail_fcm(500);
    not_sent(
        json!({"pn_provider": "fcm", "pn_param": FCM_PARAM, "pn_prid": "abc", "type": "message"}),
    )
    .await;
    o.providers.fail_apns(410);
    not_sent(json!({"pn_provider": "apns", "pn_param": "ABCD1234.org.linphone.phone", "pn_prid": device, "type": "message"})).await;

    // An admin is told which fields break FlexiAPI's rules.
    let broken = system
        .with_key(&key, Method::POST, "/api/push_notification",
            Some(json!({"pn_provider": "gcm", "pn_param": "a b", "pn_prid": "x/y", "type": "alert", "call_id": "a b"})))
        .await;
    let errors = body_of(broken, StatusCode::UNPROCESSABLE_ENTITY).await["errors"].clone();
    for field in ["pn_provider", "pn_param", "pn_prid", "type", "call_id"] {
        assert!(errors[field].is_array(), "{field}: {errors}");
    }
    // A user may not wake devices, whatever it sends.
    system
        .grpc_create_account("pnuser01", "user-password", "SHA-256", false)
        .await;
    let user = system.named_key("pnuser01", "app").await;
    for body in [
        json!({"pn_provider": "fcm", "pn_param": FCM_PARAM, "pn_prid": "abc", "type": "call"}),
        json!({"type": 5}),
    ] {
        let refused = system
            .with_key(&user, Method::POST, "/api/push_notification", Some(body))
            .await;
        assert_eq!(
            body_of(refused, StatusCode::FORBIDDEN).await["message"],
            "Unauthorized area"
        );
    }
}

/// A provider that takes longer than 10 s: the core gives up and says so,
/// and the gateway waits for that answer instead of timing the request
/// out first (its deadline is longer by the providers' timeout).
#[tokio::test]
async fn a_provider_slower_than_ten_seconds_is_not_sent() {
    let Some(o) = super::spawn(Backend::Sqlite).await else {
        return;
    };
    let key = o.system.named_key(ADMIN, "flexisip").await;
    o.providers.slow_fcm(15);
    let started = std::time::Instant::now();
    let body =
        json!({"pn_provider": "fcm", "pn_param": FCM_PARAM, "pn_prid": "abc", "type": "call"});
    let answer = o
        .system
        .with_key(&key, Method::POST, "/api/push_notification", Some(body))
        .await;
    let refused = body_of(answer, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(refused, json!({"message": "Push notification not sent"}));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(14),
        "{:?}",
        started.elapsed()
    );
}
