//! An answer to a Digest challenge and the verdict on it: what the core's
//! own nonces ([`super`]) and a proxy's ([`super::caller_nonces`]) both
//! judge, apart from either so neither names the other.

use crate::{
    domain::{
        model::{Account, ActiveAccount},
        Algorithm,
    },
    rules::{
        accounts::roles::PendingAccess,
        auth::digest::{self, DigestFields, Rejection},
    },
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
    /// The nonce is the caller's, not the core's ([`crate::rules::auth::caller_nonces`]).
    pub nonce_from_caller: bool,
    /// Whether a pending account may answer (REST) or is unknown (SIP).
    pub pending: PendingAccess,
}

/// The judgement on an answer, with the challenges to send back: the same
/// nonce on success, a fresh one on refusal.
#[derive(Debug)]
pub struct Verdict {
    pub account: Account,
    pub outcome: Result<(), Rejection>,
    pub challenges: Vec<Challenge>,
}

/// The fields and the response, checked against the account's passwords.
pub fn check_fields(
    answer: &Answer<'_>,
    active: &ActiveAccount,
    opaque: &str,
) -> Result<(), Rejection> {
    digest::check_answer(
        answer.fields,
        answer.method,
        answer.request_uri,
        &active.account,
        &active.credentials,
        opaque,
    )
}
