//! The call forwarding statements. A write runs in one transaction under
//! the account's row lock (PostgreSQL, MariaDB; SQLite has one writer), so
//! the type uniqueness and the `always` exclusivity are decided on what is
//! stored when the write lands.

use sqlx::FromRow;

use super::{text::Text, SqlStore};
use crate::{
    error::{CoreError, Result},
    rules::call_forwardings::{
        store::{CallForwardingStore, ForwardingWrite, StoredForwarding, WriteRefusal},
        ForwardTo, ForwardType,
    },
};

const LIST: &str = "SELECT f.id, f.type, f.forward_to, f.sip_uri, f.contact_id, \
    c.username AS contact_username, c.domain AS contact_domain, f.enabled, f.created_at, \
    f.updated_at FROM call_forwardings f LEFT JOIN accounts c ON c.id = f.contact_id \
    WHERE f.account_id = $1 ORDER BY f.id DESC";

#[derive(FromRow)]
struct ForwardingRow {
    id: i64,
    #[sqlx(rename = "type")]
    kind: Text,
    forward_to: Text,
    sip_uri: Option<Text>,
    contact_id: Option<i64>,
    contact_username: Option<Text>,
    contact_domain: Option<Text>,
    enabled: bool,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<ForwardingRow> for StoredForwarding {
    type Error = CoreError;

    fn try_from(row: ForwardingRow) -> Result<Self> {
        let broken = |column: &str, value: &str| {
            anyhow::anyhow!("call_forwardings.{column} of {} holds {value:?}", row.id)
        };
        let kind = ForwardType::parse(&row.kind.0).ok_or_else(|| broken("type", &row.kind.0))?;
        let forward_to = ForwardTo::parse(&row.forward_to.0)
            .ok_or_else(|| broken("forward_to", &row.forward_to.0))?;
        let contact_sip_uri = match (row.contact_username, row.contact_domain) {
            (Some(user), Some(domain)) => Some(format!("sip:{}@{}", user.0, domain.0)),
            _ => None,
        };
        Ok(Self {
            id: row.id,
            kind,
            forward_to,
            sip_uri: row.sip_uri.map(|t| t.0),
            contact_id: row.contact_id,
            contact_sip_uri,
            enabled: row.enabled,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// What the account's other forwardings say of a write.
fn refusal(write: &ForwardingWrite, others: &[(i64, String, bool)]) -> Option<WriteRefusal> {
    if others
        .iter()
        .any(|(_, kind, _)| kind == write.kind.as_str())
    {
        return Some(WriteRefusal::TypeTaken);
    }
    let always = ForwardType::Always.as_str();
    let clash = others.iter().any(|(_, kind, enabled)| {
        *enabled && ((write.kind == ForwardType::Always) != (kind == always))
    });
    (write.enabled && clash).then_some(WriteRefusal::Exclusive)
}

impl CallForwardingStore for SqlStore {
    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn call_forwardings(&self, account_id: i64) -> Result<Vec<StoredForwarding>> {
        let sql = self.sql(LIST);
        let rows: Vec<ForwardingRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(account_id).fetch_all(pool).await?
        });
        rows.into_iter().map(StoredForwarding::try_from).collect()
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn write_call_forwarding(
        &self,
        write: ForwardingWrite,
    ) -> Result<std::result::Result<i64, WriteRefusal>> {
        let lock = format!("SELECT id FROM accounts WHERE id = $1{}", self.row_lock());
        let others_sql = "SELECT id, type, enabled FROM call_forwardings WHERE account_id = $1";
        let insert = "INSERT INTO call_forwardings (account_id, type, forward_to, sip_uri, \
            contact_id, enabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        let update = "UPDATE call_forwardings SET type = $1, forward_to = $2, sip_uri = $3, \
            contact_id = $4, enabled = $5, updated_at = $6 WHERE id = $7 AND account_id = $8";
        let id_of = "SELECT id FROM call_forwardings WHERE account_id = $1 AND type = $2";
        let (lock, others_sql, insert, update, id_of) = (
            self.sql(&lock),
            self.sql(others_sql),
            self.sql(insert),
            self.sql(update),
            self.sql(id_of),
        );
        let written = on_pool!(self, write, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(&lock).bind(write.account_id).execute(&mut *tx).await?;
            let rows: Vec<(i64, Text, bool)> = sqlx::query_as(&others_sql)
                .bind(write.account_id)
                .fetch_all(&mut *tx)
                .await?;
            let exists = write.id.is_none_or(|id| rows.iter().any(|(other, _, _)| *other == id));
            let others: Vec<(i64, String, bool)> = rows
                .into_iter()
                .filter(|(other, _, _)| Some(*other) != write.id)
                .map(|(other, kind, enabled)| (other, kind.0, enabled))
                .collect();
            match (exists, refusal(&write, &others)) {
                (false, _) => Err(WriteRefusal::Missing),
                (true, Some(refused)) => Err(refused),
                (true, None) => {
                    match write.id {
                        None => sqlx::query(&insert)
                            .bind(write.account_id)
                            .bind(write.kind.as_str())
                            .bind(write.forward_to.as_str())
                            .bind(write.sip_uri.as_deref())
                            .bind(write.contact_id)
                            .bind(write.enabled)
                            .bind(write.now)
                            .bind(write.now)
                            .execute(&mut *tx)
                            .await?,
                        Some(id) => sqlx::query(&update)
                            .bind(write.kind.as_str())
                            .bind(write.forward_to.as_str())
                            .bind(write.sip_uri.as_deref())
                            .bind(write.contact_id)
                            .bind(write.enabled)
                            .bind(write.now)
                            .bind(id)
                            .bind(write.account_id)
                            .execute(&mut *tx)
                            .await?,
                    };
                    let id: i64 = sqlx::query_scalar(&id_of)
                        .bind(write.account_id)
                        .bind(write.kind.as_str())
                        .fetch_one(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(id)
                }
            }
        });
        Ok(written)
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn delete_call_forwarding(&self, account_id: i64, id: i64) -> Result<bool> {
        let sql = "DELETE FROM call_forwardings WHERE id = $1 AND account_id = $2";
        Ok(self.changed(sql, |b| b.int(id).int(account_id)).await? == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(kind: ForwardType, enabled: bool) -> ForwardingWrite {
        ForwardingWrite {
            account_id: 1,
            id: None,
            kind,
            forward_to: ForwardTo::Voicemail,
            sip_uri: None,
            contact_id: None,
            enabled,
            now: 0,
        }
    }

    #[test]
    fn an_enabled_always_excludes_the_others_and_the_reverse() {
        let busy = [(1, "busy".to_owned(), true)];
        let always = [(1, "always".to_owned(), true)];
        let disabled_always = [(1, "always".to_owned(), false)];
        assert_eq!(
            refusal(&write(ForwardType::Always, true), &busy),
            Some(WriteRefusal::Exclusive)
        );
        assert_eq!(refusal(&write(ForwardType::Always, false), &busy), None);
        assert_eq!(
            refusal(&write(ForwardType::NoAnswer, true), &always),
            Some(WriteRefusal::Exclusive)
        );
        assert_eq!(
            refusal(&write(ForwardType::NoAnswer, true), &disabled_always),
            None
        );
        assert_eq!(refusal(&write(ForwardType::NoAnswer, true), &busy), None);
        assert_eq!(
            refusal(&write(ForwardType::Busy, false), &busy),
            Some(WriteRefusal::TypeTaken)
        );
    }
}
