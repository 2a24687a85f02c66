//! Nonce flooding: an account holds at most 32 unanswered nonces, so any
//! number of challenges (each unauthenticated 401 is one) leaves the nonce
//! table bounded; the newest challenge and a client's answered nonce keep
//! working through the flood.

use flexiapi_proto::pb::VerifyOutcome;

use crate::{
    digest_client::DigestClient,
    helpers::{spawn_app, Backend},
};

core_service::on_every_backend!(ten_thousand_challenges_leave_at_most_32_unanswered_nonces);

const CHALLENGES: usize = 10_000;
const CONCURRENT: usize = 16;

async fn ten_thousand_challenges_leave_at_most_32_unanswered_nonces(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let alice = app.create_account("alice01", "secret-pw", "MD5").await;
    let client = DigestClient::new("alice01", "secret-pw");
    // A session in use: its nonce was answered once (nc 1).
    let session = app.challenge("alice01").await.remove(0);
    let verdict = app.verify(client.answer(&session, 1)).await;
    assert_eq!(verdict.outcome(), VerifyOutcome::Ok);

    let flood: Vec<_> = (0..CONCURRENT)
        .map(|_| {
            let mut auth = app.auth.clone();
            tokio::spawn(async move {
                for _ in 0..CHALLENGES / CONCURRENT {
                    let request = flexiapi_proto::pb::ChallengeRequest {
                        username: "alice01".into(),
                        domain: String::new(),
                        ..Default::default()
                    };
                    auth.challenge(request).await.unwrap();
                }
            })
        })
        .collect();
    for task in flood {
        task.await.unwrap();
    }
    let newest = app.challenge("alice01").await.remove(0);

    let held = app.nonces_of(alice.id).await;
    // 32 unanswered, the answered session's, and perhaps a few more left by
    // two statements racing past the cap at the same moment.
    assert!(
        (33..=33 + CONCURRENT as i64).contains(&held),
        "{held} nonces after {CHALLENGES} challenges"
    );
    let verdict = app.verify(client.answer(&newest, 1)).await;
    assert_eq!(
        verdict.outcome(),
        VerifyOutcome::Ok,
        "the newest challenge works"
    );
    let verdict = app.verify(client.answer(&session, 2)).await;
    assert_eq!(
        verdict.outcome(),
        VerifyOutcome::Ok,
        "the answered session survived"
    );
    // One more challenge trims what a race left.
    app.challenge("alice01").await;
    assert!(app.nonces_of(alice.id).await <= 34);
    app.stop().await;
}
