//! A database link that stalls (bytes held, connections left open: packets
//! dropped, not refused) bounds every call by the core's deadline, then
//! heals by itself once the link carries again.

use std::time::{Duration, Instant};

use flexiapi_proto::pb;
use tonic::Code;

use crate::helpers::{spawn_on, AppOptions, Backend, CuttableProxy, TestDatabase};

core_service::on_every_backend!(a_stalled_database_link_is_unavailable_within_the_deadline);

async fn a_stalled_database_link_is_unavailable_within_the_deadline(backend: Backend) {
    if backend == Backend::Sqlite {
        return; // a file, not a link
    }
    let Some(database) = TestDatabase::create(backend).await.unwrap() else {
        return;
    };
    let (proxy, through_proxy) = relayed(&database.url).await;
    let options = AppOptions {
        database_url: Some(through_proxy),
        ..Default::default()
    };
    let app = spawn_on(database, options).await;
    app.create_account("alice01", "secret-pw", "MD5").await;

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
