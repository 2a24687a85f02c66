//! Digest nonces: issued at random, bound to one account, used with a strictly
//! increasing `nc`, expiring after the TTL.
//!
//! The state checks here are pure functions of the stored record and an
//! injected `now` (Unix seconds), so each rule is tested without a clock. The
//! one step that must be atomic across replicas, accepting an `nc`, is a
//! single conditional UPDATE in the store ([`crate::rules::auth::store::NonceStore::accept_nonce`]).
//!
//! An expired nonce is kept for one more TTL before it is purged, so a client
//! that comes back late is told `Nonce expired` (and `stale=true`, meaning "retry
//! with the same password") rather than `Nonce invalid`.

use crate::{error::Result, rules::auth::digest::Rejection};

/// The most unanswered (never accepted) nonces an account holds: a new
/// challenge beyond it evicts the oldest, so no flood of 401s naming one
/// account grows the nonce table. An answered nonce is never evicted: only
/// a client that knew the password made it.
pub const UNANSWERED_PER_ACCOUNT: i64 = 32;

/// A nonce as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonceRecord {
    pub nonce: String,
    pub opaque: String,
    pub account_id: i64,
    /// The last accepted nonce count; 0 before the first use.
    pub nc: i64,
    pub expires_at: i64,
}

impl NonceRecord {
    /// A fresh nonce and opaque for `account_id`: 128 random bits each, from
    /// the operating system's CSPRNG.
    pub fn issue(account_id: i64, now: i64, ttl_seconds: i64) -> Result<Self> {
        Ok(Self {
            nonce: random_token()?,
            opaque: random_token()?,
            account_id,
            nc: 0,
            expires_at: now.saturating_add(ttl_seconds),
        })
    }
}

fn random_token() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("the operating system gave no random bytes: {e}"))?;
    Ok(hex::encode(bytes))
}

/// `nc` is exactly 8 hex digits (RFC 7616 §3.4).
pub fn parse_nc(raw: &str) -> Result<u32, Rejection> {
    let malformed = Rejection::Field {
        field: "nc",
        message: "must be 8 hexadecimal digits",
    };
    // from_str_radix alone would take a leading '+'.
    if raw.len() != 8 || !raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed);
    }
    u32::from_str_radix(raw, 16).map_err(|_| malformed)
}

/// The nonce checks of the contract, in its order: known and ours, then not
/// replayed, then not expired. Returns the record and the `nc` to accept.
pub fn check<'r>(
    record: Option<&'r NonceRecord>,
    account_id: i64,
    raw_nc: &str,
    now: i64,
) -> Result<(&'r NonceRecord, u32), Rejection> {
    let record = match record {
        Some(record) if record.account_id == account_id => record,
        _ => return Err(Rejection::NonceInvalid),
    };
    let nc = parse_nc(raw_nc)?;
    if i64::from(nc) <= record.nc {
        return Err(Rejection::NonceReplayed);
    }
    if now >= record.expires_at {
        return Err(Rejection::NonceExpired);
    }
    Ok((record, nc))
}

/// How long nonces live: the core's own, and those a SIP proxy issued
/// ([`crate::rules::auth::caller_nonces`]), usable as long but kept longer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    /// `--nonce-ttl-seconds`.
    pub ttl_seconds: i64,
    /// `--proxy-nonce-retention-seconds`; never less than the TTL.
    pub proxy_retention_seconds: i64,
}

/// Records whose expiry is older than this are gone for good: one TTL of
/// grace after expiry, as the module doc explains.
pub fn purge_horizon(now: i64, ttl_seconds: i64) -> i64 {
    now.saturating_sub(ttl_seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(nc: i64) -> NonceRecord {
        NonceRecord {
            nonce: "n".into(),
            opaque: "o".into(),
            account_id: 7,
            nc,
            expires_at: 1_000,
        }
    }

    #[test]
    fn issued_nonces_are_random_128_bit_tokens() {
        let a = NonceRecord::issue(7, 100, 300).unwrap();
        let b = NonceRecord::issue(7, 100, 300).unwrap();
        assert_eq!(a.nonce.len(), 32);
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.nonce, a.opaque);
        assert_eq!((a.nc, a.expires_at), (0, 400));
    }

    fn nc_of(result: Result<(&NonceRecord, u32), Rejection>) -> Result<u32, Rejection> {
        result.map(|(_, nc)| nc)
    }

    #[test]
    fn a_fresh_nonce_accepts_increasing_counts() {
        assert_eq!(nc_of(check(Some(&record(0)), 7, "00000001", 999)), Ok(1));
        assert_eq!(nc_of(check(Some(&record(1)), 7, "0000000a", 999)), Ok(10));
        assert_eq!(
            nc_of(check(Some(&record(1)), 7, "FFFFFFFF", 999)),
            Ok(u32::MAX)
        );
    }

    #[test]
    fn unknown_or_foreign_nonces_are_invalid() {
        assert_eq!(
            nc_of(check(None, 7, "00000001", 0)),
            Err(Rejection::NonceInvalid)
        );
        assert_eq!(
            nc_of(check(Some(&record(0)), 8, "00000001", 0)),
            Err(Rejection::NonceInvalid)
        );
    }

    #[test]
    fn a_count_not_above_the_last_is_a_replay() {
        assert_eq!(
            nc_of(check(Some(&record(1)), 7, "00000001", 0)),
            Err(Rejection::NonceReplayed)
        );
        assert_eq!(
            nc_of(check(Some(&record(5)), 7, "00000002", 0)),
            Err(Rejection::NonceReplayed)
        );
    }

    #[test]
    fn replay_is_reported_before_expiry_and_expiry_is_exact() {
        assert_eq!(
            nc_of(check(Some(&record(3)), 7, "00000001", 5_000)),
            Err(Rejection::NonceReplayed)
        );
        assert_eq!(
            nc_of(check(Some(&record(0)), 7, "00000001", 1_000)),
            Err(Rejection::NonceExpired)
        );
        assert_eq!(nc_of(check(Some(&record(0)), 7, "00000001", 999)), Ok(1));
    }

    #[test]
    fn malformed_counts_name_the_field() {
        for bad in [
            "",
            "1",
            "0000001",
            "000000001",
            "0000000g",
            "+0000001",
            "-0000001",
        ] {
            assert!(
                matches!(
                    check(Some(&record(0)), 7, bad, 0),
                    Err(Rejection::Field { field: "nc", .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn expired_nonces_stay_one_ttl_before_purge() {
        assert_eq!(purge_horizon(1_300, 300), 1_000);
    }
}
