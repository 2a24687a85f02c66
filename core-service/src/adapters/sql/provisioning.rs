//! The provisioning statements: provisioning and auth tokens, by their
//! SHA-256 only. Every use is one conditional UPDATE, so of two concurrent
//! uses exactly one wins, on every backend; an account's provisioning token
//! is one row, replaced by an upsert on its `account_id`.

use sqlx::FromRow;

use super::SqlStore;
use crate::{
    domain::at_most,
    error::Result,
    rules::provisioning::store::{NewToken, ProvisioningStore, StoredToken},
};

#[derive(FromRow)]
struct TokenRow {
    id: i64,
    account_id: Option<i64>,
    expires_at: Option<i64>,
    used_at: Option<i64>,
}

impl From<TokenRow> for StoredToken {
    fn from(row: TokenRow) -> Self {
        Self {
            id: row.id,
            account_id: row.account_id,
            expires_at: row.expires_at,
            used_at: row.used_at,
        }
    }
}

const REPLACE_PROVISIONING_TOKEN: &str = "INSERT INTO provisioning_tokens \
    (token_sha256, account_id, created_at, expires_at, client_address, user_agent) \
    VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id) DO UPDATE SET \
    token_sha256 = excluded.token_sha256, created_at = excluded.created_at, \
    expires_at = excluded.expires_at, used_at = NULL, \
    client_address = excluded.client_address, user_agent = excluded.user_agent";

impl SqlStore {
    async fn token_by_hash(&self, table: &str, token_sha256: &str) -> Result<Option<StoredToken>> {
        let sql = format!(
            "SELECT id, account_id, expires_at, used_at FROM {table} WHERE token_sha256 = $1"
        );
        let sql = self.sql(&sql);
        let row: Option<TokenRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(token_sha256).fetch_optional(pool).await?
        });
        Ok(row.map(Into::into))
    }
}

impl ProvisioningStore for SqlStore {
    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn replace_provisioning_token(&self, account_id: i64, new: NewToken<'_>) -> Result<()> {
        self.changed(REPLACE_PROVISIONING_TOKEN, |b| {
            b.text(new.token_sha256)
                .int(account_id)
                .int(new.created_at)
                .opt_int(new.expires_at)
                .text(at_most(&new.requester.address, 64))
                .text(at_most(&new.requester.user_agent, 255))
        })
        .await
        .map(drop)
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn provisioning_token(&self, token_sha256: &str) -> Result<Option<StoredToken>> {
        self.token_by_hash("provisioning_tokens", token_sha256)
            .await
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn use_provisioning_token(&self, id: i64, now: i64) -> Result<bool> {
        let sql = "UPDATE provisioning_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL";
        Ok(self.changed(sql, |b| b.int(now).int(id)).await? == 1)
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn release_provisioning_token(&self, id: i64) -> Result<()> {
        let sql = "UPDATE provisioning_tokens SET used_at = NULL WHERE id = $1";
        self.changed(sql, |b| b.int(id)).await.map(drop)
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn insert_auth_token(&self, new: NewToken<'_>) -> Result<()> {
        let sql = "INSERT INTO auth_tokens (token_sha256, created_at, expires_at, \
                   client_address, user_agent) VALUES ($1, $2, $3, $4, $5)";
        self.changed(sql, |b| {
            b.text(new.token_sha256)
                .int(new.created_at)
                .opt_int(new.expires_at)
                .text(at_most(&new.requester.address, 64))
                .text(at_most(&new.requester.user_agent, 255))
        })
        .await
        .map(drop)
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn auth_token(&self, token_sha256: &str) -> Result<Option<StoredToken>> {
        self.token_by_hash("auth_tokens", token_sha256).await
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn attach_auth_token(&self, id: i64, account_id: i64, now: i64) -> Result<bool> {
        let sql = "UPDATE auth_tokens SET account_id = $1, attached_at = $2 \
                   WHERE id = $3 AND account_id IS NULL AND used_at IS NULL";
        let changed = self
            .changed(sql, |b| b.int(account_id).int(now).int(id))
            .await?;
        Ok(changed == 1)
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn use_auth_token(&self, id: i64, now: i64) -> Result<bool> {
        let sql = "UPDATE auth_tokens SET used_at = $1 \
                   WHERE id = $2 AND used_at IS NULL AND account_id IS NOT NULL";
        Ok(self.changed(sql, |b| b.int(now).int(id)).await? == 1)
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn release_auth_token(&self, id: i64) -> Result<()> {
        let sql = "UPDATE auth_tokens SET used_at = NULL WHERE id = $1";
        self.changed(sql, |b| b.int(id)).await.map(drop)
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn void_tokens(&self, account_id: i64) -> Result<()> {
        for sql in [
            "DELETE FROM provisioning_tokens WHERE account_id = $1",
            "DELETE FROM auth_tokens WHERE account_id = $1",
        ] {
            self.changed(sql, |b| b.int(account_id)).await?;
        }
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn purge_provisioning(&self, horizon: i64) -> Result<u64> {
        let mut purged = 0;
        for sql in [
            "DELETE FROM provisioning_tokens WHERE COALESCE(used_at, expires_at) < $1",
            "DELETE FROM auth_tokens WHERE COALESCE(used_at, expires_at) < $1",
        ] {
            purged += self.changed(sql, |b| b.int(horizon)).await?;
        }
        Ok(purged)
    }
}
