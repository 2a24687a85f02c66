//! The storage onboarding needs: the rules define it, an adapter
//! ([`crate::adapters::sql`]) implements it. Times are Unix seconds; tokens,
//! codes and recovery ids are only ever given as their SHA-256.

use std::future::Future;

use crate::error::Result;

/// What a token opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Validated in a browser, then exchanged for a creation token.
    Request,
    /// Creates one account, or is consumed by one.
    Creation,
    /// Opens the recovery by phone.
    Recovery,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Creation => "creation",
            Self::Recovery => "recovery",
        }
    }
}

/// What a code proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    Email,
    Phone,
    Recovery,
}

impl CodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Recovery => "recovery",
        }
    }
}

/// Who asked for a token or a code, kept with it.
#[derive(Debug, Clone, Default)]
pub struct Requester {
    pub address: String,
    pub user_agent: String,
}

pub struct NewToken<'a> {
    pub kind: TokenKind,
    pub token_sha256: &'a str,
    pub created_at: i64,
    /// `None`: never expires.
    pub expires_at: Option<i64>,
    /// The push target's fingerprint, for a pushed token.
    pub device: Option<&'a str>,
    pub requester: &'a Requester,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub id: i64,
    pub kind: TokenKind,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub validated_at: Option<i64>,
    pub used_at: Option<i64>,
    pub account_id: Option<i64>,
}

impl StoredToken {
    pub fn expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }
}

pub struct NewCode<'a> {
    pub kind: CodeKind,
    /// `None`: a recovery for an address no account has.
    pub account_id: Option<i64>,
    pub recovery_sha256: Option<&'a str>,
    /// The address or number it goes to (or was asked for).
    pub destination: &'a str,
    pub salt: &'a str,
    /// SHA-256 of `salt:code`.
    pub code_sha256: &'a str,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub requester: &'a Requester,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCode {
    pub id: i64,
    pub kind: CodeKind,
    pub account_id: Option<i64>,
    pub destination: String,
    pub salt: String,
    pub code_sha256: String,
    pub expires_at: Option<i64>,
    pub sent_at: Option<i64>,
    pub used_at: Option<i64>,
    pub tries: i64,
}

/// How many of something happened since a time, and when the oldest of
/// them did (to say when the next one is allowed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: i64,
    pub oldest: Option<i64>,
}

pub trait OnboardingStore {
    fn insert_token(&self, new: NewToken<'_>) -> impl Future<Output = Result<()>> + Send;
    fn token(
        &self,
        kind: TokenKind,
        token_sha256: &str,
    ) -> impl Future<Output = Result<Option<StoredToken>>> + Send;
    fn delete_token(&self, id: i64) -> impl Future<Output = Result<()>> + Send;
    /// Marks an unused token validated; false when it was used meanwhile.
    fn validate_token(&self, id: i64, now: i64) -> impl Future<Output = Result<bool>> + Send;
    /// Uses the token, linking it to `account_id`: one statement, so of
    /// two concurrent uses one wins. False when it was used already.
    fn use_token(
        &self,
        id: i64,
        account_id: Option<i64>,
        now: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// When the last token of `kind` was stored for this device.
    fn last_push(
        &self,
        device: &str,
        kind: TokenKind,
    ) -> impl Future<Output = Result<Option<i64>>> + Send;
    /// When a creation token of this device last went to an account.
    fn last_account_of_device(
        &self,
        device: &str,
    ) -> impl Future<Output = Result<Option<i64>>> + Send;

    /// Stores a code; its id.
    fn insert_code(&self, new: NewCode<'_>) -> impl Future<Output = Result<i64>> + Send;
    fn mark_code_sent(&self, id: i64, now: i64) -> impl Future<Output = Result<()>> + Send;
    /// The account's newest code of `kind`, whatever its state.
    fn newest_code(
        &self,
        account_id: i64,
        kind: CodeKind,
    ) -> impl Future<Output = Result<Option<StoredCode>>> + Send;
    fn code_by_recovery(
        &self,
        recovery_sha256: &str,
    ) -> impl Future<Output = Result<Option<StoredCode>>> + Send;
    /// Spends one of the code's tries before it is compared: false when it
    /// has none left or is used. One statement, so concurrent guesses
    /// cannot compare more than `max_tries` times.
    fn spend_try(&self, id: i64, max_tries: i64) -> impl Future<Output = Result<bool>> + Send;
    /// False when it was used meanwhile.
    fn use_code(&self, id: i64, now: i64) -> impl Future<Output = Result<bool>> + Send;
    /// The email and phone codes an account asked for since `since`.
    fn codes_of_account_since(
        &self,
        account_id: i64,
        since: i64,
    ) -> impl Future<Output = Result<Tally>> + Send;
    /// The codes made for one address or number since `since`.
    fn codes_to_since(
        &self,
        destination: &str,
        since: i64,
    ) -> impl Future<Output = Result<Tally>> + Send;

    /// The public onboarding requests of a client since `since`.
    fn requests_since(
        &self,
        client_address: &str,
        since: i64,
    ) -> impl Future<Output = Result<Tally>> + Send;
    /// Records one, and forgets every client's requests older than `forget_before`.
    fn record_request(
        &self,
        client_address: &str,
        now: i64,
        forget_before: i64,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Deletes the tokens and codes that can serve no more (used, dead or
    /// expired) and that no limit looks back to (last touched before
    /// `horizon`); how many.
    fn purge_onboarding(&self, now: i64, horizon: i64) -> impl Future<Output = Result<u64>> + Send;
}
