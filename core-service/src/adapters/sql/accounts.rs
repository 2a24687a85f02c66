//! The account statements: create, find, list, change and delete accounts
//! and their passwords, and the joined read behind every Digest check.

use super::{
    account_rows::{sorted_credentials, AccountRow, CredentialRow, COLUMNS},
    is_unique_violation,
    text::Text,
    SqlStore,
};
use crate::{
    domain::{
        model::{Account, ActiveAccount, Credential},
        Domain,
    },
    error::{CoreError, Result},
    rules::{
        accounts::store::{AccountChanges, AccountFilter, AccountStore, NewAccount, Profile},
        spaces,
    },
};

/// Placeholders are used once each and in order (MariaDB binds by
/// position): the username and domain are bound again for the check.
const INSERT_ACCOUNT: &str = "INSERT INTO accounts \
    (username, domain, activated, admin, blocked, email, display_name, dictionary, created_at, updated_at) \
    SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS BOOLEAN), CAST($4 AS BOOLEAN), \
    CAST($5 AS BOOLEAN), CAST($6 AS TEXT), CAST($7 AS TEXT), CAST($8 AS TEXT), \
    CAST($9 AS BIGINT), CAST($10 AS BIGINT) \
    WHERE NOT EXISTS (SELECT 1 FROM deleted_accounts WHERE username = $11 AND domain = $12)";
const ID_OF_ACCOUNT: &str = "SELECT id FROM accounts WHERE username = $1 AND domain = $2";
/// The profile is written only when the flag before each field says so
/// (PUT replaces it, a state change keeps it); the other fields only when
/// given. (The flag is bound before each field: one use per placeholder.)
const UPDATE_ACCOUNT: &str = "UPDATE accounts SET \
    email = CASE WHEN $1 THEN $2 ELSE email END, \
    display_name = CASE WHEN $3 THEN $4 ELSE display_name END, \
    dictionary = CASE WHEN $5 THEN $6 ELSE dictionary END, \
    username = COALESCE($7, username), activated = COALESCE($8, activated), \
    blocked = COALESCE($9, blocked), admin = COALESCE($10, admin), updated_at = $11 \
    WHERE id = $12";
const INSERT_PASSWORD: &str =
    "INSERT INTO passwords (account_id, password, algorithm) VALUES ($1, $2, $3)";
const DELETE_PASSWORDS: &str = "DELETE FROM passwords WHERE account_id = $1";
const REMEMBER_USERNAME: &str = "INSERT INTO deleted_accounts (username, domain, deleted_at) \
    VALUES ($1, $2, $3) ON CONFLICT (username, domain) DO NOTHING";
const WAS_DELETED: &str =
    "SELECT COUNT(*) FROM deleted_accounts WHERE username = $1 AND domain = $2";

/// Inserts each credential of account `$id` in transaction `$tx` with
/// `$sql` (INSERT_PASSWORD in the backend's dialect), on whichever
/// backend's transaction it is.
macro_rules! insert_credentials {
    ($tx:ident, $sql:expr, $id:expr, $credentials:expr) => {
        for credential in $credentials {
            sqlx::query($sql)
                .bind($id)
                .bind(credential.ha1.expose())
                .bind(credential.algorithm.as_str())
                .execute(&mut *$tx)
                .await?;
        }
    };
}

/// How a creation's transaction ended.
enum Inserted {
    Id(i64),
    /// The username was deleted from the domain: it stays taken.
    NameDeleted,
    SpaceFull,
    /// The space's realm is not the one the passwords were hashed with.
    RealmChanged,
}

/// The space's realm and limit, read under the lock its counter trigger
/// takes anyway (PostgreSQL): creations in one space queue on it, so the
/// limit holds under concurrent creations and a realm cannot change under
/// one. A domain without a space gets one from the trigger, with the
/// domain as its realm.
const SPACE_OF_NEW_ACCOUNT: &str =
    "SELECT realm, max_accounts, accounts_count FROM spaces WHERE domain = $1";

/// How an update's transaction ended.
enum Written {
    Done,
    /// No account has this id.
    Missing,
    /// The new username was deleted from the domain: it stays taken.
    NameDeleted,
}

fn taken(field: &'static str) -> CoreError {
    CoreError::AlreadyExists {
        field,
        message: "has already been taken".into(),
    }
}

impl SqlStore {
    /// A unique violation on `accounts` is the username or the email: the
    /// username if an account (other than `except`) holds it.
    async fn which_is_taken(&self, username: &str, domain: &str, except: i64) -> Result<CoreError> {
        let sql = "SELECT COUNT(*) FROM accounts WHERE username = $1 AND domain = $2 AND id <> $3";
        let sql = self.sql(sql);
        let holders: i64 = on_pool!(self, write, pool => {
            sqlx::query_scalar(&sql).bind(username).bind(domain).bind(except).fetch_one(pool).await?
        });
        Ok(taken(if holders > 0 { "username" } else { "email" }))
    }

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
        let space_sql = format!("{SPACE_OF_NEW_ACCOUNT}{}", self.row_lock());
        let space_sql = self.sql(&space_sql);
        let (insert_sql, id_sql) = (self.sql(INSERT_ACCOUNT), self.sql(ID_OF_ACCOUNT));
        let password_sql = self.sql(INSERT_PASSWORD);
        let inserted: Result<Inserted, sqlx::Error> = on_pool!(self, write, pool => {
            async {
                let mut tx = pool.begin().await?;
                let space: Option<(Text, i64, i64)> = sqlx::query_as(&space_sql)
                    .bind(new.domain.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                let realm = space.as_ref().map_or(new.domain.as_str(), |(realm, ..)| &realm.0);
                if realm != new.realm {
                    return Ok(Inserted::RealmChanged);
                }
                if let Some((_, max, count)) = space {
                    if max > 0 && count >= max {
                        return Ok(Inserted::SpaceFull);
                    }
                }
                let inserted = sqlx::query(&insert_sql)
                    .bind(new.username)
                    .bind(new.domain.as_str())
                    .bind(new.activated)
                    .bind(new.admin)
                    .bind(new.blocked)
                    .bind(new.profile.email.as_ref().map(|e| e.as_str()))
                    .bind(new.profile.display_name.as_ref().map(|d| d.as_str()))
                    .bind(new.profile.dictionary.to_json())
                    .bind(new.created_at)
                    .bind(new.created_at)
                    .bind(new.username)
                    .bind(new.domain.as_str())
                    .execute(&mut *tx)
                    .await?;
                if inserted.rows_affected() == 0 {
                    return Ok(Inserted::NameDeleted);
                }
                // Not RETURNING: MySQL has none. The row is this
                // transaction's own, found by its unique key.
                let id: i64 = sqlx::query_scalar(&id_sql)
                    .bind(new.username)
                    .bind(new.domain.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                insert_credentials!(tx, &password_sql, id, &new.credentials);
                tx.commit().await?;
                Ok(Inserted::Id(id))
            }.await
        });
        let id = match inserted {
            Ok(Inserted::Id(id)) => id,
            Ok(Inserted::NameDeleted) => return Err(taken("username")),
            Ok(Inserted::SpaceFull) => return Err(CoreError::PermissionDenied(spaces::SPACE_FULL)),
            Ok(Inserted::RealmChanged) => {
                return Err(CoreError::FailedPrecondition(
                    "The space's realm changed during the creation; retry",
                ))
            }
            Err(error) if is_unique_violation(&error) => {
                return Err(self
                    .which_is_taken(new.username, new.domain.as_str(), 0)
                    .await?)
            }
            Err(error) => return Err(error.into()),
        };
        self.account_by_id(id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("account {id} vanished after its creation").into())
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
                    .bind(renamed)
                    .bind(changes.activated)
                    .bind(changes.blocked)
                    .bind(changes.admin)
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
                Err(self.which_is_taken(username, &domain, id).await?)
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
