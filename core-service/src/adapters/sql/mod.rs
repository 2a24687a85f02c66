//! The sqlx implementation of the store, for SQLite (the embedded default),
//! PostgreSQL and MariaDB/MySQL (shared by replicas), chosen from
//! `DATABASE_URL`.
//!
//! Every query is written once, in the SQL SQLite and PostgreSQL share (`$n`
//! placeholders, `ON CONFLICT`); [`SqlStore::sql`] gives it in MariaDB's
//! dialect there (`dialect`), and [`on_pool!`] runs it against whichever
//! pool this store holds. Only the DDL differs, one migrations folder per
//! backend, and the odd fragment (a byte-wise prefix range, a row lock).
//! Each aggregate's statements live in their own file.

use std::{borrow::Cow, str::FromStr, time::Duration};

use anyhow::Context as _;
use sqlx::{
    migrate::Migrator,
    mysql::MySqlPool,
    postgres::{PgConnectOptions, PgPool, PgPoolOptions},
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
    },
};

use self::sqlite_nonces::SqliteNonces;
use crate::error::Result;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");
static MYSQL_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/mysql");

/// How long a request waits for a database connection before the caller is
/// told UNAVAILABLE: long enough to ride out a burst, short enough that a
/// gateway does not hang on a dead database.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

pub const DEFAULT_POSTGRES_CONNECTIONS: u32 = 16;

/// Account reads on SQLite (the nonces have a connection of their own).
const SQLITE_READERS: u32 = 4;

#[derive(Clone, Debug)]
pub enum SqlStore {
    /// SQLite allows one writer at a time: writes go through a pool of one
    /// connection, so they queue in the pool instead of spinning on
    /// SQLITE_BUSY; reads use their own pool (WAL lets them run alongside).
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
        nonces: SqliteNonces,
    },
    /// The API-key lookup, a keyed read on every request by key, uses
    /// `keyed` (cached plans, keyed lookups only); everything else uses
    /// `pool` directly.
    Postgres { pool: PgPool, keyed: PgPool },
    /// MariaDB or MySQL: one pool for everything (`mysql`). Its nonces live
    /// in a MEMORY table, so no nonce statement waits for a disk flush.
    Mysql { pool: MySqlPool },
}

/// Runs `$body` with `$pool` bound to the store's pool for `read` or `write`,
/// whichever backend it is. The body is compiled once per backend, so each
/// gets its own typed query.
///
/// With `sqlite NAME => …` or `postgres NAME => …` last, that backend runs
/// its own code instead (NAME bound to its nonce connection or its pool):
/// the statements it does not share are not compiled for it.
macro_rules! on_pool {
    ($store:expr, $side:ident, $pool:ident => $body:expr) => {
        match $store {
            SqlStore::Sqlite { $side: $pool, .. } => $body,
            SqlStore::Postgres { pool: $pool, .. } => $body,
            SqlStore::Mysql { pool: $pool } => $body,
        }
    };
    ($store:expr, $pool:ident => $body:expr, sqlite $nonces:ident => $own:expr) => {
        match $store {
            SqlStore::Sqlite {
                nonces: $nonces, ..
            } => $own,
            SqlStore::Postgres { pool: $pool, .. } => $body,
            SqlStore::Mysql { pool: $pool } => $body,
        }
    };
    ($store:expr, $side:ident, $pool:ident => $body:expr, postgres $pg:ident => $own:expr) => {
        match $store {
            SqlStore::Sqlite { $side: $pool, .. } => $body,
            SqlStore::Postgres { pool: $pg, .. } => $own,
            SqlStore::Mysql { pool: $pool } => $body,
        }
    };
}

mod account_create;
mod account_list;
pub(super) mod account_rows;
mod accounts;
mod active_account;
mod api_keys;
mod call_forwardings;
mod devices;
mod dialect;
mod import;
mod import_pg;
mod import_rows;
mod mysql;
mod nonce_sql;
pub(super) mod nonces;
mod onboarding;
mod probe;
mod provisioning;
mod sessions;
mod spaces;
mod sqlite_nonces;
mod statistics;
mod statistics_calls;
mod statistics_messages;
pub(super) mod text;
mod voicemails;

/// A statement written for SQLite and PostgreSQL, in MariaDB's dialect
/// (for tools and tests that run their own SQL on any backend).
pub use dialect::mysql as to_mysql;
pub use import_rows::{Imported, ImportedAccount};

/// The refusal of a URL of no backend, naming the flag.
fn unsupported_url(url: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "--database-url / DATABASE_URL must start with sqlite://, postgres:// or mysql://, got {}",
        redact_url(url)
    )
}

impl SqlStore {
    /// Opens a pool for `url`: `sqlite://…`, `postgres://…` or `mysql://…`,
    /// with the default pool size.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        Self::connect_with(url, DEFAULT_POSTGRES_CONNECTIONS).await
    }

    /// Opens a pool for `url`, of at most `connections` on PostgreSQL and
    /// MariaDB (SQLite has one writer and [`SQLITE_READERS`] readers).
    pub async fn connect_with(url: &str, connections: u32) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::connect_postgres(url, connections).await
        } else if url.starts_with("mysql://") || url.starts_with("mariadb://") {
            Self::connect_mysql(url, connections).await
        } else {
            Err(unsupported_url(url))
        }
    }

    /// `sql`, written in the dialect SQLite and PostgreSQL share, as this
    /// backend reads it.
    pub(super) fn sql<'a>(&self, sql: &'a str) -> Cow<'a, str> {
        match self {
            Self::Mysql { .. } => dialect::mysql(sql),
            _ => Cow::Borrowed(sql),
        }
    }

    async fn connect_postgres(url: &str, connections: u32) -> anyhow::Result<Self> {
        let base = PgConnectOptions::from_str(url).context("invalid PostgreSQL URL")?;
        let pool = |options: PgConnectOptions, max: u32| {
            PgPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                // sqlx pings a connection before each use by default: a round
                // trip per query. A dead connection fails its query instead
                // (UNAVAILABLE) and is replaced.
                .test_before_acquire(false)
                .connect_with(options)
        };
        let cannot_connect = || format!("cannot connect to {}", redact_url(url));
        // A cached generic plan is made once, when a statement is first
        // prepared: on a new or just-truncated table (UNLOGGED nonces are
        // emptied by a crash) it may be a sequential scan, and it stays one
        // as the table grows to millions of rows (a benchmark run measured
        // 1,700 instead of 7,000 checks/s). Custom plans follow the real
        // size, for a little planning per statement.
        let custom_plans = base
            .clone()
            .options([("plan_cache_mode", "force_custom_plan")]);
        let pool_of_accounts = pool(custom_plans, connections.max(1))
            .await
            .with_context(cannot_connect)?;
        // The key lookup's own connections keep cached plans, and the
        // planner is left one shape that suits every table size: keyed
        // index lookups in a nested loop. (JIT off: the cost penalty of a
        // disabled plan node would otherwise trigger a 100 ms compilation
        // on every run.)
        let keyed_plans = base.options([
            ("enable_seqscan", "off"),
            ("enable_bitmapscan", "off"),
            ("enable_hashjoin", "off"),
            ("enable_mergejoin", "off"),
            ("jit", "off"),
        ]);
        // The key lookup, planned afresh on every request on the account
        // connections, ran at 0.45x the Digest check it must match (bench
        // run of this session); with a cached keyed plan it is one index
        // lookup and a join by primary key.
        let keyed = pool(keyed_plans, (connections / 2).max(2))
            .await
            .with_context(cannot_connect)?;
        Ok(Self::Postgres {
            pool: pool_of_accounts,
            keyed,
        })
    }

    async fn connect_sqlite(url: &str) -> anyhow::Result<Self> {
        // WAL lets readers run beside the one writer; FULL keeps every committed
        // account through a power cut; busy_timeout covers other processes.
        let options = SqliteConnectOptions::from_str(url)
            .context("invalid SQLite URL")?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        anyhow::ensure!(
            !url.contains(":memory:") && !url.contains("mode=memory"),
            "an in-memory SQLite database would lose every account when the core stops, \
             and no other connection could see it: give a file, sqlite://FILE?mode=rwc"
        );
        let pool = |max: u32| {
            SqlitePoolOptions::new()
                .max_connections(max)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .test_before_acquire(false)
                .idle_timeout(Duration::from_secs(600))
                .max_lifetime(Duration::from_secs(1800))
                .connect_with(options.clone())
        };
        let cannot_open = || format!("cannot open {}", redact_url(url));
        // The write pool creates the file; the nonce connection attaches it.
        let write = pool(1).await.with_context(cannot_open)?;
        let read = pool(SQLITE_READERS).await.with_context(cannot_open)?;
        let nonces = SqliteNonces::open(options.get_filename())?;
        Ok(Self::Sqlite {
            read,
            write,
            nonces,
        })
    }

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Self::Sqlite { write, .. } => SQLITE_MIGRATIONS.run(write).await,
            Self::Postgres { pool, .. } => POSTGRES_MIGRATIONS.run(pool).await,
            Self::Mysql { pool } => {
                MYSQL_MIGRATIONS
                    .run(pool)
                    .await
                    .context("database migration failed")?;
                return mysql::size_nonce_table(pool).await;
            }
        }
        .context("database migration failed")
    }

    /// One trivial query: is the database answering?
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, read, pool => sqlx::query("SELECT 1").execute(pool).await.map(drop)?);
        Ok(())
    }

    /// Connections open and idle, for the pool gauges (both SQLite pools).
    pub fn pool_usage(&self) -> (u32, usize) {
        match self {
            Self::Sqlite { read, write, .. } => (
                read.size() + write.size(),
                read.num_idle() + write.num_idle(),
            ),
            Self::Postgres { pool, .. } => (pool.size(), pool.num_idle()),
            Self::Mysql { pool } => (pool.size(), pool.num_idle()),
        }
    }

    /// `sqlite`, `postgresql` or `mysql`, as OpenTelemetry's `db.system`
    /// names them (MariaDB included: one protocol, one dialect).
    pub fn system(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Postgres { .. } => "postgresql",
            Self::Mysql { .. } => "mysql",
        }
    }

    pub async fn close(&self) {
        match self {
            Self::Sqlite { read, write, .. } => {
                read.close().await;
                write.close().await;
            }
            Self::Postgres { pool, keyed, .. } => {
                pool.close().await;
                keyed.close().await;
            }
            Self::Mysql { pool } => pool.close().await,
        }
    }
}

/// The URL with any password replaced, for log lines and error messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}{tail}")
        }
        _ => url.to_owned(),
    }
}

/// Whether a database error is a unique violation: the one kind every
/// backend reports alike (constraint names differ between them).
fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn database_passwords_never_reach_a_log_line() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db:5432/flexiapi?sslmode=require"),
            "postgres://app:***@db:5432/flexiapi?sslmode=require"
        );
        assert_eq!(redact_url("postgres://app@db/x"), "postgres://app@db/x");
        assert_eq!(
            redact_url("sqlite://flexiapi.sqlite?mode=rwc"),
            "sqlite://flexiapi.sqlite?mode=rwc"
        );
    }
}
