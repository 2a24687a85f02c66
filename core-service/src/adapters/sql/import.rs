//! Bulk writes for `core-service import`: a batch of accounts with their
//! passwords in one transaction, a few statements per batch rather than a
//! few per account, so a million accounts import in about a minute. Each
//! account is written only if its address is free: an account already here
//! is left as it is, which makes a second import change nothing.

use std::collections::{BTreeMap, HashSet};

use super::{
    import_rows::{choose, Found, Imported, ImportedAccount},
    text::Text,
    SqlStore,
};
use crate::{
    domain::{model::Credential, Domain},
    error::Result,
};

const ACCOUNT_COLUMNS: usize = 11;

/// `($first, $first+1, …)` groups of `width` placeholders, `count` times.
fn placeholders(first: usize, width: usize, count: usize) -> String {
    (0..count)
        .map(|row| {
            let cells: Vec<String> = (0..width)
                .map(|cell| format!("${}", first + row * width + cell))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `$first, …` for an IN list of `count`.
fn list(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl SqlStore {
    /// A bulk statement as this backend binds it fastest: `?` on SQLite
    /// too, where sqlx looks each `$n` up by name and SQLite's lookup is
    /// linear (a profile of 1,000-row inserts spent 83% of the import's CPU
    /// in `sqlite3_bind_parameter_name`). The placeholders are in order.
    fn bulk(&self, sql: &str) -> String {
        match self {
            Self::Postgres { .. } => sql.to_owned(),
            Self::Sqlite { .. } | Self::Mysql { .. } => super::dialect::mysql(sql).into_owned(),
        }
    }

    /// Writes the accounts of `batch` whose address is free, with their
    /// passwords, in one transaction (rolled back when `dry_run`).
    pub async fn import_accounts(
        &self,
        batch: &[ImportedAccount],
        dry_run: bool,
    ) -> Result<Vec<Imported>> {
        let mut by_domain: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (index, account) in batch.iter().enumerate() {
            by_domain
                .entry(account.domain.as_str())
                .or_default()
                .push(index);
        }
        let mut outcomes = vec![Imported::AlreadyPresent; batch.len()];
        on_pool!(self, write, pool => {
            let mut tx = pool.begin().await?;
            for (domain, indexes) in &by_domain {
                let names: Vec<&str> = indexes.iter().map(|&i| batch[i].username.as_str()).collect();
                let find = |table: &str, column: &str, values: usize| {
                    self.bulk(&format!(
                        "SELECT {column} FROM {table} WHERE domain = $1 AND {column} IN ({})",
                        list(2, values)
                    ))
                };
                let taken_sql = find("accounts", "username", names.len());
                let deleted_sql = find("deleted_accounts", "username", names.len());
                let mut taken = sqlx::query_scalar::<_, Text>(&taken_sql).bind(*domain);
                let mut deleted = sqlx::query_scalar::<_, Text>(&deleted_sql).bind(*domain);
                for name in &names {
                    taken = taken.bind(*name);
                    deleted = deleted.bind(*name);
                }
                let taken: HashSet<String> =
                    taken.fetch_all(&mut *tx).await?.into_iter().map(String::from).collect();
                let deleted: HashSet<String> =
                    deleted.fetch_all(&mut *tx).await?.into_iter().map(String::from).collect();
                let emails: Vec<&str> =
                    indexes.iter().filter_map(|&i| batch[i].email.as_deref()).collect();
                let mut used_emails: HashSet<String> = HashSet::new();
                if !emails.is_empty() {
                    let emails_sql = find("accounts", "email", emails.len());
                    let mut query = sqlx::query_scalar::<_, Text>(&emails_sql).bind(*domain);
                    for email in &emails {
                        query = query.bind(*email);
                    }
                    used_emails = query.fetch_all(&mut *tx).await?.into_iter().map(String::from).collect();
                }
                let phones: Vec<&str> =
                    indexes.iter().filter_map(|&i| batch[i].phone.as_deref()).collect();
                let mut used_phones: HashSet<String> = HashSet::new();
                if !phones.is_empty() {
                    for column in ["phone", "username"] {
                        let phones_sql = find("accounts", column, phones.len());
                        let mut query = sqlx::query_scalar::<_, Text>(&phones_sql).bind(*domain);
                        for phone in &phones {
                            query = query.bind(*phone);
                        }
                        used_phones.extend(query.fetch_all(&mut *tx).await?.into_iter().map(String::from));
                    }
                }
                let found = Found { taken, deleted, used_emails, used_phones };
                let fresh = choose(batch, indexes, found, &mut outcomes);
                if fresh.is_empty() {
                    continue;
                }
                let insert_sql = self.bulk(&format!(
                    "INSERT INTO accounts (username, domain, activated, admin, blocked, email, \
                     display_name, dictionary, created_at, updated_at, phone) VALUES {}",
                    placeholders(1, ACCOUNT_COLUMNS, fresh.len())
                ));
                let mut insert = sqlx::query(&insert_sql);
                for chosen in &fresh {
                    let account = &batch[chosen.index];
                    insert = insert
                        .bind(account.username.as_str())
                        .bind(*domain)
                        .bind(account.activated)
                        .bind(account.admin)
                        .bind(account.blocked)
                        .bind(chosen.email)
                        .bind(account.display_name.as_deref())
                        .bind("{}")
                        .bind(account.created_at)
                        .bind(account.updated_at)
                        .bind(chosen.phone);
                }
                insert.execute(&mut *tx).await?;
                let ids_sql = self.bulk(&format!(
                    "SELECT id, username FROM accounts WHERE domain = $1 AND username IN ({})",
                    list(2, fresh.len())
                ));
                let mut ids = sqlx::query_as::<_, (i64, Text)>(&ids_sql).bind(*domain);
                for chosen in &fresh {
                    ids = ids.bind(batch[chosen.index].username.as_str());
                }
                let ids: BTreeMap<String, i64> = ids
                    .fetch_all(&mut *tx)
                    .await?
                    .into_iter()
                    .map(|(id, name)| (name.0, id))
                    .collect();
                let credentials: Vec<(i64, &Credential)> = fresh
                    .iter()
                    .flat_map(|chosen| {
                        let account = &batch[chosen.index];
                        let id = ids.get(&account.username).copied().unwrap_or_default();
                        account.credentials.iter().map(move |c| (id, c))
                    })
                    .collect();
                if credentials.is_empty() {
                    continue;
                }
                let passwords_sql = self.bulk(&format!(
                    "INSERT INTO passwords (account_id, password, algorithm) VALUES {}",
                    placeholders(1, 3, credentials.len())
                ));
                let mut passwords = sqlx::query(&passwords_sql);
                for (id, credential) in &credentials {
                    passwords = passwords
                        .bind(*id)
                        .bind(credential.ha1.expose())
                        .bind(credential.algorithm.as_str());
                }
                passwords.execute(&mut *tx).await?;
            }
            if dry_run {
                tx.rollback().await?;
            } else {
                tx.commit().await?;
            }
        }, postgres pg => {
            super::import_pg::accounts(pg, batch, &by_domain, &mut outcomes, dry_run).await?
        });
        Ok(outcomes)
    }

    /// Waits until every imported batch is on disk (PostgreSQL commits the
    /// batches without waiting; the others wait at each commit).
    pub async fn import_durable(&self) -> Result<()> {
        match self {
            Self::Postgres { pool, .. } => super::import_pg::durable(pool).await,
            Self::Sqlite { .. } | Self::Mysql { .. } => Ok(()),
        }
    }

    /// Remembers deleted usernames (FlexiAPI's tombstones); how many were new.
    pub async fn import_deleted_usernames(
        &self,
        rows: &[(String, Domain, i64)],
        dry_run: bool,
    ) -> Result<u64> {
        let sql = self.sql(
            "INSERT INTO deleted_accounts (username, domain, deleted_at) VALUES ($1, $2, $3) \
             ON CONFLICT (username, domain) DO NOTHING",
        );
        let count_sql =
            self.sql("SELECT COUNT(*) FROM deleted_accounts WHERE username = $1 AND domain = $2");
        let added = on_pool!(self, write, pool => {
            let mut tx = pool.begin().await?;
            let mut added = 0;
            for (username, domain, at) in rows {
                let known: i64 = sqlx::query_scalar(&count_sql)
                    .bind(username)
                    .bind(domain.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                if known > 0 {
                    continue;
                }
                sqlx::query(&sql)
                    .bind(username)
                    .bind(domain.as_str())
                    .bind(*at)
                    .execute(&mut *tx)
                    .await?;
                added += 1;
            }
            if dry_run {
                tx.rollback().await?;
            } else {
                tx.commit().await?;
            }
            added
        });
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::{list, placeholders};

    #[test]
    fn placeholders_number_rows_in_order() {
        assert_eq!(placeholders(1, 2, 2), "($1, $2), ($3, $4)");
        assert_eq!(list(2, 3), "$2, $3, $4");
    }
}
