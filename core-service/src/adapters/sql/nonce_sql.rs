//! The nonce statements, in the SQL SQLite and PostgreSQL share (MariaDB's
//! spelling is derived from them by `dialect`), used by [`super::nonces`]
//! and [`super::sqlite_nonces`]: a proxy's nonces, recorded at their first
//! answer, and the keys the core signs its own with.

pub const PURGE: &str = "DELETE FROM nonces WHERE expires_at < $1";
// A nonce the caller issued (`crate::rules::auth::caller_nonces`), recorded at its
// first right answer: of two first answers at once, on any replica, one
// records it. MariaDB spells it INSERT IGNORE.
pub const INSERT_CALLER: &str = "INSERT INTO nonces (nonce, opaque, account_id, nc, expires_at) \
    VALUES ($1, $2, $3, $4, $5) ON CONFLICT (nonce) DO NOTHING";
pub const INSERT_CALLER_MYSQL: &str = "INSERT IGNORE INTO nonces \
    (nonce, opaque, account_id, nc, expires_at) VALUES ($1, $2, $3, $4, $5)";
// The first signing key, unless one exists (two replicas starting at once
// make one). The casts give PostgreSQL the types a bare SELECT list lacks.
pub const FIRST_KEY: &str = "INSERT INTO nonce_keys (id, secret, created_at) \
    SELECT 1, CAST($1 AS TEXT), CAST($2 AS BIGINT) \
    FROM (SELECT COUNT(*) AS n FROM nonce_keys) AS existing WHERE existing.n = 0 \
    ON CONFLICT (id) DO NOTHING";
pub const NEXT_KEY: &str = "INSERT INTO nonce_keys (id, secret, created_at) \
    SELECT next.id, CAST($1 AS TEXT), CAST($2 AS BIGINT) \
    FROM (SELECT COALESCE(MAX(id), 0) + 1 AS id FROM nonce_keys) AS next";
// The account's live caller-issued nonces: the prefix is
// `crate::rules::auth::caller_nonces::PREFIX`, a literal so that SQLite's partial
// index on it serves the count.
pub const LIVE_CALLER: &str = "SELECT COUNT(*) FROM nonces \
    WHERE account_id = $1 AND expires_at > $2 AND substr(nonce, 1, 1) = '~'";

#[cfg(test)]
mod tests {
    use super::LIVE_CALLER;

    #[test]
    fn the_count_of_caller_nonces_spells_their_prefix() {
        let literal = format!("'{}'", crate::rules::auth::caller_nonces::PREFIX);
        assert!(LIVE_CALLER.contains(&literal));
    }
}
