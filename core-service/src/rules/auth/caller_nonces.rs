//! Digest answers to nonces the caller issued: a SIP proxy that challenges
//! on its own and forwards each answer, as Flexisip's ExternalAuthentication
//! plugin does. The proxy keeps no `nc` state in that mode, so the core
//! does. A nonce is claimed in the database at its first right answer, by
//! the replica that judged it, which keeps its `nc` in memory from then on
//! ([`super::answered`]): later answers cost no statement, and the gateway
//! sends every answer to one nonce to the same replica (a hash of the
//! nonce). A replica that finds a nonce claimed but does not hold it (its
//! claimer is another replica, or itself before a restart or an eviction)
//! refuses the answer as stale, and the proxy challenges again: a claimed
//! nonce is never new again, so a captured answer cannot be replayed.
//!
//! - Claimed as [`PREFIX`] and a digest of the account and the nonce: one
//!   account's answers never touch another's claim, whatever nonce a client
//!   picks (the proxy's nonces are predictable, so a client could otherwise
//!   claim one before its user does).
//! - Only a right answer claims: a guesser stores nothing.
//! - An account holds at most [`LIVE_PER_ACCOUNT`] live claims. A nonce past
//!   that is refused until the oldest expires; none is evicted early.
//! - A replayed answer is refused, and its nonce kept (a UDP retransmission
//!   repeats an `nc`; the core discards its own nonces instead).

use std::sync::Arc;

use sha2::{Digest as _, Sha256};

use crate::{
    domain::model::ActiveAccount,
    error::Result,
    rules::{
        auth::{
            answer::{check_fields, Answer, Verdict},
            answered::{Answered, NonceRef, Taken, PER_ACCOUNT},
            digest::Rejection,
            nonces::{self, Lifetimes, NonceRecord},
        },
        Store,
    },
};

/// What a caller-issued nonce is stored under, before its digest. The SQL
/// that counts them spells it too (`nonce_sql::LIVE_CALLER`).
pub const PREFIX: char = '~';

/// Hex digits of the digest kept: with the prefix, what every backend's
/// nonce column holds (MariaDB's is 64 ASCII characters).
const DIGEST_HEX: usize = 63;

/// The cap of part 3 on an account's answered nonces, applied to the claims.
pub const LIVE_PER_ACCOUNT: i64 = PER_ACCOUNT as i64;

/// The longest opaque: what every backend's column holds (MariaDB's is 64
/// ASCII characters).
const MAX_OPAQUE_LEN: usize = 64;

/// Judges an answer to a caller's nonce: the fields and the response
/// first, then the nonce's state, claimed at its first right answer.
pub async fn judge_and_record(
    store: &impl Store,
    proxies: &Answered,
    active: Arc<ActiveAccount>,
    answer: Answer<'_>,
    lifetimes: Lifetimes,
    now_ms: u64,
) -> Result<Verdict> {
    let outcome = judged(store, proxies, &active, &answer, lifetimes, now_ms).await?;
    Ok(Verdict {
        account: active.account.clone(),
        outcome,
        // The proxy issues its own challenges.
        challenges: Vec::new(),
    })
}

async fn judged(
    store: &impl Store,
    proxies: &Answered,
    active: &ActiveAccount,
    answer: &Answer<'_>,
    lifetimes: Lifetimes,
    now_ms: u64,
) -> Result<Result<(), Rejection>> {
    let account_id = active.account.id;
    let key = match stored_key(account_id, &answer.fields.nonce, &answer.fields.opaque) {
        Ok(key) => key,
        Err(rejection) => return Ok(Err(rejection)),
    };
    let nc = match check(answer, active) {
        Ok(nc) => nc,
        Err(rejection) => return Ok(Err(rejection)),
    };
    let ttl_ms = super::seconds_ms(lifetimes.ttl_seconds);
    let nonce = NonceRef {
        account_id,
        id: memory_id(&key),
        issued_ms: now_ms,
        expires_ms: now_ms.saturating_add(ttl_ms),
    };
    match proxies.peek(nonce, nc, now_ms) {
        Taken::Unknown => {}
        Taken::Accepted => return Ok(rejection_of(proxies.take(nonce, nc, now_ms))),
        refused => return Ok(rejection_of(refused)),
    }
    let now = i64::try_from(now_ms / 1_000).unwrap_or(i64::MAX);
    let (ttl_seconds, judged_now) = judged_clock(lifetimes, now);
    if store.live_caller_nonces(account_id, judged_now).await? >= LIVE_PER_ACCOUNT {
        return Ok(Err(Rejection::NonceQuota));
    }
    let first = NonceRecord {
        nonce: key,
        opaque: answer.fields.opaque.clone(),
        account_id,
        nc: i64::from(nc),
        expires_at: judged_now.saturating_add(ttl_seconds),
    };
    if store.insert_caller_nonce(&first).await? {
        return Ok(rejection_of(proxies.take(nonce, nc, now_ms)));
    }
    // Claimed first by a concurrent answer: this replica's (then judged
    // against it), or another one's (stale: the proxy challenges again).
    Ok(match proxies.peek(nonce, nc, now_ms) {
        Taken::Unknown => Err(Rejection::NonceExpired),
        Taken::Accepted => rejection_of(proxies.take(nonce, nc, now_ms)),
        refused => rejection_of(refused),
    })
}

fn rejection_of(taken: Taken) -> Result<(), Rejection> {
    match taken {
        Taken::Accepted | Taken::Unknown => Ok(()),
        Taken::Replayed => Err(Rejection::NonceReplayed),
        Taken::Discarded | Taken::Forgotten | Taken::Expired => Err(Rejection::NonceExpired),
    }
}

/// What the claim is kept under in memory: the start of its digest.
fn memory_id(key: &str) -> [u8; 16] {
    let digest = Sha256::digest(key.as_bytes());
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    id
}

/// The TTL and the clock the records are judged on. A record is stored to
/// expire at the end of its retention; on a clock moved on by the retention
/// less the TTL, it is usable for the TTL after its first answer, then
/// refused as expired until the retention ends, and purged one TTL later.
/// So the live count and the accept statement need no second expiry.
fn judged_clock(lifetimes: Lifetimes, now: i64) -> (i64, i64) {
    let Lifetimes {
        ttl_seconds,
        proxy_retention_seconds,
    } = lifetimes;
    let kept_longer = proxy_retention_seconds.saturating_sub(ttl_seconds).max(0);
    (ttl_seconds, now.saturating_add(kept_longer))
}

/// The record's key for this account's answers to `nonce`. The opaque is
/// stored as given, so it is held to what every backend's column takes.
fn stored_key(account_id: i64, nonce: &str, opaque: &str) -> Result<String, Rejection> {
    if nonce.is_empty() {
        return Err(Rejection::field("nonce", "is missing"));
    }
    let visible = opaque.bytes().all(|b| b.is_ascii_graphic() && b != b'"');
    if opaque.len() > MAX_OPAQUE_LEN || !visible {
        return Err(Rejection::field(
            "opaque",
            "must be at most 64 visible ASCII characters",
        ));
    }
    let digest = Sha256::new()
        .chain_update(account_id.to_be_bytes())
        .chain_update(nonce.as_bytes())
        .finalize();
    let mut key = String::with_capacity(1 + DIGEST_HEX);
    key.push(PREFIX);
    key.push_str(&hex::encode(digest)[..DIGEST_HEX]);
    Ok(key)
}

/// Every check of the answer but the nonce's state: the Digest fields, then
/// the response in constant time. Returns the `nc` to record.
fn check(answer: &Answer<'_>, active: &ActiveAccount) -> Result<u32, Rejection> {
    let fields = answer.fields;
    if fields.qop.is_empty() {
        // RFC 2069 answers carry no nc: nothing would stop their replay.
        return Err(Rejection::field(
            "qop",
            "is missing: only qop=auth answers are accepted (challenge with qop)",
        ));
    }
    let scheme = fields.uri.split_once(':').map(|(scheme, _)| scheme);
    if !scheme.is_some_and(|s| s.eq_ignore_ascii_case("sip") || s.eq_ignore_ascii_case("sips")) {
        return Err(Rejection::field("uri", "must be a sip: or sips: URI"));
    }
    let nc = nonces::parse_nc(&fields.nc)?;
    // A proxy that does not forward the Request-URI leaves it to the
    // Digest uri, which the response covers.
    let request_uri = if answer.request_uri.is_empty() {
        &fields.uri
    } else {
        answer.request_uri
    };
    let answer = Answer {
        request_uri,
        ..*answer
    };
    check_fields(&answer, active, &fields.opaque)?;
    Ok(nc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_nonce_is_usable_for_the_ttl_and_kept_for_the_retention() {
        let lifetimes = Lifetimes {
            ttl_seconds: 300,
            proxy_retention_seconds: 3_600,
        };
        let (ttl, first) = judged_clock(lifetimes, 1_000);
        let expires_at = first + ttl;
        assert_eq!(expires_at, 1_000 + 3_600, "stored until the retention ends");
        let usable = |now| judged_clock(lifetimes, now).1 < expires_at;
        assert!(usable(1_299) && !usable(1_300), "usable for the TTL");
        let purged = |now| expires_at < crate::rules::auth::nonces::purge_horizon(now, ttl);
        assert!(
            !purged(4_900) && purged(4_901),
            "purged one TTL after the retention"
        );
        let shorter = Lifetimes {
            proxy_retention_seconds: 10,
            ..lifetimes
        };
        assert_eq!(
            judged_clock(shorter, 1_000),
            (300, 1_000),
            "never less than the TTL"
        );
    }

    #[test]
    fn caller_nonces_are_keyed_by_account_and_fit_the_columns() {
        let key = stored_key(7, "cXVpZXQ=", "").unwrap();
        assert_eq!(key.len(), 64);
        assert!(key.starts_with(PREFIX));
        assert_eq!(stored_key(7, "cXVpZXQ=", "o").unwrap(), key);
        assert_ne!(stored_key(8, "cXVpZXQ=", "").unwrap(), key, "per account");
        assert_ne!(stored_key(7, "cXVpZXR=", "").unwrap(), key);
        assert_eq!(stored_key(7, &"é ".repeat(300), "").unwrap().len(), 64);
        for (nonce, opaque, field) in [
            ("", "", "nonce"),
            ("ok", &"o".repeat(65) as &str, "opaque"),
            ("ok", "has space", "opaque"),
            ("ok", "é", "opaque"),
        ] {
            assert!(
                matches!(stored_key(7, nonce, opaque), Err(Rejection::Field { field: f, .. }) if f == field),
                "{nonce:?} {opaque:?}"
            );
        }
    }
}
