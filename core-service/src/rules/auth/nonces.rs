//! What both kinds of nonce share: the `nc` grammar, their lifetimes, and
//! the record a proxy's nonce is claimed with at its first answer
//! ([`crate::rules::auth::caller_nonces`]). The core's own nonces are
//! signed, not stored ([`crate::rules::auth::signed_nonces`]).

use crate::rules::auth::digest::Rejection;

/// A proxy's nonce as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonceRecord {
    pub nonce: String,
    pub opaque: String,
    pub account_id: i64,
    /// The `nc` of its first answer.
    pub nc: i64,
    pub expires_at: i64,
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
/// grace after expiry, so a late answer is still told why.
pub fn purge_horizon(now: i64, ttl_seconds: i64) -> i64 {
    now.saturating_sub(ttl_seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_eight_hex_digits() {
        assert_eq!(parse_nc("00000001"), Ok(1));
        assert_eq!(parse_nc("0000000a"), Ok(10));
        assert_eq!(parse_nc("FFFFFFFF"), Ok(u32::MAX));
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
                matches!(parse_nc(bad), Err(Rejection::Field { field: "nc", .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn expired_nonces_stay_one_ttl_before_purge() {
        assert_eq!(purge_horizon(1_300, 300), 1_000);
    }
}
