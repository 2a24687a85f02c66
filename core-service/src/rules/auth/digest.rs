//! RFC 7616 Digest, `qop=auth`: the response maths and the checks of a
//! client's answer, as pure functions of their inputs.
//!
//! Nonce state (known, replayed, expired) is checked before these, in
//! [`crate::rules::auth::nonces`]; this module only judges the fields and the response.

use md5::Md5;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::domain::{
    model::{Account, Credential},
    Algorithm,
};

/// The longest Digest parameter accepted: far above any real one, low enough
/// that hashing a hostile value costs nothing.
const MAX_FIELD_LEN: usize = 1024;

/// The client's `Authorization: Digest` parameters, unquoted; empty = absent.
#[derive(Debug, Clone, Default)]
pub struct DigestFields {
    pub username: String,
    pub realm: String,
    pub nonce: String,
    pub uri: String,
    pub nc: String,
    pub cnonce: String,
    pub qop: String,
    pub response: String,
    pub opaque: String,
    pub algorithm: String,
    pub userhash: String,
}

/// Why an answer was refused, in the words of the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    NonceInvalid,
    NonceReplayed,
    NonceExpired,
    Field {
        field: &'static str,
        message: &'static str,
    },
    Unauthorized,
    /// A caller-issued nonce past the account's cap
    /// ([`crate::rules::auth::caller_nonces::LIVE_PER_ACCOUNT`]).
    NonceQuota,
    /// Not judged: too many wrong answers for the account from this client
    /// ([`crate::rules::auth::throttle`]).
    Throttled {
        retry_after_seconds: u32,
    },
}

impl Rejection {
    pub(crate) fn field(field: &'static str, message: &'static str) -> Self {
        Self::Field { field, message }
    }

    pub fn message(&self) -> String {
        match self {
            Self::NonceInvalid => "Nonce invalid".into(),
            Self::NonceReplayed => "Nonce replayed".into(),
            Self::NonceExpired => "Nonce expired".into(),
            Self::Field { field, message } => format!("Invalid Digest {field}: {message}"),
            Self::Unauthorized => "Unauthorized".into(),
            Self::NonceQuota => "Too many nonces".into(),
            Self::Throttled { .. } => "Too many failed attempts".into(),
        }
    }
}

/// `H(p1:p2:…)` in lowercase hex.
pub fn hash(algorithm: Algorithm, parts: &[&str]) -> String {
    match algorithm {
        Algorithm::Md5 => hex::encode(joined_digest::<Md5>(parts)),
        Algorithm::Sha256 => hex::encode(joined_digest::<Sha256>(parts)),
    }
}

fn joined_digest<D: sha2::Digest>(parts: &[&str]) -> Vec<u8> {
    let mut hasher = D::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hasher.update(b":");
        }
        hasher.update(part.as_bytes());
    }
    hasher.finalize().to_vec()
}

/// The response a client that knows the password computes (RFC 7616 §3.4.1).
pub fn expected_response(
    algorithm: Algorithm,
    ha1: &str,
    method: &str,
    fields: &DigestFields,
) -> String {
    let ha2 = hash(algorithm, &[method, &fields.uri]);
    hash(
        algorithm,
        &[ha1, &fields.nonce, &fields.nc, &fields.cnonce, "auth", &ha2],
    )
}

/// Checks every field of an answer whose nonce is already known to be good,
/// then the response, in constant time.
pub fn check_answer(
    fields: &DigestFields,
    method: &str,
    request_uri: &str,
    account: &Account,
    credentials: &[Credential],
    opaque: &str,
) -> Result<(), Rejection> {
    check_lengths(fields)?;
    if !fields.userhash.is_empty() && !fields.userhash.eq_ignore_ascii_case("false") {
        return Err(Rejection::field("userhash", "is not supported"));
    }
    check_username(&fields.username, account)?;
    if fields.realm != account.realm {
        return Err(Rejection::field(
            "realm",
            "does not match the account's realm",
        ));
    }
    if fields.qop != "auth" {
        return Err(Rejection::field("qop", "must be auth"));
    }
    if fields.opaque != opaque {
        return Err(Rejection::field("opaque", "does not match the challenge"));
    }
    if fields.uri != request_uri {
        return Err(Rejection::field("uri", "does not match the request"));
    }
    let credential = credential_for(&fields.algorithm, credentials)?;
    if fields.cnonce.is_empty() {
        return Err(Rejection::field("cnonce", "is missing"));
    }
    let given = response_hex(&fields.response, credential.algorithm)?;
    let expected = expected_response(
        credential.algorithm,
        credential.ha1.expose(),
        method,
        fields,
    );
    if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(Rejection::Unauthorized)
    }
}

fn check_lengths(fields: &DigestFields) -> Result<(), Rejection> {
    let named = [
        ("username", &fields.username),
        ("realm", &fields.realm),
        ("nonce", &fields.nonce),
        ("uri", &fields.uri),
        ("nc", &fields.nc),
        ("cnonce", &fields.cnonce),
        ("qop", &fields.qop),
        ("response", &fields.response),
        ("opaque", &fields.opaque),
        ("algorithm", &fields.algorithm),
        ("userhash", &fields.userhash),
    ];
    match named.iter().find(|(_, value)| value.len() > MAX_FIELD_LEN) {
        Some((field, _)) => Err(Rejection::field(field, "is too long")),
        None => Ok(()),
    }
}

/// `username` is the user part, or `user@domain` naming the same account.
fn check_username(username: &str, account: &Account) -> Result<(), Rejection> {
    let matches = match username.split_once('@') {
        Some((user, domain)) => {
            user == account.username && domain.eq_ignore_ascii_case(&account.domain)
        }
        None => username == account.username,
    };
    if matches {
        Ok(())
    } else {
        Err(Rejection::field(
            "username",
            "does not match the From account",
        ))
    }
}

/// An absent `algorithm` means MD5 (RFC 7616 §3.3).
fn credential_for<'c>(
    algorithm: &str,
    credentials: &'c [Credential],
) -> Result<&'c Credential, Rejection> {
    let algorithm = if algorithm.is_empty() {
        Algorithm::Md5
    } else {
        Algorithm::parse(algorithm, "algorithm")
            .map_err(|_| Rejection::field("algorithm", "must be MD5 or SHA-256"))?
    };
    credentials
        .iter()
        .find(|c| c.algorithm == algorithm)
        .ok_or(Rejection::field(
            "algorithm",
            "the account has no password for it",
        ))
}

fn response_hex(response: &str, algorithm: Algorithm) -> Result<String, Rejection> {
    let expected_len = match algorithm {
        Algorithm::Md5 => 32,
        Algorithm::Sha256 => 64,
    };
    if response.len() != expected_len || !response.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Rejection::field(
            "response",
            "must be the hex digest of the algorithm",
        ));
    }
    Ok(response.to_ascii_lowercase())
}

#[cfg(test)]
#[path = "digest_tests.rs"]
mod tests;
