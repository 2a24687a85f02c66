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
    Account, AccountStore, Credential, Device, DeviceStore, NewAccount, NewDevice, NonceStore,
    Verification,
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

#[derive(Clone, Debug)]
pub enum SqlStore {
    /// SQLite allows one writer at a time: writes go through a pool of one
    /// connection, so they queue in the pool instead of spinning on
    /// SQLITE_BUSY; reads use their own pool (WAL lets them run alongside).
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
    },
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the store's pool for `read` or `write`,
/// whichever backend it is. The body is compiled once per backend, so each
/// gets its own typed query.
macro_rules! on_pool {
    ($store:expr, $side:ident, $pool:ident => $body:expr) => {
        match $store {
            SqlStore::Sqlite { $side: $pool, .. } => $body,
            SqlStore::Postgres($pool) => $body,
        }
    };
}

impl SqlStore {
    /// Opens a pool for `url`: `sqlite://…` or `postgres://…`.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).context("invalid PostgreSQL URL")?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                // sqlx pings a connection before each use by default: a round
                // trip per query. A dead connection fails its query instead
                // (UNAVAILABLE) and is replaced.
                .test_before_acquire(false)
                .connect_with(options)
                .await
                .with_context(|| format!("cannot connect to {}", redact_url(url)))?;
            Ok(Self::Postgres(pool))
        } else {
            anyhow::bail!(
                "--database-url / DATABASE_URL must start with sqlite:// or postgres://, got {}",
                redact_url(url)
            )
        }
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
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let volatile = if in_memory {
            ":memory:".to_owned()
        } else {
            format!("{}-nonces", options.get_filename().display())
        };
        let pool = |max: u32| {
            let volatile = volatile.clone();
            SqlitePoolOptions::new()
                .max_connections(max)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .test_before_acquire(false)
                // Each connection to an in-memory database is a database of
                // its own: never let the only one go.
                .idle_timeout((!in_memory).then_some(Duration::from_secs(600)))
                .max_lifetime((!in_memory).then_some(Duration::from_secs(1800)))
                .after_connect(move |connection, _| {
                    let volatile = volatile.clone();
                    Box::pin(async move { attach_volatile(connection, &volatile).await })
                })
                .connect_with(options.clone())
        };
        let write = pool(1)
            .await
            .with_context(|| format!("cannot open {}", redact_url(url)))?;
        let read = if in_memory {
            write.clone()
        } else {
            pool(4)
                .await
                .with_context(|| format!("cannot open {}", redact_url(url)))?
        };
        Ok(Self::Sqlite { read, write })
    }

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Self::Sqlite { write, .. } => SQLITE_MIGRATIONS.run(write).await,
            Self::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
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
            Self::Sqlite { read, write } => (
                read.size() + write.size(),
                read.num_idle() + write.num_idle(),
            ),
            Self::Postgres(pool) => (pool.size(), pool.num_idle()),
        }
    }

    /// `sqlite` or `postgresql`, as OpenTelemetry's `db.system` names them.
    pub fn system(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Postgres(_) => "postgresql",
        }
    }

    pub async fn close(&self) {
        match self {
            Self::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

/// Attaches the nonce database as `volatile`: WAL with synchronous=NORMAL,
/// so a commit does not wait for the disk (a crash may lose the last nonces,
/// never corrupt them), and creates its table if the file is new or was lost.
async fn attach_volatile(
    connection: &mut sqlx::SqliteConnection,
    path: &str,
) -> Result<(), sqlx::Error> {
    use sqlx::Executor as _;
    connection
        .execute(sqlx::raw_sql(&format!(
            "ATTACH DATABASE '{}' AS volatile;
             PRAGMA volatile.journal_mode = WAL;
             PRAGMA volatile.synchronous = NORMAL;
             CREATE TABLE IF NOT EXISTS volatile.nonces (
                 nonce TEXT PRIMARY KEY NOT NULL,
                 opaque TEXT NOT NULL,
                 account_id BIGINT NOT NULL,
                 nc BIGINT NOT NULL DEFAULT 0,
                 expires_at BIGINT NOT NULL
             ) WITHOUT ROWID;
             CREATE INDEX IF NOT EXISTS volatile.nonces_expires_at_idx ON nonces (expires_at);",
            path.replace('\'', "''")
        )))
        .await
        .map(drop)
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
struct VerificationRow {
    #[sqlx(flatten)]
    account: AccountRow,
    algorithm: Option<String>,
    password: Option<String>,
    nonce_opaque: Option<String>,
    nonce_account_id: Option<i64>,
    nonce_nc: Option<i64>,
    nonce_expires_at: Option<i64>,
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

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn active_credentials(&self, username: &str, domain: &Domain) -> Result<Vec<Credential>> {
        let sql = "SELECT p.algorithm, p.password FROM passwords p JOIN accounts a ON a.id = p.account_id \
                   WHERE a.username = $1 AND a.domain = $2 AND a.activated = TRUE";
        let rows: Vec<CredentialRow> = on_pool!(self, read, pool => {
            sqlx::query_as(sql).bind(username).bind(domain.as_str()).fetch_all(pool).await?
        });
        sorted_credentials(rows)
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

impl NonceStore for SqlStore {
    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn verification(
        &self,
        username: &str,
        domain: &Domain,
        nonce: &str,
    ) -> Result<Option<Verification>> {
        let sql = "SELECT a.id, a.username, a.domain, a.activated, a.admin, a.created_at, \
                   p.algorithm, p.password, n.opaque AS nonce_opaque, n.account_id AS nonce_account_id, \
                   n.nc AS nonce_nc, n.expires_at AS nonce_expires_at \
                   FROM accounts a \
                   LEFT JOIN passwords p ON p.account_id = a.id \
                   LEFT JOIN nonces n ON n.nonce = $3 \
                   WHERE a.username = $1 AND a.domain = $2";
        let rows: Vec<VerificationRow> = on_pool!(self, read, pool => {
            sqlx::query_as(sql).bind(username).bind(domain.as_str()).bind(nonce).fetch_all(pool).await?
        });
        let mut rows = rows.into_iter().peekable();
        let Some(first) = rows.peek() else {
            return Ok(None);
        };
        let nonce = match (
            &first.nonce_opaque,
            first.nonce_account_id,
            first.nonce_nc,
            first.nonce_expires_at,
        ) {
            (Some(opaque), Some(account_id), Some(nc), Some(expires_at)) => Some(NonceRecord {
                nonce: nonce.to_owned(),
                opaque: opaque.clone(),
                account_id,
                nc,
                expires_at,
            }),
            _ => None,
        };
        let mut account = None;
        let mut credential_rows = Vec::new();
        for row in rows {
            if let (Some(algorithm), Some(password)) = (row.algorithm, row.password) {
                credential_rows.push(CredentialRow {
                    algorithm,
                    password,
                });
            }
            account.get_or_insert(row.account);
        }
        let Some(account) = account else {
            return Ok(None);
        };
        Ok(Some(Verification {
            account: account.into(),
            credentials: sorted_credentials(credential_rows)?,
            nonce,
        }))
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn insert_nonce(&self, record: &NonceRecord) -> Result<()> {
        let sql = "INSERT INTO nonces (nonce, opaque, account_id, nc, expires_at) VALUES ($1, $2, $3, $4, $5)";
        on_pool!(self, write, pool => {
            sqlx::query(sql)
                .bind(&record.nonce)
                .bind(&record.opaque)
                .bind(record.account_id)
                .bind(record.nc)
                .bind(record.expires_at)
                .execute(pool)
                .await
                .map(drop)?
        });
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn advance_nc(&self, nonce: &str, nc: u32) -> Result<bool> {
        // One conditional UPDATE, never read-then-write: PostgreSQL re-checks
        // `nc < $2` on the locked row after a concurrent update, and SQLite runs
        // one writer at a time, so only one caller can move nc to this value.
        let sql = "UPDATE nonces SET nc = $2 WHERE nonce = $1 AND nc < $2";
        let result = on_pool!(self, write, pool => {
            sqlx::query(sql).bind(nonce).bind(i64::from(nc)).execute(pool).await?.rows_affected()
        });
        Ok(result == 1)
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn delete_nonce(&self, nonce: &str) -> Result<()> {
        on_pool!(self, write, pool => {
            sqlx::query("DELETE FROM nonces WHERE nonce = $1").bind(nonce).execute(pool).await.map(drop)?
        });
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn purge_nonces(&self, horizon: i64) -> Result<u64> {
        let sql = "DELETE FROM nonces WHERE expires_at < $1";
        Ok(on_pool!(self, write, pool => {
            sqlx::query(sql).bind(horizon).execute(pool).await?.rows_affected()
        }))
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
