//! Two cores on one database, as replicas behind a gateway run on the
//! backends they can share (PostgreSQL, MariaDB): the nonce rules hold
//! across them, and a change made through one decides the other's checks.

use flexiapi_proto::pb;

use crate::{
    helpers::{actor, passed_of, spawn_app, spawn_on, AppOptions, Backend, DigestClient, TestApp},
    spaces::root,
};

core_service::on_shared_backends!(
    fifty_answers_across_two_replicas_let_exactly_one_through,
    a_password_changed_on_one_replica_decides_the_other,
);

/// A first core and a second one on its database.
async fn two_replicas(backend: Backend) -> Option<(TestApp, TestApp)> {
    let first = spawn_app(backend).await?;
    let second = spawn_on(first.database.shared(), AppOptions::default()).await;
    Some((first, second))
}

async fn fifty_answers_across_two_replicas_let_exactly_one_through(backend: Backend) {
    let Some((first, second)) = two_replicas(backend).await else {
        return;
    };
    first.create_account("alice01", "secret-pw", "MD5").await;
    for round in 0..5 {
        // The challenge comes from one replica, the answers go to both.
        let issuer = if round % 2 == 0 { &first } else { &second };
        let challenge = issuer.challenge("alice01").await.remove(0);
        let request = DigestClient::new("alice01", "secret-pw").answer(&challenge, 1);
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(50));
        let calls: Vec<_> = (0..50)
            .map(|i| {
                let mut auth = if i % 2 == 0 {
                    first.auth.clone()
                } else {
                    second.auth.clone()
                };
                let (request, barrier) = (request.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    auth.verify_digest(request).await.unwrap().into_inner()
                })
            })
            .collect();
        let passed = passed_of(calls).await;
        assert_eq!(
            passed, 1,
            "round {round}: one of 50 answers on two replicas"
        );
    }
}

async fn a_password_changed_on_one_replica_decides_the_other(backend: Backend) {
    let Some((first, second)) = two_replicas(backend).await else {
        return;
    };
    let root = root(&first).await;
    let alice = first.create_account("alice01", "old-secret", "MD5").await;
    // The second replica reads (and keeps) the account, and hands out a nonce.
    let challenge = second.challenge("alice01").await.remove(0);
    let old = DigestClient::new("alice01", "old-secret");
    assert!(second.verify(old.answer(&challenge, 1)).await.ok);
    first
        .accounts
        .clone()
        .update_account(pb::UpdateAccountRequest {
            actor: actor(&root),
            id: alice.id,
            password: Some("new-secret".into()),
            algorithm: Some("MD5".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let refused = second.verify(old.answer(&challenge, 2)).await;
    assert!(
        !refused.ok,
        "the old password is refused at once: {refused:?}"
    );
    let challenge = second.challenge("alice01").await.remove(0);
    let new = DigestClient::new("alice01", "new-secret");
    assert!(second.verify(new.answer(&challenge, 1)).await.ok);
}
