//! Test support shared by this crate's integration tests and the gateway's
//! (feature `test-support`): a fresh database per test, on any backend.

use crate::adapters::SqlStore;

/// The Redis client the registrar tests write fixtures with.
pub use redis;

/// The variable naming the PostgreSQL the tests may use, e.g.
/// `postgres://postgres@127.0.0.1:5432/test`. Unset: PostgreSQL variants skip.
pub const POSTGRES_URL_VAR: &str = "FLEXIAPI_TEST_POSTGRES_URL";

/// The variable naming the MariaDB (or MySQL) the tests may use, e.g.
/// `mysql://root@127.0.0.1:3306/test`; each test creates a database of its
/// own there. Unset: MariaDB variants skip.
pub const MYSQL_URL_VAR: &str = "FLEXIAPI_TEST_MYSQL_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

/// Generates, for each named `async fn(Backend)`, a module with one test
/// per backend: `name::sqlite`, `name::postgres` and `name::mysql`.
#[macro_export]
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::testing::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::testing::Backend::Postgres).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() {
                super::$name($crate::testing::Backend::Mysql).await
            }
        }
    )*};
}

/// [`on_every_backend`] for the backends several core replicas can share:
/// `name::postgres` and `name::mysql`.
#[macro_export]
macro_rules! on_shared_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::testing::Backend::Postgres).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() {
                super::$name($crate::testing::Backend::Mysql).await
            }
        }
    )*};
}

/// What to drop with a test's database.
enum Cleanup {
    PostgresSchema { admin_url: String, schema: String },
    MysqlDatabase { admin_url: String, database: String },
}

/// A database of its own: a SQLite file in a temp dir, a PostgreSQL schema
/// or a MariaDB database, dropped when the value is dropped.
pub struct TestDatabase {
    pub url: String,
    cleanup: Option<Cleanup>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// `None`, after a line saying the test was skipped, when PostgreSQL or
    /// MariaDB is asked for and [`POSTGRES_URL_VAR`] / [`MYSQL_URL_VAR`] is
    /// unset.
    pub async fn create(backend: Backend) -> anyhow::Result<Option<Self>> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir()?;
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("core.sqlite").display()
                );
                Ok(Some(Self {
                    url,
                    cleanup: None,
                    _dir: Some(dir),
                }))
            }
            Backend::Postgres => {
                let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
                    eprintln!("skipped: {POSTGRES_URL_VAR} is not set, so the PostgreSQL variant did not run");
                    return Ok(None);
                };
                let schema = format!("t_{}", random_hex(8)?);
                let admin = sqlx::PgPool::connect(&admin_url).await?;
                sqlx::query(&format!("CREATE SCHEMA {schema}"))
                    .execute(&admin)
                    .await?;
                admin.close().await;
                let separator = if admin_url.contains('?') { '&' } else { '?' };
                let url = format!("{admin_url}{separator}options=-c%20search_path%3D{schema}");
                Ok(Some(Self {
                    url,
                    cleanup: Some(Cleanup::PostgresSchema { admin_url, schema }),
                    _dir: None,
                }))
            }
            Backend::Mysql => {
                let Ok(admin_url) = std::env::var(MYSQL_URL_VAR) else {
                    eprintln!(
                        "skipped: {MYSQL_URL_VAR} is not set, so the MariaDB variant did not run"
                    );
                    return Ok(None);
                };
                let database = format!("t_{}", random_hex(8)?);
                let admin = sqlx::MySqlPool::connect(&admin_url).await?;
                sqlx::query(&format!("CREATE DATABASE {database}"))
                    .execute(&admin)
                    .await?;
                admin.close().await;
                let url = mysql_url_with_database(&admin_url, &database)?;
                Ok(Some(Self {
                    url,
                    cleanup: Some(Cleanup::MysqlDatabase {
                        admin_url,
                        database,
                    }),
                    _dir: None,
                }))
            }
        }
    }

    /// The same database for a second server (another replica): dropping
    /// it leaves the database to this value.
    pub fn shared(&self) -> Self {
        Self {
            url: self.url.clone(),
            cleanup: None,
            _dir: None,
        }
    }

    /// A second pool on the same database, for what the API cannot do.
    pub async fn connect(&self) -> anyhow::Result<SqlStore> {
        SqlStore::connect(&self.url).await
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(cleanup) = self.cleanup.take() else {
            return;
        };
        // Drop may run inside the test's runtime, which cannot block on itself.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                match cleanup {
                    Cleanup::PostgresSchema { admin_url, schema } => {
                        let admin = sqlx::PgPool::connect(&admin_url).await?;
                        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                            .execute(&admin)
                            .await?;
                        admin.close().await;
                    }
                    Cleanup::MysqlDatabase {
                        admin_url,
                        database,
                    } => {
                        let admin = sqlx::MySqlPool::connect(&admin_url).await?;
                        sqlx::query(&format!("DROP DATABASE IF EXISTS {database}"))
                            .execute(&admin)
                            .await?;
                        admin.close().await;
                    }
                }
                Ok::<_, sqlx::Error>(())
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
    }
}

/// FlexiAPI's sample databases (2020 variants A and B, 2026), whose
/// comments give each account's password.
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// A FlexiAPI database to import from: a MariaDB database of this test's
/// own, loaded from a fixture, dropped with the value.
pub struct TestSource {
    /// `mysql://…/src_<hex>`.
    pub url: String,
    pub pool: sqlx::MySqlPool,
    _database: TestDatabase,
}

impl TestSource {
    /// `None`, after a line saying so, when [`MYSQL_URL_VAR`] is unset.
    pub async fn load(fixture: &str) -> anyhow::Result<Option<Self>> {
        let Some(database) = TestDatabase::create(Backend::Mysql).await? else {
            return Ok(None);
        };
        let sql = std::fs::read_to_string(format!("{FIXTURES}/{fixture}"))?;
        let pool = sqlx::MySqlPool::connect(&database.url).await?;
        sqlx::raw_sql(&sql).execute(&pool).await?;
        Ok(Some(Self {
            url: database.url.clone(),
            pool,
            _database: database,
        }))
    }

    /// Changes the source as an older FlexiAPI would have it.
    pub async fn execute(&self, sql: &str) -> anyhow::Result<()> {
        sqlx::raw_sql(sql).execute(&self.pool).await?;
        Ok(())
    }

    /// What Flexisip's query returns from the source, as it did before.
    pub async fn flexisip_query(
        &self,
        username: &str,
        domain: &str,
    ) -> anyhow::Result<Vec<(String, String)>> {
        let sql = SOCI_PASSWORD_REQUEST
            .replace(":id", "?")
            .replace(":domain", "?");
        Ok(sqlx::query_as(&sql)
            .bind(username)
            .bind(domain)
            .fetch_all(&self.pool)
            .await?)
    }
}

/// Flexisip's default `soci-password-request`, verbatim.
pub const SOCI_PASSWORD_REQUEST: &str =
    "select password, algorithm from passwords where account_id = \
     (select id from accounts where username = :id and domain = :domain and activated = true)";

/// Runs [`SOCI_PASSWORD_REQUEST`] as soci does: its `:name` placeholders
/// become `$n` on PostgreSQL (sqlx reads the same on SQLite) and `?` on
/// MariaDB. (password, algorithm) rows.
pub async fn flexisip_query(
    store: &SqlStore,
    username: &str,
    domain: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    let numbered = SOCI_PASSWORD_REQUEST
        .replace(":id", "$1")
        .replace(":domain", "$2");
    Ok(match store {
        SqlStore::Sqlite { read, .. } => {
            sqlx::query_as(&numbered)
                .bind(username)
                .bind(domain)
                .fetch_all(read)
                .await?
        }
        SqlStore::Postgres { pool, .. } => {
            sqlx::query_as(&numbered)
                .bind(username)
                .bind(domain)
                .fetch_all(pool)
                .await?
        }
        SqlStore::Mysql { pool } => {
            let positional = SOCI_PASSWORD_REQUEST
                .replace(":id", "?")
                .replace(":domain", "?");
            // Binary-collated columns come back as bytes to sqlx (soci reads
            // them as strings all the same).
            let rows: Vec<(Vec<u8>, Vec<u8>)> = sqlx::query_as(&positional)
                .bind(username)
                .bind(domain)
                .fetch_all(pool)
                .await?;
            rows.into_iter()
                .map(|(password, algorithm)| {
                    Ok((String::from_utf8(password)?, String::from_utf8(algorithm)?))
                })
                .collect::<anyhow::Result<_>>()?
        }
    })
}

/// `admin_url` with its database (the path) replaced by `database`.
fn mysql_url_with_database(admin_url: &str, database: &str) -> anyhow::Result<String> {
    let (scheme, rest) = admin_url
        .split_once("://")
        .ok_or_else(|| anyhow::anyhow!("{MYSQL_URL_VAR} is not a URL"))?;
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let query = rest.find('?').map_or("", |at| &rest[at..]);
    Ok(format!("{scheme}://{authority}/{database}{query}"))
}

pub fn random_hex(bytes: usize) -> anyhow::Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| anyhow::anyhow!("no random bytes: {e}"))?;
    Ok(hex::encode(buf))
}

/// The Redis the registrar tests use (`redis://127.0.0.1:6379` unless
/// [`REDIS_URL_VAR`] says otherwise).
pub const REDIS_URL_VAR: &str = "FLEXIAPI_TEST_REDIS_URL";

/// A Redis database index of this test's own (1 to 15; never DB 0), taken
/// with a lock key in it so that tests running at once never share one, and
/// emptied when dropped.
pub struct TestRedis {
    /// `redis://HOST:PORT/N`.
    pub url: String,
    client: redis::Client,
}

impl TestRedis {
    /// Waits up to 30 s for a free index. `None`, after a line saying so,
    /// when no Redis answers (CI sets `FLEXIAPI_REQUIRE_REDIS`, which makes
    /// that a failure instead).
    pub fn take() -> anyhow::Result<Option<Self>> {
        let base = std::env::var(REDIS_URL_VAR).unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let lock = format!("flexiapi-test-lock-{}", random_hex(8)?);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            for index in 1..16 {
                let url = format!("{base}/{index}");
                let client = redis::Client::open(url.as_str())?;
                let mut connection = match client.get_connection() {
                    Ok(connection) => connection,
                    Err(error) if std::env::var_os("FLEXIAPI_REQUIRE_REDIS").is_none() => {
                        eprintln!("skipped: no Redis at {base} ({error})");
                        return Ok(None);
                    }
                    Err(error) => anyhow::bail!("Redis is required but {base} refused: {error}"),
                };
                // Any key already there means another test holds the index.
                let taken: bool = redis::cmd("SET")
                    .arg("flexiapi-test-owner")
                    .arg(&lock)
                    .arg("NX")
                    .arg("EX")
                    .arg(600)
                    .query::<Option<String>>(&mut connection)?
                    .is_some();
                if taken {
                    return Ok(Some(Self { url, client }));
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        anyhow::bail!("every Redis DB index 1-15 stayed taken for 30 s")
    }

    pub fn connection(&self) -> anyhow::Result<redis::Connection> {
        Ok(self.client.get_connection()?)
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        if let Ok(mut connection) = self.client.get_connection() {
            let _ = redis::cmd("FLUSHDB").query::<()>(&mut connection);
        }
    }
}
