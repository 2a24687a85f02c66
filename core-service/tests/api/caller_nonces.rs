//! Nonces a SIP proxy issued (Flexisip's ExternalAuthentication): recorded
//! at the first right answer, their `nc` required to grow after, atomically,
//! bounded per account, and never forgotten early.

use std::time::Duration;

use flexiapi_proto::pb::{self, VerifyOutcome};

use crate::helpers::{
    passed_of, spawn_app, spawn_app_with, spawn_on, AppOptions, Backend, DigestClient, TestApp,
};

core_service::on_every_backend!(
    a_proxys_nonce_is_recorded_at_its_first_right_answer_and_must_grow,
    concurrent_first_answers_to_one_nonce_let_exactly_one_through,
    an_account_holds_at_most_256_live_proxy_nonces_and_none_is_evicted,
);

/// Replicas share PostgreSQL or MariaDB, never a SQLite file.
mod first_answers_across_two_replicas_let_exactly_one_through {
    use super::Backend;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::first_answers_across_two_replicas_let_exactly_one_through(Backend::Postgres).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mysql() {
        super::first_answers_across_two_replicas_let_exactly_one_through(Backend::Mysql).await
    }
}

/// A change that spoils one field of an answer.
type Change = fn(&mut pb::VerifyDigestRequest);

/// A challenge as Flexisip makes it: its own nonce (base64, with `+`, `/`
/// and `=`), no opaque, qop auth.
fn flexisip_challenge(nonce: &str, algorithm: &str) -> pb::DigestChallenge {
    pb::DigestChallenge {
        realm: crate::helpers::DOMAIN.into(),
        nonce: nonce.into(),
        opaque: String::new(),
        algorithm: algorithm.into(),
        qop: "auth".into(),
        stale: false,
    }
}

/// The answer of a SIP client to `nonce`, forwarded by the proxy.
pub fn sip_answer(client: &DigestClient<'_>, nonce: &str, nc: u32) -> pb::VerifyDigestRequest {
    let mut request = client.answer(&flexisip_challenge(nonce, "MD5"), nc);
    request.nonce_from_caller = true;
    request.request_uri = String::new();
    request
}

pub fn register<'a>(password: &'a str) -> DigestClient<'a> {
    DigestClient {
        method: "REGISTER",
        uri: "sip:sip.example.org",
        ..DigestClient::new("alice01", password)
    }
}

async fn verify(app: &TestApp, request: pb::VerifyDigestRequest) -> pb::VerifyDigestResponse {
    app.verify(request).await
}

async fn a_proxys_nonce_is_recorded_at_its_first_right_answer_and_must_grow(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let alice = app.create_account("alice01", "secret-pw", "MD5").await;
    let nonce = "AAECAwQFBgcICQoLDA0+/w==";

    // A wrong answer stores nothing: the right one is then still a first.
    let wrong = verify(&app, sip_answer(&register("guess-pw"), nonce, 1)).await;
    assert_eq!(wrong.outcome(), VerifyOutcome::Unauthorized, "{wrong:?}");
    assert_eq!(app.nonces_of(alice.id).await, 0);

    let client = register("secret-pw");
    for nc in [1, 2, 7] {
        let passed = verify(&app, sip_answer(&client, nonce, nc)).await;
        assert!(passed.ok, "nc={nc}: {passed:?}");
        assert!(passed.challenges.is_empty(), "the proxy challenges itself");
    }
    assert_eq!(app.nonces_of(alice.id).await, 1);
    // A replay is refused, and the nonce is kept: refused again, never new.
    for _ in 0..2 {
        let replayed = verify(&app, sip_answer(&client, nonce, 7)).await;
        assert_eq!(
            replayed.outcome(),
            VerifyOutcome::NonceReplayed,
            "{replayed:?}"
        );
        assert_eq!(replayed.message, "Nonce replayed");
    }
    let older = verify(&app, sip_answer(&client, nonce, 3)).await;
    assert_eq!(older.outcome(), VerifyOutcome::NonceReplayed);

    // INVITE, SHA-256 and a sips: URI on a nonce of the core's own format:
    // the two kinds of nonces never meet.
    let core_nonce = app.challenge("alice01").await.remove(0).nonce;
    let invite = DigestClient {
        method: "INVITE",
        uri: "sips:bob@sip.example.org",
        ..register("secret-pw")
    };
    assert!(verify(&app, sip_answer(&invite, &core_nonce, 1)).await.ok);

    let changes: [(&str, Change); 4] = [
        ("qop", |r| r.digest.as_mut().unwrap().qop.clear()),
        ("uri", |r| {
            r.digest.as_mut().unwrap().uri = "/api/ping".into()
        }),
        ("nonce", |r| r.digest.as_mut().unwrap().nonce.clear()),
        ("uri", |r| r.request_uri = "sip:other.example.org".into()),
    ];
    for (field, change) in changes {
        let mut request = sip_answer(&client, "fresh-nonce", 1);
        change(&mut request);
        let refused = verify(&app, request).await;
        assert_eq!(
            refused.outcome(),
            VerifyOutcome::InvalidField,
            "{refused:?}"
        );
        assert_eq!(refused.field, field, "{refused:?}");
    }
}

async fn concurrent_first_answers_to_one_nonce_let_exactly_one_through(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_account("alice01", "secret-pw", "MD5").await;
    let request = sip_answer(&register("secret-pw"), "Y29uY3VycmVudA==", 1);
    let calls = (0..30)
        .map(|_| {
            let (mut auth, request) = (app.auth.clone(), request.clone());
            tokio::spawn(async move { auth.verify_digest(request).await.unwrap().into_inner() })
        })
        .collect();
    assert_eq!(passed_of(calls).await, 1);
}

async fn an_account_holds_at_most_256_live_proxy_nonces_and_none_is_evicted(backend: Backend) {
    let options = AppOptions {
        nonce_ttl_seconds: 5,
        ..AppOptions::default()
    };
    let Some(app) = spawn_app_with(backend, options).await else {
        return;
    };
    app.create_account("alice01", "secret-pw", "MD5").await;
    let client = register("secret-pw");
    let cap = core_service::rules::auth::caller_nonces::LIVE_PER_ACCOUNT;
    assert_eq!(cap, 256);
    for n in 0..cap {
        let passed = verify(&app, sip_answer(&client, &format!("nonce-{n}"), 1)).await;
        assert!(passed.ok, "{n}: {passed:?}");
    }
    let over = verify(&app, sip_answer(&client, "nonce-256", 1)).await;
    assert_eq!(over.outcome(), VerifyOutcome::NonceQuota, "{over:?}");
    assert_eq!(over.message, "Too many nonces");
    // The first ones are still judged by their count, not new again.
    let replayed = verify(&app, sip_answer(&client, "nonce-0", 1)).await;
    assert_eq!(replayed.outcome(), VerifyOutcome::NonceReplayed);
    // Once they expire an answer to one is refused as stale (they are
    // purged one TTL later), and they leave room for new ones.
    tokio::time::sleep(Duration::from_millis(5_100)).await;
    let expired = verify(&app, sip_answer(&client, "nonce-1", 2)).await;
    assert_eq!(
        expired.outcome(),
        VerifyOutcome::NonceExpired,
        "{expired:?}"
    );
    assert!(verify(&app, sip_answer(&client, "nonce-256", 1)).await.ok);
    // Past twice the TTL, when the core purges its own nonces, a proxy's is
    // still kept (for --proxy-nonce-retention-seconds): still stale, never
    // new again.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let kept = verify(&app, sip_answer(&client, "nonce-2", 1)).await;
    assert!(
        matches!(
            kept.outcome(),
            VerifyOutcome::NonceReplayed | VerifyOutcome::NonceExpired
        ),
        "{kept:?}"
    );
    let kept = verify(&app, sip_answer(&client, "nonce-2", 2)).await;
    assert_eq!(kept.outcome(), VerifyOutcome::NonceExpired, "{kept:?}");
}

/// Two proxies' copies of one answer, on two core replicas at once: the
/// first sight and each later count are taken once in all.
async fn first_answers_across_two_replicas_let_exactly_one_through(backend: Backend) {
    let Some(first) = spawn_app(backend).await else {
        return;
    };
    let second = spawn_on(first.database.shared(), AppOptions::default()).await;
    first.create_account("alice01", "secret-pw", "MD5").await;
    for nc in 1..=3 {
        let request = sip_answer(&register("secret-pw"), "cmVwbGljYXM=", nc);
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(30));
        let calls = (0..30)
            .map(|i| {
                let replica = if i % 2 == 0 { &first } else { &second };
                let (mut auth, request) = (replica.auth.clone(), request.clone());
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    barrier.wait().await;
                    auth.verify_digest(request).await.unwrap().into_inner()
                })
            })
            .collect();
        assert_eq!(passed_of(calls).await, 1, "nc={nc}");
    }
}
