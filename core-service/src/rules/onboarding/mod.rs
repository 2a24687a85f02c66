//! Linphone app onboarding (contract part 4): tokens that let an app create
//! or recover an account ([`tokens`], [`push`], [`signup`]), codes that
//! prove an email address or a phone number ([`codes`]), and the recovery
//! of a lost password ([`recovery`]). Tokens and codes come from the OS
//! random generator and are stored only as SHA-256; each serves once; every
//! limit is counted in the database, so gateway replicas and core replicas
//! share them.

use std::sync::Arc;

use crate::{
    domain::{
        model::Secret,
        random::{fingerprint, random_text, ALPHANUMERIC},
    },
    error::{CoreError, Result},
};
use delivery::Delivery;
use store::{NewToken, OnboardingStore, Requester, TokenKind};

pub mod codes;
pub mod delivery;
pub mod push;
pub mod recovery;
pub mod signup;
pub mod store;
pub mod tokens;

/// Tokens are 13 characters `[A-Za-z0-9]`, as FlexiAPI's.
pub const TOKEN_LENGTH: usize = 13;
/// A code dies after this many wrong tries (FlexiAPI's `MAX_ATTEMPTS`).
pub const MAX_TRIES: i64 = 3;
const HOUR: i64 = 3600;

/// The lifetimes and limits of part 4, from the core's flags. A lifetime of
/// 0 means never.
#[derive(Debug, Clone)]
pub struct Settings {
    pub request_token_ttl_seconds: i64,
    pub creation_token_ttl_seconds: i64,
    pub recovery_token_ttl_seconds: i64,
    pub code_ttl_seconds: i64,
    pub push_retry_seconds: i64,
    pub device_account_retry_minutes: i64,
    pub codes_per_account_per_hour: i64,
    pub messages_per_destination_per_hour: i64,
    pub requests_per_ip_per_hour: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            request_token_ttl_seconds: 3600,
            creation_token_ttl_seconds: 3600,
            recovery_token_ttl_seconds: 3600,
            code_ttl_seconds: 600,
            push_retry_seconds: 60,
            device_account_retry_minutes: 60,
            codes_per_account_per_hour: 5,
            messages_per_destination_per_hour: 3,
            requests_per_ip_per_hour: 30,
        }
    }
}

impl Settings {
    /// How long a used or expired token or code is kept: as long as any
    /// limit looks back (a device's last account, its last push, an
    /// hour's codes), and two days at least, for an operator's questions.
    pub fn retention_seconds(&self) -> i64 {
        [
            2 * 24 * HOUR,
            self.device_account_retry_minutes.saturating_mul(60),
            self.push_retry_seconds,
        ]
        .into_iter()
        .max()
        .unwrap_or(2 * 24 * HOUR)
    }

    fn ttl_of(&self, kind: TokenKind) -> i64 {
        match kind {
            TokenKind::Request => self.request_token_ttl_seconds,
            TokenKind::Creation => self.creation_token_ttl_seconds,
            TokenKind::Recovery => self.recovery_token_ttl_seconds,
        }
    }
}

/// What the onboarding calls share: their settings and the way out.
#[derive(Debug, Clone)]
pub struct Onboarding {
    pub settings: Settings,
    pub delivery: Arc<dyn Delivery>,
}

/// A token just made: the only time it exists in clear.
#[derive(Debug)]
pub struct Issued {
    pub token: Secret,
    /// `None`: it never expires.
    pub expires_at: Option<i64>,
}

/// The expiry of something made `now` that lives `ttl` seconds (0: never).
pub(crate) fn expiry(now: i64, ttl: i64) -> Option<i64> {
    (ttl > 0).then(|| now.saturating_add(ttl))
}

/// Makes and stores a token of `kind`.
async fn issue(
    store: &impl OnboardingStore,
    settings: &Settings,
    kind: TokenKind,
    device: Option<&str>,
    requester: &Requester,
    now: i64,
) -> Result<Issued> {
    let token = random_text(ALPHANUMERIC, TOKEN_LENGTH)?;
    let expires_at = expiry(now, settings.ttl_of(kind));
    store
        .insert_token(NewToken {
            kind,
            token_sha256: &fingerprint(token.expose()),
            created_at: now,
            expires_at,
            device,
            requester,
        })
        .await?;
    Ok(Issued { token, expires_at })
}

/// Whether a string could be a token at all: others never reach the database.
fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_LENGTH && token.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Counts one public onboarding request (a token made, a push, an account
/// created, a recovery) of the client, refusing it past the hourly limit.
pub async fn count_request(
    store: &impl OnboardingStore,
    settings: &Settings,
    requester: &Requester,
    now: i64,
) -> Result<()> {
    let since = now - HOUR;
    let tally = store.requests_since(&requester.address, since).await?;
    if tally.count >= settings.requests_per_ip_per_hour {
        return Err(limited("Too many requests", tally.oldest, HOUR, now));
    }
    store.record_request(&requester.address, now, since).await
}

/// 429 with the contract's words, retrying when the oldest counted event
/// leaves the window.
fn limited(message: &'static str, oldest: Option<i64>, window: i64, now: i64) -> CoreError {
    let free_at = oldest.unwrap_or(now).saturating_add(window);
    CoreError::Limited {
        message,
        retry_after_seconds: u32::try_from((free_at - now).max(1)).unwrap_or(u32::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_says_when_the_oldest_event_leaves_the_window() {
        let CoreError::Limited {
            retry_after_seconds,
            ..
        } = limited("x", Some(1_000), 3600, 4_000)
        else {
            panic!("not limited")
        };
        assert_eq!(retry_after_seconds, 600);
        assert_eq!(expiry(10, 0), None);
        assert_eq!(expiry(10, 5), Some(15));
        assert!(well_formed("abcDEF1234567") && !well_formed("abcDEF123456"));
        assert!(!well_formed("abcDEF123456!"));
    }
}
