//! The nonce statements. On SQLite they run inline on the nonce file's own
//! connection (`sqlite_nonces`), accepts grouped in one transaction; on
//! PostgreSQL the two hot ones are grouped (`pg_nonces`), on MariaDB they have their own spelling (`mysql`), and
//! the rest run here.

use sqlx::FromRow;

use super::{mysql, nonce_sql, text::Text, SqlStore};
use crate::{
    error::Result,
    rules::auth::{
        nonces::NonceRecord,
        store::{NonceStore, NonceUse},
    },
};

#[derive(FromRow)]
struct NonceRow {
    opaque: Text,
    account_id: i64,
    nc: i64,
    expires_at: i64,
}

impl NonceStore for SqlStore {
    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn nonce(&self, nonce: &str) -> Result<Option<NonceRecord>> {
        let sql = self.sql(nonce_sql::SELECT);
        let row: Option<NonceRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(nonce).fetch_optional(pool).await?
        }, sqlite nonces => return nonces.nonce(nonce));
        Ok(row.map(|row| NonceRecord {
            nonce: nonce.to_owned(),
            opaque: row.opaque.0,
            account_id: row.account_id,
            nc: row.nc,
            expires_at: row.expires_at,
        }))
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn insert_nonce(&self, record: &NonceRecord, epoch: i64) -> Result<bool> {
        match self {
            Self::Sqlite { nonces, .. } => nonces.insert(record, epoch),
            Self::Postgres { nonces, .. } => nonces.insert(record, epoch).await,
            Self::Mysql { pool } => mysql::insert_nonce(pool, record, epoch).await,
        }
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn accept_nonce(&self, used: &NonceUse<'_>) -> Result<bool> {
        match self {
            Self::Sqlite { nonces, .. } => nonces.accept(used).await,
            Self::Postgres { nonces, .. } => nonces.accept(used).await,
            Self::Mysql { pool } => mysql::accept_nonce(pool, used).await,
        }
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn insert_caller_nonce(&self, record: &NonceRecord, epoch: i64) -> Result<bool> {
        let sql = match self {
            Self::Mysql { .. } => self.sql(nonce_sql::INSERT_CALLER_MYSQL),
            _ => self.sql(nonce_sql::INSERT_CALLER),
        };
        let inserted = on_pool!(self, pool => {
            nonce_sql::bind_record!(sqlx::query(&sql), record, epoch)
                .execute(pool)
                .await?
                .rows_affected()
        }, sqlite nonces => nonces.insert_caller(record, epoch)?);
        Ok(inserted == 1)
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn live_caller_nonces(&self, account_id: i64, now: i64) -> Result<i64> {
        let sql = self.sql(nonce_sql::LIVE_CALLER);
        let live = on_pool!(self, pool => {
            sqlx::query_scalar(&sql).bind(account_id).bind(now).fetch_one(pool).await?
        }, sqlite nonces => nonces.live_callers(account_id, now)?);
        Ok(live)
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn delete_nonce(&self, nonce: &str) -> Result<()> {
        let sql = self.sql(nonce_sql::DELETE);
        on_pool!(self, pool => {
            sqlx::query(&sql).bind(nonce).execute(pool).await.map(drop)?
        }, sqlite nonces => nonces.delete(nonce)?);
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn purge_nonces(&self, horizon: i64) -> Result<u64> {
        let sql = self.sql(nonce_sql::PURGE);
        let purged = on_pool!(self, pool => {
            sqlx::query(&sql).bind(horizon).execute(pool).await?.rows_affected()
        }, sqlite nonces => nonces.purge(horizon).await?);
        Ok(purged)
    }
}
