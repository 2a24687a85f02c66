//! The panel session statements. Sessions are found by their token's
//! SHA-256, through the unique index on it; the token is never stored.
//! Ending an account's sessions with a change to the account is in
//! `accounts.rs`, in that change's transaction.

use sqlx::FromRow;

use super::{text::Text, SqlStore};
use crate::{
    error::Result,
    rules::sessions::store::{NewSession, SessionStore, StoredSession},
};

/// Ends the sessions of an account (deactivated, or a new password) but the
/// one whose token has the SHA-256 `$2` ('' keeps none).
pub(super) const END_SESSIONS: &str =
    "DELETE FROM panel_sessions WHERE account_id = $1 AND token_sha256 <> $2";
/// Ends them so that their next use answers `Account blocked` (blocked).
pub(super) const BLOCK_SESSIONS: &str =
    "UPDATE panel_sessions SET blocked = TRUE WHERE account_id = $1";

#[derive(FromRow)]
struct SessionRow {
    id: i64,
    account_id: i64,
    csrf_token: Text,
    created_at: i64,
    last_used_at: i64,
    blocked: bool,
}

impl From<SessionRow> for StoredSession {
    fn from(row: SessionRow) -> Self {
        Self {
            id: row.id,
            account_id: row.account_id,
            csrf_token: row.csrf_token.0,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            blocked: row.blocked,
        }
    }
}

impl SessionStore for SqlStore {
    #[tracing::instrument(skip_all, fields(db.system = self.system()))]
    async fn insert_session(&self, session: NewSession<'_>) -> Result<()> {
        let sql = self.sql(
            "INSERT INTO panel_sessions \
             (account_id, token_sha256, csrf_token, user_agent, created_at, last_used_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        );
        on_pool!(self, write, pool => {
            sqlx::query(&sql)
                .bind(session.account_id)
                .bind(session.token_sha256)
                .bind(session.csrf_token)
                .bind(session.user_agent)
                .bind(session.now)
                .bind(session.now)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system()))]
    async fn session(&self, token_sha256: &str) -> Result<Option<StoredSession>> {
        let sql = self.sql(
            "SELECT id, account_id, csrf_token, created_at, last_used_at, blocked \
             FROM panel_sessions WHERE token_sha256 = $1",
        );
        let row: Option<SessionRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(token_sha256).fetch_optional(pool).await?
        });
        Ok(row.map(Into::into))
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system()))]
    async fn touch_session(&self, id: i64, now: i64, since: i64) -> Result<()> {
        let sql = self
            .sql("UPDATE panel_sessions SET last_used_at = $1 WHERE id = $2 AND last_used_at < $3");
        on_pool!(self, write, pool => {
            sqlx::query(&sql).bind(now).bind(id).bind(since).execute(pool).await?;
        });
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system()))]
    async fn delete_session(&self, token_sha256: &str) -> Result<bool> {
        let sql = self.sql("DELETE FROM panel_sessions WHERE token_sha256 = $1");
        let deleted = on_pool!(self, write, pool => {
            sqlx::query(&sql).bind(token_sha256).execute(pool).await?.rows_affected()
        });
        Ok(deleted > 0)
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system()))]
    async fn purge_sessions(&self, idle_before: i64, opened_before: i64) -> Result<u64> {
        let sql = self.sql("DELETE FROM panel_sessions WHERE last_used_at < $1 OR created_at < $2");
        let deleted = on_pool!(self, write, pool => {
            sqlx::query(&sql)
                .bind(idle_before)
                .bind(opened_before)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(deleted)
    }
}
