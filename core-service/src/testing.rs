//! Test support shared by this crate's integration tests and the gateway's
//! (feature `test-support`): a fresh database per test, on either backend.

use crate::store::SqlStore;

/// The variable naming the PostgreSQL the tests may use, e.g.
/// `postgres://postgres@127.0.0.1:5432/test`. Unset: PostgreSQL variants skip.
pub const POSTGRES_URL_VAR: &str = "FLEXIAPI_TEST_POSTGRES_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates, for each named `async fn(Backend)`, a module with one test
/// per backend: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
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
        }
    )*};
}

/// A database of its own: a SQLite file in a temp dir, or a PostgreSQL
/// schema dropped when the value is dropped.
pub struct TestDatabase {
    pub url: String,
    cleanup: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// `None`, after a line saying the test was skipped, when PostgreSQL is
    /// asked for and [`POSTGRES_URL_VAR`] is unset.
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
                    cleanup: Some((admin_url, schema)),
                    _dir: None,
                }))
            }
        }
    }

    /// A second pool on the same database, for what the API cannot do.
    pub async fn connect(&self) -> anyhow::Result<SqlStore> {
        SqlStore::connect(&self.url).await
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, schema)) = self.cleanup.take() else {
            return;
        };
        // Drop may run inside the test's runtime, which cannot block on itself.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let admin = sqlx::PgPool::connect(&admin_url).await?;
                sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .execute(&admin)
                    .await?;
                admin.close().await;
                Ok::<_, sqlx::Error>(())
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
    }
}

pub fn random_hex(bytes: usize) -> anyhow::Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| anyhow::anyhow!("no random bytes: {e}"))?;
    Ok(hex::encode(buf))
}
