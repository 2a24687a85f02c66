//! `spawn_system`: a fresh database, a real core and a real gateway for each
//! test, with an admin account, and a Digest client that speaks to them.

use std::{collections::BTreeMap, net::SocketAddr, time::Duration};

use core_service::{
    domain::Domain,
    startup::{Application as Core, ServeConfig},
    testing::{Backend, TestDatabase},
};
use flexiapi_proto::pb::{self, account_service_client::AccountServiceClient};
use md5::Md5;
use reqwest::{header, Method, StatusCode};
use rest_gateway::{config::Config, startup::Application as Gateway};
use sha2::{Digest, Sha256};
use tokio::{sync::oneshot, task::JoinHandle};

pub const DOMAIN: &str = "sip.example.org";
pub const ADMIN: &str = "admin01";
pub const ADMIN_PASSWORD: &str = "admin-password";

/// A server task that stops when told to.
struct Running {
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }
}

pub struct TestSystem {
    pub base: String,
    pub core_addr: SocketAddr,
    pub http: reqwest::Client,
    pub database: TestDatabase,
    core: Option<Running>,
    _gateway: Running,
}

pub struct Options {
    pub nonce_ttl_seconds: u32,
    pub body_limit_bytes: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            nonce_ttl_seconds: 300,
            body_limit_bytes: 64 * 1024,
        }
    }
}

pub async fn spawn_system(backend: Backend) -> Option<TestSystem> {
    spawn_system_with(backend, Options::default()).await
}

pub async fn spawn_system_with(backend: Backend, options: Options) -> Option<TestSystem> {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = flexiapi_telemetry::init("rest-gateway");
    }
    let database = TestDatabase::create(backend).await.unwrap()?;
    let (core, core_addr) = start_core(
        &database.url,
        "127.0.0.1:0".parse().unwrap(),
        options.nonce_ttl_seconds,
    )
    .await;
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        core_url: format!("http://{core_addr}"),
        request_timeout_seconds: 10,
        core_timeout_seconds: 5,
        body_limit_bytes: options.body_limit_bytes,
        worker_threads: None,
    };
    let gateway = Gateway::build(&config).await.unwrap();
    let base = format!("http://{}", gateway.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(gateway.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let system = TestSystem {
        base,
        core_addr,
        http: reqwest::Client::new(),
        database,
        core: Some(core),
        _gateway: Running { stop, task },
    };
    system
        .grpc_create_account(ADMIN, ADMIN_PASSWORD, "SHA-256", true)
        .await;
    Some(system)
}

async fn start_core(
    database_url: &str,
    listen: SocketAddr,
    nonce_ttl_seconds: u32,
) -> (Running, SocketAddr) {
    let config = ServeConfig {
        listen,
        database_url: database_url.to_owned(),
        database_max_connections: 4,
        sip_domain: Domain::parse(DOMAIN).unwrap(),
        nonce_ttl_seconds,
        metrics_listen: None,
        account_cache_entries: 100,
        api_key_idle_minutes: 60,
    };
    let core = Core::build(&config).await.unwrap();
    let addr = core.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(core.run_until_stopped(async {
        let _ = stopped.await;
    }));
    (Running { stop, task }, addr)
}

impl TestSystem {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
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

    pub fn admin(&self) -> DigestClient {
        self.client(ADMIN, ADMIN_PASSWORD)
    }

    /// Stops the core as SIGTERM would; the gateway keeps running.
    pub async fn stop_core(&mut self) {
        if let Some(core) = self.core.take() {
            core.stop().await;
        }
    }

    /// Starts a core again on the same address and database.
    pub async fn restart_core(&mut self) {
        let (core, _) = start_core(&self.database.url, self.core_addr, 300).await;
        self.core = Some(core);
    }
}

/// One `WWW-Authenticate: Digest …` challenge, parsed independently of the
/// gateway's own parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge(pub BTreeMap<String, String>);

impl Challenge {
    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map_or("", String::as_str)
    }
}

pub fn challenges(response: &reqwest::Response) -> Vec<Challenge> {
    response
        .headers()
        .get_all(header::WWW_AUTHENTICATE)
        .iter()
        .map(|value| {
            let text = value.to_str().unwrap();
            let params = text.strip_prefix("Digest ").expect("a Digest challenge");
            Challenge(
                params
                    .split(',')
                    .map(|pair| {
                        let (key, value) = pair.split_once('=').unwrap();
                        (key.trim().to_owned(), value.trim_matches('"').to_owned())
                    })
                    .collect(),
            )
        })
        .collect()
}

pub fn hash(algorithm: &str, text: &str) -> String {
    match algorithm {
        "MD5" => hex::encode(Md5::digest(text.as_bytes())),
        "SHA-256" => hex::encode(Sha256::digest(text.as_bytes())),
        other => panic!("no such algorithm {other}"),
    }
}

/// A Digest client as Linphone or curl behaves: challenge once, then reuse
/// the nonce with nc = 1, 2, 3 …
pub struct DigestClient {
    http: reqwest::Client,
    base: String,
    pub username: String,
    pub password: String,
    pub domain: String,
    pub challenge: Option<Challenge>,
    pub nc: u32,
}

impl DigestClient {
    pub fn new(base: &str, username: &str, password: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            username: username.into(),
            password: password.into(),
            domain: DOMAIN.into(),
            challenge: None,
            nc: 0,
        }
    }

    pub fn sip_from(&self) -> String {
        format!("sip:{}@{}", self.username, self.domain)
    }

    /// Sends without credentials; keeps the challenge of `algorithm`.
    pub async fn fetch_challenge(&mut self, algorithm: &str) -> reqwest::Response {
        let response = self
            .http
            .get(format!("{}/api/ping", self.base))
            .header(header::FROM, self.sip_from())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        self.challenge = challenges(&response)
            .into_iter()
            .find(|c| c.get("algorithm") == algorithm);
        self.nc = 0;
        response
    }

    /// The status of an unauthenticated request: 401 while the `From`
    /// names an account, 404 once it names none.
    pub async fn fetch_challenge_status(&self) -> StatusCode {
        self.http
            .get(format!("{}/api/ping", self.base))
            .header(header::FROM, self.sip_from())
            .send()
            .await
            .unwrap()
            .status()
    }

    /// The `Authorization` value for the next request, with `nc + 1`.
    pub fn authorization(&mut self, method: &str, uri: &str) -> String {
        self.nc += 1;
        let challenge = self.challenge.as_ref().expect("fetch_challenge first");
        let algorithm = challenge.get("algorithm");
        let nc = format!("{:08x}", self.nc);
        let cnonce = format!("c{:x}", self.nc * 7919);
        let ha1 = hash(
            algorithm,
            &format!(
                "{}:{}:{}",
                self.username,
                challenge.get("realm"),
                self.password
            ),
        );
        let ha2 = hash(algorithm, &format!("{method}:{uri}"));
        let response = hash(
            algorithm,
            &format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", challenge.get("nonce")),
        );
        format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", algorithm={algorithm}, \
             qop=auth, nc={nc}, cnonce=\"{cnonce}\", response=\"{response}\", opaque=\"{}\"",
            self.username,
            challenge.get("realm"),
            challenge.get("nonce"),
            challenge.get("opaque"),
        )
    }

    /// The `Authorization` for the next request, fetching a SHA-256 (else
    /// MD5) challenge first if there is none.
    pub async fn authorization_for_next(&mut self, method: &str, uri: &str) -> String {
        if self.challenge.is_none() {
            self.fetch_challenge("SHA-256").await;
            if self.challenge.is_none() {
                self.fetch_challenge("MD5").await;
            }
        }
        self.authorization(method, uri)
    }

    /// An authenticated request.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let authorization = self.authorization_for_next(method.as_str(), path).await;
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(header::FROM, self.sip_from())
            .header(header::ACCEPT, "application/json")
            .header(header::AUTHORIZATION, authorization);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    pub async fn get(&mut self, path: &str) -> reqwest::Response {
        self.send(Method::GET, path, None).await
    }

    /// The JSON answer of an authenticated request, asserting its status.
    pub async fn json(
        &mut self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
        status: StatusCode,
    ) -> serde_json::Value {
        json(self.send(method, path, body).await, status).await
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

/// Runs one statement on the system's database, with an account id and one
/// value, for what the API cannot do (both backends accept `$n`).
pub async fn execute(system: &TestSystem, sql: &str, id: i64, value: Bind<'_>) {
    let store = system.database.connect().await.unwrap();
    macro_rules! run {
        ($pool:expr) => {{
            let query = sqlx::query(sql).bind(id);
            let query = match value {
                Bind::Text(text) => query.bind(text.to_owned()),
                Bind::Int(int) => query.bind(int),
            };
            query.execute($pool).await.unwrap();
        }};
    }
    match &store {
        core_service::store::SqlStore::Sqlite { write, .. } => run!(write),
        core_service::store::SqlStore::Postgres { pool, .. } => run!(pool),
    }
    store.close().await;
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
