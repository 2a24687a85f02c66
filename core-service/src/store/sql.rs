//! The sqlx implementation of the store, for SQLite (the embedded default)
//! and PostgreSQL (shared by replicas), chosen from `DATABASE_URL`.
//!
//! Every query is written once, in the SQL both engines accept (`$n`
//! placeholders, `RETURNING`, `ON CONFLICT`), and [`on_pool!`] runs it against
//! whichever pool this store holds. Only the DDL differs, one migrations
//! folder per backend.

use std::{str::FromStr, time::Duration};

use anyhow::Context as _;
use sqlx::{
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPool, PgPoolOptions},
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
    },
    FromRow,
};

use super::{
    pg_nonces::PgNonces, sqlite_nonces::SqliteNonces, Account, AccountStore, ActiveAccount,
    Credential, Device, DeviceStore, NewAccount, NewDevice, NonceStore, NonceUse,
};
use crate::{
    domain::{Algorithm, DeviceUuid, Domain},
    error::{CoreError, Result},
    nonces::NonceRecord,
    passwords::Secret,
};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

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
    /// The nonce statements go through `nonces`, which groups concurrent
    /// callers into one statement; everything else uses `pool` directly.
    Postgres { pool: PgPool, nonces: PgNonces },
}

/// Runs `$body` with `$pool` bound to the store's pool for `read` or `write`,
/// whichever backend it is. The body is compiled once per backend, so each
/// gets its own typed query.
macro_rules! on_pool {
    ($store:expr, $side:ident, $pool:ident => $body:expr) => {
        match $store {
            SqlStore::Sqlite { $side: $pool, .. } => $body,
            SqlStore::Postgres { pool: $pool, .. } => $body,
        }
    };
}

impl SqlStore {
    /// Opens a pool for `url`: `sqlite://…` or `postgres://…`, with the
    /// default PostgreSQL pool size.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        Self::connect_with(url, DEFAULT_POSTGRES_CONNECTIONS).await
    }

    /// Opens a pool for `url`, of at most `postgres_connections` on
    /// PostgreSQL (SQLite has one writer and [`SQLITE_READERS`] readers).
    pub async fn connect_with(url: &str, postgres_connections: u32) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::connect_postgres(url, postgres_connections).await
        } else {
            anyhow::bail!(
                "--database-url / DATABASE_URL must start with sqlite:// or postgres://, got {}",
                redact_url(url)
            )
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
        // The grouped nonce statements would cost more to plan (0.4-0.6 ms
        // each) than to run, so they keep their cached plans, and on their
        // own connections the planner is left one shape that suits every
        // table size: keyed index lookups in a nested loop. (JIT off: the
        // cost penalty of a disabled plan node would otherwise trigger a
        // 100 ms compilation on every run.)
        let keyed_plans = base.options([
            ("enable_seqscan", "off"),
            ("enable_hashjoin", "off"),
            ("enable_mergejoin", "off"),
            ("jit", "off"),
        ]);
        // A quarter of the account connections per kind of nonce statement.
        let in_flight = (connections / 4).max(1);
        let pool_of_nonces = pool(keyed_plans, 2 * in_flight)
            .await
            .with_context(cannot_connect)?;
        let nonces = PgNonces::start(pool_of_nonces, usize::try_from(in_flight)?);
        Ok(Self::Postgres {
            pool: pool_of_accounts,
            nonces,
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
        }
    }

    /// `sqlite` or `postgresql`, as OpenTelemetry's `db.system` names them.
    pub fn system(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Postgres { .. } => "postgresql",
        }
    }

    pub async fn close(&self) {
        match self {
            Self::Sqlite { read, write, .. } => {
                read.close().await;
                write.close().await;
            }
            Self::Postgres { pool, .. } => pool.close().await,
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

#[derive(FromRow)]
struct AccountRow {
    id: i64,
    username: String,
    domain: String,
    activated: bool,
    admin: bool,
    created_at: i64,
}

impl From<AccountRow> for Account {
    fn from(row: AccountRow) -> Self {
        Self {
            id: row.id,
            username: row.username,
            domain: row.domain,
            activated: row.activated,
            admin: row.admin,
            created_at: row.created_at,
        }
    }
}

#[derive(FromRow)]
struct CredentialRow {
    algorithm: String,
    password: String,
}

impl TryFrom<CredentialRow> for Credential {
    type Error = CoreError;

    fn try_from(row: CredentialRow) -> Result<Self> {
        let algorithm = Algorithm::parse(&row.algorithm, "algorithm").map_err(|_| {
            anyhow::anyhow!(
                "passwords.algorithm holds {:?}, not MD5 or SHA-256",
                row.algorithm
            )
        })?;
        Ok(Self {
            algorithm,
            ha1: Secret::new(row.password),
        })
    }
}

#[derive(FromRow)]
struct ActiveAccountRow {
    #[sqlx(flatten)]
    account: AccountRow,
    algorithm: Option<String>,
    password: Option<String>,
    epoch: i64,
}

#[derive(FromRow)]
struct NonceRow {
    opaque: String,
    account_id: i64,
    nc: i64,
    expires_at: i64,
}

#[derive(FromRow)]
struct DeviceRow {
    uuid: String,
    contact: String,
    user_agent: String,
    expires_at: i64,
    updated_at: i64,
}

impl From<DeviceRow> for Device {
    fn from(row: DeviceRow) -> Self {
        Self {
            uuid: row.uuid,
            contact: row.contact,
            user_agent: row.user_agent,
            expires_at: row.expires_at,
            updated_at: row.updated_at,
        }
    }
}

const ACCOUNT_COLUMNS: &str = "id, username, domain, activated, admin, created_at";

fn duplicate_username(error: sqlx::Error) -> CoreError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => CoreError::AlreadyExists {
            field: "username",
            message: "is already taken in this domain".into(),
        },
        _ => error.into(),
    }
}

impl AccountStore for SqlStore {
    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn create_account(&self, new: NewAccount<'_>) -> Result<Account> {
        let insert_account = format!(
            "INSERT INTO accounts (username, domain, activated, admin, created_at, updated_at) \
             VALUES ($1, $2, TRUE, $3, $4, $4) RETURNING {ACCOUNT_COLUMNS}"
        );
        let insert_password =
            "INSERT INTO passwords (account_id, password, algorithm) VALUES ($1, $2, $3)";
        on_pool!(self, write, pool => {
            let mut tx = pool.begin().await?;
            let row: AccountRow = sqlx::query_as(&insert_account)
                .bind(new.username.as_str())
                .bind(new.domain.as_str())
                .bind(new.admin)
                .bind(new.created_at)
                .fetch_one(&mut *tx)
                .await
                .map_err(duplicate_username)?;
            sqlx::query(insert_password)
                .bind(row.id)
                .bind(new.credential.ha1.expose())
                .bind(new.credential.algorithm.as_str())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(row.into())
        })
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn account_by_id(&self, id: i64) -> Result<Option<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1");
        let row: Option<AccountRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?
        });
        Ok(row.map(Account::from))
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn account_by_address(&self, username: &str, domain: &Domain) -> Result<Option<Account>> {
        let sql =
            format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = $1 AND domain = $2");
        let row: Option<AccountRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(username).bind(domain.as_str()).fetch_optional(pool).await?
        });
        Ok(row.map(Account::from))
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn has_admin(&self) -> Result<bool> {
        let sql = "SELECT COUNT(*) FROM accounts WHERE admin = TRUE";
        let count: i64 =
            on_pool!(self, read, pool => sqlx::query_scalar(sql).fetch_one(pool).await?);
        Ok(count > 0)
    }

    async fn account_epoch(&self) -> Result<i64> {
        let sql = "SELECT epoch FROM account_epoch";
        Ok(on_pool!(self, read, pool => sqlx::query_scalar(sql).fetch_one(pool).await?))
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn active_account(
        &self,
        username: &str,
        domain: &Domain,
    ) -> Result<Option<ActiveAccount>> {
        let sql = "SELECT a.id, a.username, a.domain, a.activated, a.admin, a.created_at, \
                   p.algorithm, p.password, (SELECT epoch FROM account_epoch) AS epoch \
                   FROM accounts a LEFT JOIN passwords p ON p.account_id = a.id \
                   WHERE a.username = $1 AND a.domain = $2 AND a.activated = TRUE";
        let rows: Vec<ActiveAccountRow> = on_pool!(self, read, pool => {
            sqlx::query_as(sql).bind(username).bind(domain.as_str()).fetch_all(pool).await?
        });
        let mut found: Option<(AccountRow, i64)> = None;
        let mut credential_rows = Vec::new();
        for row in rows {
            if let (Some(algorithm), Some(password)) = (row.algorithm, row.password) {
                credential_rows.push(CredentialRow {
                    algorithm,
                    password,
                });
            }
            found.get_or_insert((row.account, row.epoch));
        }
        let Some((account, epoch)) = found else {
            return Ok(None);
        };
        Ok(Some(ActiveAccount {
            account: account.into(),
            credentials: sorted_credentials(credential_rows)?,
            epoch,
        }))
    }
}

fn sorted_credentials(rows: Vec<CredentialRow>) -> Result<Vec<Credential>> {
    let mut credentials = rows
        .into_iter()
        .map(Credential::try_from)
        .collect::<Result<Vec<_>>>()?;
    credentials.sort_by_key(|c| c.algorithm);
    Ok(credentials)
}

/// The nonce statements, in the SQL both engines accept. `accept_nonce` is
/// the one every Digest check runs: one conditional UPDATE, never a read
/// then a write, so PostgreSQL re-checks the conditions on the locked row
/// after a concurrent update and SQLite runs one writer at a time; of the
/// callers with one `nc`, one moves the nonce on.
pub(super) mod nonce_sql {
    pub const SELECT: &str =
        "SELECT opaque, account_id, nc, expires_at FROM nonces WHERE nonce = $1";
    // The casts give PostgreSQL the parameter types a bare SELECT list lacks.
    pub const INSERT: &str = "INSERT INTO nonces (nonce, opaque, account_id, nc, expires_at) \
        SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS BIGINT), CAST($4 AS BIGINT), \
        CAST($5 AS BIGINT) FROM account_epoch WHERE epoch = $6";
    // `+ 0` keeps the planner off the account_id and expires_at indexes: with
    // statistics taken while the table was empty it once chose the
    // account_id index, and then read every nonce of the account, thousands
    // for a busy one, for each row (10-20 ms per grouped statement).
    pub const ACCEPT: &str = "UPDATE nonces SET nc = $4 \
        WHERE nonce = $1 AND account_id + 0 = $2 AND opaque = $3 AND nc < $4 \
        AND expires_at + 0 > $5 AND (SELECT epoch FROM account_epoch) = $6";
    pub const DELETE: &str = "DELETE FROM nonces WHERE nonce = $1";
    pub const PURGE: &str = "DELETE FROM nonces WHERE expires_at < $1";
}

impl NonceStore for SqlStore {
    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn nonce(&self, nonce: &str) -> Result<Option<NonceRecord>> {
        let pool = match self {
            Self::Sqlite { nonces, .. } => return nonces.nonce(nonce),
            Self::Postgres { pool, .. } => pool,
        };
        let row: Option<NonceRow> = sqlx::query_as(nonce_sql::SELECT)
            .bind(nonce)
            .fetch_optional(pool)
            .await?;
        Ok(row.map(|row| NonceRecord {
            nonce: nonce.to_owned(),
            opaque: row.opaque,
            account_id: row.account_id,
            nc: row.nc,
            expires_at: row.expires_at,
        }))
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn insert_nonce(&self, record: &NonceRecord, epoch: i64) -> Result<bool> {
        match self {
            Self::Sqlite { nonces, .. } => nonces.insert(record, epoch),
            Self::Postgres { nonces, .. } => nonces.insert(record, epoch).await,
        }
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn accept_nonce(&self, used: &NonceUse<'_>) -> Result<bool> {
        match self {
            Self::Sqlite { nonces, .. } => nonces.accept(used),
            Self::Postgres { nonces, .. } => nonces.accept(used).await,
        }
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn delete_nonce(&self, nonce: &str) -> Result<()> {
        let pool = match self {
            Self::Sqlite { nonces, .. } => return nonces.delete(nonce),
            Self::Postgres { pool, .. } => pool,
        };
        sqlx::query(nonce_sql::DELETE)
            .bind(nonce)
            .execute(pool)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn purge_nonces(&self, horizon: i64) -> Result<u64> {
        let pool = match self {
            Self::Sqlite { nonces, .. } => return nonces.purge(horizon).await,
            Self::Postgres { pool, .. } => pool,
        };
        let purged = sqlx::query(nonce_sql::PURGE)
            .bind(horizon)
            .execute(pool)
            .await?
            .rows_affected();
        Ok(purged)
    }
}

const DEVICE_COLUMNS: &str = "uuid, contact, user_agent, expires_at, updated_at";

impl DeviceStore for SqlStore {
    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn upsert_device(&self, account_id: i64, device: NewDevice<'_>) -> Result<Device> {
        let sql = format!(
            "INSERT INTO devices (account_id, uuid, contact, user_agent, expires_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (account_id, uuid) DO UPDATE SET contact = excluded.contact, \
             user_agent = excluded.user_agent, expires_at = excluded.expires_at, \
             updated_at = excluded.updated_at \
             RETURNING {DEVICE_COLUMNS}"
        );
        let row: DeviceRow = on_pool!(self, write, pool => {
            sqlx::query_as(&sql)
                .bind(account_id)
                .bind(device.uuid.as_str())
                .bind(device.contact)
                .bind(device.user_agent)
                .bind(device.expires_at)
                .bind(device.updated_at)
                .fetch_one(pool)
                .await?
        });
        Ok(row.into())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn live_devices(&self, account_id: i64, now: i64) -> Result<Vec<Device>> {
        let sql = format!(
            "SELECT {DEVICE_COLUMNS} FROM devices WHERE account_id = $1 AND expires_at > $2 ORDER BY uuid"
        );
        let rows: Vec<DeviceRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(account_id).bind(now).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Device::from).collect())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn remove_device(&self, account_id: i64, uuid: &DeviceUuid, now: i64) -> Result<bool> {
        // An expired binding is deleted too, but reported absent: it was
        // already invisible to the account.
        let sql = "DELETE FROM devices WHERE account_id = $1 AND uuid = $2 RETURNING expires_at";
        let expires_at: Option<i64> = on_pool!(self, write, pool => {
            sqlx::query_scalar(sql).bind(account_id).bind(uuid.as_str()).fetch_optional(pool).await?
        });
        Ok(expires_at.is_some_and(|at| at > now))
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn purge_devices(&self, now: i64) -> Result<u64> {
        let sql = "DELETE FROM devices WHERE expires_at <= $1";
        Ok(on_pool!(self, write, pool => {
            sqlx::query(sql).bind(now).execute(pool).await?.rows_affected()
        }))
    }
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
