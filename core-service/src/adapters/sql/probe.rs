//! What a database holds, asked without writing anything, not even a
//! missing SQLite file: a dry run's first question, before anything is
//! opened for writing.

use std::{path::Path, str::FromStr};

use anyhow::Context as _;
use sqlx::{
    mysql::MySqlConnectOptions, postgres::PgConnectOptions, sqlite::SqliteConnectOptions,
    ConnectOptions as _, Connection as _,
};

use super::{redact_url, unsupported_url, SqlStore};

/// The table whose presence says the migrations ran (every backend has it).
const MARKER: &str = "accounts";

impl SqlStore {
    /// Whether the database at `url` holds this project's tables. A SQLite
    /// file that does not exist holds none and is not created; one that
    /// exists is opened read-only.
    pub async fn has_tables(url: &str) -> anyhow::Result<bool> {
        let cannot_open = || format!("cannot open {}", redact_url(url));
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url).context("invalid SQLite URL")?;
            if !Path::new(options.get_filename()).exists() {
                return Ok(false);
            }
            let mut connection = options
                .read_only(true)
                .create_if_missing(false)
                .connect()
                .await
                .with_context(cannot_open)?;
            let found: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
            )
            .bind(MARKER)
            .fetch_one(&mut connection)
            .await?;
            connection.close().await?;
            Ok(found > 0)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).context("invalid PostgreSQL URL")?;
            let mut connection = options.connect().await.with_context(cannot_open)?;
            // Through the search path, as the store's own statements find it.
            let found: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
                .bind(MARKER)
                .fetch_one(&mut connection)
                .await?;
            connection.close().await?;
            Ok(found)
        } else if url.starts_with("mysql://") || url.starts_with("mariadb://") {
            let options =
                MySqlConnectOptions::from_str(url).context("invalid MariaDB/MySQL URL")?;
            let mut connection = options.connect().await.with_context(cannot_open)?;
            let found: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
            )
            .bind(MARKER)
            .fetch_one(&mut connection)
            .await?;
            connection.close().await?;
            Ok(found > 0)
        } else {
            Err(unsupported_url(url))
        }
    }
}
