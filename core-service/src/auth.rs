//! Digest authentication as a whole: issue challenges, judge an answer, hand
//! HA1s to SIP proxies. The pure checks live in [`crate::nonces`] and
//! [`crate::digest`]; this module fetches what they need and records the outcome.

use crate::{
    digest::{self, DigestFields, Rejection},
    domain::{AccountAddress, Algorithm},
    error::{CoreError, Result},
    nonces::{self, NonceRecord},
    store::{Account, AccountStore, Credential, NonceStore, Verification},
};

/// One `WWW-Authenticate: Digest …` challenge (qop is always `auth`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: String,
    pub algorithm: Algorithm,
    pub stale: bool,
}

/// An answer to check, as the client sent it for this request.
pub struct Answer<'a> {
    pub method: &'a str,
    pub request_uri: &'a str,
    pub fields: &'a DigestFields,
}

/// The judgement on an answer, with the challenges to send back: the same
/// nonce on success, a fresh one on refusal.
#[derive(Debug)]
pub struct Verdict {
    pub account: Account,
    pub outcome: Result<(), Rejection>,
    pub challenges: Vec<Challenge>,
}

/// A new nonce for the account, offered once per algorithm it has a password for.
pub async fn challenge(
    store: &impl NonceStore,
    address: &AccountAddress,
    ttl_seconds: i64,
    now: i64,
) -> Result<Vec<Challenge>> {
    let found = active_verification(store, address, "").await?;
    issue(
        store,
        &found.account,
        &found.credentials,
        ttl_seconds,
        now,
        false,
    )
    .await
}

/// One round trip for the account, its passwords and the nonce. A
/// deactivated account is not found, exactly as Flexisip's own password
/// query (`activated = true`) sees it.
async fn active_verification(
    store: &impl NonceStore,
    address: &AccountAddress,
    nonce: &str,
) -> Result<Verification> {
    match store
        .verification(&address.username, &address.domain, nonce)
        .await?
    {
        Some(found) if found.account.activated => Ok(found),
        _ => Err(CoreError::NotFound("account")),
    }
}

pub async fn verify(
    store: &impl NonceStore,
    address: &AccountAddress,
    answer: Answer<'_>,
    ttl_seconds: i64,
    now: i64,
) -> Result<Verdict> {
    let Verification {
        account,
        credentials,
        nonce: record,
    } = active_verification(store, address, &answer.fields.nonce).await?;
    let outcome = match judge(&answer, &account, &credentials, record.as_ref(), now) {
        Ok((record, nc)) if store.advance_nc(&record.nonce, nc).await? => Ok(record),
        // Another request, perhaps on another replica, took this nc first.
        Ok(_) => Err(Rejection::NonceReplayed),
        Err(rejection) => Err(rejection),
    };
    let challenges = match &outcome {
        Ok(record) => challenges_for(&account, &credentials, record, false),
        Err(rejection) => {
            if *rejection == Rejection::NonceReplayed {
                store.delete_nonce(&answer.fields.nonce).await?;
            }
            let stale = *rejection == Rejection::NonceExpired;
            issue(store, &account, &credentials, ttl_seconds, now, stale).await?
        }
    };
    Ok(Verdict {
        account,
        outcome: outcome.map(|_| ()),
        challenges,
    })
}

/// The pure decision: nonce state first, then fields and response.
fn judge<'r>(
    answer: &Answer<'_>,
    account: &Account,
    credentials: &[Credential],
    record: Option<&'r NonceRecord>,
    now: i64,
) -> Result<(&'r NonceRecord, u32), Rejection> {
    let (record, nc) = nonces::check(record, account.id, &answer.fields.nc, now)?;
    digest::check_answer(
        answer.fields,
        answer.method,
        answer.request_uri,
        account,
        credentials,
        &record.opaque,
    )?;
    Ok((record, nc))
}

async fn issue(
    store: &impl NonceStore,
    account: &Account,
    credentials: &[Credential],
    ttl_seconds: i64,
    now: i64,
    stale: bool,
) -> Result<Vec<Challenge>> {
    let record = NonceRecord::issue(account.id, now, ttl_seconds)?;
    store.insert_nonce(&record).await?;
    Ok(challenges_for(account, credentials, &record, stale))
}

/// One challenge per stored algorithm, in store order (MD5 first).
fn challenges_for(
    account: &Account,
    credentials: &[Credential],
    record: &NonceRecord,
    stale: bool,
) -> Vec<Challenge> {
    credentials
        .iter()
        .map(|credential| Challenge {
            realm: account.domain.clone(),
            nonce: record.nonce.clone(),
            opaque: record.opaque.clone(),
            algorithm: credential.algorithm,
            stale,
        })
        .collect()
}

/// The HA1s of an activated account, for a SIP proxy computing Digest itself.
/// One query, Flexisip's own joined: no credentials means no such activated
/// account (or one without a password, which cannot authenticate either).
pub async fn credentials(
    store: &impl AccountStore,
    address: &AccountAddress,
) -> Result<Vec<Credential>> {
    let credentials = store
        .active_credentials(&address.username, &address.domain)
        .await?;
    if credentials.is_empty() {
        return Err(CoreError::NotFound("account"));
    }
    Ok(credentials)
}
