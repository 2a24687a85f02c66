//! The contract's Digest section, rule by rule.

use std::time::Duration;

use core_service::testing::Backend;
use reqwest::{header, StatusCode};
use serde_json::json;

use crate::helpers::{
    challenges, execute, hash, json, spawn_system, spawn_system_with, Bind, Options, DOMAIN,
};

core_service::on_every_backend!(
    a_missing_or_unreadable_from_is_422,
    a_from_naming_no_account_is_404,
    no_authorization_gets_one_challenge_per_algorithm,
    a_correct_answer_passes_and_the_nonce_goes_on,
    the_uri_must_be_the_request_target,
    each_refusal_has_its_message_and_a_fresh_challenge,
    an_expired_nonce_is_stale,
    other_schemes_and_broken_headers_are_401,
);

async fn a_missing_or_unreadable_from_is_422(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let response = system.ping(None, None).await;
    let body = json(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"]["from"][0], "The from header is required.");
    for from in [
        "alice01@sip.example.org",
        "tel:+33123",
        "<sip:alice01@sip.example.org",
        "sip:a b@x y",
    ] {
        let response = system.ping(Some(from.to_string()), None).await;
        let body = json(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(body["errors"]["from"][0].is_string(), "{from}: {body}");
        assert!(body["message"].is_string());
    }
    // A domain the core refuses is the From header's fault too.
    let response = system
        .ping(Some("sip:alice01@bad_domain".to_string()), None)
        .await;
    let body = json(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        body["errors"]["from"][0]
            .as_str()
            .unwrap()
            .starts_with("The from header's domain"),
        "{body}"
    );
}

async fn a_from_naming_no_account_is_404(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let response = system
        .ping(Some(format!("sip:nobody01@{DOMAIN}")), None)
        .await;
    assert_eq!(
        json(response, StatusCode::NOT_FOUND).await,
        json!({"message": "Account not found"})
    );
}

async fn no_authorization_gets_one_challenge_per_algorithm(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let alice = system
        .grpc_create_account("alice01", "secret-pw", "MD5", false)
        .await;
    let sha256 = hash("SHA-256", &format!("alice01:{DOMAIN}:secret-pw"));
    let add_sha256 = "INSERT INTO passwords (account_id, password, algorithm) \
                      VALUES ($1, $2, 'SHA-256')";
    execute(
        &system,
        add_sha256,
        &[Bind::Int(alice.id), Bind::Text(&sha256)],
    )
    .await;
    for from in [
        "sip:alice01@sip.example.org",
        "\"Alice\" <sip:alice01@sip.example.org>;tag=abc",
        "<sip:%61lice01@SIP.example.org>",
    ] {
        let response = system.ping(Some(from.to_string()), None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{from}");
        let raw: Vec<String> = response
            .headers()
            .get_all(header::WWW_AUTHENTICATE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        let found = challenges(&response);
        assert_eq!(
            json(response, StatusCode::UNAUTHORIZED).await,
            json!({"message": "Unauthenticated request"})
        );
        let algorithms: Vec<_> = found.iter().map(|c| c.get("algorithm")).collect();
        assert_eq!(algorithms, ["MD5", "SHA-256"], "MD5 first");
        assert_eq!(
            found[0].get("nonce"),
            found[1].get("nonce"),
            "one nonce for both"
        );
        assert_eq!(found[0].get("opaque"), found[1].get("opaque"));
        let (nonce, opaque) = (found[0].get("nonce"), found[0].get("opaque"));
        assert_eq!(
            raw[0],
            format!("Digest realm=\"{DOMAIN}\",qop=\"auth\",algorithm=MD5,nonce=\"{nonce}\",opaque=\"{opaque}\"")
        );
    }
}

async fn a_correct_answer_passes_and_the_nonce_goes_on(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    for (username, algorithm) in [("md5user", "MD5"), ("sha256user", "SHA-256")] {
        system
            .grpc_create_account(username, "secret-pw", algorithm, false)
            .await;
        let mut client = system.client(username, "secret-pw");
        client.fetch_challenge(algorithm).await;
        let nonce = client.challenge.as_ref().unwrap().get("nonce").to_owned();
        for nc in 1..=3 {
            let response = client.get("/api/ping").await;
            assert_eq!(response.status(), StatusCode::OK, "{algorithm} nc={nc}");
            let echoed = challenges(&response);
            assert_eq!(echoed.len(), 1);
            assert_eq!(
                echoed[0].get("nonce"),
                nonce,
                "the same nonce is handed back"
            );
            assert_eq!(response.text().await.unwrap(), "pong");
        }
    }
}

async fn the_uri_must_be_the_request_target(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let mut client = system.admin();
    let response = client.get("/api/ping?verbose=1").await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the query is part of the uri"
    );

    let authorization = client.authorization("GET", "/api/devices");
    let response = system
        .ping(Some(client.sip_from()), Some(authorization))
        .await;
    let body = json(response, StatusCode::UNAUTHORIZED).await;
    assert_eq!(
        body["message"],
        "Invalid Digest uri: does not match the request"
    );
}

async fn each_refusal_has_its_message_and_a_fresh_challenge(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    system
        .grpc_create_account("alice01", "secret-pw", "MD5", false)
        .await;

    type Edit = fn(String) -> String;
    let cases: [(&str, Edit); 6] = [
        ("Nonce invalid", |a| {
            replace_param(&a, "nonce", "\"0123456789abcdef0123456789abcdef\"")
        }),
        ("Invalid Digest opaque: does not match the challenge", |a| {
            replace_param(&a, "opaque", "\"forged\"")
        }),
        ("Invalid Digest qop: must be auth", |a| {
            replace_param(&a, "qop", "auth-int")
        }),
        (
            "Invalid Digest algorithm: the account has no password for it",
            |a| replace_param(&a, "algorithm", "SHA-256"),
        ),
        ("Invalid Digest nc: must be 8 hexadecimal digits", |a| {
            replace_param(&a, "nc", "1")
        }),
        (
            "Invalid Digest response: must be the hex digest of the algorithm",
            |a| replace_param(&a, "response", "\"zz\""),
        ),
    ];
    for (message, edit) in cases {
        let mut client = system.client("alice01", "secret-pw");
        client.fetch_challenge("MD5").await;
        let nonce = client.challenge.as_ref().unwrap().get("nonce").to_owned();
        let authorization = edit(client.authorization("GET", "/api/ping"));
        let response = system
            .ping(Some(client.sip_from()), Some(authorization))
            .await;
        let fresh = challenges(&response);
        assert_eq!(
            json(response, StatusCode::UNAUTHORIZED).await,
            json!({ "message": message })
        );
        assert_eq!(fresh.len(), 1, "{message}");
        assert_ne!(fresh[0].get("nonce"), nonce, "{message}: a fresh nonce");
    }

    // Wrong password.
    let mut wrong = system.client("alice01", "not-the-password");
    let response = wrong.get("/api/ping").await;
    assert_eq!(
        json(response, StatusCode::UNAUTHORIZED).await,
        json!({"message": "Unauthorized"})
    );

    // Replay: the same nc twice, then the nonce is gone.
    let mut client = system.client("alice01", "secret-pw");
    assert_eq!(client.get("/api/ping").await.status(), StatusCode::OK);
    client.nc -= 1;
    let response = client.get("/api/ping").await;
    assert_eq!(
        json(response, StatusCode::UNAUTHORIZED).await,
        json!({"message": "Nonce replayed"})
    );
    let response = client.get("/api/ping").await;
    assert_eq!(
        json(response, StatusCode::UNAUTHORIZED).await,
        json!({"message": "Nonce invalid"})
    );

    // Another account's nonce cannot be borrowed.
    let mut admin = system.admin();
    admin.fetch_challenge("SHA-256").await;
    let mut alice = system.client("alice01", "secret-pw");
    alice.challenge = admin.challenge.clone();
    alice
        .challenge
        .as_mut()
        .unwrap()
        .0
        .insert("algorithm".into(), "MD5".into());
    let response = alice.get("/api/ping").await;
    assert_eq!(
        json(response, StatusCode::UNAUTHORIZED).await,
        json!({"message": "Nonce invalid"})
    );
}

fn replace_param(authorization: &str, name: &str, value: &str) -> String {
    authorization
        .split(", ")
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.trim_start_matches("Digest ") == name => {
                let prefix = if key.starts_with("Digest ") {
                    "Digest "
                } else {
                    ""
                };
                format!("{prefix}{name}={value}")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

async fn an_expired_nonce_is_stale(backend: Backend) {
    let options = Options {
        nonce_ttl_seconds: 2,
        ..Default::default()
    };
    let Some(system) = spawn_system_with(backend, options).await else {
        return;
    };
    let mut client = system.admin();
    client.fetch_challenge("SHA-256").await;
    // Times are whole seconds: past 3 s a 2 s nonce has surely expired, and
    // the fresh one below surely has a second left.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let response = client.get("/api/ping").await;
    let fresh = challenges(&response);
    assert_eq!(
        json(response, StatusCode::UNAUTHORIZED).await,
        json!({"message": "Nonce expired"})
    );
    assert_eq!(fresh[0].get("stale"), "true");
    // The client retries with the new nonce without asking for the password.
    client.challenge = Some(fresh[0].clone());
    client.nc = 0;
    let response = client.get("/api/ping").await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{:?}",
        response.text().await
    );
}

async fn other_schemes_and_broken_headers_are_401(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let from = format!("sip:admin01@{DOMAIN}");
    let cases = [
        (
            "Basic YWRtaW4wMTphZG1pbi1wYXNzd29yZA==",
            "Only Digest authentication is supported",
        ),
        (
            "Digest username=\"admin01",
            "Malformed Authorization header: username: unterminated quoted value",
        ),
        (
            "Digest username=\"a\", username=\"b\"",
            "Malformed Authorization header: username is given twice",
        ),
    ];
    for (authorization, message) in cases {
        let response = system
            .ping(Some(from.clone()), Some(authorization.into()))
            .await;
        assert_eq!(challenges(&response).len(), 1, "{authorization}");
        assert_eq!(
            json(response, StatusCode::UNAUTHORIZED).await,
            json!({ "message": message })
        );
    }
    let huge = format!("Digest username=\"{}\"", "a".repeat(6000));
    let response = system.ping(Some(from.clone()), Some(huge)).await;
    let body = json(response, StatusCode::UNAUTHORIZED).await;
    assert_eq!(
        body["message"],
        "Malformed Authorization header: it is too long"
    );
}
