//! `spawn_system`: a fresh database, a real core and a real gateway for each
//! test, with an admin account, and a Digest client that speaks to them.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use core_service::testing::{Backend, TestDatabase};
use flexiapi_proto::pb::{
    self, account_service_client::AccountServiceClient, device_service_client::DeviceServiceClient,
};
use reqwest::{header, Method, StatusCode};

pub use crate::digest_client::{challenges, hash, DigestClient};
use crate::servers::{gateway_config, start_core, start_gateway};
pub use crate::servers::{Options, Running, DOMAIN};

pub const ADMIN: &str = "admin01";
pub const ADMIN_PASSWORD: &str = "admin-password";

pub struct TestSystem {
    pub base: String,
    pub core_addr: SocketAddr,
    pub http: reqwest::Client,
    pub database: TestDatabase,
    core: Option<Running>,
    _gateway: Running,
    /// What the core was started with, to start it again the same way.
    options: Options,
    /// The core's `--files-dir` when the options named none.
    _files: Option<tempfile::TempDir>,
}

pub async fn spawn_system(backend: Backend) -> Option<TestSystem> {
    spawn_system_with(backend, Options::default()).await
}

pub async fn spawn_system_with(backend: Backend, mut options: Options) -> Option<TestSystem> {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = flexiapi_telemetry::init("rest-gateway");
    }
    let database = TestDatabase::create(backend).await.unwrap()?;
    let files = match &options.files_dir {
        Some(_) => None,
        None => {
            let dir = tempfile::tempdir().unwrap();
            options.files_dir = Some(dir.path().to_owned());
            Some(dir)
        }
    };
    let (core, core_addr) =
        start_core(&database.url, "127.0.0.1:0".parse().unwrap(), &options).await;
    let (gateway, base) =
        start_gateway(&gateway_config(&options, format!("http://{core_addr}"))).await;
    let system = TestSystem {
        base,
        core_addr,
        http: reqwest::Client::new(),
        database,
        core: Some(core),
        _gateway: gateway,
        options,
        _files: files,
    };
    system
        .grpc_create_account(ADMIN, ADMIN_PASSWORD, "SHA-256", true)
        .await;
    Some(system)
}

impl TestSystem {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The body of an unauthenticated `GET` (a public page or file).
    pub async fn get_text(&self, path: &str) -> String {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        response.text().await.unwrap()
    }

    /// Creates an account straight through the core, as an operator would.
    pub async fn grpc_create_account(
        &self,
        username: &str,
        password: &str,
        algorithm: &str,
        admin: bool,
    ) -> pb::Account {
        self.grpc_create_account_in(username, DOMAIN, password, algorithm, admin)
            .await
    }

    pub async fn grpc_create_account_in(
        &self,
        username: &str,
        domain: &str,
        password: &str,
        algorithm: &str,
        admin: bool,
    ) -> pb::Account {
        let mut accounts = AccountServiceClient::connect(format!("http://{}", self.core_addr))
            .await
            .unwrap();
        accounts
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

    /// A named key of `username` (of the default domain), made as an
    /// operator makes Flexisip's with `core-service api-keys create`.
    pub async fn named_key(&self, username: &str, name: &str) -> String {
        self.named_key_in(username, DOMAIN, name).await
    }

    /// [`Self::named_key`] of an account of `domain`.
    pub async fn named_key_in(&self, username: &str, domain: &str, name: &str) -> String {
        let mut keys =
            pb::api_key_service_client::ApiKeyServiceClient::new(self.core_channel().await);
        keys.create_api_key(pb::CreateApiKeyRequest {
            owner: Some(pb::AccountAddress {
                username: username.into(),
                domain: domain.into(),
            }),
            name: name.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .key
    }

    /// A request authenticated by `x-api-key` alone (no `From`).
    pub async fn with_key(
        &self,
        key: &str,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .request(method, self.url(path))
            .header("x-api-key", key)
            .header(header::ACCEPT, "application/json");
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    pub async fn core_channel(&self) -> tonic::transport::Channel {
        tonic::transport::Channel::from_shared(format!("http://{}", self.core_addr))
            .unwrap()
            .connect()
            .await
            .unwrap()
    }

    /// A device of `username` (default domain), as Flexisip's registrar
    /// reports one.
    pub async fn register_device(
        &self,
        username: &str,
        uuid: &str,
        user_agent: &str,
        expires_seconds: i64,
    ) {
        DeviceServiceClient::new(self.core_channel().await)
            .upsert_device(pb::UpsertDeviceRequest {
                username: username.into(),
                domain: String::new(),
                uuid: uuid.into(),
                contact: format!("sip:{username}@192.0.2.4:5060;transport=tcp"),
                user_agent: user_agent.into(),
                expires_seconds,
            })
            .await
            .unwrap();
    }

    /// `GET /api/ping` with the given headers and nothing else.
    pub async fn ping(
        &self,
        from: Option<String>,
        authorization: Option<String>,
    ) -> reqwest::Response {
        let mut request = self.http.get(self.url("/api/ping"));
        if let Some(from) = from {
            request = request.header(header::FROM, from);
        }
        if let Some(authorization) = authorization {
            request = request.header(header::AUTHORIZATION, authorization);
        }
        request.send().await.unwrap()
    }

    pub fn client(&self, username: &str, password: &str) -> DigestClient {
        DigestClient::new(&self.base, username, password)
    }

    pub fn client_in(&self, username: &str, domain: &str, password: &str) -> DigestClient {
        let mut client = DigestClient::new(&self.base, username, password);
        client.domain = domain.to_owned();
        client
    }

    /// The core's `--files-dir`.
    pub fn files_dir(&self) -> PathBuf {
        self.options.files_dir.clone().unwrap_or_default()
    }

    pub fn admin(&self) -> DigestClient {
        self.client(ADMIN, ADMIN_PASSWORD)
    }

    /// Stops the core as SIGTERM would; the gateway keeps running.
    pub async fn stop_core(&mut self) {
        if let Some(core) = self.core.take() {
            core.stop().await;
        }
    }

    /// Another core replica on the same database, as the first was started.
    pub async fn another_core(&self) -> (Running, SocketAddr) {
        let listen = "127.0.0.1:0".parse().unwrap();
        start_core(&self.database.url, listen, &self.options).await
    }

    /// Another gateway, as the first was started, in front of `core_url`
    /// (several core URLs separated by commas); its base URL.
    pub async fn another_gateway(&self, core_url: &str) -> (Running, String) {
        start_gateway(&gateway_config(&self.options, core_url.to_owned())).await
    }

    /// Starts a core again on the same address and database.
    pub async fn restart_core(&mut self) {
        let (core, _) = start_core(&self.database.url, self.core_addr, &self.options).await;
        self.core = Some(core);
    }
}

/// The JSON body of a response, asserting its status.
pub async fn json(response: reqwest::Response, status: StatusCode) -> serde_json::Value {
    assert_eq!(response.status(), status, "{response:?}");
    let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    assert_eq!(content_type.unwrap(), "application/json");
    response.json().await.unwrap()
}

/// A second value for [`execute`].
pub enum Bind<'a> {
    Text(&'a str),
    Int(i64),
}

/// Runs one statement on the system's database, for what the API cannot do
/// (`$n` placeholders, each once and in the order of `binds`), as an
/// operator's SQL: the cores see it within the change fence, which this waits.
pub async fn execute(system: &TestSystem, sql: &str, binds: &[Bind<'_>]) {
    let store = system.database.connect().await.unwrap();
    let sql = match &store {
        core_service::adapters::SqlStore::Mysql { .. } => {
            core_service::adapters::sql::to_mysql(sql)
        }
        _ => sql.into(),
    };
    macro_rules! run {
        ($pool:expr) => {{
            let mut query = sqlx::query(&sql);
            for bind in binds {
                query = match bind {
                    Bind::Text(text) => query.bind(text.to_string()),
                    Bind::Int(int) => query.bind(*int),
                };
            }
            query.execute($pool).await.unwrap();
        }};
    }
    match &store {
        core_service::adapters::SqlStore::Sqlite { write, .. } => run!(write),
        core_service::adapters::SqlStore::Postgres { pool, .. } => run!(pool),
        core_service::adapters::SqlStore::Mysql { pool } => run!(pool),
    }
    store.close().await;
    tokio::time::sleep(core_service::rules::auth::account_cache::CHANGE_FENCE).await;
}

pub async fn wait_until(limit: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}
