//! Statistics on each backend: a call or message posted twice is one
//! record, updates merge instead of clearing, queries page newest first,
//! and the purge (the `statistics purge` command itself) deletes old
//! records with their devices.

use core_service::rules::statistics::{
    fields::{Address, TerminatedState},
    store::{CallDevice, MessageDevice, NewCall, NewMessage, StatisticsStore, Window},
};
use core_service::testing::Backend;

use crate::helpers::{spawn_app, spawn_on, wait_until, AppOptions};

core_service::on_every_backend!(
    a_call_posted_twice_is_one_call_with_its_devices_merged,
    a_message_and_its_recipients_devices_merge,
    queries_page_newest_first_for_sender_and_recipient,
    the_purge_command_deletes_old_records_with_their_devices,
    a_core_with_a_retention_sweeps_old_records_by_itself,
);

const SECOND: i64 = 1_000_000;

fn address(raw: &str) -> Address {
    Address::parse("from", raw).unwrap()
}

fn new_call(id: &str, from: &str, to: &str, initiated_at: i64) -> NewCall {
    NewCall {
        call: core_service::rules::statistics::store::Call {
            id: id.into(),
            sip_call_id: Some("stub-call-id".into()),
            from: address(from),
            to: address(to),
            initiated_at,
            ended_at: None,
            conference_id: None,
        },
        devices: vec![CallDevice {
            device_id: "<urn:uuid:0001>".into(),
            rang_at: None,
            terminated: None,
        }],
    }
}

fn new_message(id: &str, from: &str, to: &str, sent_at: i64) -> NewMessage {
    NewMessage {
        id: id.into(),
        from: address(from),
        sent_at,
        encrypted: true,
        conference_id: None,
        devices: vec![MessageDevice {
            to: address(to),
            device_id: "fs-gen-1".into(),
            answer: None,
        }],
    }
}

const ALL: Window = Window {
    offset: 0,
    limit: 100,
};

async fn a_call_posted_twice_is_one_call_with_its_devices_merged(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let db = &app.db;
    let mut call = new_call(
        "4722b0233",
        "alice@sip.example.org",
        "bob@sip.example.org",
        SECOND,
    );
    db.record_call(&call, 10).await.unwrap();
    // The device rang, then its INVITE ended: each update keeps the other.
    let rang = CallDevice {
        device_id: "<urn:uuid:0001>".into(),
        rang_at: Some(2 * SECOND),
        terminated: None,
    };
    db.record_call_device("4722b0233", &rang, 20)
        .await
        .unwrap()
        .unwrap();
    let ended = CallDevice {
        device_id: "<urn:uuid:0001>".into(),
        rang_at: None,
        terminated: Some((3 * SECOND, TerminatedState::Accepted)),
    };
    let after = db
        .record_call_device("4722b0233", &ended, 30)
        .await
        .unwrap()
        .unwrap();
    let device = &after.devices[0];
    assert_eq!(device.device.rang_at, Some(2 * SECOND));
    assert_eq!(
        device.device.terminated,
        Some((3 * SECOND, TerminatedState::Accepted))
    );
    assert_eq!((device.created_at, device.updated_at), (10, 30));
    // Posted again (Flexisip retries), with the device null and one more:
    // the call's fields are the new ones, the known device keeps its state.
    call.call.ended_at = Some(4 * SECOND);
    call.devices.push(CallDevice {
        device_id: "fs-gen-2".into(),
        rang_at: None,
        terminated: None,
    });
    let again = db.record_call(&call, 40).await.unwrap();
    assert_eq!(again.call.ended_at, Some(4 * SECOND));
    assert_eq!((again.created_at, again.updated_at), (10, 40));
    assert_eq!(again.devices.len(), 2);
    assert_eq!(again.devices[0].device.rang_at, Some(2 * SECOND));
    let (calls, total) = db
        .calls_of(&address("bob@sip.example.org"), ALL)
        .await
        .unwrap();
    assert_eq!((calls.len(), total), (1, 1));
    // Ending a call that is not there is nothing, and creates nothing.
    assert!(db.end_call("nope", SECOND, 50).await.unwrap().is_none());
    assert!(db
        .record_call_device("nope", &rang, 50)
        .await
        .unwrap()
        .is_none());
    let ended = db
        .end_call("4722b0233", 5 * SECOND, 60)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ended.call.ended_at, Some(5 * SECOND));
    // The same end twice: still found (MariaDB counts it as no change).
    assert!(db
        .end_call("4722b0233", 5 * SECOND, 60)
        .await
        .unwrap()
        .is_some());
}

async fn a_message_and_its_recipients_devices_merge(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let db = &app.db;
    let message = new_message(
        "84c937d1",
        "user@sip.linphone.org",
        "user1@domain.org",
        SECOND,
    );
    let stored = db.record_message(&message, 10).await.unwrap();
    assert!(stored.message.encrypted);
    assert_eq!(stored.message.devices[0].answer, None);
    let answer = MessageDevice {
        to: address("user1@domain.org"),
        device_id: "fs-gen-1".into(),
        answer: Some((200, 2 * SECOND)),
    };
    let answered = db
        .record_message_device("84c937d1", &answer, 20)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answered.message.devices.len(), 1);
    assert_eq!(answered.message.devices[0].answer, Some((200, 2 * SECOND)));
    assert_eq!(answered.updated_at, 20);
    // Posted again with the device null: its answer stays.
    let again = db.record_message(&message, 30).await.unwrap();
    assert_eq!(again.message.devices[0].answer, Some((200, 2 * SECOND)));
    // A device of another recipient is a new entry.
    let other = MessageDevice {
        to: address("user2@domain.org"),
        ..answer.clone()
    };
    let both = db
        .record_message_device("84c937d1", &other, 40)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(both.message.devices.len(), 2);
    assert!(db
        .record_message_device("missing", &answer, 50)
        .await
        .unwrap()
        .is_none());
}

async fn queries_page_newest_first_for_sender_and_recipient(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let db = &app.db;
    for n in 0..5 {
        let (from, to) = if n % 2 == 0 {
            ("alice@sip.example.org", "bob@sip.example.org")
        } else {
            ("bob@sip.example.org", "alice@sip.example.org")
        };
        db.record_call(&new_call(&format!("call-{n}"), from, to, n * SECOND), 1)
            .await
            .unwrap();
        db.record_message(&new_message(&format!("msg-{n}"), from, to, n * SECOND), 1)
            .await
            .unwrap();
    }
    db.record_call(
        &new_call("other", "carol@sip.example.org", "dave@sip.example.org", 0),
        1,
    )
    .await
    .unwrap();
    let page = Window {
        offset: 1,
        limit: 2,
    };
    let (calls, total) = db
        .calls_of(&address("alice@sip.example.org"), page)
        .await
        .unwrap();
    assert_eq!(total, 5);
    let ids: Vec<_> = calls.iter().map(|c| c.call.id.as_str()).collect();
    assert_eq!(ids, ["call-3", "call-2"]);
    assert_eq!(
        calls[0].devices.len(),
        1,
        "each call comes with its devices"
    );
    let (messages, total) = db
        .messages_of(&address("alice@sip.example.org"), page)
        .await
        .unwrap();
    assert_eq!(total, 5, "sent and received");
    let ids: Vec<_> = messages.iter().map(|m| m.message.id.as_str()).collect();
    assert_eq!(ids, ["msg-3", "msg-2"]);
    let (_, total) = db
        .calls_of(&address("nobody@sip.example.org"), ALL)
        .await
        .unwrap();
    assert_eq!(total, 0);
}

async fn the_purge_command_deletes_old_records_with_their_devices(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let now = core_service::rules::statistics::now_micros();
    let day = 86_400 * SECOND;
    let db = &app.db;
    let old = new_call(
        "old",
        "alice@sip.example.org",
        "bob@sip.example.org",
        now - 40 * day,
    );
    let recent = new_call(
        "recent",
        "alice@sip.example.org",
        "bob@sip.example.org",
        now - day,
    );
    db.record_call(&old, now).await.unwrap();
    db.record_call(&recent, now).await.unwrap();
    let old_message = new_message(
        "old",
        "alice@sip.example.org",
        "bob@sip.example.org",
        now - 40 * day,
    );
    db.record_message(&old_message, now).await.unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_core-service"))
        .args(["statistics", "purge", "--older-than-days", "30"])
        .env("DATABASE_URL", &app.database.url)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed, serde_json::json!({"calls": 1, "messages": 1}));
    let (calls, _) = db
        .calls_of(&address("alice@sip.example.org"), ALL)
        .await
        .unwrap();
    let ids: Vec<_> = calls.iter().map(|c| c.call.id.as_str()).collect();
    assert_eq!(ids, ["recent"]);
    let orphans = app
        .count(
            "SELECT COUNT(*) FROM statistics_call_devices WHERE call_id = 'old' AND 0 < $1",
            1,
        )
        .await;
    assert_eq!(orphans, 0, "the devices went with their call");
    let orphans = app
        .count(
            "SELECT COUNT(*) FROM statistics_message_devices WHERE message_id = 'old' AND 0 < $1",
            1,
        )
        .await;
    assert_eq!(orphans, 0, "the devices went with their message");
}

async fn a_core_with_a_retention_sweeps_old_records_by_itself(backend: Backend) {
    let Some(database) = core_service::testing::TestDatabase::create(backend)
        .await
        .unwrap()
    else {
        return;
    };
    let now = core_service::rules::statistics::now_micros();
    let day = 86_400 * SECOND;
    let store = core_service::adapters::SqlStore::connect(&database.url)
        .await
        .unwrap();
    store.migrate().await.unwrap();
    for (id, age) in [("old", 40), ("recent", 1)] {
        let call = new_call(
            id,
            "alice@sip.example.org",
            "bob@sip.example.org",
            now - age * day,
        );
        store.record_call(&call, now).await.unwrap();
    }
    store.close().await;
    // The sweep runs as the core starts, then hourly.
    let options = AppOptions {
        statistics_retention_days: 30,
        ..AppOptions::default()
    };
    let app = spawn_on(database, options).await;
    let alice = address("alice@sip.example.org");
    let swept = wait_until(|| async {
        let (calls, _) = app.db.calls_of(&alice, ALL).await.unwrap();
        calls.iter().map(|c| c.call.id.as_str()).eq(["recent"])
    })
    .await;
    assert!(swept, "the call 40 days old is gone, the other kept");
}
