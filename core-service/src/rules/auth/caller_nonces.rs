//! Digest answers to nonces the caller issued: a SIP proxy that challenges
//! on its own and forwards each answer, as Flexisip's ExternalAuthentication
//! plugin does. The proxy keeps no `nc` state in that mode, so the core
//! does: a nonce is recorded at its first right answer, usable for the nonce
//! TTL and kept for the proxy retention ([`judged_clock`]), and each later
//! answer must carry a greater `nc`, accepted by the same
//! atomic statement as the core's own nonces
//! ([`crate::rules::auth::store::NonceStore::accept_nonce`]), on any replica.
//!
//! - Stored as [`PREFIX`] and a digest of the account and the nonce: the
//!   core's own nonces (hex) never hold the prefix, so the two kinds never
//!   meet and the caller's can be counted per account; and one account's
//!   answers never touch another's record, whatever nonce a client picks
//!   (the proxy's nonces are predictable, so a client could otherwise
//!   claim one before its user does).
//! - Only a right answer is recorded: a guesser stores nothing.
//! - An account holds at most [`LIVE_PER_ACCOUNT`] live ones. A nonce past
//!   that is refused until the oldest expires; none is evicted, and a
//!   replayed one is kept (the core discards its own): a nonce no longer
//!   stored would be new again, and a captured answer to it could be
//!   replayed.

use std::sync::Arc;

use sha2::{Digest as _, Sha256};

use crate::{
    domain::{model::ActiveAccount, AccountAddress},
    error::Result,
    rules::{
        auth::{
            account_cache::AccountCache,
            answer::{check_fields, Answer, Verdict},
            digest::Rejection,
            nonces::{self, Lifetimes, NonceRecord, UNANSWERED_PER_ACCOUNT},
            store::NonceUse,
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

/// The cap of part 3 on an account's nonces, applied to the caller's.
pub const LIVE_PER_ACCOUNT: i64 = UNANSWERED_PER_ACCOUNT;

/// The longest opaque: what every backend's column holds (MariaDB's is 64
/// ASCII characters).
const MAX_OPAQUE_LEN: usize = 64;

/// How many times the account is read again when it keeps changing under
/// an answer before the caller is told to retry.
const ATTEMPTS: usize = 3;

/// Judges an answer to a caller's nonce and records its `nc`. The common
/// case, a right answer on a recorded nonce, is one statement against the
/// cached account; anything else is judged again on fresh reads.
pub async fn judge_and_record(
    store: &impl Store,
    accounts: &AccountCache,
    address: &AccountAddress,
    active: Arc<ActiveAccount>,
    answer: Answer<'_>,
    lifetimes: Lifetimes,
    now: i64,
) -> Result<Verdict> {
    let (ttl_seconds, now) = judged_clock(lifetimes, now);
    let key_of = |active: &ActiveAccount| {
        stored_key(
            active.account.id,
            &answer.fields.nonce,
            &answer.fields.opaque,
        )
    };
    if let (Ok(key), Ok(nc)) = (key_of(&active), check(&answer, &active)) {
        if store
            .accept_nonce(&use_of(&key, &answer, &active, nc, now))
            .await?
        {
            return Ok(verdict(&active, Ok(())));
        }
    }
    for _ in 0..ATTEMPTS {
        // The account may have been replaced (same address, a new id).
        let active = accounts.reload(store, address).await?;
        let checked = key_of(&active).and_then(|key| Ok((key, check(&answer, &active)?)));
        let (key, nc) = match checked {
            Ok(checked) => checked,
            Err(rejection) => return Ok(verdict(&active, Err(rejection))),
        };
        let outcome = record(store, &key, &answer, &active, nc, ttl_seconds, now).await?;
        if let Some(outcome) = outcome {
            return Ok(verdict(&active, outcome));
        }
    }
    Err(
        anyhow::anyhow!("accounts changed during each of {ATTEMPTS} attempts to record a nonce")
            .into(),
    )
}

/// Moves a recorded nonce on, or records a new one. `None`: the account
/// changed in between (read it again).
async fn record(
    store: &impl Store,
    key: &str,
    answer: &Answer<'_>,
    active: &ActiveAccount,
    nc: u32,
    ttl_seconds: i64,
    now: i64,
) -> Result<Option<Result<(), Rejection>>> {
    if store
        .accept_nonce(&use_of(key, answer, active, nc, now))
        .await?
    {
        return Ok(Some(Ok(())));
    }
    if let Some(stored) = store.nonce(key).await? {
        return Ok(
            match nonces::check(Some(&stored), active.account.id, &answer.fields.nc, now) {
                Err(rejection) => Some(Err(rejection)),
                Ok(_) if stored.opaque != answer.fields.opaque => Some(Err(Rejection::field(
                    "opaque",
                    "does not match the nonce's first answer",
                ))),
                // The read allows what the statement refused: the account (its
                // epoch) changed, or another answer took this nc in between.
                Ok(_) => None,
            },
        );
    }
    if store.live_caller_nonces(active.account.id, now).await? >= LIVE_PER_ACCOUNT {
        return Ok(Some(Err(Rejection::NonceQuota)));
    }
    let first = NonceRecord {
        nonce: key.to_owned(),
        opaque: answer.fields.opaque.clone(),
        account_id: active.account.id,
        nc: i64::from(nc),
        expires_at: now.saturating_add(ttl_seconds),
    };
    if store.insert_caller_nonce(&first, active.epoch).await? {
        return Ok(Some(Ok(())));
    }
    // Another first answer recorded it (the next turn judges this nc
    // against it), or the account changed.
    Ok(None)
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

fn use_of<'a>(
    key: &'a str,
    answer: &'a Answer<'_>,
    active: &ActiveAccount,
    nc: u32,
    now: i64,
) -> NonceUse<'a> {
    NonceUse {
        nonce: key,
        opaque: &answer.fields.opaque,
        account_id: active.account.id,
        nc,
        now,
        epoch: active.epoch,
    }
}

/// The proxy issues its own challenges: a verdict here carries none.
fn verdict(active: &ActiveAccount, outcome: Result<(), Rejection>) -> Verdict {
    Verdict {
        account: active.account.clone(),
        outcome,
        challenges: Vec::new(),
    }
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
