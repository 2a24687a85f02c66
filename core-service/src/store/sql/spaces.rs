//! The space statements. A space is the configuration of one SIP domain;
//! this issue needs only that they exist and which are `super`.

use super::SqlStore;
use crate::{domain::Domain, error::Result, store::SpaceStore};

/// The space of the default domain, a super space, with the count of the
/// accounts it already has. (`WHERE TRUE` lets SQLite parse the upsert.)
const DEFAULT_SPACE: &str = "INSERT INTO spaces \
    (domain, name, realm, super, accounts_count, created_at, updated_at) \
    SELECT CAST($1 AS TEXT), CAST($1 AS TEXT), CAST($1 AS TEXT), TRUE, \
    (SELECT COUNT(*) FROM accounts WHERE domain = $1), CAST($2 AS BIGINT), CAST($2 AS BIGINT) \
    WHERE TRUE ON CONFLICT (domain) DO NOTHING";

/// A plain space for each domain in use without one (accounts made before
/// spaces existed); later accounts get theirs from the insert trigger.
const MISSING_SPACES: &str = "INSERT INTO spaces \
    (domain, name, realm, super, accounts_count, created_at, updated_at) \
    SELECT domain, domain, domain, FALSE, COUNT(*), MIN(created_at), MIN(created_at) \
    FROM accounts WHERE domain NOT IN (SELECT domain FROM spaces) GROUP BY domain \
    ON CONFLICT (domain) DO NOTHING";

impl SpaceStore for SqlStore {
    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn ensure_spaces(&self, default: &Domain, now: i64) -> Result<()> {
        on_pool!(self, write, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(DEFAULT_SPACE)
                .bind(default.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(MISSING_SPACES).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
