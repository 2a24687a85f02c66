//! The space statements. A space is the configuration of one SIP domain;
//! this issue needs only that they exist and which are `super`.

use super::SqlStore;
use crate::{domain::Domain, error::Result, store::SpaceStore};

/// Decides the spaces the migration backfilled (`super` NULL): the default
/// domain's is super, the others are not. Touches nothing once decided.
const DECIDE_BACKFILLED: &str = "UPDATE spaces SET super = (domain = $1) WHERE super IS NULL";

/// The default domain's space, super, unless it exists. It has no account
/// then: every domain in use got its space from the migration or from the
/// insert trigger. (`WHERE` also lets SQLite parse the statement.)
const DEFAULT_SPACE: &str = "INSERT INTO spaces \
    (domain, name, realm, super, accounts_count, created_at, updated_at) \
    SELECT CAST($1 AS TEXT), CAST($1 AS TEXT), CAST($1 AS TEXT), TRUE, 0, \
    CAST($2 AS BIGINT), CAST($2 AS BIGINT) \
    WHERE NOT EXISTS (SELECT 1 FROM spaces WHERE domain = $1)";

impl SpaceStore for SqlStore {
    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn ensure_spaces(&self, default: &Domain, now: i64) -> Result<()> {
        on_pool!(self, write, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(DECIDE_BACKFILLED)
                .bind(default.as_str())
                .execute(&mut *tx)
                .await?;
            sqlx::query(DEFAULT_SPACE)
                .bind(default.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
