//! Digest authentication as a whole: issue challenges, judge an answer, hand
//! HA1s to SIP proxies. The pure checks live in [`nonces`] and
//! [`digest`]; this module fetches what they need and records the outcome.

use std::sync::Arc;

use crate::{
    domain::{model::ActiveAccount, AccountAddress},
    error::{CoreError, Result},
    rules::{accounts::roles::PendingAccess, Store},
};
use account_cache::AccountCache;
use answer::check_fields;
pub use answer::{Answer, Challenge, Verdict};
use digest::Rejection;
use nonces::{Lifetimes, NonceRecord};
use store::NonceUse;
use throttle::{Client, Key, Throttle};

pub mod account_cache;
pub mod answer;
pub mod caller_nonces;
pub mod digest;
pub mod nonces;
pub mod store;
pub mod throttle;

/// Who sent an answer, and the count of wrong answers it is held to.
#[derive(Clone, Copy)]
pub struct Guard<'a> {
    pub throttle: &'a Throttle,
    pub client: Client,
}

/// A new nonce for the account, offered once per algorithm it has a password for.
pub async fn challenge(
    store: &impl Store,
    accounts: &AccountCache,
    address: &AccountAddress,
    pending: PendingAccess,
    ttl_seconds: i64,
    now: i64,
) -> Result<Vec<Challenge>> {
    let active = admitted(accounts.active(store, address).await?, pending)?;
    let (_, challenges) = issue(store, accounts, address, active, ttl_seconds, now, false).await?;
    Ok(challenges)
}

/// Judges an answer. The common case, a right answer on a known nonce, is
/// checked in memory against the cached account and then accepted by one
/// statement; anything else is judged again on fresh reads, so the reason
/// given is exact and in the contract's order. A client past the failure
/// limit for the account is not judged at all; each wrong password counts.
pub async fn verify(
    store: &impl Store,
    accounts: &AccountCache,
    address: &AccountAddress,
    answer: Answer<'_>,
    guard: Guard<'_>,
    lifetimes: Lifetimes,
    now: i64,
) -> Result<Verdict> {
    let active = admitted(accounts.active(store, address).await?, answer.pending)?;
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
        caller_nonces::judge_and_record(store, accounts, address, active, answer, lifetimes, now)
            .await?
    } else {
        let ttl_seconds = lifetimes.ttl_seconds;
        judge_and_record(store, accounts, address, active, answer, ttl_seconds, now).await?
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

async fn judge_and_record(
    store: &impl Store,
    accounts: &AccountCache,
    address: &AccountAddress,
    active: Arc<ActiveAccount>,
    answer: Answer<'_>,
    ttl_seconds: i64,
    now: i64,
) -> Result<Verdict> {
    if let Ok(nc) = check_without_record(&answer, &active) {
        if store
            .accept_nonce(&use_of(&answer, &active, nc, now))
            .await?
        {
            return Ok(accepted(&active, &answer));
        }
    }
    let active = accounts.reload(store, address).await?;
    let record = store.nonce(&answer.fields.nonce).await?;
    let outcome = match judge(&answer, &active, record.as_ref(), now) {
        Ok(nc)
            if store
                .accept_nonce(&use_of(&answer, &active, nc, now))
                .await? =>
        {
            return Ok(accepted(&active, &answer));
        }
        // The statement refused what the read allowed: another request,
        // perhaps on another replica, took this nc first, or the account
        // changed in between.
        Ok(_) => Rejection::NonceReplayed,
        Err(rejection) => rejection,
    };
    if outcome == Rejection::NonceReplayed {
        store.delete_nonce(&answer.fields.nonce).await?;
    }
    let stale = outcome == Rejection::NonceExpired;
    let (active, challenges) =
        issue(store, accounts, address, active, ttl_seconds, now, stale).await?;
    Ok(Verdict {
        account: active.account.clone(),
        outcome: Err(outcome),
        challenges,
    })
}

/// Every check that does not need the stored nonce, taking the client's
/// opaque as the stored one: [`crate::rules::auth::store::NonceStore::accept_nonce`] checks the rest.
fn check_without_record(answer: &Answer<'_>, active: &ActiveAccount) -> Result<u32, Rejection> {
    let nc = nonces::parse_nc(&answer.fields.nc)?;
    check_fields(answer, active, &answer.fields.opaque)?;
    Ok(nc)
}

/// The pure decision: nonce state first, then fields and response.
fn judge(
    answer: &Answer<'_>,
    active: &ActiveAccount,
    record: Option<&NonceRecord>,
    now: i64,
) -> Result<u32, Rejection> {
    let (record, nc) = nonces::check(record, active.account.id, &answer.fields.nc, now)?;
    check_fields(answer, active, &record.opaque)?;
    Ok(nc)
}

fn use_of<'a>(answer: &'a Answer<'_>, active: &ActiveAccount, nc: u32, now: i64) -> NonceUse<'a> {
    NonceUse {
        nonce: &answer.fields.nonce,
        opaque: &answer.fields.opaque,
        account_id: active.account.id,
        nc,
        now,
        epoch: active.epoch,
    }
}

/// Success: the same nonce again, for the client's next `nc`.
fn accepted(active: &ActiveAccount, answer: &Answer<'_>) -> Verdict {
    Verdict {
        account: active.account.clone(),
        outcome: Ok(()),
        challenges: challenges_for(active, &answer.fields.nonce, &answer.fields.opaque, false),
    }
}

/// How many times a nonce is issued again when accounts keep changing under
/// it before the caller is told to retry.
const ISSUE_ATTEMPTS: usize = 3;

/// Stores a new nonce for the account as it stands now: when the copy at
/// hand turns out stale, the account is read again (it may be gone).
async fn issue(
    store: &impl Store,
    accounts: &AccountCache,
    address: &AccountAddress,
    mut active: Arc<ActiveAccount>,
    ttl_seconds: i64,
    now: i64,
    stale: bool,
) -> Result<(Arc<ActiveAccount>, Vec<Challenge>)> {
    for _ in 0..ISSUE_ATTEMPTS {
        let record = NonceRecord::issue(active.account.id, now, ttl_seconds)?;
        if store.insert_nonce(&record, active.epoch).await? {
            let challenges = challenges_for(&active, &record.nonce, &record.opaque, stale);
            return Ok((active, challenges));
        }
        active = accounts.reload(store, address).await?;
    }
    Err(anyhow::anyhow!(
        "accounts changed during each of {ISSUE_ATTEMPTS} attempts to issue a nonce"
    )
    .into())
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
