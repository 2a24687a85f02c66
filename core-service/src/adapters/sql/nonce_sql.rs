//! The nonce statements, in the SQL SQLite and PostgreSQL share (MariaDB's
//! spelling is derived from them in [`super::mysql`]), used by every
//! backend's nonce code: [`super::nonces`], [`super::sqlite_nonces`],
//! [`super::pg_nonces`].
//!
//! `ACCEPT` is the one every Digest check runs: one conditional UPDATE,
//! never a read then a write, so PostgreSQL re-checks the conditions on the locked row
//! after a concurrent update and SQLite runs one writer at a time; of the
//! callers with one `nc`, one moves the nonce on.

/// Binds `$1`-`$6` of the INSERTs of this module: the record, then the
/// epoch it was read at.
macro_rules! bind_record {
    ($query:expr, $record:expr, $epoch:expr) => {
        $query
            .bind(&$record.nonce)
            .bind(&$record.opaque)
            .bind($record.account_id)
            .bind($record.nc)
            .bind($record.expires_at)
            .bind($epoch)
    };
}
pub(super) use bind_record;

pub const SELECT: &str = "SELECT opaque, account_id, nc, expires_at FROM nonces WHERE nonce = $1";
// The casts give PostgreSQL the parameter types a bare SELECT list lacks.
pub const INSERT: &str = "INSERT INTO nonces (nonce, opaque, account_id, nc, expires_at) \
    SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS BIGINT), CAST($4 AS BIGINT), \
    CAST($5 AS BIGINT) FROM account_epoch WHERE epoch = $6";
// `+ 0` keeps the planner off the account_id and expires_at indexes: with
// statistics taken while the table was empty it once chose the
// account_id index, and then read every nonce of the account, thousands
// for a busy one, for each row (10-20 ms per grouped statement).
pub const ACCEPT: &str = "UPDATE nonces SET nc = $4 \
    WHERE nonce = $1 AND account_id + 0 = $2 AND opaque = $3 AND nc < $4 \
    AND expires_at + 0 > $5 AND (SELECT epoch FROM account_epoch) = $6";
pub const DELETE: &str = "DELETE FROM nonces WHERE nonce = $1";
// The account's unanswered nonces other than $2 (the one just issued,
// always kept) past the newest $3 (crate::rules::auth::nonces::UNANSWERED_PER_ACCOUNT
// less one). Times are whole seconds: within one, the order is the
// nonces' (random). MariaDB runs its own, keyed form of it
// (`mysql::EVICTION_CUTOFF`), and SQLite a window-free one.
pub const EVICT: &str = "DELETE FROM nonces WHERE nonce IN (SELECT nonce FROM (\
    SELECT nonce, ROW_NUMBER() OVER (ORDER BY expires_at DESC, nonce DESC) AS newest \
    FROM nonces WHERE account_id = $1 AND nc = 0 AND nonce <> $2) AS ranked \
    WHERE newest > $3)";
pub const PURGE: &str = "DELETE FROM nonces WHERE expires_at < $1";
// A nonce the caller issued (`crate::rules::auth::caller_nonces`), recorded at its
// first right answer: of two first answers at once, one records it and
// the other's nc is judged against it. MariaDB spells it INSERT IGNORE.
pub const INSERT_CALLER: &str = "INSERT INTO nonces (nonce, opaque, account_id, nc, expires_at) \
    SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS BIGINT), CAST($4 AS BIGINT), \
    CAST($5 AS BIGINT) FROM account_epoch WHERE epoch = $6 ON CONFLICT (nonce) DO NOTHING";
pub const INSERT_CALLER_MYSQL: &str = "INSERT IGNORE INTO nonces \
    (nonce, opaque, account_id, nc, expires_at) \
    SELECT $1, $2, $3, $4, $5 FROM account_epoch WHERE epoch = $6";
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
