//! The database link failing under the core, through a relay the test
//! controls, on PostgreSQL and MariaDB: a link that stalls (bytes held,
//! connections left open: packets dropped, not refused) bounds every call by
//! the core's deadline; a link cut under a steady load answers UNAVAILABLE
//! and nothing else; either way the core heals by itself.

use std::time::{Duration, Instant};

use flexiapi_proto::pb;
use tonic::Code;

use crate::helpers::{spawn_on, AppOptions, Backend, CuttableProxy, TestApp, TestDatabase};

core_service::on_every_backend!(a_stalled_database_link_is_unavailable_within_the_deadline);

async fn a_stalled_database_link_is_unavailable_within_the_deadline(backend: Backend) {
    let Some((proxy, app)) = behind_a_relay(backend).await else {
        return;
    };

    proxy.stall();
    let calls: Vec<_> = (0..4)
        .map(|n| {
            let mut accounts = app.accounts.clone();
            tokio::spawn(async move {
                let started = Instant::now();
                let request = pb::CreateAccountRequest {
                    username: format!("stalled{n}"),
                    password: "secret-pw".into(),
                    algorithm: "MD5".into(),
                    ..Default::default()
                };
                let status = accounts.create_account(request).await.unwrap_err();
                (status, started.elapsed())
            })
        })
        .collect();
    for call in calls {
        let (status, elapsed) = call.await.unwrap();
        assert_eq!(status.code(), Code::Unavailable, "{status:?}");
        assert!(
            elapsed < Duration::from_millis(4_800),
            "answered after {elapsed:?}"
        );
    }

    proxy.resume();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match app
            .accounts
            .clone()
            .create_account(pb::CreateAccountRequest {
                username: "healed01".into(),
                password: "secret-pw".into(),
                algorithm: "MD5".into(),
                ..Default::default()
            })
            .await
        {
            Ok(_) => break,
            Err(status) if Instant::now() < deadline => {
                assert_eq!(status.code(), Code::Unavailable, "{status:?}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(status) => panic!("the core did not recover: {status:?}"),
        }
    }
    app.stop().await;
}

/// A core whose database (PostgreSQL or MariaDB; `None` for SQLite, a
/// file, not a link) is reached through a relay, with alice01 created.
async fn behind_a_relay(backend: Backend) -> Option<(CuttableProxy, TestApp)> {
    if backend == Backend::Sqlite {
        return None;
    }
    let database = TestDatabase::create(backend).await.unwrap()?;
    let (proxy, through_proxy) = relayed(&database.url).await;
    let options = AppOptions {
        database_url: Some(through_proxy),
        ..Default::default()
    };
    let app = spawn_on(database, options).await;
    app.create_account("alice01", "secret-pw", "MD5").await;
    Some((proxy, app))
}

/// A relay to the database of `url` (which names host:port), and the URL
/// that goes through it.
async fn relayed(url: &str) -> (CuttableProxy, String) {
    let authority = url
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap();
    let target = authority
        .replacen("localhost", "127.0.0.1", 1)
        .parse()
        .unwrap();
    let proxy = CuttableProxy::start(target).await;
    let through = url.replacen(authority, &proxy.addr.to_string(), 1);
    assert_ne!(through, url);
    (proxy, through)
}

core_service::on_every_backend!(a_database_cut_under_load_is_unavailable_then_heals);

/// A steady load of challenges (a nonce written each) while the database
/// link is cut, then restored: every call answers, OK or UNAVAILABLE and
/// nothing else, within the deadline; the core heals by itself.
async fn a_database_cut_under_load_is_unavailable_then_heals(backend: Backend) {
    let Some((proxy, app)) = behind_a_relay(backend).await else {
        return;
    };

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load: Vec<_> = (0..4)
        .map(|_| {
            let (mut auth, stop) = (app.auth.clone(), stop.clone());
            tokio::spawn(async move {
                let mut answers = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let started = Instant::now();
                    let request = pb::ChallengeRequest {
                        username: "alice01".into(),
                        domain: String::new(),
                        ..Default::default()
                    };
                    let code = match auth.challenge(request).await {
                        Ok(_) => Code::Ok,
                        Err(status) => status.code(),
                    };
                    answers.push((started, code, started.elapsed()));
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                answers
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cut_at = Instant::now();
    proxy.cut();
    // Longer than a refused call takes (the 3 s pool acquire), so calls
    // start inside the cut.
    tokio::time::sleep(Duration::from_millis(5_000)).await;
    proxy.restore().await;
    let restored_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(6)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);

    let mut answers = Vec::new();
    for task in load {
        answers.extend(task.await.unwrap());
    }
    for (_, code, took) in &answers {
        assert!(matches!(code, Code::Ok | Code::Unavailable), "{code:?}");
        assert!(
            *took < Duration::from_millis(4_800),
            "answered after {took:?}"
        );
    }
    // A call answered while the link was cut failed; one still waiting for
    // a connection when it came back may have succeeded, which is right.
    let during: Vec<_> = answers
        .iter()
        .filter(|(at, _, took)| *at + *took > cut_at + Duration::from_millis(100))
        .filter(|(at, _, took)| *at + *took < restored_at)
        .collect();
    assert!(!during.is_empty(), "no call was answered during the cut");
    assert!(
        during.iter().all(|(_, code, _)| *code == Code::Unavailable),
        "only UNAVAILABLE while the link is cut: {during:?}"
    );
    let healed = answers
        .iter()
        .filter(|(at, code, _)| *at > restored_at && *code == Code::Ok)
        .map(|(at, _, _)| *at - restored_at)
        .min()
        .expect("never healed");
    assert!(healed < Duration::from_secs(5), "healed after {healed:?}");
    let before = answers.iter().filter(|(at, _, took)| *at + *took < cut_at);
    assert!(before.clone().count() > 10 && before.clone().all(|(_, code, _)| *code == Code::Ok));
    app.stop().await;
}
