//! `spawn_app`: a fresh database and a real server on port 0 for each test.

use std::net::SocketAddr;

use core_service::{
    app::startup::{Application, ServeConfig},
    domain::Domain,
};
use flexiapi_proto::pb::{
    self, account_service_client::AccountServiceClient,
    api_key_service_client::ApiKeyServiceClient, auth_service_client::AuthServiceClient,
    device_service_client::DeviceServiceClient, space_service_client::SpaceServiceClient,
};
use tokio::{sync::oneshot, task::JoinHandle};
use tonic::transport::Channel;

pub const DOMAIN: &str = "sip.example.org";
pub use core_service::testing::{Backend, TestDatabase};

pub struct TestApp {
    /// Where `GET /metrics` answers.
    pub metrics_addr: Option<SocketAddr>,
    pub accounts: AccountServiceClient<Channel>,
    pub auth: AuthServiceClient<Channel>,
    pub devices: DeviceServiceClient<Channel>,
    channel: Channel,
    /// A second pool on the same database, for what the API cannot do
    /// (deactivate an account, add a second password, run Flexisip's query).
    pub db: core_service::adapters::SqlStore,
    pub database: TestDatabase,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

pub struct AppOptions {
    pub nonce_ttl_seconds: u32,
    pub database_url: Option<String>,
    pub registrar_redis_url: Option<String>,
    pub max_device_watchers: usize,
    /// `--clients-file`; without it the test's core serves anyone on loopback.
    pub clients_file: Option<std::path::PathBuf>,
    /// `--statistics-retention-days`.
    pub statistics_retention_days: u32,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            nonce_ttl_seconds: 300,
            database_url: None,
            registrar_redis_url: None,
            max_device_watchers: 8,
            clients_file: None,
            statistics_retention_days: 0,
        }
    }
}

/// The `actor` of a call made on `account`'s behalf.
pub fn actor(account: &pb::Account) -> Option<pb::Actor> {
    Some(pb::Actor {
        account_id: account.id,
    })
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, AppOptions::default()).await
}

pub async fn spawn_app_with(backend: Backend, options: AppOptions) -> Option<TestApp> {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = flexiapi_telemetry::init("core-service");
    }
    let database = TestDatabase::create(backend).await.unwrap()?;
    Some(spawn_on(database, options).await)
}

/// A server on an existing database, e.g. one a stopped server used.
pub async fn spawn_on(database: TestDatabase, options: AppOptions) -> TestApp {
    let config = ServeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: options
            .database_url
            .clone()
            .unwrap_or_else(|| database.url.clone()),
        database_max_connections: 4,
        sip_domain: Domain::parse(DOMAIN).unwrap(),
        nonce_ttl_seconds: options.nonce_ttl_seconds,
        metrics_listen: Some("127.0.0.1:0".parse().unwrap()),
        account_cache_entries: 100,
        api_key_idle_minutes: 60,
        registrar_redis_url: options.registrar_redis_url.clone(),
        max_device_watchers: options.max_device_watchers,
        clients_file: options.clients_file.clone(),
        statistics_retention_days: options.statistics_retention_days,
        ..ServeConfig::default()
    };
    let app = Application::build(&config).await.unwrap();
    let addr = app.local_addr().unwrap();
    let metrics_addr = app.metrics_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let db = core_service::adapters::SqlStore::connect(&database.url)
        .await
        .unwrap();
    TestApp {
        metrics_addr,
        accounts: AccountServiceClient::new(channel.clone()),
        auth: AuthServiceClient::new(channel.clone()),
        devices: DeviceServiceClient::new(channel.clone()),
        channel,
        db,
        database,
        stop: Some(stop),
        server: Some(server),
    }
}

impl TestApp {
    pub fn channel(&self) -> Channel {
        self.channel.clone()
    }

    /// Stops the server as SIGTERM would, checks it ended without error,
    /// and hands back its database.
    pub async fn stop(mut self) -> TestDatabase {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
        self.db.close().await;
        self.database
    }

    pub async fn create_account(
        &self,
        username: &str,
        password: &str,
        algorithm: &str,
    ) -> pb::Account {
        self.create_account_in(username, "", password, algorithm, false)
            .await
    }

    pub async fn create_account_in(
        &self,
        username: &str,
        domain: &str,
        password: &str,
        algorithm: &str,
        admin: bool,
    ) -> pb::Account {
        self.accounts
            .clone()
            .create_account(pb::CreateAccountRequest {
                username: username.into(),
                domain: domain.into(),
                password: password.into(),
                algorithm: algorithm.into(),
                admin,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .account
            .unwrap()
    }

    pub async fn challenge(&self, username: &str) -> Vec<pb::DigestChallenge> {
        self.auth
            .clone()
            .challenge(pb::ChallengeRequest {
                username: username.into(),
                domain: String::new(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .challenges
    }

    /// GetCredentials, as (algorithm, HA1) pairs.
    pub async fn credentials(&self, username: &str) -> Vec<(String, String)> {
        let response = self
            .auth
            .clone()
            .get_credentials(pb::GetCredentialsRequest {
                username: username.into(),
                domain: DOMAIN.into(),
            })
            .await
            .unwrap()
            .into_inner();
        response
            .credentials
            .into_iter()
            .map(|c| (c.algorithm, c.ha1))
            .collect()
    }

    /// The account at `username` in the default domain (it must exist).
    pub async fn account_at(&self, username: &str) -> pb::Account {
        self.accounts
            .clone()
            .get_account(pb::GetAccountRequest {
                lookup: Some(pb::get_account_request::Lookup::Address(
                    pb::AccountAddress {
                        username: username.into(),
                        domain: String::new(),
                    },
                )),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .account
            .unwrap()
    }

    pub async fn verify(&self, request: pb::VerifyDigestRequest) -> pb::VerifyDigestResponse {
        self.auth
            .clone()
            .verify_digest(request)
            .await
            .unwrap()
            .into_inner()
    }

    /// Runs one statement on the test's database (`$n` placeholders, each once
    /// and in order, as MariaDB binds them), as an operator's SQL: it is
    /// seen by every core within the change fence, which this waits.
    pub async fn execute(&self, sql: &str, binds: &[&str]) {
        self.execute_now(sql, binds).await;
        tokio::time::sleep(core_service::rules::auth::account_cache::CHANGE_FENCE).await;
    }

    /// [`Self::execute`] without the wait.
    pub async fn execute_now(&self, sql: &str, binds: &[&str]) {
        match &self.db {
            core_service::adapters::SqlStore::Sqlite { write: pool, .. } => {
                let mut query = sqlx::query(sql);
                for bind in binds {
                    query = query.bind(*bind);
                }
                query.execute(pool).await.unwrap();
            }
            core_service::adapters::SqlStore::Postgres { pool, .. } => {
                let mut query = sqlx::query(sql);
                for bind in binds {
                    query = query.bind(*bind);
                }
                query.execute(pool).await.unwrap();
            }
            core_service::adapters::SqlStore::Mysql { pool } => {
                let sql = core_service::adapters::sql::to_mysql(sql);
                let mut query = sqlx::query(&sql);
                for bind in binds {
                    query = query.bind(*bind);
                }
                query.execute(pool).await.unwrap();
            }
        }
    }
}

impl TestApp {
    /// `SELECT COUNT(*) …` with one integer bind, on the test's database.
    pub async fn count(&self, sql: &str, id: i64) -> i64 {
        match &self.db {
            core_service::adapters::SqlStore::Sqlite { read: pool, .. } => sqlx::query_scalar(sql)
                .bind(id)
                .fetch_one(pool)
                .await
                .unwrap(),
            core_service::adapters::SqlStore::Postgres { pool, .. } => sqlx::query_scalar(sql)
                .bind(id)
                .fetch_one(pool)
                .await
                .unwrap(),
            core_service::adapters::SqlStore::Mysql { pool } => {
                sqlx::query_scalar(&core_service::adapters::sql::to_mysql(sql))
                    .bind(id)
                    .fetch_one(pool)
                    .await
                    .unwrap()
            }
        }
    }

    /// How many nonces an account has, wherever this backend keeps them
    /// (SQLite: the `<file>-nonces` database beside the accounts).
    pub async fn nonces_of(&self, account_id: i64) -> i64 {
        let sql = "SELECT COUNT(*) FROM nonces WHERE account_id = $1";
        match &self.db {
            core_service::adapters::SqlStore::Sqlite { .. } => {
                let file = self.database.url.trim_start_matches("sqlite://");
                let file = file.split('?').next().unwrap();
                let pool = sqlx::SqlitePool::connect(&format!("sqlite://{file}-nonces"))
                    .await
                    .unwrap();
                let count = sqlx::query_scalar(sql)
                    .bind(account_id)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                pool.close().await;
                count
            }
            core_service::adapters::SqlStore::Postgres { .. }
            | core_service::adapters::SqlStore::Mysql { .. } => self.count(sql, account_id).await,
        }
    }

    pub fn api_keys(&self) -> ApiKeyServiceClient<Channel> {
        ApiKeyServiceClient::new(self.channel())
    }

    pub fn spaces(&self) -> SpaceServiceClient<Channel> {
        SpaceServiceClient::new(self.channel())
    }

    /// Flexisip's default `soci-password-request`, verbatim but for the
    /// placeholders: (password, algorithm) rows.
    pub async fn flexisip_query(&self, username: &str, domain: &str) -> Vec<(String, String)> {
        core_service::testing::flexisip_query(&self.db, username, domain)
            .await
            .unwrap()
    }
}

/// How many of these concurrent checks passed; every other one must have
/// been refused as a replay (or a nonce that another one moved on), or as
/// stale by a replica that does not hold the nonce.
pub async fn passed_of(calls: Vec<JoinHandle<pb::VerifyDigestResponse>>) -> usize {
    let mut passed = 0;
    for call in calls {
        let response = call.await.unwrap();
        if response.ok {
            passed += 1;
        } else {
            assert!(
                matches!(
                    response.outcome(),
                    pb::VerifyOutcome::NonceReplayed
                        | pb::VerifyOutcome::NonceInvalid
                        | pb::VerifyOutcome::NonceExpired
                ),
                "{response:?}"
            );
        }
    }
    passed
}

pub use crate::digest_client::{hash, DigestClient};
pub use crate::relay::CuttableProxy;

/// Whether `check` comes true within 5 s (polled every 100 ms).
pub async fn wait_until<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..50 {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}
