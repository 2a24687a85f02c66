//! A proxy's nonces on SQLite (their first answers, `rules::auth::caller_nonces`),
//! and the API-key lookup, run on the calling thread through one connection.
//!
//! sqlx runs each SQLite connection on a thread of its own, and a profile
//! showed the core spending most of its CPU time switching threads, not
//! running SQL. Here the statements run inline under a mutex instead: they
//! touch a few pages of a file that lives in the page cache and never wait
//! for the disk (synchronous=OFF), so they take microseconds, less than the
//! hand-off they replace.
//!
//! The nonces live in their own file, `<database>-nonces`, with the accounts
//! database attached read-only in spirit, so the statements are the same
//! SQL text as on PostgreSQL. Nonces are
//! short-lived security state: a crash may lose the last ones (clients take
//! a new challenge), and if the machine itself went down mid-write and left
//! the file damaged, it is replaced by an empty one at the next start.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use anyhow::Context as _;
use rusqlite::{named_params, Connection, OpenFlags, OptionalExtension as _};

use super::{
    account_rows::{AccountRow, KeyOwnerRow, KEY_WITH_OWNER},
    nonce_sql,
};
use crate::{
    error::Result,
    rules::{api_keys::store::KeyWithOwner, auth::nonces::NonceRecord},
};

/// Expired nonces are deleted this many at a time, so the purge never holds
/// the connection for long against the requests waiting on it.
const PURGE_BATCH: usize = 1_000;

#[derive(Clone)]
pub struct SqliteNonces {
    connection: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteNonces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteNonces").finish_non_exhaustive()
    }
}

/// The columns of [`KEY_WITH_OWNER`], in order.
const KEY_OWNER_COLUMNS: [&str; 23] = [
    "key_id",
    "key_name",
    "idle_expiry_seconds",
    "key_created_at",
    "last_used_at",
    "key_scope",
    "id",
    "username",
    "domain",
    "activated",
    "admin",
    "blocked",
    "email",
    "display_name",
    "phone",
    "pending",
    "dictionary",
    "created_at",
    "updated_at",
    "super_admin",
    "realm",
    "password_kinds",
    "epoch",
];

impl SqliteNonces {
    /// Opens (or creates, or replaces if damaged) the nonce file beside the
    /// accounts database `accounts`.
    pub fn open(accounts: &Path) -> anyhow::Result<Self> {
        let mut path = accounts.as_os_str().to_owned();
        path.push("-nonces");
        let path = PathBuf::from(path);
        let connection = match open_checked(&path, accounts) {
            Ok(connection) => connection,
            Err(error) => {
                tracing::warn!(error = format!("{error:#}"), file = %path.display(),
                    "the nonce file is unreadable; starting with no nonces");
                remove_database_files(&path)?;
                open_checked(&path, accounts)?
            }
        };
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// [`nonce_sql::INSERT_CALLER`]: 1 when stored.
    pub fn insert_caller(&self, record: &NonceRecord) -> Result<u64> {
        let connection = self.lock();
        let mut statement = connection.prepare_cached(nonce_sql::INSERT_CALLER)?;
        let inserted = statement.execute(named_params! {
            "$1": record.nonce,
            "$2": record.opaque,
            "$3": record.account_id,
            "$4": record.nc,
            "$5": record.expires_at,
        })?;
        Ok(inserted as u64)
    }

    pub fn live_callers(&self, account_id: i64, now: i64) -> Result<i64> {
        let connection = self.lock();
        let mut statement = connection.prepare_cached(nonce_sql::LIVE_CALLER)?;
        let live = statement.query_row(named_params! { "$1": account_id, "$2": now }, |row| {
            row.get(0)
        })?;
        Ok(live)
    }

    /// An API key and its owner: the one read of a request by key, inline
    /// for the reason the nonce statements are (the accounts database is
    /// attached, so the statement reads it as it is).
    pub fn api_key_with_owner(&self, key_sha256: &str) -> Result<Option<KeyWithOwner>> {
        let connection = self.lock();
        let mut statement = connection.prepare_cached(KEY_WITH_OWNER)?;
        let row = statement
            .query_row(named_params! { "$1": key_sha256 }, |row| {
                // By position, as KEY_OWNER_COLUMNS lists them: a fetch by
                // name searches the 22 names each time (3.5 % of the core's
                // key check, BENCHMARKS.md). Debug builds check the order.
                debug_assert_eq!(row.as_ref().column_names(), KEY_OWNER_COLUMNS);
                Ok(KeyOwnerRow {
                    key_id: row.get(0)?,
                    key_name: row.get(1)?,
                    idle_expiry_seconds: row.get(2)?,
                    key_created_at: row.get(3)?,
                    last_used_at: row.get(4)?,
                    key_scope: row.get(5)?,
                    account: AccountRow {
                        id: row.get(6)?,
                        username: row.get(7)?,
                        domain: row.get(8)?,
                        activated: row.get(9)?,
                        admin: row.get(10)?,
                        blocked: row.get(11)?,
                        email: row.get(12)?,
                        display_name: row.get(13)?,
                        phone: row.get(14)?,
                        pending: row.get(15)?,
                        dictionary: row.get(16)?,
                        created_at: row.get(17)?,
                        updated_at: row.get(18)?,
                        super_admin: row.get(19)?,
                        realm: row.get(20)?,
                        password_kinds: row.get(21)?,
                    },
                    epoch: row.get(22)?,
                })
            })
            .optional()?;
        Ok(row.map(Into::into))
    }

    /// The nonces of a deleted account. Rare, so no index serves it: a
    /// scan of a table that holds only live nonces.
    pub fn delete_of_account(&self, account_id: i64) -> Result<()> {
        let connection = self.lock();
        let mut statement =
            connection.prepare_cached("DELETE FROM nonces WHERE account_id = $1")?;
        statement.execute(named_params! { "$1": account_id })?;
        Ok(())
    }

    pub async fn purge(&self, horizon: i64) -> Result<u64> {
        let mut purged = 0;
        loop {
            let deleted = {
                let connection = self.lock();
                let mut statement = connection.prepare_cached(PURGE_SOME)?;
                statement.execute(named_params! { "$1": horizon, "$2": PURGE_BATCH })?
            };
            purged += deleted as u64;
            if deleted < PURGE_BATCH {
                return Ok(purged);
            }
            tokio::task::yield_now().await;
        }
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A statement that panicked leaves no transaction open (each one
        // commits on its own), so the connection is still sound.
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

const PURGE_SOME: &str = "DELETE FROM nonces WHERE nonce IN \
                          (SELECT nonce FROM nonces WHERE expires_at < $1 LIMIT $2)";

fn open_checked(path: &Path, accounts: &Path) -> anyhow::Result<Connection> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("cannot open {}", path.display()))?;
    // WAL: a crash of the process never damages the file; OFF: no commit
    // waits for the disk. The busy timeout covers a checkpoint of the
    // accounts file by another connection.
    connection.busy_timeout(Duration::from_secs(1))?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "OFF")?;
    let check: String = connection.pragma_query_value(None, "quick_check", |row| row.get(0))?;
    anyhow::ensure!(check == "ok", "quick_check: {check}");
    connection.execute(
        "ATTACH DATABASE ?1 AS accounts",
        [accounts.to_string_lossy()],
    )?;
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS main.nonces (
             nonce TEXT PRIMARY KEY NOT NULL,
             opaque TEXT NOT NULL,
             account_id BIGINT NOT NULL,
             nc BIGINT NOT NULL DEFAULT 0,
             expires_at BIGINT NOT NULL
         ) WITHOUT ROWID;
         CREATE INDEX IF NOT EXISTS main.nonces_expires_at_idx ON nonces (expires_at);
         -- The core's own nonces are signed, not stored, since nonce_keys.
         DROP INDEX IF EXISTS main.nonces_unanswered_idx;
         DELETE FROM main.nonces WHERE substr(nonce, 1, 1) <> '~';
         -- An account's caller-issued nonces (crate::rules::auth::caller_nonces), counted
         -- against their cap: the same term as nonce_sql::LIVE_CALLER.
         CREATE INDEX IF NOT EXISTS main.nonces_caller_idx
             ON nonces (account_id, expires_at) WHERE substr(nonce, 1, 1) = '~';",
    )?;
    Ok(connection)
}

fn remove_database_files(path: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        match std::fs::remove_file(&file) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                return Err(error).with_context(|| format!("cannot remove {file:?}"));
            }
            _ => {}
        }
    }
    Ok(())
}
