//! Creating an account: its row, its passwords and, for an app's sign-up,
//! the creation token it spends, in one transaction under its space's lock.

use super::{is_unique_violation, text::Text, SqlStore};
use crate::{
    domain::model::Account,
    error::{CoreError, Result},
    rules::{
        accounts::store::{AccountStore, NewAccount},
        onboarding::signup,
        spaces,
    },
};

/// Placeholders are used once each and in order (MariaDB binds by
/// position): the username and domain are bound again for the check.
const INSERT_ACCOUNT: &str = "INSERT INTO accounts \
    (username, domain, activated, admin, blocked, email, display_name, dictionary, created_at, \
    updated_at, phone, pending) \
    SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS BOOLEAN), CAST($4 AS BOOLEAN), \
    CAST($5 AS BOOLEAN), CAST($6 AS TEXT), CAST($7 AS TEXT), CAST($8 AS TEXT), \
    CAST($9 AS BIGINT), CAST($10 AS BIGINT), CAST($11 AS TEXT), CAST($12 AS BOOLEAN) \
    WHERE NOT EXISTS (SELECT 1 FROM deleted_accounts WHERE username = $13 AND domain = $14)";
const ID_OF_ACCOUNT: &str = "SELECT id FROM accounts WHERE username = $1 AND domain = $2";
pub(super) const INSERT_PASSWORD: &str =
    "INSERT INTO passwords (account_id, password, algorithm) VALUES ($1, $2, $3)";

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
pub(super) use insert_credentials;

/// How a creation's transaction ended.
enum Inserted {
    Id(i64),
    /// The username was deleted from the domain: it stays taken.
    NameDeleted,
    SpaceFull,
    /// The space's realm is not the one the passwords were hashed with.
    RealmChanged,
    /// The creation token to spend was used meanwhile.
    TokenUsed,
}

/// Spends a creation token inside the account's transaction, then links it.
const SPEND_TOKEN: &str =
    "UPDATE onboarding_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL";
const LINK_TOKEN: &str = "UPDATE onboarding_tokens SET account_id = $1 WHERE id = $2";

/// The space's realm and limit, read under the lock its counter trigger
/// takes anyway (PostgreSQL): creations in one space queue on it, so the
/// limit holds under concurrent creations and a realm cannot change under
/// one. A domain without a space gets one from the trigger, with the
/// domain as its realm.
const SPACE_OF_NEW_ACCOUNT: &str =
    "SELECT realm, max_accounts, accounts_count FROM spaces WHERE domain = $1";

pub(super) fn taken(field: &'static str) -> CoreError {
    CoreError::AlreadyExists {
        field,
        message: "has already been taken".into(),
    }
}

impl SqlStore {
    /// [`AccountStore::create_account`].
    pub(super) async fn insert_account(&self, new: NewAccount<'_>) -> Result<Account> {
        let space_sql = format!("{SPACE_OF_NEW_ACCOUNT}{}", self.row_lock());
        let space_sql = self.sql(&space_sql);
        let (insert_sql, id_sql) = (self.sql(INSERT_ACCOUNT), self.sql(ID_OF_ACCOUNT));
        let password_sql = self.sql(INSERT_PASSWORD);
        let (spend_sql, link_sql) = (self.sql(SPEND_TOKEN), self.sql(LINK_TOKEN));
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
                if let Some(token) = new.spend_token {
                    let spent = sqlx::query(&spend_sql)
                        .bind(new.created_at)
                        .bind(token)
                        .execute(&mut *tx)
                        .await?;
                    if spent.rows_affected() == 0 {
                        return Ok(Inserted::TokenUsed);
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
                    .bind(new.profile.phone.as_ref().map(|p| p.as_str()))
                    .bind(new.pending)
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
                if let Some(token) = new.spend_token {
                    sqlx::query(&link_sql).bind(id).bind(token).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(Inserted::Id(id))
            }.await
        });
        let id = match inserted {
            Ok(Inserted::Id(id)) => id,
            Ok(Inserted::NameDeleted) => return Err(taken("username")),
            Ok(Inserted::SpaceFull) => return Err(CoreError::PermissionDenied(spaces::SPACE_FULL)),
            Ok(Inserted::TokenUsed) => {
                return Err(CoreError::invalid(
                    "account_creation_token",
                    signup::INVALID_CREATION_TOKEN,
                ))
            }
            Ok(Inserted::RealmChanged) => {
                return Err(CoreError::FailedPrecondition(
                    "The space's realm changed during the creation; retry",
                ))
            }
            Err(error) if is_unique_violation(&error) => {
                let phone = new.profile.phone.as_ref().map(|p| p.as_str());
                return Err(self
                    .which_is_taken(new.username, phone, new.domain.as_str(), 0)
                    .await?);
            }
            Err(error) => return Err(error.into()),
        };
        self.account_by_id(id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("account {id} vanished after its creation").into())
    }

    /// A unique violation on `accounts` is the username, the phone or the
    /// email: the first of them another account (than `except`) holds.
    pub(super) async fn which_is_taken(
        &self,
        username: &str,
        phone: Option<&str>,
        domain: &str,
        except: i64,
    ) -> Result<CoreError> {
        let holders = |column: &str| {
            let sql = format!(
                "SELECT COUNT(*) FROM accounts WHERE {column} = $1 AND domain = $2 AND id <> $3"
            );
            self.sql(&sql).into_owned()
        };
        let (username_sql, phone_sql) = (holders("username"), holders("phone"));
        let phone = phone.unwrap_or_default();
        let (by_name, by_phone): (i64, i64) = on_pool!(self, write, pool => {
            let by_name = sqlx::query_scalar(&username_sql)
                .bind(username).bind(domain).bind(except).fetch_one(pool).await?;
            let by_phone = sqlx::query_scalar(&phone_sql)
                .bind(phone).bind(domain).bind(except).fetch_one(pool).await?;
            (by_name, by_phone)
        });
        Ok(taken(match (by_name, by_phone) {
            (1.., _) => "username",
            (_, 1..) => "phone",
            _ => "email",
        }))
    }
}
