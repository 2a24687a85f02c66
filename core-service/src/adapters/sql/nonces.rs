//! A proxy's nonces (their first answers) and the keys the core's own
//! nonces are signed with. On SQLite the nonce statements run inline on the
//! nonce file's own connection (`sqlite_nonces`); MariaDB spells the
//! insert its own way; the rest run here.

use super::{nonce_sql, SqlStore};
use crate::{
    error::Result,
    rules::auth::{nonces::NonceRecord, store::NonceStore},
};

impl NonceStore for SqlStore {
    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn insert_caller_nonce(&self, record: &NonceRecord) -> Result<bool> {
        let sql = match self {
            Self::Mysql { .. } => self.sql(nonce_sql::INSERT_CALLER_MYSQL),
            _ => self.sql(nonce_sql::INSERT_CALLER),
        };
        let inserted = on_pool!(self, pool => {
            sqlx::query(&sql)
                .bind(&record.nonce)
                .bind(&record.opaque)
                .bind(record.account_id)
                .bind(record.nc)
                .bind(record.expires_at)
                .execute(pool)
                .await?
                .rows_affected()
        }, sqlite nonces => nonces.insert_caller(record)?);
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
    async fn purge_nonces(&self, horizon: i64) -> Result<u64> {
        let sql = self.sql(nonce_sql::PURGE);
        let purged = on_pool!(self, pool => {
            sqlx::query(&sql).bind(horizon).execute(pool).await?.rows_affected()
        }, sqlite nonces => nonces.purge(horizon).await?);
        Ok(purged)
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn nonce_keys(&self) -> Result<Vec<(i64, String, i64)>> {
        let sql = "SELECT CAST(id AS BIGINT), secret, created_at FROM nonce_keys ORDER BY id";
        let sql = self.sql(sql);
        let rows: Vec<(i64, super::text::Text, i64)> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, secret, at)| (id, secret.0, at))
            .collect())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn add_first_nonce_key(&self, secret: &str, created_at: i64) -> Result<()> {
        let sql = self.sql(nonce_sql::FIRST_KEY);
        on_pool!(self, write, pool => {
            sqlx::query(&sql).bind(secret).bind(created_at).execute(pool).await.map(drop)?
        });
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn add_nonce_key(&self, secret: &str, created_at: i64) -> Result<i64> {
        let insert = self.sql(nonce_sql::NEXT_KEY);
        let newest = self.sql("SELECT CAST(MAX(id) AS BIGINT) FROM nonce_keys");
        let id = on_pool!(self, write, pool => {
            sqlx::query(&insert).bind(secret).bind(created_at).execute(pool).await?;
            sqlx::query_scalar::<_, i64>(&newest).fetch_one(pool).await?
        });
        Ok(id)
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn delete_nonce_keys_before(&self, id: i64) -> Result<()> {
        let sql = self.sql("DELETE FROM nonce_keys WHERE id < $1");
        on_pool!(self, write, pool => {
            sqlx::query(&sql).bind(id).execute(pool).await.map(drop)?
        });
        Ok(())
    }
}
