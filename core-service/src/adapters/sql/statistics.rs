//! [`StatisticsStore`] on the three backends: the statements are in
//! `statistics_calls.rs` and `statistics_messages.rs`; each write is one
//! transaction, then the record is read back as a client will see it.

use sqlx::{mysql::MySqlRow, postgres::PgRow, sqlite::SqliteRow, FromRow};

use super::SqlStore;
use crate::{
    error::Result,
    rules::statistics::{
        fields::Address,
        store::{
            CallDevice, MessageDevice, NewCall, NewMessage, StatisticsStore, StoredCall,
            StoredMessage, Window,
        },
    },
};

/// A row type every backend can read.
pub(super) trait AnyRow:
    for<'r> FromRow<'r, SqliteRow>
    + for<'r> FromRow<'r, PgRow>
    + for<'r> FromRow<'r, MySqlRow>
    + Send
    + Unpin
{
}

impl<T> AnyRow for T where
    T: for<'r> FromRow<'r, SqliteRow>
        + for<'r> FromRow<'r, PgRow>
        + for<'r> FromRow<'r, MySqlRow>
        + Send
        + Unpin
{
}

/// `$first, $first+1, …`: one placeholder per value of an `IN` list.
fn placeholders(first: usize, count: usize) -> String {
    let numbers: Vec<String> = (first..first + count).map(|n| format!("${n}")).collect();
    numbers.join(", ")
}

impl SqlStore {
    /// One page of the records of `address`: `select` has `{WHERE}` where
    /// `matches` goes (whose `$1`-`$4` are the user and domain, twice) and
    /// ends with `LIMIT $5 OFFSET $6`; and how many match in all.
    pub(super) async fn address_page<R: AnyRow>(
        &self,
        table: &str,
        columns: &str,
        matches: &str,
        order: &str,
        address: &Address,
        window: Window,
    ) -> Result<(Vec<R>, i64)> {
        let count = format!("SELECT COUNT(*) FROM {table} WHERE {matches}");
        let page = format!(
            "SELECT {columns} FROM {table} WHERE {matches} ORDER BY {order} LIMIT $5 OFFSET $6"
        );
        let (count, page) = (self.sql(&count), self.sql(&page));
        let (user, domain) = (address.username.as_str(), address.domain.as_str());
        Ok(on_pool!(self, read, pool => {
            let total = sqlx::query_scalar(&count)
                .bind(user).bind(domain).bind(user).bind(domain)
                .fetch_one(pool)
                .await?;
            let rows = sqlx::query_as(&page)
                .bind(user).bind(domain).bind(user).bind(domain)
                .bind(window.limit)
                .bind(window.offset)
                .fetch_all(pool)
                .await?;
            (rows, total)
        }))
    }

    /// The rows of `table` whose `key` is one of `ids`, in `order`.
    pub(super) async fn rows_of<R: AnyRow>(
        &self,
        table: &str,
        columns: &str,
        key: &str,
        order: &str,
        ids: &[&str],
    ) -> Result<Vec<R>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {columns} FROM {table} WHERE {key} IN ({}) ORDER BY {order}",
            placeholders(1, ids.len())
        );
        let sql = self.sql(&sql);
        Ok(on_pool!(self, read, pool => {
            let mut query = sqlx::query_as(&sql);
            for id in ids {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await?
        }))
    }
}

/// The record just written: gone only if a purge took it meanwhile.
fn written<T>(record: Option<T>, what: &str) -> Result<T> {
    record.ok_or_else(|| anyhow::anyhow!("the {what} just written was deleted meanwhile").into())
}

impl StatisticsStore for SqlStore {
    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn record_call(&self, call: &NewCall, now: i64) -> Result<StoredCall> {
        self.upsert_call(call, now).await?;
        written(self.call_by_id(&call.call.id).await?, "call")
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn end_call(&self, id: &str, ended_at: i64, now: i64) -> Result<Option<StoredCall>> {
        let sql = "UPDATE statistics_calls SET ended_at = $1, updated_at = $2 WHERE id = $3";
        self.changed(sql, |b| b.int(ended_at).int(now).text(id))
            .await?;
        // Read back whatever the count said: MariaDB counts an UPDATE that
        // changed nothing as 0 rows.
        self.call_by_id(id).await
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn record_call_device(
        &self,
        call_id: &str,
        device: &CallDevice,
        now: i64,
    ) -> Result<Option<StoredCall>> {
        if !self.upsert_call_device(call_id, device, now).await? {
            return Ok(None);
        }
        self.call_by_id(call_id).await
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn record_message(&self, message: &NewMessage, now: i64) -> Result<StoredMessage> {
        self.upsert_message(message, now).await?;
        written(self.message_by_id(&message.id).await?, "message")
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn record_message_device(
        &self,
        message_id: &str,
        device: &MessageDevice,
        now: i64,
    ) -> Result<Option<StoredMessage>> {
        if !self.upsert_message_device(message_id, device, now).await? {
            return Ok(None);
        }
        self.message_by_id(message_id).await
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn calls_of(&self, address: &Address, window: Window) -> Result<(Vec<StoredCall>, i64)> {
        self.calls_page(address, window).await
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn messages_of(
        &self,
        address: &Address,
        window: Window,
    ) -> Result<(Vec<StoredMessage>, i64)> {
        self.messages_page(address, window).await
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn purge_statistics(&self, before: i64) -> Result<(u64, u64)> {
        // Their devices go with them (ON DELETE CASCADE).
        let calls = "DELETE FROM statistics_calls WHERE initiated_at < $1";
        let messages = "DELETE FROM statistics_messages WHERE sent_at < $1";
        let calls = self.changed(calls, |b| b.int(before)).await?;
        let messages = self.changed(messages, |b| b.int(before)).await?;
        Ok((calls, messages))
    }
}
