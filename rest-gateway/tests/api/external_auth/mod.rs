//! Flexisip's delegated SIP authentication (ExternalAuthentication plugin):
//! requests made as Flexisip makes them, one at a time, each token of the
//! README's `remote-auth-uri` template URI-escaped and `null` when absent,
//! against the real gateway and core; the SIP client's answers computed by
//! the tests' own Digest code and, in `a_python_sip_client…`, by Python's
//! hashlib.

pub(crate) mod flexisip_request;
mod python;

use core_service::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

use self::flexisip_request::{
    assert_accepted, assert_challenged, assert_forbidden, bob_in_another_realm, external_auth_key,
    external_auth_key_of, flexisip, judged, SipAnswer,
};
use crate::helpers::{json, spawn_system, ADMIN, DOMAIN};

core_service::on_every_backend!(
    flexisip_checks_register_and_invite_through_the_core,
    only_a_key_of_scope_external_auth_opens_the_route,
);

async fn flexisip_checks_register_and_invite_through_the_core(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let admin_key = system.named_key(ADMIN, "tools").await;
    let key = external_auth_key(&system).await;
    let alice = system
        .grpc_create_account("alice01", "alice-pw", "MD5", false)
        .await;
    let identity = format!("<sip:alice01@{DOMAIN}>");

    // REGISTER, MD5: first answer, a later count, then a replay (twice).
    let mut register = SipAnswer::register("alice01", DOMAIN, "alice-pw");
    assert_accepted(&judged(&system, &key, &register).await, &identity);
    register.nc = 2;
    assert_accepted(&judged(&system, &key, &register).await, &identity);
    for _ in 0..2 {
        assert_challenged(
            &judged(&system, &key, &register).await,
            "401",
            "Nonce replayed",
        );
    }
    // Wrong password, unknown account: the same 403.
    let wrong = SipAnswer {
        password: "guess".into(),
        nonce: "d3Jvbmc=".into(),
        ..register.clone()
    };
    assert_forbidden(&judged(&system, &key, &wrong).await);
    let nobody = SipAnswer::register("nobody01", DOMAIN, "alice-pw");
    assert_forbidden(&judged(&system, &key, &nobody).await);
    // A malformed count on an INVITE: 407, so Flexisip challenges again.
    let mut invite = SipAnswer {
        method: "INVITE",
        uri: format!("sip:bob@{DOMAIN}"),
        nonce: "aW52aXRl".into(),
        ..register.clone()
    };
    invite.qop = None;
    assert_challenged(
        &judged(&system, &key, &invite).await,
        "407",
        "Invalid Digest qop: is missing: only qop=auth answers are accepted (challenge with qop)",
    );

    // INVITE, SHA-256, an account of a space whose realm is not its domain.
    let bob = bob_in_another_realm(&system, &admin_key).await;
    let invite = SipAnswer {
        method: "INVITE",
        realm: "example-realm".into(),
        algorithm: Some("SHA-256"),
        uri: "sip:alice01@sip.example.org".into(),
        ..SipAnswer::register("bob00001", "sip.example.com", "bob-pw")
    };
    assert_accepted(
        &judged(&system, &key, &invite).await,
        "<sip:bob00001@sip.example.com>",
    );
    let wrong_realm = SipAnswer {
        realm: "sip.example.com".into(),
        nonce: "cmVhbG0=".into(),
        ..invite.clone()
    };
    assert_challenged(
        &judged(&system, &key, &wrong_realm).await,
        "407",
        "Invalid Digest realm: does not match the account's realm",
    );

    // A password change applies to the very next REGISTER; so does a
    // deactivation. No cache stands in between.
    let update = json!({"password": "new-alice-pw", "algorithm": "MD5"});
    let path = format!("/api/accounts/{}", alice.id);
    json(
        system
            .with_key(&admin_key, Method::PUT, &path, Some(update))
            .await,
        StatusCode::OK,
    )
    .await;
    let old = SipAnswer {
        nonce: "b2xk".into(),
        ..register.clone()
    };
    assert_forbidden(&judged(&system, &key, &old).await);
    let new = SipAnswer {
        nonce: "bmV3".into(),
        password: "new-alice-pw".into(),
        ..register.clone()
    };
    assert_accepted(&judged(&system, &key, &new).await, &identity);
    let path = format!("/api/accounts/{}/deactivate", bob.id);
    json(
        system.with_key(&admin_key, Method::POST, &path, None).await,
        StatusCode::OK,
    )
    .await;
    let again = SipAnswer {
        nonce: "YWdhaW4=".into(),
        ..invite.clone()
    };
    assert_forbidden(&judged(&system, &key, &again).await);
}

async fn only_a_key_of_scope_external_auth_opens_the_route(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    system
        .grpc_create_account("alice01", "alice-pw", "MD5", false)
        .await;
    let admin_key = system.named_key(ADMIN, "tools").await;
    let key = external_auth_key(&system).await;
    let answer = SipAnswer::register("alice01", DOMAIN, "alice-pw");

    let refused =
        |message: &str| vec![("body".to_owned(), json!({"message": message}).to_string())];
    for (wrong, message) in [
        ("", "Missing API key"),
        (admin_key.as_str(), "Invalid API Key"),
        (
            "0123456789012345678901234567890123456789",
            "Invalid API Key",
        ),
    ] {
        let (status, body) = flexisip(&system, &answer.url(&system, wrong)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{wrong:?}");
        assert_eq!(body, refused(message));
    }
    // The right key still works: the refusals recorded nothing.
    assert_accepted(
        &judged(&system, &key, &answer).await,
        &format!("<sip:alice01@{DOMAIN}>"),
    );
    // A key stops working when its owner stops being an admin.
    let admin02 = system
        .grpc_create_account("admin02", "admin02-pw", "MD5", true)
        .await;
    let second = external_auth_key_of(&system, "admin02").await;
    let retry = SipAnswer {
        nonce: "c2Vjb25k".into(),
        ..answer.clone()
    };
    assert_accepted(
        &judged(&system, &second, &retry).await,
        &format!("<sip:alice01@{DOMAIN}>"),
    );
    let demote = json!({"admin": false});
    let path = format!("/api/accounts/{}", admin02.id);
    let demoted = system
        .with_key(&admin_key, Method::PUT, &path, Some(demote))
        .await;
    json(demoted, StatusCode::OK).await;
    let (status, _) = flexisip(&system, &retry.url(&system, &second)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an ex-admin's key");
    // And it opens nothing else.
    let response = system
        .with_key(&key, Method::GET, "/api/accounts", None)
        .await;
    assert_eq!(
        json(response, StatusCode::UNAUTHORIZED).await,
        json!({"message": "Invalid API Key"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_answers_lock_one_sip_client_out_not_the_others() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    system
        .grpc_create_account("alice01", "alice-pw", "MD5", false)
        .await;
    let key = external_auth_key(&system).await;
    let guesser = "SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK-g";
    for n in 0..5 {
        let guess = SipAnswer {
            password: format!("guess-{n}"),
            nonce: format!("Z3Vlc3M{n}"),
            via: Some(guesser.into()),
            ..SipAnswer::register("alice01", DOMAIN, "alice-pw")
        };
        assert_forbidden(&judged(&system, &key, &guess).await);
    }
    let right_from_guesser = SipAnswer {
        via: Some(guesser.into()),
        ..SipAnswer::register("alice01", DOMAIN, "alice-pw")
    };
    assert_challenged(
        &judged(&system, &key, &right_from_guesser).await,
        "401",
        "Too many failed attempts",
    );
    // Alice's phone, behind the same Flexisip, is another client.
    let phone = SipAnswer::register("alice01", DOMAIN, "alice-pw");
    assert_accepted(
        &judged(&system, &key, &phone).await,
        &format!("<sip:alice01@{DOMAIN}>"),
    );
}
