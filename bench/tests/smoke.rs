//! CI does not benchmark; it runs the load tool for a moment against a real
//! local pair (core on SQLite, gateway) so the tool cannot rot.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use core_service::{
    app::startup::{Application as Core, ServeConfig},
    domain::Domain,
    testing::{Backend, TestDatabase},
};
use flexiapi_bench::{external_auth, grpc, http, run};
use flexiapi_proto::pb::{
    self, account_service_client::AccountServiceClient, api_key_service_client::ApiKeyServiceClient,
};
use rest_gateway::{config::Config, startup::Application as Gateway};

/// A named key of the admin bench-md5, of `scope` ("": the API).
async fn named_key(core_url: &str, name: &str, scope: &str) -> String {
    let request = pb::CreateApiKeyRequest {
        owner: Some(pb::AccountAddress {
            username: "bench-md5".into(),
            domain: String::new(),
        }),
        name: name.into(),
        scope: scope.into(),
        ..Default::default()
    };
    let mut keys = ApiKeyServiceClient::connect(core_url.to_owned())
        .await
        .unwrap();
    keys.create_api_key(request).await.unwrap().into_inner().key
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mode_runs_against_a_local_pair() {
    let database = TestDatabase::create(Backend::Sqlite)
        .await
        .unwrap()
        .unwrap();
    let core = Core::build(&ServeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: database.url.clone(),
        database_max_connections: 4,
        sip_domain: Domain::parse("sip.example.org").unwrap(),
        nonce_ttl_seconds: 300,
        metrics_listen: None,
        account_cache_entries: 100,
        api_key_idle_minutes: 60,
        max_device_watchers: 8,
        ..ServeConfig::default()
    })
    .await
    .unwrap();
    let core_url = format!("http://{}", core.local_addr().unwrap());
    tokio::spawn(core.run_until_stopped(std::future::pending()));
    let gateway = Gateway::build(&Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        core_url: core_url.clone(),
        body_limit_bytes: 1024,
        ..Config::default()
    })
    .await
    .unwrap();
    let gateway_addr = gateway.local_addr().unwrap().to_string();
    tokio::spawn(gateway.run_until_stopped(std::future::pending()));

    let mut accounts = AccountServiceClient::connect(core_url.clone())
        .await
        .unwrap();
    for (username, algorithm) in [("bench-md5", "MD5"), ("bench-sha256", "SHA-256")] {
        let request = pb::CreateAccountRequest {
            username: username.into(),
            password: "bench-pw".into(),
            algorithm: algorithm.into(),
            admin: true,
            ..Default::default()
        };
        accounts.create_account(request).await.unwrap();
    }
    let key = named_key(&core_url, "bench", "").await;

    let second = Duration::from_millis(500);
    for (username, algorithm, fresh_challenge) in [
        ("bench-md5", "MD5", false),
        ("bench-sha256", "SHA-256", false),
        ("bench-md5", "MD5", true),
    ] {
        let target = http::Target {
            addr: gateway_addr.clone(),
            path: "/api/ping".into(),
            username: username.into(),
            password: "bench-pw".into(),
            domain: "sip.example.org".into(),
            algorithm: algorithm.into(),
            fresh_challenge,
            anonymous: false,
            api_key: None,
        };
        let report = run(2, second, None, move |schedule| {
            http::client(target.clone(), schedule)
        })
        .await;
        assert!(
            report.successes > 0 && report.errors == 0,
            "{algorithm} fresh={fresh_challenge}: {report:?}"
        );
    }

    // API-key modes: ping, the first page of accounts, a prefix search.
    for path in ["/api/ping", "/api/accounts", "/api/accounts?search=bench"] {
        let target = http::Target {
            addr: gateway_addr.clone(),
            path: path.into(),
            username: "bench-md5".into(),
            password: String::new(),
            domain: "sip.example.org".into(),
            algorithm: "MD5".into(),
            fresh_challenge: false,
            anonymous: false,
            api_key: Some(key.clone()),
        };
        let report = run(2, second, None, move |schedule| {
            http::client(target.clone(), schedule)
        })
        .await;
        assert!(
            report.successes > 0 && report.errors == 0,
            "{path}: {report:?}"
        );
    }

    // Flexisip's delegated checks, with a key of their scope.
    let scoped = named_key(&core_url, "flexisip-auth", "external-auth").await;
    for (username, algorithm) in [("bench-md5", "MD5"), ("bench-sha256", "SHA-256")] {
        let target = external_auth::Target {
            addr: gateway_addr.clone(),
            key: scoped.clone(),
            username: username.into(),
            password: "bench-pw".into(),
            domain: "sip.example.org".into(),
            algorithm: algorithm.into(),
        };
        let report = run(2, second, None, move |schedule| {
            external_auth::client(target.clone(), schedule)
        })
        .await;
        assert!(
            report.successes > 0 && report.errors == 0,
            "external-auth {algorithm}: {report:?}"
        );
    }

    let target = grpc::Target {
        url: core_url,
        username: "bench-sha256".into(),
        password: "bench-pw".into(),
        domain: "sip.example.org".into(),
    };
    let verify = target.clone();
    let report = run(2, second, None, move |schedule| {
        grpc::verify_client(verify.clone(), schedule)
    })
    .await;
    assert!(
        report.successes > 0 && report.errors == 0,
        "verify: {report:?}"
    );
    let report = run(2, second, None, move |schedule| {
        grpc::credentials_client(target.clone(), schedule)
    })
    .await;
    assert!(
        report.successes > 0 && report.errors == 0,
        "credentials: {report:?}"
    );

    // A wrong password is counted as errors, not successes.
    let wrong = http::Target {
        addr: gateway_addr,
        path: "/api/ping".into(),
        username: "bench-md5".into(),
        password: "wrong".into(),
        domain: "sip.example.org".into(),
        algorithm: "MD5".into(),
        fresh_challenge: false,
        anonymous: false,
        api_key: None,
    };
    let report = run(1, Duration::from_millis(200), Some(50.0), move |schedule| {
        http::client(wrong.clone(), schedule)
    })
    .await;
    assert_eq!(report.successes, 0);
    assert!(report.errors > 0);
}
