//! The FlexiAPI database being read: MariaDB/MySQL or SQLite, its schema
//! told apart by its tables and columns, read in batches by primary key.
//! It is only ever read: SQLite opens read-only, MariaDB sessions are
//! `READ ONLY` transactions.

use std::{collections::HashSet, str::FromStr};

use anyhow::Context as _;
use sqlx::{
    mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions},
    sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions},
    Executor as _, FromRow,
};

use super::schema::{KeyColumns, Schema};
use crate::adapters::sql::redact_url;

/// A FlexiAPI database, by engine.
pub enum Source {
    Mysql(MySqlPool),
    Sqlite(SqlitePool),
}

/// Runs `$body` with `$pool` bound to the source's pool, whichever engine.
macro_rules! on_source {
    ($source:expr, $pool:ident => $body:expr) => {
        match $source {
            Source::Mysql($pool) => $body,
            Source::Sqlite($pool) => $body,
        }
    };
}

#[derive(FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub domain: String,
    pub email: Option<String>,
    pub activated: String,
    pub blocked: i64,
    pub admin: i64,
    pub display_name: Option<String>,
    pub phone: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(FromRow)]
pub struct PasswordRow {
    pub account_id: i64,
    pub password: String,
    pub algorithm: String,
}

#[derive(FromRow)]
pub struct SpaceRow {
    pub domain: String,
    pub name: String,
    pub is_super: i64,
    pub max_accounts: i64,
    pub realm: Option<String>,
    pub default_password_algorithm: Option<String>,
}

#[derive(FromRow)]
pub struct KeyRow {
    pub id: i64,
    pub key: String,
    pub name: Option<String>,
    pub expiry_minutes: Option<i64>,
    pub ip: Option<String>,
    pub created_at: i64,
    pub last_used_at: i64,
    pub username: String,
    pub domain: String,
}

#[derive(FromRow)]
pub struct TombstoneRow {
    pub id: i64,
    pub username: String,
    pub domain: String,
    pub created_at: i64,
}

impl Source {
    /// Opens `url` read-only: `mysql://…` / `mariadb://…`, or `sqlite://FILE`
    /// (or a bare path).
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let cannot = || format!("cannot open the FlexiAPI database {}", redact_url(url));
        if url.starts_with("mysql://") || url.starts_with("mariadb://") {
            let options = MySqlConnectOptions::from_str(url).with_context(cannot)?;
            let pool = MySqlPoolOptions::new()
                .max_connections(2)
                .after_connect(|connection, _| {
                    Box::pin(async move {
                        // The source is never written, whatever a bug would try.
                        connection
                            .execute("SET SESSION TRANSACTION READ ONLY")
                            .await?;
                        Ok(())
                    })
                })
                .connect_with(options)
                .await
                .with_context(cannot)?;
            return Ok(Self::Mysql(pool));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let path = path.split('?').next().unwrap_or(path);
        anyhow::ensure!(
            std::path::Path::new(path).is_file(),
            "--from: no FlexiAPI database at {} (give mysql://USER[:PASSWORD]@HOST/DB \
             or the path of its SQLite file)",
            redact_url(url)
        );
        Self::open_sqlite(path).await.with_context(cannot)
    }

    /// A SQLite file, read-only (also FlexiAPI 2020's `--local-db`).
    pub async fn open_sqlite(path: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::new().filename(path).read_only(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        Ok(Self::Sqlite(pool))
    }

    pub async fn close(&self) {
        on_source!(self, pool => pool.close().await)
    }

    /// An integer column as a signed 64-bit integer (FlexiAPI's ids are
    /// UNSIGNED, which sqlx reads as nothing else).
    fn int(&self, column: &str) -> String {
        match self {
            Self::Mysql(_) => format!("CAST({column} AS SIGNED)"),
            Self::Sqlite(_) => format!("CAST({column} AS INTEGER)"),
        }
    }

    fn text(&self, column: &str) -> String {
        match self {
            Self::Mysql(_) => format!("CAST({column} AS CHAR)"),
            Self::Sqlite(_) => format!("CAST({column} AS TEXT)"),
        }
    }

    /// A DATETIME/TIMESTAMP column as Unix seconds (UTC, Laravel's default
    /// time zone; sqlx sets the MariaDB session to UTC); 0 where unset.
    fn unix(&self, column: &str) -> String {
        match self {
            Self::Mysql(_) => format!("CAST(COALESCE(UNIX_TIMESTAMP({column}), 0) AS SIGNED)"),
            Self::Sqlite(_) => format!("CAST(COALESCE(strftime('%s', {column}), 0) AS INTEGER)"),
        }
    }

    pub async fn count_accounts(&self) -> anyhow::Result<i64> {
        let sql = format!("SELECT {} FROM accounts", self.int("COUNT(*)"));
        Ok(on_source!(self, pool => sqlx::query_scalar(&sql).fetch_one(pool).await?))
    }

    /// The source ids of the admins, from an `admins` table (FlexiAPI up to
    /// 1.4; in 2020 it sat in the SQLite file of `--local-db`).
    pub async fn admin_ids(&self) -> anyhow::Result<HashSet<i64>> {
        let sql = format!("SELECT {} FROM admins", self.int("account_id"));
        let ids: Vec<i64> =
            on_source!(self, pool => sqlx::query_scalar(&sql).fetch_all(pool).await?);
        Ok(ids.into_iter().collect())
    }

    /// Each domain's space, or a bare domain where no space table exists.
    pub async fn spaces(&self, schema: &Schema) -> anyhow::Result<Vec<SpaceRow>> {
        let sql = if schema.has_spaces {
            let realm = if schema.has_digest_configurations {
                "(SELECT c.realm FROM space_digest_authentication_configurations c \
                  WHERE c.space_id = s.id ORDER BY c.id LIMIT 1)"
            } else if schema.has_space_account_realm {
                "s.account_realm"
            } else {
                "NULL"
            };
            let algorithm = if schema.has_digest_configurations {
                "(SELECT c.default_password_algorithm FROM \
                  space_digest_authentication_configurations c \
                  WHERE c.space_id = s.id ORDER BY c.id LIMIT 1)"
            } else {
                "NULL"
            };
            let name = self.text(if schema.has_space_max_accounts {
                "s.name"
            } else {
                "s.domain"
            });
            let max = if schema.has_space_max_accounts {
                self.int("s.max_accounts")
            } else {
                "0".to_owned()
            };
            format!(
                "SELECT {} AS domain, {name} AS name, {} AS is_super, {max} AS max_accounts, \
                 {} AS realm, {} AS default_password_algorithm FROM spaces s \
                 UNION SELECT DISTINCT {} , {}, 0, 0, NULL, NULL FROM accounts a \
                 WHERE a.domain NOT IN (SELECT domain FROM spaces)",
                self.text("s.domain"),
                self.int("s.super"),
                self.text(realm),
                self.text(algorithm),
                self.text("a.domain"),
                self.text("a.domain"),
            )
        } else {
            format!(
                "SELECT DISTINCT {d} AS domain, {d} AS name, 0 AS is_super, 0 AS max_accounts, \
                 NULL AS realm, NULL AS default_password_algorithm FROM accounts a",
                d = self.text("a.domain")
            )
        };
        Ok(on_source!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await?))
    }

    /// The values of `columns` (as text; NULL is `None`) of `domain`'s row
    /// in `spaces`, in order; `None` when it has no row there.
    pub async fn space_columns(
        &self,
        domain: &str,
        columns: &[&str],
    ) -> anyhow::Result<Option<Vec<Option<String>>>> {
        if columns.is_empty() {
            return Ok(None);
        }
        let selected: Vec<String> = columns
            .iter()
            .map(|column| self.text(&format!("s.{column}")))
            .collect();
        let sql = format!(
            "SELECT {} FROM spaces s WHERE s.domain = ?",
            selected.join(", ")
        );
        let values = on_source!(self, pool => {
            let row = sqlx::query(&sql).bind(domain).fetch_optional(pool).await?;
            match row {
                Some(row) => Some(
                    (0..columns.len())
                        .map(|index| sqlx::Row::try_get::<Option<String>, _>(&row, index))
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                None => None,
            }
        });
        Ok(values)
    }

    /// Up to `limit` accounts after source id `after`, by id.
    pub async fn accounts(
        &self,
        schema: &Schema,
        after: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<AccountRow>> {
        let or = |present: bool, column: &str, absent: &str| {
            if present {
                column.to_owned()
            } else {
                absent.to_owned()
            }
        };
        let created = self.unix(&format!("a.{}", schema.created_column));
        let sql = format!(
            "SELECT {id} AS id, {username} AS username, {domain} AS domain, {email} AS email, \
             {activated} AS activated, {blocked} AS blocked, {admin} AS admin, \
             {display_name} AS display_name, {phone} AS phone, {created} AS created_at, \
             {updated} AS updated_at \
             FROM accounts a WHERE a.id > ? ORDER BY a.id LIMIT ?",
            id = self.int("a.id"),
            username = self.text("a.username"),
            domain = self.text("a.domain"),
            email = self.text("a.email"),
            activated = self.text("a.activated"),
            blocked = or(schema.has_blocked, &self.int("a.blocked"), "0"),
            admin = or(schema.has_admin_column, &self.int("a.admin"), "0"),
            display_name = or(
                schema.has_display_name,
                &self.text("a.display_name"),
                "NULL"
            ),
            phone = if schema.has_phone {
                self.text("a.phone")
            } else if schema.has_aliases {
                format!(
                    "(SELECT {} FROM aliases al WHERE al.account_id = a.id ORDER BY al.id LIMIT 1)",
                    self.text("al.alias")
                )
            } else {
                "NULL".to_owned()
            },
            updated = or(
                schema.has_updated_at,
                &format!(
                    "COALESCE(NULLIF({}, 0), {created})",
                    self.unix("a.updated_at")
                ),
                &created
            ),
        );
        Ok(on_source!(self, pool => {
            sqlx::query_as(&sql).bind(after).bind(limit).fetch_all(pool).await?
        }))
    }

    /// The password rows of the accounts with source ids in `first..=last`.
    pub async fn passwords(&self, first: i64, last: i64) -> anyhow::Result<Vec<PasswordRow>> {
        let sql = format!(
            "SELECT {} AS account_id, {} AS password, {} AS algorithm FROM passwords \
             WHERE account_id >= ? AND account_id <= ? ORDER BY id",
            self.int("account_id"),
            self.text("password"),
            self.text("algorithm"),
        );
        Ok(on_source!(self, pool => {
            sqlx::query_as(&sql).bind(first).bind(last).fetch_all(pool).await?
        }))
    }

    pub async fn api_keys(
        &self,
        columns: &KeyColumns,
        after: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<KeyRow>> {
        let or = |present: bool, column: String| if present { column } else { "NULL".into() };
        let last_used = if columns.last_used_at {
            self.unix("k.last_used_at")
        } else {
            "0".into()
        };
        let created = if columns.created_at {
            self.unix("k.created_at")
        } else {
            "0".into()
        };
        let sql = format!(
            "SELECT {} AS id, {} AS `key`, {} AS name, {} AS expiry_minutes, {} AS ip, \
             {created} AS created_at, {last_used} AS last_used_at, {} AS username, \
             {} AS domain FROM api_keys k JOIN accounts a ON a.id = k.account_id \
             WHERE k.id > ? ORDER BY k.id LIMIT ?",
            self.int("k.id"),
            self.text("k.`key`"),
            or(columns.name, self.text("k.name")),
            or(
                columns.expiry,
                self.int("k.expires_after_last_used_minutes")
            ),
            or(columns.ip, self.text("k.ip")),
            self.text("a.username"),
            self.text("a.domain"),
        );
        Ok(on_source!(self, pool => {
            sqlx::query_as(&sql).bind(after).bind(limit).fetch_all(pool).await?
        }))
    }

    pub async fn tombstones(&self, after: i64, limit: i64) -> anyhow::Result<Vec<TombstoneRow>> {
        let sql = format!(
            "SELECT {} AS id, {} AS username, {} AS domain, {} AS created_at \
             FROM accounts_tombstones WHERE id > ? ORDER BY id LIMIT ?",
            self.int("id"),
            self.text("username"),
            self.text("domain"),
            self.unix("created_at"),
        );
        Ok(on_source!(self, pool => {
            sqlx::query_as(&sql).bind(after).bind(limit).fetch_all(pool).await?
        }))
    }
}
