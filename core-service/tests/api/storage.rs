use std::time::Duration;

use core_service::{adapters::SqlStore, testing::POSTGRES_URL_VAR};
use flexiapi_proto::pb;
use tonic::Code;

use crate::helpers::{
    hash, spawn_app, spawn_on, AppOptions, Backend, CuttableProxy, DigestClient, TestDatabase,
    DOMAIN,
};

core_service::on_every_backend!(
    flexisip_soci_password_request_reads_the_ha1,
    migrations_run_twice_harmlessly,
    accounts_survive_a_restart,
    nonces_are_kept_apart_from_durable_accounts,
);

async fn flexisip_soci_password_request_reads_the_ha1(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_account("alice01", "secret-pw", "SHA-256").await;
    app.create_account("bob00001", "secret-pw", "MD5").await;
    let rows = core_service::testing::flexisip_query(&app.db, "alice01", DOMAIN)
        .await
        .unwrap();
    let expected = hash("SHA-256", &format!("alice01:{DOMAIN}:secret-pw"));
    assert_eq!(rows, [(expected, "SHA-256".to_owned())]);
}

async fn migrations_run_twice_harmlessly(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_account("alice01", "secret-pw", "SHA-256").await;
    app.db.migrate().await.unwrap();
    let mut accounts = app.accounts.clone();
    let found = accounts
        .get_account(pb::GetAccountRequest {
            lookup: Some(pb::get_account_request::Lookup::Address(
                pb::AccountAddress {
                    username: "alice01".into(),
                    domain: String::new(),
                },
            )),
            ..Default::default()
        })
        .await;
    assert!(found.is_ok(), "nothing lost by a second migration");
}

async fn accounts_survive_a_restart(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_account("alice01", "secret-pw", "SHA-256").await;
    let challenge = app.challenge("alice01").await.remove(0);
    let database = app.stop().await;

    let app = spawn_on(database, AppOptions::default()).await;
    let client = DigestClient::new("alice01", "secret-pw");
    // The nonce's counts were the old process's: the client is told to
    // take a new challenge (stale), once, and the account is all there.
    let response = app.verify(client.answer(&challenge, 1)).await;
    assert_eq!(
        response.outcome(),
        pb::VerifyOutcome::NonceExpired,
        "{response:?}"
    );
    assert!(response.challenges.iter().all(|c| c.stale), "{response:?}");
    let response = app.verify(client.answer(&response.challenges[0], 1)).await;
    assert!(
        response.ok,
        "the account outlives the process: {response:?}"
    );
}

/// The nonce file is written without a flush: a machine crash may leave it
/// damaged, and the next start must replace it, not refuse to serve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_nonce_file_is_replaced_at_start() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.create_account("alice01", "secret-pw", "MD5").await;
    let database = app.stop().await;
    let path = database.url.trim_start_matches("sqlite://");
    let path = path.split('?').next().unwrap();
    std::fs::write(format!("{path}-nonces"), b"not an SQLite database at all").unwrap();
    let _ = std::fs::remove_file(format!("{path}-nonces-wal"));

    let app = spawn_on(database, AppOptions::default()).await;
    let challenge = app.challenge("alice01").await.remove(0);
    let client = DigestClient::new("alice01", "secret-pw");
    assert!(app.verify(client.answer(&challenge, 1)).await.ok);
}

/// An in-memory SQLite database would lose every account at exit.
#[tokio::test]
async fn an_in_memory_sqlite_url_is_refused_by_name() {
    for url in ["sqlite::memory:", "sqlite://x.db?mode=memory"] {
        let error = SqlStore::connect(url).await.unwrap_err();
        assert!(format!("{error:#}").contains("in-memory"), "{error:#}");
    }
}

/// A proxy's nonces are written without waiting for the disk (their loss
/// only means a new challenge); accounts and passwords are not.
async fn nonces_are_kept_apart_from_durable_accounts(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_account("alice01", "secret-pw", "MD5").await;
    let client = crate::caller_nonces::register("secret-pw");
    let answer = crate::caller_nonces::sip_answer(&client, "proxy-nonce", 1);
    assert!(app.verify(answer).await.ok);
    match &app.db {
        SqlStore::Sqlite { write, .. } => {
            let main: Vec<String> =
                sqlx::query_scalar("SELECT name FROM main.sqlite_master WHERE type = 'table'")
                    .fetch_all(write)
                    .await
                    .unwrap();
            assert!(
                main.contains(&"accounts".to_owned()) && !main.contains(&"nonces".to_owned()),
                "{main:?}"
            );
            // The nonces sit in a file of their own, beside the accounts.
            let nonce_file = app
                .database
                .url
                .replace("core.sqlite", "core.sqlite-nonces");
            let nonces = sqlx::SqlitePool::connect(&nonce_file.replace("mode=rwc", "mode=ro"))
                .await
                .unwrap();
            let issued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM nonces")
                .fetch_one(&nonces)
                .await
                .unwrap();
            assert_eq!(issued, 1);
            let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(write)
                .await
                .unwrap();
            assert_eq!(synchronous, 2, "accounts are written with synchronous=FULL");
        }
        SqlStore::Postgres { pool, .. } => {
            let persistence: Vec<(String, String)> = sqlx::query_as(
                "SELECT relname::text, relpersistence::text FROM pg_class \
                 WHERE relname IN ('accounts', 'passwords', 'nonces') AND relnamespace = current_schema()::regnamespace \
                 ORDER BY relname",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            let expected = [("accounts", "p"), ("nonces", "u"), ("passwords", "p")]
                .map(|(t, p)| (t.to_owned(), p.to_owned()));
            assert_eq!(persistence, expected);
        }
        SqlStore::Mysql { pool } => {
            let engines: Vec<(String, String)> = sqlx::query_as(
                "SELECT CAST(TABLE_NAME AS CHAR), CAST(ENGINE AS CHAR) \
                 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() \
                 AND TABLE_NAME IN ('accounts', 'passwords', 'nonces') ORDER BY TABLE_NAME",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            let expected = [
                ("accounts", "InnoDB"),
                ("nonces", "MEMORY"),
                ("passwords", "InnoDB"),
            ]
            .map(|(t, e)| (t.to_owned(), e.to_owned()));
            assert_eq!(engines, expected);
            // B-trees only: a HASH index walks its chain of equal keys on
            // every delete (migration 0003).
            let hashed: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT CAST(INDEX_NAME AS CHAR) FROM information_schema.STATISTICS \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'nonces' \
                 AND INDEX_NAME <> 'PRIMARY' AND INDEX_TYPE <> 'BTREE'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            assert!(hashed.is_empty(), "hash-indexed: {hashed:?}");
            assert_eq!(app.nonces_of(1).await, 1);
            // A server restart rebuilds a MEMORY table with the global
            // max_heap_table_size (16 MiB by default); the next start of
            // the core gives it back its room.
            let size = "SELECT MAX_DATA_LENGTH FROM information_schema.TABLES \
                        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'nonces'";
            let mut connection = pool.acquire().await.unwrap();
            sqlx::query("SET SESSION max_heap_table_size = 16777216")
                .execute(&mut *connection)
                .await
                .unwrap();
            sqlx::query("ALTER TABLE nonces ENGINE = MEMORY")
                .execute(&mut *connection)
                .await
                .unwrap();
            drop(connection);
            let shrunk: u64 = sqlx::query_scalar(size).fetch_one(pool).await.unwrap();
            assert!(shrunk < 1 << 25, "{shrunk}");
            app.db.migrate().await.unwrap();
            let resized: u64 = sqlx::query_scalar(size).fetch_one(pool).await.unwrap();
            assert!(resized >= 1 << 28, "{resized}");
        }
    }
}

/// Cutting the network between the core and PostgreSQL turns calls into
/// UNAVAILABLE within the pool's acquire timeout; restoring it heals the core.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_unavailable_then_recovers() {
    let Ok(base) = std::env::var(POSTGRES_URL_VAR) else {
        eprintln!("skipped: {} is not set", POSTGRES_URL_VAR);
        return;
    };
    let Some(database) = TestDatabase::create(Backend::Postgres).await.unwrap() else {
        return;
    };
    let target: std::net::SocketAddr = {
        let options: sqlx::postgres::PgConnectOptions = base.parse().unwrap();
        let host = if options.get_host() == "localhost" {
            "127.0.0.1"
        } else {
            options.get_host()
        };
        format!("{host}:{}", options.get_port()).parse().unwrap()
    };
    let proxy = CuttableProxy::start(target).await;
    let through_proxy = database.url.replacen(
        &format!("{}:{}", target.ip(), target.port()),
        &proxy.addr.to_string(),
        1,
    );
    assert_ne!(
        through_proxy, database.url,
        "the test URL names host:port explicitly"
    );
    let options = AppOptions {
        database_url: Some(through_proxy),
        ..Default::default()
    };
    let app = spawn_on(database, options).await;
    app.create_account("alice01", "secret-pw", "MD5").await;

    let ready = |app: &crate::helpers::TestApp| {
        let mut health = tonic_health::pb::health_client::HealthClient::new(app.channel());
        async move {
            let request = tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            };
            health.check(request).await.unwrap().into_inner().status()
        }
    };
    use tonic_health::pb::health_check_response::ServingStatus;
    assert_eq!(ready(&app).await, ServingStatus::Serving);

    proxy.cut();
    let started = std::time::Instant::now();
    let status = app
        .auth
        .clone()
        .challenge(pb::ChallengeRequest {
            username: "alice01".into(),
            domain: String::new(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "answered in {:?}",
        started.elapsed()
    );

    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while ready(&app).await != ServingStatus::NotServing {
        assert!(
            std::time::Instant::now() < deadline,
            "health never said NOT_SERVING"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    proxy.restore().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let mut auth = app.auth.clone();
        let request = pb::ChallengeRequest {
            username: "alice01".into(),
            domain: String::new(),
            ..Default::default()
        };
        match auth.challenge(request).await {
            Ok(_) => break,
            Err(status) if std::time::Instant::now() < deadline => {
                assert_eq!(status.code(), Code::Unavailable, "{status:?}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(status) => panic!("the core did not recover: {status:?}"),
        }
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while ready(&app).await != ServingStatus::Serving {
        assert!(
            std::time::Instant::now() < deadline,
            "health never said SERVING again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
