//! Two gateways in front of two cores on one database, each gateway given
//! both cores (`--core-url` with two URLs, as a headless Service's two
//! addresses), on the backends replicas share (PostgreSQL, MariaDB). Each
//! Digest answer must reach the replica that keeps its nonce's counts,
//! whichever gateway a client asks: a misrouted answer would be told
//! `stale=true`, so every right answer here must pass, and every replay
//! fail.

use std::{collections::HashSet, time::Duration};

use core_service::testing::Backend;
use flexiapi_proto::{pb, routing};
use reqwest::{header, Method, StatusCode};
use serde_json::json;

use crate::{
    external_auth::flexisip_request::{
        assert_accepted, assert_challenged, external_auth_key, flexisip, SipAnswer,
    },
    helpers::{json, spawn_system, wait_until, DigestClient, Running, TestSystem, DOMAIN},
};

core_service::on_shared_backends!(
    answers_reach_the_issuing_replica_through_either_gateway,
    a_change_through_one_replica_is_refused_through_the_other_at_once,
    a_stopped_replica_is_skipped_and_its_clients_challenged_again_once,
    a_key_revoked_through_one_replica_is_refused_through_the_other_at_once,
);

/// Two cores and two gateways each given both; the system's own gateway
/// (in front of the first core only) is not used.
struct Deployment {
    system: TestSystem,
    gateways: [String; 2],
    /// The second core's gRPC URL.
    second_core: String,
    _running: Vec<Running>,
}

async fn deployment(backend: Backend) -> Option<Deployment> {
    let system = spawn_system(backend).await?;
    let (second, second_addr) = system.another_core().await;
    let cores = format!("http://{},http://{second_addr}", system.core_addr);
    let (one, one_base) = system.another_gateway(&cores).await;
    let (two, two_base) = system.another_gateway(&cores).await;
    Some(Deployment {
        system,
        gateways: [one_base, two_base],
        second_core: format!("http://{second_addr}"),
        _running: vec![second, one, two],
    })
}

async fn answers_reach_the_issuing_replica_through_either_gateway(backend: Backend) {
    let Some(deployment) = deployment(backend).await else {
        return;
    };
    let Deployment {
        system, gateways, ..
    } = &deployment;
    system
        .grpc_create_account("alice01", "alice-pw", "MD5", false)
        .await;

    // A client that answers each nonce through one gateway, then the
    // other: every count passes, on nonces of both replicas.
    let mut issuers = HashSet::new();
    for round in 0..6 {
        let mut alice = system.client("alice01", "alice-pw");
        alice.through(&gateways[round % 2]);
        alice.fetch_challenge("MD5").await;
        let nonce = alice.challenge.as_ref().unwrap().get("nonce").to_owned();
        issuers.insert(routing::nonce_issuer(&nonce).unwrap());
        for count in 1..=6 {
            alice.through(&gateways[(round + count) % 2]);
            let status = alice.get("/api/ping").await.status();
            assert_eq!(status, StatusCode::OK, "round {round}, nc {count}");
        }
    }
    assert_eq!(issuers.len(), 2, "both replicas issued challenges");

    // One answer sent 20 times at once through both gateways: once.
    for round in 0..4 {
        let mut alice = system.client("alice01", "alice-pw");
        alice.through(&gateways[round % 2]);
        alice.fetch_challenge("MD5").await;
        let authorization = alice.authorization("GET", "/api/ping");
        let sends = (0..20).map(|i| {
            let request = system
                .http
                .get(format!("{}/api/ping", gateways[i % 2]))
                .header(header::FROM, alice.sip_from())
                .header(header::AUTHORIZATION, authorization.clone());
            tokio::spawn(async move { request.send().await.unwrap().status() })
        });
        let mut passed = 0;
        for send in sends.collect::<Vec<_>>() {
            passed += usize::from(send.await.unwrap() == StatusCode::OK);
        }
        assert_eq!(passed, 1, "round {round}: one of 20 copies of one answer");
    }

    // Flexisip's own nonces (external auth) go by their hash: the counts of
    // one nonce through either gateway pass, a replay does not.
    let key = external_auth_key(system).await;
    let identity = format!("<sip:alice01@{DOMAIN}>");
    let through = |answer: &SipAnswer, gateway: &str| {
        answer.url(system, &key).replacen(&system.base, gateway, 1)
    };
    for round in 0..4 {
        let mut register = SipAnswer::register("alice01", DOMAIN, "alice-pw");
        register.nonce = format!("cHJveHktbm9uY2U{round}");
        for count in 1..=4 {
            register.nc = count;
            let url = through(&register, &gateways[(round + count as usize) % 2]);
            let (status, lines) = flexisip(system, &url).await;
            assert_eq!(status, StatusCode::OK);
            assert_accepted(&lines, &identity);
        }
        let url = through(&register, &gateways[round % 2]);
        let (_, lines) = flexisip(system, &url).await;
        assert_challenged(&lines, "401", "Nonce replayed");
    }
}

async fn a_change_through_one_replica_is_refused_through_the_other_at_once(backend: Backend) {
    let Some(deployment) = deployment(backend).await else {
        return;
    };
    let Deployment {
        system, gateways, ..
    } = &deployment;
    let id = system
        .grpc_create_account("alice01", "password-0", "MD5", false)
        .await
        .id;
    let mut admin = system.admin();
    // Each change goes through one gateway to whichever core it picks; the
    // next request, through the other gateway, may reach either core.
    for round in 1..=6usize {
        admin.through(&gateways[round % 2]);
        let password = format!("password-{round}");
        admin
            .json(
                Method::PUT,
                &format!("/api/accounts/{id}"),
                Some(json!({"password": password, "algorithm": "MD5"})),
                StatusCode::OK,
            )
            .await;
        let other = &gateways[(round + 1) % 2];
        let mut old = system.client("alice01", &format!("password-{}", round - 1));
        old.through(other);
        let status = old.get("/api/ping").await.status();
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "round {round}: old password"
        );
        let mut new = system.client("alice01", &password);
        new.through(other);
        assert_eq!(new.get("/api/ping").await.status(), StatusCode::OK);

        // Blocked through one, refused through the other; then back.
        let action = |what: &str| format!("/api/accounts/{id}/{what}");
        admin
            .json(Method::POST, &action("block"), None, StatusCode::OK)
            .await;
        let answer = json(new.get("/api/ping").await, StatusCode::FORBIDDEN).await;
        assert_eq!(
            answer,
            json!({"message": "Account blocked"}),
            "round {round}"
        );
        admin
            .json(Method::POST, &action("unblock"), None, StatusCode::OK)
            .await;
        assert_eq!(new.get("/api/ping").await.status(), StatusCode::OK);
    }
}

async fn a_stopped_replica_is_skipped_and_its_clients_challenged_again_once(backend: Backend) {
    let Some(mut deployment) = deployment(backend).await else {
        return;
    };
    let gateway = deployment.gateways[0].clone();
    let system = &mut deployment.system;
    system
        .grpc_create_account("alice01", "alice-pw", "MD5", false)
        .await;
    // The first core's instance, from its answer's metadata.
    let mut health =
        tonic_health::pb::health_client::HealthClient::new(system.core_channel().await);
    let answer = health
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .unwrap();
    let first = answer.metadata().get(routing::INSTANCE_HEADER).unwrap();
    let first = routing::parse_instance(first.to_str().unwrap()).unwrap();
    // A client whose nonce the first core issued, answered once.
    let mut alice = system.client("alice01", "alice-pw");
    alice.through(&gateway);
    for _ in 0..10 {
        alice.fetch_challenge("MD5").await;
        let nonce = alice.challenge.as_ref().unwrap().get("nonce");
        if routing::nonce_issuer(nonce) == Some(first) {
            break;
        }
    }
    let nonce = alice.challenge.as_ref().unwrap().get("nonce");
    assert_eq!(routing::nonce_issuer(nonce), Some(first));
    assert_eq!(alice.get("/api/ping").await.status(), StatusCode::OK);

    system.stop_core().await;
    // Within a probe (every 2 s), the gateway serves from the other core
    // alone: calls that went to the stopped one meanwhile were 503.
    let probe = DigestClient::new(&gateway, "alice01", "alice-pw");
    let skipped = wait_until(Duration::from_secs(8), async || {
        // Each challenge goes round robin: 401 six times in a row, never 503.
        for _ in 0..6 {
            if probe.fetch_challenge_status().await != StatusCode::UNAUTHORIZED {
                return false;
            }
        }
        true
    })
    .await;
    assert!(skipped, "the stopped replica is still dialled");
    let stale = alice.get("/api/ping").await;
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
    let challenge = crate::helpers::challenges(&stale).remove(0);
    assert_eq!(
        challenge.get("stale"),
        "true",
        "the issuer's counts are gone"
    );
    alice.challenge = Some(challenge);
    alice.nc = 0;
    for _ in 0..10 {
        assert_eq!(alice.get("/api/ping").await.status(), StatusCode::OK);
        let mut fresh = system.client("alice01", "alice-pw");
        fresh.through(&gateway);
        assert_eq!(fresh.get("/api/ping").await.status(), StatusCode::OK);
    }
}

/// API keys are kept in memory by each core under the same lease as the
/// accounts: a key revoked through one core is refused through every
/// gateway, whichever core answers, on the very next request.
async fn a_key_revoked_through_one_replica_is_refused_through_the_other_at_once(backend: Backend) {
    let Some(deployment) = deployment(backend).await else {
        return;
    };
    let Deployment {
        system,
        gateways,
        second_core,
        ..
    } = &deployment;
    system
        .grpc_create_account("bob00001", "bob-password", "MD5", false)
        .await;
    let http = reqwest::Client::new();
    let status_of = |base: &str, key: &str| {
        http.get(format!("{base}/api/accounts/me"))
            .header("x-api-key", key.to_owned())
            .header(header::ACCEPT, "application/json")
            .send()
    };
    let mut keys = pb::api_key_service_client::ApiKeyServiceClient::connect(second_core.clone())
        .await
        .unwrap();
    // Three rounds: 12 refusals from one address, under the invalid-key
    // limit (20 per core) that would refuse the next round's right key.
    for round in 0..3 {
        let name = format!("server-{round}");
        let key = system.named_key("bob00001", &name).await;
        // Used through both gateways, so that both cores hold it.
        for _ in 0..4 {
            for base in gateways {
                let status = status_of(base, &key).await.unwrap().status();
                assert_eq!(status, StatusCode::OK, "round {round}: a new key");
            }
        }
        keys.revoke_api_key(pb::RevokeApiKeyRequest {
            owner: Some(pb::AccountAddress {
                username: "bob00001".into(),
                domain: DOMAIN.into(),
            }),
            name,
        })
        .await
        .unwrap();
        for _ in 0..2 {
            for base in gateways {
                let status = status_of(base, &key).await.unwrap().status();
                assert_eq!(status, StatusCode::UNAUTHORIZED, "round {round}: revoked");
            }
        }
    }
}
