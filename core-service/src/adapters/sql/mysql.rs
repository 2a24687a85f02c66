//! What only MariaDB/MySQL needs: the session its connections run in and the
//! size of its MEMORY nonce table (a proxy's nonces, recorded at their
//! first answer).
//!
//! Why MEMORY (BENCHMARKS.md has the figures): an InnoDB commit waits for a
//! redo-log flush (`innodb_flush_log_at_trx_commit=1`, a global setting an
//! application may not lower for itself), 0.24 ms per autocommit UPDATE on
//! the development machine, against 0.012 ms in a MEMORY table
//! (`bench/mariadb-nonce-engines.sh`). Nonces are short-lived
//! security state: a server restart empties the table, as a PostgreSQL
//! crash empties its UNLOGGED one.

use std::{str::FromStr, time::Duration};

use anyhow::Context as _;
use sqlx::{
    mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions},
    Executor as _,
};

use super::{redact_url, SqlStore, ACQUIRE_TIMEOUT};

/// The nonce table's size limit, set when the table is (re)built: MEMORY
/// tables take it from `max_heap_table_size` (16 MiB by default, about
/// 60,000 nonces; 1 GiB holds 3.7 million), and a server restart rebuilds
/// them with the global one.
const NONCE_TABLE_BYTES: u64 = 1 << 30;

impl SqlStore {
    pub(super) async fn connect_mysql(url: &str, connections: u32) -> anyhow::Result<Self> {
        let options = MySqlConnectOptions::from_str(url).context("invalid MariaDB/MySQL URL")?;
        let pool = MySqlPoolOptions::new()
            .max_connections(connections.max(1))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .test_before_acquire(false)
            .idle_timeout(Duration::from_secs(600))
            .after_connect(|connection, _| {
                Box::pin(async move {
                    // READ COMMITTED, as on PostgreSQL: a lock read takes no
                    // gap locks, so two first accounts of a new domain do
                    // not deadlock on the space their trigger creates.
                    connection
                        .execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
                        .await?;
                    // A too-long value is an error, never a silent cut.
                    connection
                        .execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES')")
                        .await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("cannot connect to {}", redact_url(url)))?;
        Ok(Self::Mysql { pool })
    }
}

/// Rebuilds the nonce table with [`NONCE_TABLE_BYTES`] when it has less (a
/// new table, or one a server restart rebuilt): a full table would refuse
/// every challenge.
pub(super) async fn size_nonce_table(pool: &MySqlPool) -> anyhow::Result<()> {
    let limit: Option<u64> = sqlx::query_scalar(
        "SELECT MAX_DATA_LENGTH FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'nonces'",
    )
    .fetch_optional(pool)
    .await
    .context("cannot read the nonce table's size")?
    .flatten();
    // MAX_DATA_LENGTH counts the rows alone, about half of the setting (the
    // B-tree indexes take the rest): 0.53 GB at 1 GiB, under 10 MB at the
    // default 16 MiB.
    if limit.is_some_and(|bytes| bytes >= NONCE_TABLE_BYTES / 4) {
        return Ok(());
    }
    // The session setting and the rebuild must share one connection.
    let mut connection = pool.acquire().await?;
    connection
        .execute(&*format!(
            "SET SESSION max_heap_table_size = {NONCE_TABLE_BYTES}"
        ))
        .await?;
    connection
        .execute("ALTER TABLE nonces ENGINE = MEMORY")
        .await
        .context("cannot resize the nonce table")?;
    tracing::info!(
        bytes = NONCE_TABLE_BYTES,
        previous = limit,
        "sized the MEMORY nonce table"
    );
    Ok(())
}
