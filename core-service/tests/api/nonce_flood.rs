//! Nonce flooding: a challenge (each unauthenticated 401 is one) stores
//! nothing, so any number of them leaves the nonce table as it was, and
//! every challenge of the flood, the newest and a client's answered nonce
//! keep working through it.

use flexiapi_proto::pb::VerifyOutcome;

use crate::{
    digest_client::DigestClient,
    helpers::{spawn_app, Backend},
};

core_service::on_every_backend!(ten_thousand_challenges_store_nothing);

const CHALLENGES: usize = 10_000;
const CONCURRENT: usize = 16;

async fn ten_thousand_challenges_store_nothing(backend: Backend) {
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
                let mut first = None;
                for _ in 0..CHALLENGES / CONCURRENT {
                    let request = flexiapi_proto::pb::ChallengeRequest {
                        username: "alice01".into(),
                        domain: String::new(),
                        ..Default::default()
                    };
                    let mut answer = auth.challenge(request).await.unwrap().into_inner();
                    first.get_or_insert(answer.challenges.remove(0));
                }
                first
            })
        })
        .collect();
    let mut firsts = Vec::new();
    for task in flood {
        firsts.extend(task.await.unwrap());
    }
    let newest = app.challenge("alice01").await.remove(0);

    let held = app.nonces_of(alice.id).await;
    assert_eq!(held, 0, "{held} nonce rows after {CHALLENGES} challenges");
    for challenge in &firsts {
        let verdict = app.verify(client.answer(challenge, 1)).await;
        assert_eq!(
            verdict.outcome(),
            VerifyOutcome::Ok,
            "an early challenge of the flood"
        );
    }
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
    app.stop().await;
}
