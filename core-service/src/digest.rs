//! RFC 7616 Digest, `qop=auth`: the response maths and the checks of a
//! client's answer, as pure functions of their inputs.
//!
//! Nonce state (known, replayed, expired) is checked before these, in
//! [`crate::nonces`]; this module only judges the fields and the response.

use md5::Md5;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::{
    domain::Algorithm,
    model::{Account, Credential},
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
}

impl Rejection {
    fn field(field: &'static str, message: &'static str) -> Self {
        Self::Field { field, message }
    }

    pub fn message(&self) -> String {
        match self {
            Self::NonceInvalid => "Nonce invalid".into(),
            Self::NonceReplayed => "Nonce replayed".into(),
            Self::NonceExpired => "Nonce expired".into(),
            Self::Field { field, message } => format!("Invalid Digest {field}: {message}"),
            Self::Unauthorized => "Unauthorized".into(),
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
mod tests {
    use super::*;
    use crate::model::Secret;

    /// RFC 7616 §3.9.1: Mufasa / "Circle of Life".
    fn rfc_fields() -> DigestFields {
        DigestFields {
            username: "Mufasa".into(),
            realm: "http-auth@example.org".into(),
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v".into(),
            uri: "/dir/index.html".into(),
            nc: "00000001".into(),
            cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ".into(),
            qop: "auth".into(),
            opaque: "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS".into(),
            ..Default::default()
        }
    }

    fn rfc_ha1(algorithm: Algorithm) -> String {
        hash(
            algorithm,
            &["Mufasa", "http-auth@example.org", "Circle of Life"],
        )
    }

    #[test]
    fn rfc_7616_example_md5() {
        let response = expected_response(
            Algorithm::Md5,
            &rfc_ha1(Algorithm::Md5),
            "GET",
            &rfc_fields(),
        );
        assert_eq!(response, "8ca523f5e9506fed4657c9700eebdbec");
    }

    #[test]
    fn rfc_7616_example_sha256() {
        let response = expected_response(
            Algorithm::Sha256,
            &rfc_ha1(Algorithm::Sha256),
            "GET",
            &rfc_fields(),
        );
        assert_eq!(
            response,
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    fn mufasa() -> (Account, Vec<Credential>) {
        let account = Account {
            id: 1,
            username: "Mufasa".into(),
            domain: "example.org".into(),
            // RFC 7616's example realm, which is not a host name: a space's
            // realm need not be its domain.
            realm: "http-auth@example.org".into(),
            activated: true,
            ..Account::default()
        };
        let credentials = [Algorithm::Md5, Algorithm::Sha256]
            .into_iter()
            .map(|algorithm| Credential {
                algorithm,
                ha1: Secret::new(rfc_ha1(algorithm)),
            })
            .collect();
        (account, credentials)
    }

    fn signed(algorithm: Algorithm) -> DigestFields {
        let mut fields = rfc_fields();
        fields.algorithm = algorithm.as_str().into();
        fields.response = expected_response(algorithm, &rfc_ha1(algorithm), "GET", &fields);
        fields
    }

    fn check(fields: &DigestFields) -> Result<(), Rejection> {
        let (account, credentials) = mufasa();
        let opaque = rfc_fields().opaque;
        check_answer(
            fields,
            "GET",
            "/dir/index.html",
            &account,
            &credentials,
            &opaque,
        )
    }

    #[test]
    fn a_correct_answer_passes_for_both_algorithms() {
        assert_eq!(check(&signed(Algorithm::Md5)), Ok(()));
        assert_eq!(check(&signed(Algorithm::Sha256)), Ok(()));
    }

    #[test]
    fn absent_algorithm_means_md5_and_uppercase_hex_is_accepted() {
        let mut fields = signed(Algorithm::Md5);
        fields.algorithm.clear();
        fields.response = fields.response.to_ascii_uppercase();
        assert_eq!(check(&fields), Ok(()));
    }

    #[test]
    fn username_may_carry_the_domain() {
        let mut fields = signed(Algorithm::Md5);
        fields.username = "Mufasa@EXAMPLE.org".into();
        // split at the first '@'; the domain (not the realm), in any case
        assert_eq!(check(&fields), Ok(()));
    }

    #[test]
    fn a_wrong_password_is_unauthorized() {
        let mut fields = signed(Algorithm::Sha256);
        let (account, _) = mufasa();
        let wrong = hash(
            Algorithm::Sha256,
            &["Mufasa", "http-auth@example.org", "Circle of Lies"],
        );
        fields.response = expected_response(Algorithm::Sha256, &wrong, "GET", &fields);
        let credentials = vec![Credential {
            algorithm: Algorithm::Sha256,
            ha1: Secret::new(rfc_ha1(Algorithm::Sha256)),
        }];
        let result = check_answer(
            &fields,
            "GET",
            "/dir/index.html",
            &account,
            &credentials,
            &fields.opaque.clone(),
        );
        assert_eq!(result, Err(Rejection::Unauthorized));
    }

    #[test]
    fn the_method_is_part_of_the_response() {
        let fields = signed(Algorithm::Md5);
        let (account, credentials) = mufasa();
        let result = check_answer(
            &fields,
            "DELETE",
            "/dir/index.html",
            &account,
            &credentials,
            &fields.opaque,
        );
        assert_eq!(result, Err(Rejection::Unauthorized));
    }

    #[test]
    fn every_bad_field_is_named() {
        type Edit = fn(&mut DigestFields);
        let cases: &[(&str, Edit)] = &[
            ("username", |f| f.username = "Scar".into()),
            ("username", |f| f.username = "Mufasa@other.org".into()),
            ("username", |f| f.username.clear()),
            ("realm", |f| f.realm = "other".into()),
            ("qop", |f| f.qop = "auth-int".into()),
            ("qop", |f| f.qop.clear()),
            ("opaque", |f| f.opaque = "forged".into()),
            ("opaque", |f| f.opaque.clear()),
            ("uri", |f| f.uri = "/dir/other.html".into()),
            ("uri", |f| f.uri.clear()),
            ("algorithm", |f| f.algorithm = "SHA-512-256".into()),
            ("algorithm", |f| f.algorithm = "MD5-sess".into()),
            ("cnonce", |f| f.cnonce.clear()),
            ("response", |f| f.response = "zz".repeat(16)),
            ("response", |f| f.response.truncate(31)),
            ("response", |f| f.response.clear()),
            ("userhash", |f| f.userhash = "true".into()),
            ("cnonce", |f| f.cnonce = "c".repeat(MAX_FIELD_LEN + 1)),
        ];
        for (field, edit) in cases {
            let mut fields = signed(Algorithm::Md5);
            edit(&mut fields);
            match check(&fields) {
                Err(Rejection::Field { field: named, .. }) => assert_eq!(named, *field),
                other => panic!("{field}: expected a field rejection, got {other:?}"),
            }
        }
    }

    #[test]
    fn an_algorithm_without_a_password_is_refused() {
        let fields = signed(Algorithm::Sha256);
        let (account, credentials) = mufasa();
        let md5_only = &credentials[..1];
        let result = check_answer(
            &fields,
            "GET",
            "/dir/index.html",
            &account,
            md5_only,
            &fields.opaque,
        );
        assert!(matches!(
            result,
            Err(Rejection::Field {
                field: "algorithm",
                ..
            })
        ));
    }

    #[test]
    fn messages_are_the_contract_words() {
        assert_eq!(Rejection::NonceInvalid.message(), "Nonce invalid");
        assert_eq!(Rejection::NonceReplayed.message(), "Nonce replayed");
        assert_eq!(Rejection::NonceExpired.message(), "Nonce expired");
        assert_eq!(Rejection::Unauthorized.message(), "Unauthorized");
        assert!(Rejection::field("uri", "x").message().contains("uri"));
    }
}
