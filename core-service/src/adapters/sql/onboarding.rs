//! The onboarding statements: tokens and codes (by their SHA-256 only), and
//! the hourly tallies the limits read. Every use is one conditional UPDATE,
//! so of two concurrent uses exactly one wins, on every backend.

use sqlx::FromRow;

use super::{text::Text, SqlStore};
use crate::{
    domain::at_most,
    error::{CoreError, Result},
    rules::onboarding::store::{
        CodeKind, NewCode, NewToken, OnboardingStore, StoredCode, StoredToken, Tally, TokenKind,
    },
};

#[derive(FromRow)]
struct TokenRow {
    id: i64,
    kind: Text,
    created_at: i64,
    expires_at: Option<i64>,
    validated_at: Option<i64>,
    used_at: Option<i64>,
    account_id: Option<i64>,
}

fn token_kind(raw: &str) -> Result<TokenKind> {
    match raw {
        "request" => Ok(TokenKind::Request),
        "creation" => Ok(TokenKind::Creation),
        "recovery" => Ok(TokenKind::Recovery),
        other => Err(anyhow::anyhow!("onboarding_tokens.kind holds {other:?}").into()),
    }
}

fn code_kind(raw: &str) -> Result<CodeKind> {
    match raw {
        "email" => Ok(CodeKind::Email),
        "phone" => Ok(CodeKind::Phone),
        "recovery" => Ok(CodeKind::Recovery),
        other => Err(anyhow::anyhow!("onboarding_codes.kind holds {other:?}").into()),
    }
}

impl TryFrom<TokenRow> for StoredToken {
    type Error = CoreError;

    fn try_from(row: TokenRow) -> Result<Self> {
        Ok(Self {
            id: row.id,
            kind: token_kind(&row.kind.0)?,
            created_at: row.created_at,
            expires_at: row.expires_at,
            validated_at: row.validated_at,
            used_at: row.used_at,
            account_id: row.account_id,
        })
    }
}

#[derive(FromRow)]
struct CodeRow {
    id: i64,
    kind: Text,
    account_id: Option<i64>,
    destination: Text,
    salt: Text,
    code_sha256: Text,
    expires_at: Option<i64>,
    sent_at: Option<i64>,
    used_at: Option<i64>,
    tries: i64,
}

impl TryFrom<CodeRow> for StoredCode {
    type Error = CoreError;

    fn try_from(row: CodeRow) -> Result<Self> {
        Ok(Self {
            id: row.id,
            kind: code_kind(&row.kind.0)?,
            account_id: row.account_id,
            destination: row.destination.0,
            salt: row.salt.0,
            code_sha256: row.code_sha256.0,
            expires_at: row.expires_at,
            sent_at: row.sent_at,
            used_at: row.used_at,
            tries: row.tries,
        })
    }
}

const TOKEN_COLUMNS: &str = "id, kind, created_at, expires_at, validated_at, used_at, account_id";
/// `tries` as BIGINT: an INTEGER column on every backend.
const CODE_COLUMNS: &str = "id, kind, account_id, destination, salt, code_sha256, expires_at, \
     sent_at, used_at, CAST(tries AS BIGINT) AS tries";

#[derive(FromRow)]
struct TallyRow {
    count: i64,
    oldest: Option<i64>,
}

impl From<TallyRow> for Tally {
    fn from(row: TallyRow) -> Self {
        Self {
            count: row.count,
            oldest: row.oldest,
        }
    }
}

impl SqlStore {
    /// Runs a statement that changes rows; how many it changed.
    pub(super) async fn changed(
        &self,
        sql: &str,
        bind: impl FnOnce(Binds) -> Binds,
    ) -> Result<u64> {
        let sql = self.sql(sql);
        let binds = bind(Binds::default()).0;
        Ok(on_pool!(self, write, pool => {
            let mut query = sqlx::query(&sql);
            for value in &binds {
                query = match value {
                    Bind::Int(v) => query.bind(*v),
                    Bind::OptInt(v) => query.bind(*v),
                    Bind::Text(v) => query.bind(v.as_str()),
                };
            }
            query.execute(pool).await?.rows_affected()
        }))
    }

    async fn tally(&self, sql: &str, key: &str, since: i64) -> Result<Tally> {
        let sql = self.sql(sql);
        let row: TallyRow = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(key).bind(since).fetch_one(pool).await?
        });
        Ok(row.into())
    }

    async fn latest(&self, sql: &str, key: &str, kind: Option<&str>) -> Result<Option<i64>> {
        let sql = self.sql(sql);
        Ok(on_pool!(self, read, pool => {
            let query = sqlx::query_scalar::<_, Option<i64>>(&sql).bind(key);
            let query = match kind {
                Some(kind) => query.bind(kind),
                None => query,
            };
            query.fetch_one(pool).await?
        }))
    }
}

/// The values of a statement, in placeholder order.
#[derive(Default)]
pub(super) struct Binds(Vec<Bind>);

enum Bind {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
}

impl Binds {
    pub(super) fn int(mut self, value: i64) -> Self {
        self.0.push(Bind::Int(value));
        self
    }
    pub(super) fn opt_int(mut self, value: Option<i64>) -> Self {
        self.0.push(Bind::OptInt(value));
        self
    }
    pub(super) fn text(mut self, value: &str) -> Self {
        self.0.push(Bind::Text(value.to_owned()));
        self
    }
}

impl OnboardingStore for SqlStore {
    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn insert_token(&self, new: NewToken<'_>) -> Result<()> {
        let sql = "INSERT INTO onboarding_tokens (kind, token_sha256, created_at, expires_at, \
                   device, client_address, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let sql = self.sql(sql);
        on_pool!(self, write, pool => {
            sqlx::query(&sql)
                .bind(new.kind.as_str())
                .bind(new.token_sha256)
                .bind(new.created_at)
                .bind(new.expires_at)
                .bind(new.device)
                .bind(at_most(&new.requester.address, 64))
                .bind(at_most(&new.requester.user_agent, 255))
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn token(&self, kind: TokenKind, token_sha256: &str) -> Result<Option<StoredToken>> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM onboarding_tokens WHERE token_sha256 = $1 AND kind = $2"
        );
        let sql = self.sql(&sql);
        let row: Option<TokenRow> = on_pool!(self, write, pool => {
            sqlx::query_as(&sql).bind(token_sha256).bind(kind.as_str()).fetch_optional(pool).await?
        });
        row.map(StoredToken::try_from).transpose()
    }

    async fn delete_token(&self, id: i64) -> Result<()> {
        let sql = "DELETE FROM onboarding_tokens WHERE id = $1";
        self.changed(sql, |b| b.int(id)).await.map(drop)
    }

    async fn validate_token(&self, id: i64, now: i64) -> Result<bool> {
        let sql =
            "UPDATE onboarding_tokens SET validated_at = $1 WHERE id = $2 AND used_at IS NULL";
        Ok(self.changed(sql, |b| b.int(now).int(id)).await? == 1)
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn use_token(&self, id: i64, account_id: Option<i64>, now: i64) -> Result<bool> {
        let sql = "UPDATE onboarding_tokens SET used_at = $1, account_id = $2 \
                   WHERE id = $3 AND used_at IS NULL";
        let changed = self.changed(sql, |b| b.int(now).opt_int(account_id).int(id));
        Ok(changed.await? == 1)
    }

    async fn last_push(&self, device: &str, kind: TokenKind) -> Result<Option<i64>> {
        let sql = "SELECT MAX(created_at) FROM onboarding_tokens WHERE device = $1 AND kind = $2";
        self.latest(sql, device, Some(kind.as_str())).await
    }

    async fn last_account_of_device(&self, device: &str) -> Result<Option<i64>> {
        let sql = "SELECT MAX(used_at) FROM onboarding_tokens \
                   WHERE device = $1 AND kind = 'creation' AND account_id IS NOT NULL";
        self.latest(sql, device, None).await
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn insert_code(&self, new: NewCode<'_>) -> Result<i64> {
        let sql = "INSERT INTO onboarding_codes (kind, account_id, recovery_sha256, destination, \
                   salt, code_sha256, created_at, expires_at, client_address, user_agent) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        let (insert_sql, id_sql) = (
            self.sql(sql),
            self.sql("SELECT id FROM onboarding_codes WHERE salt = $1"),
        );
        // Not RETURNING: MySQL has none. The salt is random: the row is found by it.
        let id: i64 = on_pool!(self, write, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(&insert_sql)
                .bind(new.kind.as_str())
                .bind(new.account_id)
                .bind(new.recovery_sha256)
                .bind(new.destination)
                .bind(new.salt)
                .bind(new.code_sha256)
                .bind(new.created_at)
                .bind(new.expires_at)
                .bind(at_most(&new.requester.address, 64))
                .bind(at_most(&new.requester.user_agent, 255))
                .execute(&mut *tx)
                .await?;
            let id = sqlx::query_scalar(&id_sql).bind(new.salt).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    async fn mark_code_sent(&self, id: i64, now: i64) -> Result<()> {
        let sql = "UPDATE onboarding_codes SET sent_at = $1 WHERE id = $2";
        self.changed(sql, |b| b.int(now).int(id)).await.map(drop)
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn newest_code(&self, account_id: i64, kind: CodeKind) -> Result<Option<StoredCode>> {
        let sql = format!(
            "SELECT {CODE_COLUMNS} FROM onboarding_codes WHERE account_id = $1 AND kind = $2 \
             ORDER BY id DESC LIMIT 1"
        );
        let sql = self.sql(&sql);
        let row: Option<CodeRow> = on_pool!(self, write, pool => {
            sqlx::query_as(&sql).bind(account_id).bind(kind.as_str()).fetch_optional(pool).await?
        });
        row.map(StoredCode::try_from).transpose()
    }

    async fn code_by_recovery(&self, recovery_sha256: &str) -> Result<Option<StoredCode>> {
        let sql = format!("SELECT {CODE_COLUMNS} FROM onboarding_codes WHERE recovery_sha256 = $1");
        let sql = self.sql(&sql);
        let row: Option<CodeRow> = on_pool!(self, write, pool => {
            sqlx::query_as(&sql).bind(recovery_sha256).fetch_optional(pool).await?
        });
        row.map(StoredCode::try_from).transpose()
    }

    async fn spend_try(&self, id: i64, max_tries: i64) -> Result<bool> {
        let sql = "UPDATE onboarding_codes SET tries = tries + 1 \
                   WHERE id = $1 AND tries < $2 AND used_at IS NULL";
        Ok(self.changed(sql, |b| b.int(id).int(max_tries)).await? == 1)
    }

    async fn use_code(&self, id: i64, now: i64) -> Result<bool> {
        let sql = "UPDATE onboarding_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL";
        Ok(self.changed(sql, |b| b.int(now).int(id)).await? == 1)
    }

    async fn codes_of_account_since(&self, account_id: i64, since: i64) -> Result<Tally> {
        let sql = "SELECT COUNT(*) AS count, MIN(created_at) AS oldest FROM onboarding_codes \
                   WHERE account_id = $1 AND created_at > $2 AND kind IN ('email', 'phone')";
        let sql = self.sql(sql);
        let row: TallyRow = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(account_id).bind(since).fetch_one(pool).await?
        });
        Ok(row.into())
    }

    async fn codes_to_since(&self, destination: &str, since: i64) -> Result<Tally> {
        let sql = "SELECT COUNT(*) AS count, MIN(created_at) AS oldest FROM onboarding_codes \
                   WHERE destination = $1 AND created_at > $2";
        self.tally(sql, destination, since).await
    }

    async fn requests_since(&self, client_address: &str, since: i64) -> Result<Tally> {
        let sql = "SELECT COUNT(*) AS count, MIN(created_at) AS oldest FROM onboarding_requests \
                   WHERE client_address = $1 AND created_at > $2";
        self.tally(sql, client_address, since).await
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn purge_onboarding(&self, now: i64, horizon: i64) -> Result<u64> {
        let tokens = "DELETE FROM onboarding_tokens WHERE COALESCE(used_at, created_at) < $1 \
                      AND (used_at IS NOT NULL OR expires_at < $2)";
        let codes = "DELETE FROM onboarding_codes WHERE COALESCE(used_at, created_at) < $1 \
                     AND (used_at IS NOT NULL OR sent_at IS NULL OR tries >= $2 OR expires_at < $3)";
        let purged_tokens = self.changed(tokens, |b| b.int(horizon).int(now)).await?;
        let max_tries = crate::rules::onboarding::MAX_TRIES;
        let purged_codes = self
            .changed(codes, |b| b.int(horizon).int(max_tries).int(now))
            .await?;
        Ok(purged_tokens + purged_codes)
    }

    async fn record_request(
        &self,
        client_address: &str,
        now: i64,
        forget_before: i64,
    ) -> Result<()> {
        let forget = "DELETE FROM onboarding_requests WHERE created_at <= $1";
        self.changed(forget, |b| b.int(forget_before)).await?;
        let sql = "INSERT INTO onboarding_requests (client_address, created_at) VALUES ($1, $2)";
        let address = at_most(client_address, 64);
        self.changed(sql, |b| b.text(address).int(now))
            .await
            .map(drop)
    }
}
