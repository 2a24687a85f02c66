//! The account statements: create, find, list, change and delete accounts
//! and their passwords, and the joined read behind every Digest check.

use super::{
    account_create::{insert_credentials, taken, INSERT_PASSWORD},
    account_rows::{sorted_credentials, AccountRow, CredentialRow, COLUMNS},
    is_unique_violation,
    sessions::{BLOCK_SESSIONS, END_SESSIONS},
    text::Text,
    SqlStore,
};
use crate::{
    domain::{
        model::{Account, ActiveAccount, Credential},
        Domain,
    },
    error::Result,
    rules::accounts::store::{AccountChanges, AccountFilter, AccountStore, NewAccount, Profile},
};

/// The profile is written only when the flag before each field says so
/// (PUT replaces it, a state change keeps it); the other fields only when
/// given. (The flag is bound before each field: one use per placeholder.)
const UPDATE_ACCOUNT: &str = "UPDATE accounts SET \
    email = CASE WHEN $1 THEN $2 ELSE email END, \
    display_name = CASE WHEN $3 THEN $4 ELSE display_name END, \
    dictionary = CASE WHEN $5 THEN $6 ELSE dictionary END, \
    phone = CASE WHEN $7 THEN $8 ELSE phone END, \
    username = COALESCE($9, username), activated = COALESCE($10, activated), \
    blocked = COALESCE($11, blocked), admin = COALESCE($12, admin), \
    pending = COALESCE($13, pending), updated_at = $14 \
    WHERE id = $15";
const DELETE_PASSWORDS: &str = "DELETE FROM passwords WHERE account_id = $1";
const REMEMBER_USERNAME: &str = "INSERT INTO deleted_accounts (username, domain, deleted_at) \
    VALUES ($1, $2, $3) ON CONFLICT (username, domain) DO NOTHING";
const WAS_DELETED: &str =
    "SELECT COUNT(*) FROM deleted_accounts WHERE username = $1 AND domain = $2";

/// How an update's transaction ended.
enum Written {
    Done,
    /// No account has this id.
    Missing,
    /// The new username was deleted from the domain: it stays taken.
    NameDeleted,
}

impl SqlStore {
    /// ` FOR UPDATE` where the backend locks rows (PostgreSQL, MariaDB);
    /// SQLite's one writer connection already serializes writes.
    pub(super) fn row_lock(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "",
            Self::Postgres { .. } | Self::Mysql { .. } => " FOR UPDATE",
        }
    }
}

impl AccountStore for SqlStore {
    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn create_account(&self, new: NewAccount<'_>) -> Result<Account> {
        self.insert_account(new).await
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn account_by_id(&self, id: i64) -> Result<Option<Account>> {
        let sql = format!("SELECT {COLUMNS} FROM accounts a WHERE a.id = $1");
        let sql = self.sql(&sql);
        let row: Option<AccountRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?
        });
        Ok(row.map(Account::from))
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn account_by_address(&self, username: &str, domain: &Domain) -> Result<Option<Account>> {
        let sql =
            format!("SELECT {COLUMNS} FROM accounts a WHERE a.username = $1 AND a.domain = $2");
        let sql = self.sql(&sql);
        let row: Option<AccountRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(username).bind(domain.as_str()).fetch_optional(pool).await?
        });
        Ok(row.map(Account::from))
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn account_by_phone(&self, phone: &str, domain: &Domain) -> Result<Option<Account>> {
        let sql = format!("SELECT {COLUMNS} FROM accounts a WHERE a.phone = $1 AND a.domain = $2");
        let sql = self.sql(&sql);
        let row: Option<AccountRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(phone).bind(domain.as_str()).fetch_optional(pool).await?
        });
        Ok(row.map(Account::from))
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn accounts_by_email(&self, email: &str) -> Result<Vec<Account>> {
        let sql = format!("SELECT {COLUMNS} FROM accounts a WHERE a.email = $1 ORDER BY a.id");
        let sql = self.sql(&sql);
        let rows: Vec<AccountRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(email).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Account::from).collect())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn list_accounts(&self, filter: AccountFilter<'_>) -> Result<(Vec<Account>, i64)> {
        self.page_of_accounts(filter).await
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn update_account(&self, id: i64, changes: AccountChanges) -> Result<Option<Account>> {
        let profile = changes.profile.as_ref();
        let empty = Profile::default();
        let written_profile = profile.unwrap_or(&empty);
        // The account as the transaction sees it (locked on PostgreSQL), so
        // a concurrent rename cannot make it remember the wrong old name.
        let current_sql = format!(
            "SELECT username, domain FROM accounts WHERE id = $1{}",
            self.row_lock()
        );
        let current_sql = self.sql(&current_sql);
        let (deleted_sql, update_sql) = (self.sql(WAS_DELETED), self.sql(UPDATE_ACCOUNT));
        let (remember_sql, forget_sql) = (self.sql(REMEMBER_USERNAME), self.sql(DELETE_PASSWORDS));
        let password_sql = self.sql(INSERT_PASSWORD);
        let (end_sessions_sql, block_sessions_sql) =
            (self.sql(END_SESSIONS), self.sql(BLOCK_SESSIONS));
        let mut current: Option<(String, String)> = None;
        let written: Result<Written, sqlx::Error> = on_pool!(self, write, pool => {
            async {
                let mut tx = pool.begin().await?;
                let Some((username, domain)) = sqlx::query_as::<_, (Text, Text)>(&current_sql)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?
                else {
                    return Ok(Written::Missing);
                };
                let (username, domain) = &*current.insert((username.0, domain.0));
                let renamed = changes.username.as_deref().filter(|name| name != username);
                if let Some(name) = renamed {
                    let deleted: i64 = sqlx::query_scalar(&deleted_sql)
                        .bind(name)
                        .bind(domain)
                        .fetch_one(&mut *tx)
                        .await?;
                    if deleted > 0 {
                        return Ok(Written::NameDeleted);
                    }
                }
                sqlx::query(&update_sql)
                    .bind(profile.is_some())
                    .bind(written_profile.email.as_ref().map(|e| e.as_str()))
                    .bind(profile.is_some())
                    .bind(written_profile.display_name.as_ref().map(|d| d.as_str()))
                    .bind(profile.is_some())
                    .bind(written_profile.dictionary.to_json())
                    .bind(profile.is_some())
                    .bind(written_profile.phone.as_ref().map(|p| p.as_str()))
                    .bind(renamed)
                    .bind(changes.activated)
                    .bind(changes.blocked)
                    .bind(changes.admin)
                    .bind(changes.pending)
                    .bind(changes.updated_at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if renamed.is_some() {
                    // The old address stays an identity others know.
                    sqlx::query(&remember_sql)
                        .bind(username)
                        .bind(domain)
                        .bind(changes.updated_at)
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some(credentials) = &changes.credentials {
                    sqlx::query(&forget_sql).bind(id).execute(&mut *tx).await?;
                    insert_credentials!(tx, &password_sql, id, credentials);
                }
                // The account's panel sessions end with the change that
                // withdraws its access (rules::sessions), in its transaction.
                let ended = changes.activated == Some(false) || changes.credentials.is_some();
                if ended {
                    // A deactivation keeps no session, a password change its own.
                    let kept = match changes.activated {
                        Some(false) => "",
                        _ => changes.keep_session.as_deref().unwrap_or(""),
                    };
                    sqlx::query(&end_sessions_sql)
                        .bind(id)
                        .bind(kept)
                        .execute(&mut *tx)
                        .await?;
                }
                if changes.blocked == Some(true) {
                    sqlx::query(&block_sessions_sql).bind(id).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(Written::Done)
            }.await
        });
        match written {
            Ok(Written::Done) => self.account_by_id(id).await,
            Ok(Written::Missing) => Ok(None),
            Ok(Written::NameDeleted) => Err(taken("username")),
            Err(error) if is_unique_violation(&error) => {
                let (username, domain) = current.unwrap_or_default();
                let username = changes.username.as_deref().unwrap_or(&username);
                let phone = written_profile.phone.as_ref().map(|p| p.as_str());
                Err(self.which_is_taken(username, phone, &domain, id).await?)
            }
            Err(error) => Err(error.into()),
        }
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn delete_account(&self, id: i64, now: i64) -> Result<bool> {
        // Passwords, devices and keys (and nonces on PostgreSQL) go by
        // ON DELETE CASCADE, in the same transaction. The address is read
        // (and locked) first: MySQL has no DELETE … RETURNING.
        let find_sql = format!(
            "SELECT username, domain FROM accounts WHERE id = $1{}",
            self.row_lock()
        );
        let find_sql = self.sql(&find_sql);
        let delete_sql = self.sql("DELETE FROM accounts WHERE id = $1");
        let remember_sql = self.sql(REMEMBER_USERNAME);
        let deleted: bool = on_pool!(self, write, pool => {
            let mut tx = pool.begin().await?;
            let gone: Option<(Text, Text)> =
                sqlx::query_as(&find_sql).bind(id).fetch_optional(&mut *tx).await?;
            if let Some((username, domain)) = &gone {
                sqlx::query(&delete_sql).bind(id).execute(&mut *tx).await?;
                sqlx::query(&remember_sql)
                    .bind(&username.0)
                    .bind(&domain.0)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            gone.is_some()
        });
        if deleted {
            match self {
                // The nonce file (SQLite) and the MEMORY table (MariaDB) have
                // no foreign key to accounts. Were this to fail, the nonces
                // left could not be used (their account is gone, and ids are
                // never reused) and expire by the TTL.
                Self::Sqlite { nonces, .. } => nonces.delete_of_account(id)?,
                Self::Mysql { pool } => sqlx::query("DELETE FROM nonces WHERE account_id = ?")
                    .bind(id)
                    .execute(pool)
                    .await
                    .map(drop)?,
                Self::Postgres { .. } => {}
            }
        }
        Ok(deleted)
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn credentials(&self, account_id: i64) -> Result<Vec<Credential>> {
        let sql = self.sql("SELECT algorithm, password FROM passwords WHERE account_id = $1");
        let rows: Vec<CredentialRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(account_id).fetch_all(pool).await?
        });
        sorted_credentials(rows)
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
        self.read_active_account(username, domain).await
    }
}
