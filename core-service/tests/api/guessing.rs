//! The failure limit over gRPC: VerifyDigest counts wrong answers per
//! account and client address, answers THROTTLED with the delay past the
//! limit, and refuses a client address that is not one.

use flexiapi_proto::pb::{self, VerifyOutcome};
use tonic::Code;

use crate::{
    digest_client::DigestClient,
    helpers::{spawn_app, Backend},
};

#[tokio::test]
async fn past_the_limit_a_client_is_throttled_and_others_are_judged() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.create_account("alice01", "secret-pw", "MD5").await;
    let answer =
        |password: &'static str, nc: u32, client: &str, challenge: &pb::DigestChallenge| {
            let mut request = DigestClient::new("alice01", password).answer(challenge, nc);
            request.client_address = client.into();
            request
        };
    let challenge = app.challenge("alice01").await.remove(0);
    for nc in 1..=5 {
        let verdict = app
            .verify(answer("wrong-pw", nc, "203.0.113.9", &challenge))
            .await;
        assert_eq!(verdict.outcome(), VerifyOutcome::Unauthorized, "nc {nc}");
    }
    let verdict = app
        .verify(answer("secret-pw", 6, "203.0.113.9", &challenge))
        .await;
    assert_eq!(verdict.outcome(), VerifyOutcome::Throttled);
    assert!(!verdict.ok);
    assert_eq!(verdict.message, "Too many failed attempts");
    assert!(
        (299..=300).contains(&verdict.retry_after_seconds),
        "{}",
        verdict.retry_after_seconds
    );
    assert!(verdict.challenges.is_empty(), "not judged, so no new nonce");

    // The same /64 is the same client; another address is judged.
    let verdict = app
        .verify(answer("secret-pw", 6, "2001:db8::1", &challenge))
        .await;
    assert_eq!(verdict.outcome(), VerifyOutcome::Ok);
    let verdict = app
        .verify(answer("secret-pw", 7, "::ffff:203.0.113.9", &challenge))
        .await;
    assert_eq!(
        verdict.outcome(),
        VerifyOutcome::Throttled,
        "a mapped IPv4 is the IPv4"
    );

    let refused = app
        .auth
        .clone()
        .verify_digest(answer("secret-pw", 8, "not-an-address", &challenge))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert_eq!(refused.message(), "client_address: must be an IP address");
    app.stop().await;
}
