//! The web panel's sessions (contract panel.md "Sessions"): a random token
//! in the browser's cookie, its SHA-256 here with the account, the CSRF
//! token of its forms, and two lifetimes. Kept by the core rather than
//! signed into the cookie, so that a logout, a block or a password change
//! withdraws every copy of the cookie at once, whichever gateway replica
//! serves it.
//!
//! A session ends
//! - after `idle` without use, or `max` after it opened: judged at each
//!   use; the use itself is recorded at most once a minute ([`TOUCH_EVERY`],
//!   as for API keys), so idle time counts from up to a minute early;
//! - at logout ([`close`]);
//! - with its account, in the transaction of the change (the store's
//!   `update_account` and `delete_account`): deleted or deactivated, the
//!   account's sessions are deleted; blocked, they are marked, and their
//!   next use answers `Account blocked` once (unblocking revives none);
//! - at a password change.
//!
//! An account blocked or deactivated behind the core's back (an operator's
//! SQL) is caught at the next use all the same.

pub mod store;

use store::{NewSession, SessionStore, StoredSession};

use crate::{
    domain::{
        model::{Account, Secret},
        random::{fingerprint, random_text, BASE64URL},
    },
    error::{CoreError, Result},
    rules::accounts::{roles::ACCOUNT_BLOCKED as BLOCKED, store::AccountStore},
};

/// Characters of a session or CSRF token: 43 of base64url's 64 (258 bits).
pub const TOKEN_LENGTH: usize = 43;
/// How stale a recorded use may be before a use writes it again.
pub const TOUCH_EVERY: i64 = 60;
/// The longest User-Agent kept, in bytes (cut at a character boundary).
const MAX_USER_AGENT_BYTES: usize = 255;

/// `--panel-session-idle-minutes` and `--panel-session-max-hours`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    pub idle_seconds: i64,
    pub max_seconds: i64,
}

impl Default for Lifetimes {
    /// The contract's: 30 minutes idle, 12 hours in all.
    fn default() -> Self {
        Self {
            idle_seconds: 30 * 60,
            max_seconds: 12 * 3600,
        }
    }
}

/// A session just opened: the token is shown to the browser once, here.
pub struct Opened {
    pub token: Secret,
    pub csrf_token: String,
    /// Unix seconds: the end of its absolute lifetime.
    pub expires_at: i64,
}

/// A live session and its account as it is now.
#[derive(Debug)]
pub struct Current {
    pub account: Account,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// A new session for an account whose login was just proven.
pub async fn open(
    store: &impl SessionStore,
    account: &Account,
    user_agent: &str,
    lifetimes: Lifetimes,
    now: i64,
) -> Result<Opened> {
    let token = random_text(BASE64URL, TOKEN_LENGTH)?;
    let csrf_token = random_text(BASE64URL, TOKEN_LENGTH)?;
    store
        .insert_session(NewSession {
            account_id: account.id,
            token_sha256: &fingerprint(token.expose()),
            csrf_token: csrf_token.expose(),
            user_agent: clip(user_agent),
            now,
        })
        .await?;
    Ok(Opened {
        token,
        csrf_token: csrf_token.expose().to_owned(),
        expires_at: now.saturating_add(lifetimes.max_seconds),
    })
}

/// The session of `token` and its account; NOT_FOUND `Session` when there
/// is none, it expired, or its account is gone or deactivated;
/// PERMISSION_DENIED `Account blocked` when its account is blocked. Every
/// refusal but the unknown token ends the session.
pub async fn current(
    store: &(impl SessionStore + AccountStore),
    token: &str,
    lifetimes: Lifetimes,
    now: i64,
) -> Result<Current> {
    if !well_formed(token) {
        return Err(CoreError::NotFound("Session"));
    }
    let token_sha256 = fingerprint(token);
    let Some(session) = store.session(&token_sha256).await? else {
        return Err(CoreError::NotFound("Session"));
    };
    let account = store.account_by_id(session.account_id).await?;
    let refusal = match &account {
        _ if session.blocked => Some(CoreError::PermissionDenied(BLOCKED)),
        _ if expired(&session, lifetimes, now) => Some(CoreError::NotFound("Session")),
        Some(account) if account.blocked => Some(CoreError::PermissionDenied(BLOCKED)),
        Some(account) if account.activated => None,
        _ => Some(CoreError::NotFound("Session")),
    };
    if let Some(refusal) = refusal {
        store.delete_session(&token_sha256).await?;
        return Err(refusal);
    }
    let account = account.ok_or(CoreError::NotFound("Session"))?;
    if session.last_used_at < now - TOUCH_EVERY {
        store
            .touch_session(session.id, now, now - TOUCH_EVERY)
            .await?;
    }
    Ok(Current {
        account,
        csrf_token: session.csrf_token,
        expires_at: session.created_at.saturating_add(lifetimes.max_seconds),
    })
}

/// Ends the session of `token` (a logout); an unknown one is no error.
pub async fn close(store: &impl SessionStore, token: &str) -> Result<()> {
    if well_formed(token) {
        store.delete_session(&fingerprint(token)).await?;
    }
    Ok(())
}

/// What the sweep deletes: sessions past either lifetime.
pub async fn purge(store: &impl SessionStore, lifetimes: Lifetimes, now: i64) -> Result<u64> {
    store
        .purge_sessions(now - lifetimes.idle_seconds, now - lifetimes.max_seconds)
        .await
}

fn expired(session: &StoredSession, lifetimes: Lifetimes, now: i64) -> bool {
    now - session.last_used_at > lifetimes.idle_seconds
        || now - session.created_at > lifetimes.max_seconds
}

/// Whether a string could be a token at all: others never reach the database.
fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_LENGTH && token.bytes().all(|b| BASE64URL.contains(&b))
}

fn clip(user_agent: &str) -> &str {
    if user_agent.len() <= MAX_USER_AGENT_BYTES {
        return user_agent;
    }
    let mut end = MAX_USER_AGENT_BYTES;
    while !user_agent.is_char_boundary(end) {
        end -= 1;
    }
    &user_agent[..end]
}

#[cfg(test)]
mod tests;
