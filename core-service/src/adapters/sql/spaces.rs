//! The space statements. A space is the configuration of one SIP domain:
//! its name, Digest realm, account limit and default password algorithm.
//! `accounts_count` is kept by the account triggers (migration 0004; 0001
//! on MariaDB).

use sqlx::FromRow;

use super::{is_unique_violation, text::Text, SqlStore};
use crate::{
    domain::{app_settings::AppSettings, model::Space, Algorithm, Domain},
    error::{CoreError, Result},
    rules::spaces::store::{NewSpace, SpaceChanges, SpaceDeletion, SpaceStore},
};

/// Decides the spaces the migration backfilled (`super` NULL): the default
/// domain's is super, the others are not. Touches nothing once decided.
const DECIDE_BACKFILLED: &str = "UPDATE spaces SET super = (domain = $1) WHERE super IS NULL";

/// The default domain's space, super, unless it exists. It has no account
/// then: every domain in use got its space from the migration or from the
/// insert trigger. (`WHERE` also lets SQLite parse the statement.)
/// (Each placeholder once, in order: the domain is bound four times.)
const DEFAULT_SPACE: &str = "INSERT INTO spaces \
    (domain, name, realm, super, accounts_count, created_at, updated_at) \
    SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS TEXT), TRUE, 0, \
    CAST($4 AS BIGINT), CAST($5 AS BIGINT) \
    WHERE NOT EXISTS (SELECT 1 FROM spaces WHERE domain = $6)";

const COLUMNS: &str = "domain, name, realm, COALESCE(super, FALSE) AS is_super, max_accounts, \
    default_password_algorithm, accounts_count, created_at, updated_at, app_settings";

const INSERT_SPACE: &str = "INSERT INTO spaces (domain, name, realm, super, max_accounts, \
    default_password_algorithm, accounts_count, created_at, updated_at, app_settings) \
    VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9)";

const UPDATE_SPACE: &str = "UPDATE spaces SET name = COALESCE($1, name), \
    realm = COALESCE($2, realm), super = COALESCE($3, super), \
    max_accounts = COALESCE($4, max_accounts), \
    default_password_algorithm = COALESCE($5, default_password_algorithm), \
    app_settings = COALESCE($6, app_settings), updated_at = $7 WHERE domain = $8";

/// The count is the triggers': a space is deleted only in the same
/// statement that sees it empty.
const DELETE_EMPTY_SPACE: &str = "DELETE FROM spaces WHERE domain = $1 AND accounts_count = 0";

#[derive(FromRow)]
struct SpaceRow {
    domain: Text,
    name: Text,
    realm: Text,
    is_super: bool,
    max_accounts: i64,
    default_password_algorithm: Text,
    accounts_count: i64,
    created_at: i64,
    updated_at: i64,
    app_settings: Text,
}

impl TryFrom<SpaceRow> for Space {
    type Error = CoreError;

    fn try_from(row: SpaceRow) -> Result<Self> {
        let default_password_algorithm = Algorithm::parse(
            &row.default_password_algorithm.0,
            "default_password_algorithm",
        )
        .map_err(|_| {
            anyhow::anyhow!(
                "spaces.default_password_algorithm of {} holds {:?}",
                row.domain.0,
                row.default_password_algorithm.0
            )
        })?;
        let app = AppSettings::from_json(&row.app_settings.0)
            .map_err(|error| anyhow::anyhow!("spaces.app_settings of {}: {error}", row.domain.0))?;
        Ok(Self {
            app,
            domain: row.domain.0,
            name: row.name.0,
            realm: row.realm.0,
            is_super: row.is_super,
            max_accounts: row.max_accounts,
            default_password_algorithm,
            accounts_count: row.accounts_count,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// How an update's transaction ended.
enum Updated {
    Done,
    Missing,
    RealmBound,
}

impl SpaceStore for SqlStore {
    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn ensure_spaces(&self, default: &Domain, now: i64) -> Result<()> {
        let (decide_sql, default_sql) = (self.sql(DECIDE_BACKFILLED), self.sql(DEFAULT_SPACE));
        on_pool!(self, write, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(&decide_sql)
                .bind(default.as_str())
                .execute(&mut *tx)
                .await?;
            sqlx::query(&default_sql)
                .bind(default.as_str())
                .bind(default.as_str())
                .bind(default.as_str())
                .bind(now)
                .bind(now)
                .bind(default.as_str())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn spaces(&self) -> Result<Vec<Space>> {
        let sql = format!("SELECT {COLUMNS} FROM spaces ORDER BY domain");
        let rows: Vec<SpaceRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).fetch_all(pool).await?
        });
        rows.into_iter().map(Space::try_from).collect()
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn space(&self, domain: &Domain) -> Result<Option<Space>> {
        let sql = format!("SELECT {COLUMNS} FROM spaces WHERE domain = $1");
        let sql = self.sql(&sql);
        let row: Option<SpaceRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(domain.as_str()).fetch_optional(pool).await?
        });
        row.map(Space::try_from).transpose()
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn create_space(&self, new: NewSpace<'_>) -> Result<Space> {
        let sql = self.sql(INSERT_SPACE);
        let inserted: Result<_, sqlx::Error> = on_pool!(self, write, pool => {
            sqlx::query(&sql)
                .bind(new.domain.as_str())
                .bind(new.name.as_str())
                .bind(new.realm.as_str())
                .bind(new.is_super)
                .bind(new.max_accounts.get())
                .bind(new.default_password_algorithm.as_str())
                .bind(new.now)
                .bind(new.now)
                .bind(new.app.to_json())
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        });
        match inserted {
            Ok(_) => {}
            Err(error) if is_unique_violation(&error) => {
                return Err(CoreError::AlreadyExists {
                    field: "domain",
                    message: "has already been taken".into(),
                })
            }
            Err(error) => return Err(error.into()),
        }
        self.space(new.domain)
            .await?
            .ok_or_else(|| anyhow::anyhow!("space {} vanished after its creation", new.domain))
            .map_err(Into::into)
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn update_space(&self, domain: &Domain, changes: SpaceChanges) -> Result<Option<Space>> {
        // Locked on PostgreSQL, as account creation locks it: no account
        // can be hashed with the old realm while the realm changes.
        let current_sql = format!(
            "SELECT realm, accounts_count, app_settings FROM spaces WHERE domain = $1{}",
            self.row_lock()
        );
        let (current_sql, update_sql) = (self.sql(&current_sql), self.sql(UPDATE_SPACE));
        let updated: Updated = on_pool!(self, write, pool => {
            let mut tx = pool.begin().await?;
            let current: Option<(Text, i64, Text)> = sqlx::query_as(&current_sql)
                .bind(domain.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            match current {
                None => Updated::Missing,
                Some((realm, count, _))
                    if count > 0
                        && changes.realm.as_ref().is_some_and(|new| new.as_str() != realm.0) =>
                {
                    Updated::RealmBound
                }
                Some((_, _, app)) => {
                    let app = changes.app.as_ref().map(|app_changes| {
                        app_changes.apply_to_json(&app.0)
                    }).transpose()?;
                    sqlx::query(&update_sql)
                        .bind(changes.name.as_ref().map(|n| n.as_str()))
                        .bind(changes.realm.as_ref().map(|r| r.as_str()))
                        .bind(changes.is_super)
                        .bind(changes.max_accounts.map(|m| m.get()))
                        .bind(changes.default_password_algorithm.map(Algorithm::as_str))
                        .bind(app)
                        .bind(changes.updated_at)
                        .bind(domain.as_str())
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Updated::Done
                }
            }
        });
        match updated {
            Updated::Done => self.space(domain).await,
            Updated::Missing => Ok(None),
            Updated::RealmBound => Err(CoreError::invalid(
                "realm",
                "cannot change while the space has accounts (their passwords are hashed with it)",
            )),
        }
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn delete_space(&self, domain: &Domain) -> Result<SpaceDeletion> {
        let sql = self.sql(DELETE_EMPTY_SPACE);
        let deleted = on_pool!(self, write, pool => {
            sqlx::query(&sql)
                .bind(domain.as_str())
                .execute(pool)
                .await?
                .rows_affected()
        });
        if deleted > 0 {
            return Ok(SpaceDeletion::Deleted);
        }
        Ok(match self.space(domain).await? {
            Some(_) => SpaceDeletion::HasAccounts,
            None => SpaceDeletion::Missing,
        })
    }
}
