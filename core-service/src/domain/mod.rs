//! Newtypes for everything the core accepts from outside, parsed once at the
//! edge so the rules below them never see an unchecked string.
//!
//! Each parser bounds its input's length before looking at it: a hostile
//! caller gets INVALID_ARGUMENT naming the field, never a slow path.

use std::fmt;

use crate::error::{self, CoreError, Result};

pub mod app_settings;
mod devices;
pub mod ini;
pub mod model;
mod profile;
pub mod random;
mod space;

pub use devices::{Contact, DeviceUuid, UserAgent};
pub use profile::{Dictionary, DisplayName, Email, Phone, INVALID_PHONE};
pub use space::{MaxAccounts, Realm, SpaceName};

/// At most `max` bytes of `value`, cut at a character boundary: for values
/// kept or recorded only to inform (a span's field, a client's user agent).
pub fn at_most(value: &str, max: usize) -> &str {
    let mut end = value.len().min(max);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    &value[..end]
}

/// RFC 3261 `user` characters that need no escaping: `unreserved` and
/// `user-unreserved`. SIP user parts are case-sensitive, so they are kept as given.
fn is_sip_user_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_.!~*'()&=+$,;?/".contains(c)
}

/// The user part of a new account: 6 to 64 unreserved SIP user characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self> {
        let count = raw.chars().count();
        if !(6..=64).contains(&count) {
            return Err(CoreError::invalid(
                "username",
                "must be between 6 and 64 characters",
            ));
        }
        if let Some(bad) = raw.chars().find(|c| !is_sip_user_char(*c)) {
            return Err(CoreError::invalid(
                "username",
                format!("must not contain {bad:?}"),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A SIP domain, lowercased: host names are case-insensitive, and a space
/// (with its realm) is found by its domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Domain(String);

impl Default for Domain {
    /// `sip.example.org`, the default of `--sip-domain`.
    fn default() -> Self {
        Self("sip.example.org".to_owned())
    }
}

impl Domain {
    pub fn parse(raw: &str) -> Result<Self> {
        let invalid = |why: &str| CoreError::invalid("domain", why.to_owned());
        if raw.is_empty() || raw.len() > 253 {
            return Err(invalid("must be a host name of 1 to 253 characters"));
        }
        for label in raw.split('.') {
            if label.is_empty() || label.len() > 63 {
                return Err(invalid("each label must be 1 to 63 characters"));
            }
            if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(invalid("must contain only letters, digits, '-' and '.'"));
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err(invalid("a label cannot start or end with '-'"));
            }
        }
        Ok(Self(raw.to_ascii_lowercase()))
    }

    /// An empty domain means the deployment's default one, as in the
    /// original API where `domain` is optional.
    pub fn parse_or(raw: &str, default: &Domain) -> Result<Self> {
        if raw.is_empty() {
            Ok(default.clone())
        } else {
            Self::parse(raw)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who a lookup is about. Looser than [`Username`]: accounts imported from
/// another manager may have user parts shorter than today's creation rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountAddress {
    pub username: String,
    pub domain: Domain,
}

impl AccountAddress {
    pub fn parse(username: &str, domain: &str, default_domain: &Domain) -> Result<Self> {
        if username.is_empty() || username.chars().count() > 255 {
            return Err(CoreError::invalid(
                "username",
                "must be between 1 and 255 characters",
            ));
        }
        if username
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(CoreError::invalid(
                "username",
                "must not contain spaces or control characters",
            ));
        }
        Ok(Self {
            username: username.to_owned(),
            domain: Domain::parse_or(domain, default_domain)?,
        })
    }
}

impl AccountAddress {
    /// `user@domain`, with or without `sip:` (or `sips:`), as a search names
    /// an account; field `sip` when it is not one.
    pub fn parse_sip(raw: &str, default_domain: &Domain) -> Result<Self> {
        let lower = raw.get(..5).map(str::to_ascii_lowercase);
        let bare = match lower.as_deref() {
            Some("sips:") => &raw[5..],
            Some(l) if l.starts_with("sip:") => &raw[4..],
            _ => raw,
        };
        let Some((username, domain)) = bare.rsplit_once('@') else {
            return Err(CoreError::invalid(
                "sip",
                "must be a SIP address, user@domain",
            ));
        };
        if domain.is_empty() {
            return Err(CoreError::invalid(
                "sip",
                "must be a SIP address, user@domain",
            ));
        }
        let rename = |error: CoreError| match error {
            CoreError::InvalidArgument(violations) => CoreError::InvalidArgument(
                violations
                    .into_iter()
                    .map(|v| error::FieldViolation {
                        field: "sip".into(),
                        message: format!("{}: {}", v.field, v.message),
                    })
                    .collect(),
            ),
            other => other,
        };
        Self::parse(username, domain, default_domain).map_err(rename)
    }
}

/// A Digest hash algorithm. The declaration order is the order challenges are
/// offered in (MD5 first, as the original API and older clients expect).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Algorithm {
    Md5,
    Sha256,
}

impl Algorithm {
    /// Parses the token as written in Digest headers and in the API; tokens
    /// are case-insensitive (RFC 7616 §3.3 names them, HTTP compares them so).
    pub fn parse(raw: &str, field: &'static str) -> Result<Self> {
        if raw.eq_ignore_ascii_case("MD5") {
            Ok(Self::Md5)
        } else if raw.eq_ignore_ascii_case("SHA-256") {
            Ok(Self::Sha256)
        } else {
            Err(CoreError::invalid(field, "must be SHA-256 or MD5"))
        }
    }

    /// The spelling stored in `passwords.algorithm` and sent in challenges.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Sha256 => "SHA-256",
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn field_of(result: Result<impl fmt::Debug>) -> String {
        match result {
            Err(CoreError::InvalidArgument(violations)) => violations[0].field.to_string(),
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn usernames_follow_the_creation_rule() {
        assert!(Username::parse("alice1").is_ok());
        assert!(Username::parse("Bob.Smith_+33(0)").is_ok());
        assert!(Username::parse(&"a".repeat(64)).is_ok());
        for bad in [
            "alice",
            "",
            "alice smith",
            "alice@home",
            "al%20ice",
            "ali\u{0}ce",
        ] {
            assert_eq!(field_of(Username::parse(bad)), "username", "{bad:?}");
        }
        assert_eq!(field_of(Username::parse(&"a".repeat(65))), "username");
        assert_eq!(field_of(Username::parse("éléonore")), "username");
    }

    #[test]
    fn domains_are_host_names_lowercased() {
        let default = Domain::parse("sip.example.org").unwrap();
        assert_eq!(Domain::parse("SIP.Example.ORG").unwrap(), default);
        assert_eq!(Domain::parse_or("", &default).unwrap(), default);
        assert!(Domain::parse("10.0.0.1").is_ok());
        for bad in [
            "",
            "a..b",
            "-a.org",
            "a-.org",
            "a b.org",
            "a_b.org",
            "x.org:5060",
        ] {
            assert_eq!(field_of(Domain::parse(bad)), "domain", "{bad:?}");
        }
        assert_eq!(field_of(Domain::parse(&"a".repeat(64))), "domain");
        assert_eq!(field_of(Domain::parse(&"a.".repeat(200))), "domain");
    }

    #[test]
    fn algorithms_are_case_insensitive_tokens_in_offer_order() {
        assert_eq!(
            Algorithm::parse("md5", "algorithm").unwrap(),
            Algorithm::Md5
        );
        assert_eq!(
            Algorithm::parse("SHA-256", "algorithm").unwrap(),
            Algorithm::Sha256
        );
        assert_eq!(
            field_of(Algorithm::parse("SHA-512", "algorithm")),
            "algorithm"
        );
        assert_eq!(
            field_of(Algorithm::parse("MD5-sess", "algorithm")),
            "algorithm"
        );
        assert!(Algorithm::Md5 < Algorithm::Sha256);
    }

    #[test]
    fn sip_addresses_are_read_with_or_without_their_scheme() {
        let default = Domain::parse("sip.example.org").unwrap();
        for raw in [
            "alice01@Sip.Example.org",
            "sip:alice01@sip.example.org",
            "SIPS:alice01@sip.example.org",
        ] {
            let address = AccountAddress::parse_sip(raw, &default).unwrap();
            assert_eq!(address.username, "alice01", "{raw}");
            assert_eq!(address.domain, default, "{raw}");
        }
        for bad in [
            "alice01",
            "alice01@",
            "@sip.example.org",
            "sip:a@bad domain",
            "",
        ] {
            assert_eq!(
                field_of(AccountAddress::parse_sip(bad, &default)),
                "sip",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn lookups_accept_short_legacy_names_but_not_hostile_ones() {
        let default = Domain::parse("sip.example.org").unwrap();
        let address = AccountAddress::parse("bob", "", &default).unwrap();
        assert_eq!(address.domain, default);
        assert_eq!(
            field_of(AccountAddress::parse("", "", &default)),
            "username"
        );
        assert_eq!(
            field_of(AccountAddress::parse(&"x".repeat(256), "", &default)),
            "username"
        );
        assert_eq!(
            field_of(AccountAddress::parse("bob", "bad domain", &default)),
            "domain"
        );
    }
}
