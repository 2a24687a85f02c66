//! The import's batch on PostgreSQL: the statements of `import`, with each
//! column bound as one array (`= ANY`, `unnest`) instead of a placeholder
//! per value. A 2,000-row VALUES list of 6,000 parameters took 51 ms to
//! parse, plan and run; an `unnest` of three arrays is planned once.
//! (Folding the checks into the insert as `NOT EXISTS` made it slower: 7.0
//! against 5.0 s for 100,000 accounts, the planner hashing whole tables.)

use std::collections::{BTreeMap, HashSet};

use sqlx::PgPool;

use super::import_rows::{choose, Found, Imported, ImportedAccount};
use crate::error::Result;

const TAKEN: &str = "SELECT username FROM accounts WHERE domain = $1 AND username = ANY($2)";
const DELETED: &str =
    "SELECT username FROM deleted_accounts WHERE domain = $1 AND username = ANY($2)";
const EMAILS: &str = "SELECT email FROM accounts WHERE domain = $1 AND email = ANY($2)";
/// A phone is taken by another account's phone or username.
const PHONES: &str = "SELECT phone FROM accounts WHERE domain = $1 AND phone = ANY($2) \
    UNION SELECT username FROM accounts WHERE domain = $1 AND username = ANY($2)";
const INSERT_ACCOUNTS: &str = "INSERT INTO accounts (username, domain, activated, admin, \
    blocked, email, display_name, dictionary, created_at, updated_at, phone) \
    SELECT u, $1, a, ad, b, e, d, '{}', c, up, p \
    FROM unnest($2::text[], $3::bool[], $4::bool[], $5::bool[], $6::text[], $7::text[], \
    $8::bigint[], $9::bigint[], $10::text[]) AS t(u, a, ad, b, e, d, c, up, p)";
const IDS: &str = "SELECT id, username FROM accounts WHERE domain = $1 AND username = ANY($2)";
const INSERT_PASSWORDS: &str = "INSERT INTO passwords (account_id, password, algorithm) \
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])";

pub(super) async fn accounts(
    pool: &PgPool,
    batch: &[ImportedAccount],
    by_domain: &BTreeMap<&str, Vec<usize>>,
    outcomes: &mut [Imported],
    dry_run: bool,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    // The account connections force custom plans (see `connect_postgres`),
    // which the foreign-key trigger of every password row then pays: its
    // lookup planned afresh, row by row (5.0 against 10.0 s for 100,000
    // accounts). This transaction plans as usual. Its commit does not wait
    // for the WAL flush (4.5 against 5.0 s): a crash may lose the last
    // batches, never half of one, and a second run copies them again;
    // `durable` ends the import with a commit that waits for all of them.
    sqlx::raw_sql("SET LOCAL plan_cache_mode = auto; SET LOCAL synchronous_commit = off")
        .execute(&mut *tx)
        .await?;
    for (domain, indexes) in by_domain {
        let names: Vec<String> = indexes.iter().map(|&i| batch[i].username.clone()).collect();
        let emails: Vec<String> = indexes
            .iter()
            .filter_map(|&i| batch[i].email.clone())
            .collect();
        let phones: Vec<String> = indexes
            .iter()
            .filter_map(|&i| batch[i].phone.clone())
            .collect();
        let select = |sql: &'static str, values: &[String]| {
            sqlx::query_scalar::<_, String>(sql)
                .bind(*domain)
                .bind(values.to_vec())
        };
        let found = Found {
            taken: to_set(select(TAKEN, &names).fetch_all(&mut *tx).await?),
            deleted: to_set(select(DELETED, &names).fetch_all(&mut *tx).await?),
            used_emails: to_set(select(EMAILS, &emails).fetch_all(&mut *tx).await?),
            used_phones: to_set(select(PHONES, &phones).fetch_all(&mut *tx).await?),
        };
        let fresh = choose(batch, indexes, found, outcomes);
        if fresh.is_empty() {
            continue;
        }
        let flag = |f: &dyn Fn(&ImportedAccount) -> bool| -> Vec<bool> {
            fresh.iter().map(|c| f(&batch[c.index])).collect()
        };
        let time = |f: &dyn Fn(&ImportedAccount) -> i64| -> Vec<i64> {
            fresh.iter().map(|c| f(&batch[c.index])).collect()
        };
        let usernames: Vec<&str> = fresh
            .iter()
            .map(|c| batch[c.index].username.as_str())
            .collect();
        sqlx::query(INSERT_ACCOUNTS)
            .bind(*domain)
            .bind(&usernames)
            .bind(flag(&|a| a.activated))
            .bind(flag(&|a| a.admin))
            .bind(flag(&|a| a.blocked))
            .bind(fresh.iter().map(|c| c.email).collect::<Vec<_>>())
            .bind(
                fresh
                    .iter()
                    .map(|c| batch[c.index].display_name.as_deref())
                    .collect::<Vec<_>>(),
            )
            .bind(time(&|a| a.created_at))
            .bind(time(&|a| a.updated_at))
            .bind(fresh.iter().map(|c| c.phone).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await?;
        let ids: BTreeMap<String, i64> = sqlx::query_as::<_, (i64, String)>(IDS)
            .bind(*domain)
            .bind(&usernames)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|(id, name)| (name, id))
            .collect();
        let (mut owners, mut ha1s, mut algorithms) = (Vec::new(), Vec::new(), Vec::new());
        for chosen in &fresh {
            let account = &batch[chosen.index];
            let Some(&id) = ids.get(&account.username) else {
                continue;
            };
            for credential in &account.credentials {
                owners.push(id);
                ha1s.push(credential.ha1.expose());
                algorithms.push(credential.algorithm.as_str());
            }
        }
        if owners.is_empty() {
            continue;
        }
        sqlx::query(INSERT_PASSWORDS)
            .bind(owners)
            .bind(ha1s)
            .bind(algorithms)
            .execute(&mut *tx)
            .await?;
    }
    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(())
}

/// Returns once every batch committed before is on disk: a synchronous
/// commit flushes the WAL up to itself. It writes nothing that changes
/// (the epoch keeps its value), so a second import still changes nothing.
pub(super) async fn durable(pool: &PgPool) -> Result<()> {
    sqlx::query("UPDATE account_epoch SET epoch = epoch")
        .execute(pool)
        .await?;
    Ok(())
}

fn to_set(values: Vec<String>) -> HashSet<String> {
    values.into_iter().collect()
}
