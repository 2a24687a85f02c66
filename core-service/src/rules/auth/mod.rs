//! Digest authentication as a whole: issue challenges, judge an answer, hand
//! HA1s to SIP proxies. The pure checks live in [`signed_nonces`],
//! [`answered`] and [`digest`]; this module puts them in the contract's
//! order. A challenge and a right answer on a known nonce cost no statement:
//! the nonce is signed ([`signed_nonces`]), its counts are in this
//! replica's memory ([`answered`]), and the account is the cached copy,
//! confirmed current by [`AccountCache::confirmed`].

use std::sync::Arc;

use crate::{
    domain::{model::ActiveAccount, AccountAddress},
    error::{CoreError, Result},
    rules::{accounts::roles::PendingAccess, Store},
};
use account_cache::AccountCache;
use answer::check_fields;
pub use answer::{Answer, Challenge, Verdict};
use answered::{Answered, NonceRef, Taken};
use digest::Rejection;
use nonces::Lifetimes;
use signed_nonces::Keyring;
use throttle::{Client, Key, Throttle};

pub mod account_cache;
pub mod answer;
pub mod answered;
pub mod caller_nonces;
pub mod digest;
pub mod nonces;
pub mod signed_nonces;
pub mod store;
pub mod throttle;

/// What this replica's Digest checks hold in memory: the signing keys, and
/// the answered nonces, its own and a proxy's.
#[derive(Debug)]
pub struct NonceState {
    pub keyring: Keyring,
    pub answered: Answered,
    pub proxies: Answered,
}

impl NonceState {
    pub fn new(keyring: Keyring) -> Self {
        Self {
            keyring,
            answered: Answered::default(),
            proxies: Answered::keeping_replayed(),
        }
    }

    /// Every [`signed_nonces::KEY_REFRESH`] until `stopped` closes: reads
    /// the keys again (a failed read keeps those in force), and drops the
    /// answered nonces no answer can need any more.
    pub async fn follow(
        &self,
        store: impl store::NonceStore,
        ttl_seconds: i64,
        mut stopped: tokio::sync::watch::Receiver<()>,
    ) {
        let mut ticker = tokio::time::interval(signed_nonces::KEY_REFRESH);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = stopped.changed() => return,
            }
            if let Err(error) = self.keyring.refresh(&store).await {
                tracing::warn!(%error, "cannot read the nonce keys");
            }
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
            let grace = seconds_ms(ttl_seconds);
            self.answered.sweep(grace, now_ms);
            self.proxies.sweep(grace, now_ms);
        }
    }
}

/// Who sent an answer, and the count of wrong answers it is held to.
#[derive(Clone, Copy)]
pub struct Guard<'a> {
    pub throttle: &'a Throttle,
    pub client: Client,
}

/// A new nonce for the account as it stands now, offered once per
/// algorithm it has a password for. Nothing is stored.
pub async fn challenge(
    store: &impl Store,
    accounts: &AccountCache,
    state: &NonceState,
    address: &AccountAddress,
    pending: PendingAccess,
    now_ms: u64,
) -> Result<Vec<Challenge>> {
    let active = admitted(accounts.confirmed(store, address).await?, pending)?;
    issue(state, &active, now_ms, false)
}

/// Judges an answer on the account as it stands now (the copy in memory,
/// confirmed current). A client past the failure limit for the account is
/// not judged at all; each wrong password counts.
#[allow(clippy::too_many_arguments)]
pub async fn verify(
    store: &impl Store,
    accounts: &AccountCache,
    state: &NonceState,
    address: &AccountAddress,
    answer: Answer<'_>,
    guard: Guard<'_>,
    lifetimes: Lifetimes,
    now_ms: u64,
) -> Result<Verdict> {
    let active = admitted(accounts.confirmed(store, address).await?, answer.pending)?;
    let now = i64::try_from(now_ms / 1_000).unwrap_or(i64::MAX);
    let key = Key::Account(active.account.id, guard.client);
    if let Err(retry_after_seconds) = guard.throttle.check(key, now) {
        return Ok(Verdict {
            account: active.account.clone(),
            outcome: Err(Rejection::Throttled {
                retry_after_seconds,
            }),
            challenges: Vec::new(),
        });
    }
    let verdict = if answer.nonce_from_caller {
        let proxies = &state.proxies;
        caller_nonces::judge_and_record(store, proxies, active, answer, lifetimes, now_ms).await?
    } else {
        judge_own(state, &active, &answer, lifetimes.ttl_seconds, now_ms)?
    };
    match &verdict.outcome {
        Ok(()) => guard.throttle.succeeded(key),
        Err(Rejection::Unauthorized) => {
            if guard.throttle.failed(key, now).is_err() {
                tracing::warn!(
                    account_id = verdict.account.id,
                    "failure limit reached: the account is locked for this client"
                );
            }
        }
        Err(_) => {}
    }
    Ok(verdict)
}

/// The account read for a Digest check (activated or pending), if it may
/// authenticate here: a pending one is unknown to SIP.
fn admitted(active: Arc<ActiveAccount>, pending: PendingAccess) -> Result<Arc<ActiveAccount>> {
    if pending.admits(&active.account) {
        Ok(active)
    } else {
        Err(CoreError::NotFound("account"))
    }
}

/// An answer to one of the core's nonces, in the contract's order: the
/// nonce genuine and this account's, not replayed, not expired; then the
/// fields and the response; then its `nc` taken, atomically.
fn judge_own(
    state: &NonceState,
    active: &ActiveAccount,
    answer: &Answer<'_>,
    ttl_seconds: i64,
    now_ms: u64,
) -> Result<Verdict> {
    let outcome = judged(state, active, answer, seconds_ms(ttl_seconds), now_ms);
    match outcome {
        Ok(()) => Ok(Verdict {
            account: active.account.clone(),
            outcome: Ok(()),
            challenges: challenges_for(active, &answer.fields.nonce, &answer.fields.opaque, false),
        }),
        Err(rejection) => {
            let stale = rejection == Rejection::NonceExpired;
            Ok(Verdict {
                account: active.account.clone(),
                outcome: Err(rejection),
                challenges: issue(state, active, now_ms, stale)?,
            })
        }
    }
}

fn judged(
    state: &NonceState,
    active: &ActiveAccount,
    answer: &Answer<'_>,
    ttl_ms: u64,
    now_ms: u64,
) -> Result<(), Rejection> {
    let account = &active.account;
    let fields = answer.fields;
    let opened = state
        .keyring
        .open(&fields.nonce, account.id, &account.realm, ttl_ms, now_ms)?;
    let nc = nonces::parse_nc(&fields.nc)?;
    let nonce = NonceRef {
        account_id: account.id,
        id: opened.id,
        issued_ms: opened.issued_ms,
        expires_ms: opened.expires_ms,
    };
    rejection_of(state.answered.peek(nonce, nc, now_ms))?;
    check_fields(answer, active, &opened.opaque)?;
    rejection_of(state.answered.take(nonce, nc, now_ms))
}

/// The table's word as the contract's: a forgotten nonce is stale (the
/// client takes a new challenge with the same password).
fn rejection_of(taken: Taken) -> Result<(), Rejection> {
    match taken {
        Taken::Accepted | Taken::Unknown => Ok(()),
        Taken::Replayed => Err(Rejection::NonceReplayed),
        Taken::Discarded => Err(Rejection::NonceInvalid),
        Taken::Expired | Taken::Forgotten => Err(Rejection::NonceExpired),
    }
}

/// Seconds as milliseconds (a negative count is 0).
fn seconds_ms(seconds: i64) -> u64 {
    u64::try_from(seconds).unwrap_or(0).saturating_mul(1_000)
}

/// A new signed nonce for the account as this copy has it.
fn issue(
    state: &NonceState,
    active: &ActiveAccount,
    now_ms: u64,
    stale: bool,
) -> Result<Vec<Challenge>> {
    let issued = state
        .keyring
        .issue(active.account.id, &active.account.realm, now_ms)?;
    Ok(challenges_for(active, &issued.nonce, &issued.opaque, stale))
}

/// One challenge per stored algorithm, in store order (MD5 first).
fn challenges_for(
    active: &ActiveAccount,
    nonce: &str,
    opaque: &str,
    stale: bool,
) -> Vec<Challenge> {
    active
        .credentials
        .iter()
        .map(|credential| Challenge {
            realm: active.account.realm.clone(),
            nonce: nonce.to_owned(),
            opaque: opaque.to_owned(),
            algorithm: credential.algorithm,
            stale,
        })
        .collect()
}

/// The HA1s of an activated account (with the realm they bind), for a SIP
/// proxy computing Digest itself. One query, Flexisip's own joined: no
/// credentials means no such activated account (or one without a password,
/// which cannot authenticate either).
pub async fn credentials(
    store: &impl Store,
    accounts: &AccountCache,
    address: &AccountAddress,
) -> Result<Arc<ActiveAccount>> {
    let active = admitted(
        accounts.confirmed(store, address).await?,
        PendingAccess::Refused,
    )?;
    if active.credentials.is_empty() {
        return Err(CoreError::NotFound("account"));
    }
    Ok(active)
}
