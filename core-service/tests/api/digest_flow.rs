use std::time::Duration;

use flexiapi_proto::pb::{self, VerifyOutcome};
use tonic::Code;

use crate::helpers::{
    hash, passed_of, spawn_app, spawn_app_with, AppOptions, Backend, DigestClient, TestApp, DOMAIN,
};

core_service::on_every_backend!(
    a_challenge_offers_each_algorithm_md5_first_with_one_nonce,
    correct_answers_pass_and_keep_the_nonce,
    unknown_and_foreign_nonces_are_invalid,
    a_replayed_count_is_refused_and_the_nonce_discarded,
    an_expired_nonce_is_refused_as_stale,
    a_wrong_password_is_unauthorized,
    bad_fields_are_named_with_a_fresh_challenge,
    unknown_and_deactivated_accounts_are_not_found,
    credentials_are_the_stored_ha1s,
    fifty_concurrent_answers_with_one_count_let_exactly_one_through,
    changes_made_in_the_database_apply_to_the_next_check,
    concurrent_checks_on_many_nonces_each_get_their_own_outcome,
);

/// An account with both an MD5 and a SHA-256 password, as accounts migrated
/// from the original manager often have.
async fn account_with_both_algorithms(app: &TestApp, username: &str, password: &str) {
    app.create_account(username, password, "SHA-256").await;
    let md5 = hash("MD5", &format!("{username}:{DOMAIN}:{password}"));
    app.execute(
        "INSERT INTO passwords (account_id, password, algorithm) \
         SELECT id, $1, 'MD5' FROM accounts WHERE username = $2",
        &[&md5, username],
    )
    .await;
}

fn expect_refusal(response: &pb::VerifyDigestResponse, outcome: VerifyOutcome, message: &str) {
    assert!(!response.ok, "{response:?}");
    assert_eq!(response.outcome(), outcome, "{response:?}");
    assert_eq!(response.message, message);
    assert!(
        !response.challenges.is_empty(),
        "a refusal carries a fresh challenge"
    );
}

async fn a_challenge_offers_each_algorithm_md5_first_with_one_nonce(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    account_with_both_algorithms(&app, "alice01", "secret-pw").await;
    let challenges = app.challenge("alice01").await;
    let algorithms: Vec<_> = challenges.iter().map(|c| c.algorithm.as_str()).collect();
    assert_eq!(algorithms, ["MD5", "SHA-256"]);
    assert_eq!(challenges[0].nonce, challenges[1].nonce);
    assert_eq!(challenges[0].opaque, challenges[1].opaque);
    for c in &challenges {
        assert_eq!(c.realm, DOMAIN);
        assert_eq!(c.qop, "auth");
        assert!(!c.stale);
        assert!(c.nonce.len() >= 32, "at least 128 random bits");
    }
    let again = app.challenge("alice01").await;
    assert_ne!(
        again[0].nonce, challenges[0].nonce,
        "every challenge is a new nonce"
    );

    app.create_account("sha256only", "secret-pw", "SHA-256")
        .await;
    let single = app.challenge("sha256only").await;
    assert_eq!(single.len(), 1);
    assert_eq!(single[0].algorithm, "SHA-256");
}

async fn correct_answers_pass_and_keep_the_nonce(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    account_with_both_algorithms(&app, "alice01", "secret-pw").await;
    let client = DigestClient::new("alice01", "secret-pw");
    // Both challenges of one answer share a nonce: take a fresh one per algorithm.
    for index in 0..2 {
        let challenge = app.challenge("alice01").await.remove(index);
        for nc in 1..=3 {
            let response = app.verify(client.answer(&challenge, nc)).await;
            assert!(response.ok, "{} nc={nc}: {response:?}", challenge.algorithm);
            assert_eq!(response.outcome(), VerifyOutcome::Ok);
            assert_eq!(response.account.as_ref().unwrap().username, "alice01");
            let nonces: Vec<_> = response
                .challenges
                .iter()
                .map(|c| c.nonce.as_str())
                .collect();
            assert_eq!(
                nonces,
                [challenge.nonce.as_str(); 2],
                "success hands back the same nonce"
            );
        }
    }
    // The username may also be written user@domain, and counts may skip.
    let challenge = &app.challenge("alice01").await[1];
    let mut request = DigestClient::new("alice01", "secret-pw").answer(challenge, 5);
    request.digest.as_mut().unwrap().username = format!("alice01@{DOMAIN}");
    assert!(app.verify(request).await.ok);
}

async fn unknown_and_foreign_nonces_are_invalid(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_account("alice01", "secret-pw", "MD5").await;
    app.create_account("mallory1", "mallory-pw", "MD5").await;
    let mut forged = app.challenge("alice01").await.remove(0);
    forged.nonce = "00112233445566778899aabbccddeeff".into();
    let response = app
        .verify(DigestClient::new("alice01", "secret-pw").answer(&forged, 1))
        .await;
    expect_refusal(&response, VerifyOutcome::NonceInvalid, "Nonce invalid");

    // Mallory's own nonce, correctly answered with her password, cannot act as Alice.
    let mallorys = app.challenge("mallory1").await.remove(0);
    let mut request = DigestClient::new("mallory1", "mallory-pw").answer(&mallorys, 1);
    request.username = "alice01".into();
    let response = app.verify(request).await;
    expect_refusal(&response, VerifyOutcome::NonceInvalid, "Nonce invalid");
}

async fn a_replayed_count_is_refused_and_the_nonce_discarded(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_account("alice01", "secret-pw", "SHA-256").await;
    let client = DigestClient::new("alice01", "secret-pw");
    for (accepted, replayed) in [(2, 2), (2, 1)] {
        let challenge = app.challenge("alice01").await.remove(0);
        assert!(app.verify(client.answer(&challenge, accepted)).await.ok);
        let response = app.verify(client.answer(&challenge, replayed)).await;
        expect_refusal(&response, VerifyOutcome::NonceReplayed, "Nonce replayed");
        assert_ne!(response.challenges[0].nonce, challenge.nonce);
        // Discarded: even a correct higher count no longer works with it.
        let response = app.verify(client.answer(&challenge, 9)).await;
        expect_refusal(&response, VerifyOutcome::NonceInvalid, "Nonce invalid");
    }
}

async fn an_expired_nonce_is_refused_as_stale(backend: Backend) {
    let options = AppOptions {
        nonce_ttl_seconds: 2,
        ..Default::default()
    };
    let Some(app) = spawn_app_with(backend, options).await else {
        return;
    };
    app.create_account("alice01", "secret-pw", "MD5").await;
    let client = DigestClient::new("alice01", "secret-pw");
    let challenge = app.challenge("alice01").await.remove(0);
    // Times are whole seconds: past 3 s a 2 s nonce has surely expired, and
    // the fresh one below surely has a second left.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let response = app.verify(client.answer(&challenge, 1)).await;
    expect_refusal(&response, VerifyOutcome::NonceExpired, "Nonce expired");
    assert!(response.challenges.iter().all(|c| c.stale), "{response:?}");
    let fresh = &response.challenges[0];
    assert!(
        app.verify(client.answer(fresh, 1)).await.ok,
        "the stale challenge's nonce works"
    );
}

async fn a_wrong_password_is_unauthorized(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_account("alice01", "secret-pw", "SHA-256").await;
    let challenge = app.challenge("alice01").await.remove(0);
    let response = app
        .verify(DigestClient::new("alice01", "wrong-pw").answer(&challenge, 1))
        .await;
    expect_refusal(&response, VerifyOutcome::Unauthorized, "Unauthorized");
    assert!(!response.challenges[0].stale);
}

async fn bad_fields_are_named_with_a_fresh_challenge(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_account("alice01", "secret-pw", "MD5").await;
    let client = DigestClient::new("alice01", "secret-pw");
    type Edit = fn(&mut pb::VerifyDigestRequest);
    let cases: &[(&str, Edit)] = &[
        ("uri", |r| r.request_uri = "/api/devices".into()),
        ("opaque", |r| {
            r.digest.as_mut().unwrap().opaque = "forged".into()
        }),
        ("qop", |r| {
            r.digest.as_mut().unwrap().qop = "auth-int".into()
        }),
        ("algorithm", |r| {
            r.digest.as_mut().unwrap().algorithm = "SHA-256".into()
        }),
        ("nc", |r| r.digest.as_mut().unwrap().nc = "xyz".into()),
        ("realm", |r| {
            r.digest.as_mut().unwrap().realm = "elsewhere".into()
        }),
        ("cnonce", |r| r.digest.as_mut().unwrap().cnonce.clear()),
        ("response", |r| {
            r.digest.as_mut().unwrap().response = "a".repeat(5000)
        }),
    ];
    for (field, edit) in cases {
        let challenge = app.challenge("alice01").await.remove(0);
        let mut request = client.answer(&challenge, 1);
        edit(&mut request);
        let response = app.verify(request).await;
        assert!(!response.ok, "{field}");
        assert_eq!(
            response.outcome(),
            VerifyOutcome::InvalidField,
            "{field}: {response:?}"
        );
        assert_eq!(response.field, *field);
        assert!(response.message.contains(field), "{}", response.message);
        assert_ne!(response.challenges[0].nonce, challenge.nonce);
    }
    // No Digest fields at all: nothing to match a nonce with.
    let mut request = client.answer(&app.challenge("alice01").await[0], 1);
    request.digest = None;
    expect_refusal(
        &app.verify(request).await,
        VerifyOutcome::NonceInvalid,
        "Nonce invalid",
    );
}

async fn unknown_and_deactivated_accounts_are_not_found(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_account("alice01", "secret-pw", "MD5").await;
    let challenge = app.challenge("alice01").await.remove(0);
    app.execute(
        "UPDATE accounts SET activated = FALSE WHERE username = $1",
        &["alice01"],
    )
    .await;
    for username in ["nobody01", "alice01"] {
        let mut auth = app.auth.clone();
        let status = auth
            .challenge(pb::ChallengeRequest {
                username: username.into(),
                domain: String::new(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::NotFound, "{username}");
        let mut request = DigestClient::new("alice01", "secret-pw").answer(&challenge, 1);
        request.username = username.into();
        assert_eq!(
            auth.verify_digest(request).await.unwrap_err().code(),
            Code::NotFound
        );
        let status = auth
            .get_credentials(pb::GetCredentialsRequest {
                username: username.into(),
                domain: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::NotFound);
    }
    let status = app
        .auth
        .clone()
        .challenge(pb::ChallengeRequest {
            username: "a b".into(),
            domain: String::new(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
}

async fn credentials_are_the_stored_ha1s(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    account_with_both_algorithms(&app, "alice01", "secret-pw").await;
    let text = format!("alice01:{DOMAIN}:secret-pw");
    assert_eq!(
        app.credentials("alice01").await,
        [
            ("MD5".into(), hash("MD5", &text)),
            ("SHA-256".into(), hash("SHA-256", &text))
        ]
    );
}

async fn fifty_concurrent_answers_with_one_count_let_exactly_one_through(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_account("alice01", "secret-pw", "SHA-256").await;
    let challenge = app.challenge("alice01").await.remove(0);
    let request = DigestClient::new("alice01", "secret-pw").answer(&challenge, 1);
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(50));
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let mut auth = app.auth.clone();
            let request = request.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                auth.verify_digest(request).await.unwrap().into_inner()
            })
        })
        .collect();
    let passed = passed_of(calls).await;
    assert_eq!(passed, 1, "exactly one of 50 identical answers passes");
}

/// The core keeps accounts in memory; a password changed or an account
/// deactivated by plain SQL (an operator, Flexisip's tools, another replica)
/// must still decide the very next check on a nonce already in use.
async fn changes_made_in_the_database_apply_to_the_next_check(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_account("alice01", "old-password", "MD5").await;
    let challenge = app.challenge("alice01").await.remove(0);
    let old = DigestClient::new("alice01", "old-password");
    let new = DigestClient::new("alice01", "new-password");
    assert!(app.verify(old.answer(&challenge, 1)).await.ok);

    let new_ha1 = hash("MD5", &format!("alice01:{DOMAIN}:new-password"));
    app.execute(
        "UPDATE passwords SET password = $1 WHERE account_id = \
         (SELECT id FROM accounts WHERE username = 'alice01')",
        &[&new_ha1],
    )
    .await;
    expect_refusal(
        &app.verify(old.answer(&challenge, 2)).await,
        VerifyOutcome::Unauthorized,
        "Unauthorized",
    );
    // The refusal did not burn the count, and the new password works at once.
    assert!(app.verify(new.answer(&challenge, 2)).await.ok);
    // A SIP proxy asking for the HA1 sees the change within a fraction of a
    // second (it is answered from memory while the epoch is known current).
    assert_eq!(
        app.credentials("alice01").await,
        [("MD5".into(), new_ha1.clone())]
    );
    let newer_ha1 = hash("MD5", &format!("alice01:{DOMAIN}:newer-password"));
    app.execute("UPDATE passwords SET password = $1", &[&newer_ha1])
        .await;
    let changed = std::time::Instant::now();
    while app.credentials("alice01").await != [("MD5".into(), newer_ha1.clone())] {
        assert!(
            changed.elapsed() < Duration::from_secs(1),
            "GetCredentials stayed stale"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    app.execute("UPDATE passwords SET password = $1", &[&new_ha1])
        .await;

    app.execute(
        "UPDATE accounts SET activated = FALSE WHERE username = $1",
        &["alice01"],
    )
    .await;
    let status = app
        .auth
        .clone()
        .verify_digest(new.answer(&challenge, 3))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    app.execute(
        "UPDATE accounts SET activated = TRUE WHERE username = $1",
        &["alice01"],
    )
    .await;
    assert!(app.verify(new.answer(&challenge, 3)).await.ok);
}

/// Many clients of one account at once, each with its own challenge (50
/// concurrent logins): every one passes, and each nonce keeps its own count.
async fn concurrent_checks_on_many_nonces_each_get_their_own_outcome(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_account("alice01", "secret-pw", "MD5").await;
    let client = DigestClient::new("alice01", "secret-pw");
    let at_once = |requests: Vec<pb::VerifyDigestRequest>| {
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(requests.len()));
        let calls: Vec<_> = requests
            .into_iter()
            .map(|request| {
                let (mut auth, barrier) = (app.auth.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    auth.verify_digest(request).await.unwrap().into_inner()
                })
            })
            .collect();
        async move {
            let mut responses = Vec::new();
            for call in calls {
                responses.push(call.await.unwrap());
            }
            responses
        }
    };
    let held = 50;
    let issued: Vec<_> = (0..held)
        .map(|_| {
            let mut auth = app.auth.clone();
            tokio::spawn(async move {
                let request = pb::ChallengeRequest {
                    username: "alice01".into(),
                    domain: String::new(),
                    ..Default::default()
                };
                auth.challenge(request)
                    .await
                    .unwrap()
                    .into_inner()
                    .challenges
            })
        })
        .collect();
    let mut challenges = Vec::new();
    for call in issued {
        challenges.push(call.await.unwrap().remove(0));
    }
    let distinct: std::collections::HashSet<_> = challenges.iter().map(|c| &c.nonce).collect();
    assert_eq!(distinct.len(), held);

    let first = at_once(challenges.iter().map(|c| client.answer(c, 1)).collect()).await;
    assert!(first.iter().all(|r| r.ok), "{first:?}");

    // Half replay nc=1, half move on to nc=2, all in the same instant.
    let requests = challenges
        .iter()
        .enumerate()
        .map(|(i, c)| client.answer(c, if i % 2 == 0 { 1 } else { 2 }))
        .collect();
    for (i, response) in at_once(requests).await.iter().enumerate() {
        if i % 2 == 0 {
            assert_eq!(response.outcome(), VerifyOutcome::NonceReplayed, "{i}");
        } else {
            assert!(response.ok, "{i}: {response:?}");
        }
    }
}
