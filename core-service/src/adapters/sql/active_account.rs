//! The read behind every Digest check: an activated (or pending) account, its passwords
//! and the account epoch, in one statement.

use super::{
    account_rows::{sorted_credentials, AccountRow, ActiveAccountRow, CredentialRow, FIELDS},
    SqlStore,
};
use crate::{
    domain::{
        model::{Account, ActiveAccount},
        Domain,
    },
    error::Result,
};

impl SqlStore {
    pub(super) async fn read_active_account(
        &self,
        username: &str,
        domain: &Domain,
    ) -> Result<Option<ActiveAccount>> {
        let sql = format!(
            "SELECT {FIELDS}, p.algorithm, p.password, (SELECT epoch FROM account_epoch) AS epoch \
             FROM accounts a LEFT JOIN passwords p ON p.account_id = a.id \
             WHERE a.username = $1 AND a.domain = $2 AND (a.activated = TRUE OR a.pending = TRUE)"
        );
        let sql = self.sql(&sql);
        let rows: Vec<ActiveAccountRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(username).bind(domain.as_str()).fetch_all(pool).await?
        });
        let mut found: Option<(AccountRow, i64)> = None;
        let mut credential_rows = Vec::new();
        for row in rows {
            if let (Some(algorithm), Some(password)) = (row.algorithm, row.password) {
                credential_rows.push(CredentialRow {
                    algorithm,
                    password,
                });
            }
            found.get_or_insert((row.account, row.epoch));
        }
        let Some((account, epoch)) = found else {
            return Ok(None);
        };
        let credentials = sorted_credentials(credential_rows)?;
        let mut account = Account::from(account);
        account.password_algorithms = credentials.iter().map(|c| c.algorithm).collect();
        Ok(Some(ActiveAccount {
            account,
            credentials,
            epoch,
        }))
    }
}
