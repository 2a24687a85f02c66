//! One page of accounts and the total the paginator shows, at the same
//! cost at any number of accounts: pages by primary key (or `(domain, id)`),
//! the total from the spaces' trigger-kept counters, and a search as a
//! byte range of the username, email and phone indexes, counted over its matches.

use super::{
    account_rows::{AccountRow, COLUMNS},
    SqlStore,
};
use crate::{
    domain::{model::Account, Domain},
    error::Result,
    rules::accounts::store::AccountFilter,
};

impl SqlStore {
    pub(super) async fn page_of_accounts(
        &self,
        filter: AccountFilter<'_>,
    ) -> Result<(Vec<Account>, i64)> {
        let mut conditions = Vec::new();
        let mut next = 1;
        if filter.domain.is_some() {
            conditions.push(format!("a.domain = ${next}"));
            next += 1;
        }
        let range = filter.search.map(prefix_range);
        if range.is_some() {
            conditions.push(self.prefix_condition(next));
            next += 6;
        }
        let filtered = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let page_sql = format!(
            "SELECT {COLUMNS} FROM accounts a {filtered} ORDER BY a.id LIMIT ${next} OFFSET ${}",
            next + 1
        );
        // Without a search, the total is the spaces' counters (kept by
        // triggers): one row per domain, never a count of the accounts.
        let count_sql = match (&range, filter.domain) {
            (Some(_), _) => format!("SELECT COUNT(*) FROM accounts a {filtered}"),
            (None, Some(_)) => "SELECT CAST(COALESCE(SUM(accounts_count), 0) AS BIGINT) \
                                FROM spaces WHERE domain = $1"
                .to_owned(),
            (None, None) => {
                "SELECT CAST(COALESCE(SUM(accounts_count), 0) AS BIGINT) FROM spaces".to_owned()
            }
        };
        let (page_sql, count_sql) = (self.sql(&page_sql), self.sql(&count_sql));
        let domain = filter.domain.map(Domain::as_str);
        on_pool!(self, read, pool => {
            let mut page = sqlx::query_as::<_, AccountRow>(&page_sql);
            let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
            if let Some(domain) = domain {
                page = page.bind(domain);
                count = count.bind(domain);
            }
            if let Some((lo, hi)) = &range {
                for _ in 0..3 {
                    page = page.bind(lo.as_str()).bind(hi.as_str());
                    count = count.bind(lo.as_str()).bind(hi.as_str());
                }
            }
            let rows = page.bind(filter.limit).bind(filter.offset).fetch_all(pool).await?;
            let total = count.fetch_one(pool).await?;
            Ok((rows.into_iter().map(Account::from).collect(), total))
        })
    }

    /// `(a.username range) OR (a.email range) OR (a.phone range)`: a prefix as a byte range,
    /// which an index answers on every engine (PostgreSQL compares with
    /// `COLLATE "C"`, whatever the database's collation; SQLite and MariaDB
    /// columns compare bytes already). The bounds are bound thrice, for
    /// MariaDB's positional parameters.
    fn prefix_condition(&self, first: usize) -> String {
        let collate = match self {
            Self::Sqlite { .. } | Self::Mysql { .. } => "",
            Self::Postgres { .. } => " COLLATE \"C\"",
        };
        let range = |column: &str, at: usize| {
            format!(
                "(a.{column}{collate} >= ${at} AND a.{column}{collate} < ${})",
                at + 1
            )
        };
        format!(
            "({} OR {} OR {})",
            range("username", first),
            range("email", first + 2),
            range("phone", first + 4)
        )
    }
}

/// The byte range of strings starting with `prefix`.
fn prefix_range(prefix: &str) -> (String, String) {
    (prefix.to_owned(), format!("{prefix}{}", char::MAX))
}

#[cfg(test)]
mod tests {
    use super::prefix_range;

    #[test]
    fn a_prefix_is_the_byte_range_of_its_extensions() {
        let (lo, hi) = prefix_range("ali");
        for inside in ["ali", "alice", "ali~", "ali\u{10FFFE}"] {
            assert!(lo.as_str() <= inside && inside < hi.as_str(), "{inside}");
        }
        for outside in ["al", "alj", "bob", "Ali"] {
            assert!(
                !(lo.as_str() <= outside && outside < hi.as_str()),
                "{outside}"
            );
        }
    }
}
