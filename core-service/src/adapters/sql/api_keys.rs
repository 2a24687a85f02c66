//! The API key statements. Keys are found by their SHA-256, through the
//! unique index on it; the key itself is never stored.

use sqlx::FromRow;

use super::{
    account_rows::{KeyOwnerRow, KEY_WITH_OWNER},
    is_unique_violation,
    text::Text,
    SqlStore,
};
use crate::{
    domain::model::ApiKey,
    error::{CoreError, Result},
    rules::api_keys::store::{ApiKeyStore, KeyWithOwner, NewApiKey},
};

const COLUMNS: &str = "id, account_id, name, idle_expiry_seconds, created_at, last_used_at, scope";

#[derive(FromRow)]
struct ApiKeyRow {
    id: i64,
    account_id: i64,
    name: Text,
    idle_expiry_seconds: Option<i64>,
    created_at: i64,
    last_used_at: i64,
    scope: Text,
}

impl From<ApiKeyRow> for ApiKey {
    fn from(row: ApiKeyRow) -> Self {
        Self {
            id: row.id,
            account_id: row.account_id,
            name: row.name.0,
            idle_expiry_seconds: row.idle_expiry_seconds,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            scope: row.scope.0,
        }
    }
}

impl ApiKeyStore for SqlStore {
    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn insert_api_key(&self, key: NewApiKey<'_>) -> Result<ApiKey> {
        // A user key (name '') replaces the account's previous one; a named
        // key never replaces another.
        let replace = if key.name.is_empty() {
            "ON CONFLICT (account_id, name) DO UPDATE SET key_sha256 = excluded.key_sha256, \
             idle_expiry_seconds = excluded.idle_expiry_seconds, \
             created_at = excluded.created_at, last_used_at = excluded.last_used_at"
        } else {
            ""
        };
        let sql = format!(
            "INSERT INTO api_keys \
             (account_id, name, key_sha256, idle_expiry_seconds, created_at, last_used_at, scope) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) {replace}"
        );
        let select_sql = format!("SELECT {COLUMNS} FROM api_keys WHERE key_sha256 = $1");
        let (sql, select_sql) = (self.sql(&sql), self.sql(&select_sql));
        // Not RETURNING (MySQL has none): the key is found by its hash,
        // unique, in the same transaction.
        let inserted: Result<ApiKeyRow, sqlx::Error> = on_pool!(self, write, pool => {
            async {
                let mut tx = pool.begin().await?;
                sqlx::query(&sql)
                    .bind(key.account_id)
                    .bind(key.name)
                    .bind(key.key_sha256)
                    .bind(key.idle_expiry_seconds)
                    .bind(key.now)
                    .bind(key.now)
                    .bind(key.scope)
                    .execute(&mut *tx)
                    .await?;
                let row = sqlx::query_as(&select_sql)
                    .bind(key.key_sha256)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(row)
            }
            .await
        });
        match inserted {
            Ok(row) => Ok(row.into()),
            Err(error) if is_unique_violation(&error) => Err(CoreError::AlreadyExists {
                field: "name",
                message: "has already been taken for this account".into(),
            }),
            Err(error) => Err(error.into()),
        }
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn api_key_with_owner(&self, key_sha256: &str) -> Result<Option<KeyWithOwner>> {
        let row: Option<KeyOwnerRow> = match self {
            // Inline, like the nonce statements: a request by key runs only this.
            Self::Sqlite { nonces, .. } => return nonces.api_key_with_owner(key_sha256),
            Self::Postgres { keyed, .. } => {
                sqlx::query_as(KEY_WITH_OWNER)
                    .bind(key_sha256)
                    .fetch_optional(keyed)
                    .await?
            }
            Self::Mysql { pool } => {
                sqlx::query_as(&self.sql(KEY_WITH_OWNER))
                    .bind(key_sha256)
                    .fetch_optional(pool)
                    .await?
            }
        };
        Ok(row.map(Into::into))
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn touch_api_key(&self, id: i64, now: i64, since: i64) -> Result<()> {
        let sql = "UPDATE api_keys SET last_used_at = $1 WHERE id = $2 AND last_used_at < $3";
        let sql = self.sql(sql);
        on_pool!(self, write, pool => {
            sqlx::query(&sql).bind(now).bind(id).bind(since).execute(pool).await?;
        });
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn api_keys(&self, account_id: Option<i64>) -> Result<Vec<ApiKey>> {
        let filter = if account_id.is_some() {
            "WHERE account_id = $1"
        } else {
            ""
        };
        let sql = format!("SELECT {COLUMNS} FROM api_keys {filter} ORDER BY account_id, name");
        let sql = self.sql(&sql);
        let rows: Vec<ApiKeyRow> = on_pool!(self, read, pool => {
            let mut query = sqlx::query_as(&sql);
            if let Some(id) = account_id {
                query = query.bind(id);
            }
            query.fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(ApiKey::from).collect())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn delete_api_key(&self, account_id: i64, name: &str) -> Result<bool> {
        let sql = self.sql("DELETE FROM api_keys WHERE account_id = $1 AND name = $2");
        let deleted = on_pool!(self, write, pool => {
            sqlx::query(&sql).bind(account_id).bind(name).execute(pool).await?.rows_affected()
        });
        Ok(deleted > 0)
    }
}
