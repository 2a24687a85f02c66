//! The two nonce statements every Digest exchange runs on PostgreSQL
//! (issue, accept), grouped ([`super::grouped`]): concurrent callers share
//! one statement, an `unnest` of arrays.
//!
//! On a busy core the database's cost is per statement (a wake-up, a parse
//! of the message, an executor start, a reply), not per row: a profile of
//! one UPDATE per check showed PostgreSQL spending 110-160 µs of CPU per
//! check, the core 70 µs in the driver. PostgreSQL re-checks each row's
//! conditions on the locked row after a concurrent update.

use std::collections::{HashMap, HashSet};

use sqlx::PgPool;

use super::{
    grouped::{Accept, Grouped},
    nonce_sql,
};
use crate::{
    error::Result,
    rules::auth::{
        nonces::{NonceRecord, UNANSWERED_PER_ACCOUNT},
        store::NonceUse,
    },
};

#[derive(Clone, Debug)]
pub struct PgNonces {
    inserts: Grouped<Insert>,
    accepts: Grouped<Accept>,
}

#[derive(Debug)]
struct Insert {
    record: NonceRecord,
    epoch: i64,
}

impl PgNonces {
    /// Starts the dispatchers; each runs up to `in_flight` statements at once.
    pub fn start(pool: PgPool, in_flight: usize) -> Self {
        let for_inserts = pool.clone();
        Self {
            inserts: Grouped::start(in_flight, move |rows| {
                run_inserts(for_inserts.clone(), rows)
            }),
            accepts: Grouped::start(in_flight, move |rows| run_accepts(pool.clone(), rows)),
        }
    }

    pub async fn insert(&self, record: &NonceRecord, epoch: i64) -> Result<bool> {
        let row = Insert {
            record: record.clone(),
            epoch,
        };
        self.inserts.submit(row).await
    }

    pub async fn accept(&self, used: &NonceUse<'_>) -> Result<bool> {
        self.accepts.submit(Accept::from(used)).await
    }
}

/// Each row's statement also tells how many unanswered nonces its account
/// held before it (a keyed count over a few index entries), so the eviction
/// past [`UNANSWERED_PER_ACCOUNT`] runs only for an account over the cap:
/// a flood, not an ordinary challenge.
async fn run_inserts(pool: PgPool, rows: Vec<Insert>) -> Result<Vec<bool>> {
    let inserted: HashMap<String, (i64, i64)> = if let [row] = rows.as_slice() {
        sqlx::query_as::<_, (String, i64, i64)>(INSERT_ONE)
            .bind(&row.record.nonce)
            .bind(&row.record.opaque)
            .bind(row.record.account_id)
            .bind(row.record.nc)
            .bind(row.record.expires_at)
            .bind(row.epoch)
            .fetch_optional(&pool)
            .await?
            .into_iter()
            .map(|(nonce, account_id, held)| (nonce, (account_id, held)))
            .collect()
    } else {
        let column = |f: fn(&Insert) -> i64| rows.iter().map(f).collect::<Vec<_>>();
        sqlx::query_as::<_, (String, i64, i64)>(INSERT_MANY)
            .bind(
                rows.iter()
                    .map(|r| r.record.nonce.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(
                rows.iter()
                    .map(|r| r.record.opaque.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(column(|r| r.record.account_id))
            .bind(column(|r| r.record.nc))
            .bind(column(|r| r.record.expires_at))
            .bind(column(|r| r.epoch))
            .fetch_all(&pool)
            .await?
            .into_iter()
            .map(|(nonce, account_id, held)| (nonce, (account_id, held)))
            .collect()
    };
    // The newest row of each account over the cap is kept whole; the
    // statements are as many as such accounts, which only a flood makes.
    let held = inserted.values().copied();
    for account_id in accounts_over_cap(held) {
        let Some(newest) = rows
            .iter()
            .rev()
            .find(|r| r.record.account_id == account_id && inserted.contains_key(&r.record.nonce))
        else {
            continue;
        };
        sqlx::query(nonce_sql::EVICT)
            .bind(account_id)
            .bind(&newest.record.nonce)
            .bind(UNANSWERED_PER_ACCOUNT - 1)
            .execute(&pool)
            .await?;
    }
    Ok(rows
        .iter()
        .map(|r| inserted.contains_key(&r.record.nonce))
        .collect())
}

/// The accounts whose unanswered nonces, those held before plus those just
/// inserted, pass the cap. `inserted`: (account, held before) per new row.
fn accounts_over_cap(inserted: impl Iterator<Item = (i64, i64)>) -> Vec<i64> {
    let mut totals: HashMap<i64, i64> = HashMap::new();
    for (account_id, held) in inserted {
        *totals.entry(account_id).or_insert(held) += 1;
    }
    let mut over: Vec<i64> = totals
        .into_iter()
        .filter(|(_, total)| *total > UNANSWERED_PER_ACCOUNT)
        .map(|(account_id, _)| account_id)
        .collect();
    over.sort_unstable();
    over
}

// RETURNING's subquery sees the table as it was before the statement.
const INSERT_ONE: &str = "INSERT INTO nonces (nonce, opaque, account_id, nc, expires_at) \
    SELECT $1::text, $2::text, $3::bigint, $4::bigint, $5::bigint \
    FROM account_epoch WHERE epoch = $6 \
    RETURNING nonce, account_id, \
      (SELECT count(*) FROM nonces AS held WHERE held.account_id = $3 AND held.nc = 0)";

const INSERT_MANY: &str = "INSERT INTO nonces (nonce, opaque, account_id, nc, expires_at) \
    SELECT v.nonce, v.opaque, v.account_id, v.nc, v.expires_at \
    FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[]) \
      AS v(nonce, opaque, account_id, nc, expires_at, epoch) \
    WHERE v.epoch = (SELECT epoch FROM account_epoch) \
    RETURNING nonce, account_id, (SELECT count(*) FROM nonces AS held \
      WHERE held.account_id = nonces.account_id AND held.nc = 0)";

async fn run_accepts(pool: PgPool, rows: Vec<Accept>) -> Result<Vec<bool>> {
    if let [row] = rows.as_slice() {
        let accepted = sqlx::query(nonce_sql::ACCEPT)
            .bind(&row.nonce)
            .bind(row.account_id)
            .bind(&row.opaque)
            .bind(row.nc)
            .bind(row.now)
            .bind(row.epoch)
            .execute(&pool)
            .await?
            .rows_affected();
        return Ok(vec![accepted == 1]);
    }
    // Only the primary key may drive the lookup (see nonce_sql::ACCEPT),
    // whichever side of the join the planner puts nonces on.
    // Two rows may name one nonce (a retry, a replay): only the first goes
    // into the statement, so each nonce is updated by at most one row; the
    // others are refused here and judged again on a fresh read, as after
    // losing a race.
    let mut seen = HashSet::new();
    let first: Vec<bool> = rows.iter().map(|r| seen.insert(r.nonce.as_str())).collect();
    let batch: Vec<&Accept> = rows
        .iter()
        .zip(&first)
        .filter(|(_, f)| **f)
        .map(|(r, _)| r)
        .collect();
    let column = |f: fn(&Accept) -> i64| batch.iter().map(|r| f(r)).collect::<Vec<_>>();
    let accepted: HashSet<String> = sqlx::query_scalar(
        "UPDATE nonces AS n SET nc = v.nc \
         FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[]) \
           AS v(nonce, account_id, opaque, nc, now, epoch) \
         WHERE n.nonce = ANY($1) AND n.nonce = v.nonce AND n.account_id + 0 = v.account_id \
           AND n.opaque = v.opaque AND n.nc < v.nc AND n.expires_at + 0 > v.now \
           AND v.epoch = (SELECT epoch FROM account_epoch) \
         RETURNING n.nonce",
    )
    .bind(batch.iter().map(|r| r.nonce.as_str()).collect::<Vec<_>>())
    .bind(column(|r| r.account_id))
    .bind(batch.iter().map(|r| r.opaque.as_str()).collect::<Vec<_>>())
    .bind(column(|r| r.nc))
    .bind(column(|r| r.now))
    .bind(column(|r| r.epoch))
    .fetch_all(&pool)
    .await?
    .into_iter()
    .collect();
    Ok(rows
        .iter()
        .zip(first)
        .map(|(r, first)| first && accepted.contains(&r.nonce))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::accounts_over_cap;

    #[test]
    fn only_accounts_past_the_cap_with_this_batch_are_evicted() {
        // Account 1 held 31 and gains 1 (32: at the cap); account 2 held 31
        // and gains 2; account 3 held 40 (a race left it over) and gains 1.
        let inserted = [(1, 31), (2, 31), (2, 31), (3, 40), (4, 0)];
        assert_eq!(accounts_over_cap(inserted.into_iter()), [2, 3]);
        assert!(accounts_over_cap(std::iter::empty()).is_empty());
    }
}
