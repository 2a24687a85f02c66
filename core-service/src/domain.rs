//! Newtypes for everything the core accepts from outside, parsed once at the
//! edge so the rules below them never see an unchecked string.
//!
//! Each parser bounds its input's length before looking at it: a hostile
//! caller gets INVALID_ARGUMENT naming the field, never a slow path.

use std::fmt;

use crate::error::{CoreError, Result};

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

/// A SIP domain (also the Digest realm), lowercased: host names are
/// case-insensitive and the realm must be stable for stored HA1s to match.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Domain(String);

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
        if username.is_empty() || username.len() > 255 {
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

/// A device's `+sip.instance`. Registrars often pass it as sent in the Contact
/// header, `"<urn:uuid:…>"`; the quotes and brackets are not part of the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceUuid(String);

impl DeviceUuid {
    pub fn parse(raw: &str) -> Result<Self> {
        let trimmed = raw.trim_matches('"');
        let bare = trimmed
            .strip_prefix('<')
            .and_then(|s| s.strip_suffix('>'))
            .unwrap_or(trimmed);
        if bare.is_empty() || bare.len() > 255 {
            return Err(CoreError::invalid("uuid", "must be 1 to 255 characters"));
        }
        if !bare
            .chars()
            .all(|c| c.is_ascii_graphic() && !"\"<>".contains(c))
        {
            return Err(CoreError::invalid(
                "uuid",
                "must be printable ASCII without spaces, quotes or angle brackets",
            ));
        }
        Ok(Self(bare.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The binding's contact: a `sip:` or `sips:` URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact(String);

impl Contact {
    pub fn parse(raw: &str) -> Result<Self> {
        let bare = raw
            .strip_prefix('<')
            .and_then(|s| s.strip_suffix('>'))
            .unwrap_or(raw);
        if bare.is_empty() || bare.len() > 2048 {
            return Err(CoreError::invalid(
                "contact",
                "must be 1 to 2048 characters",
            ));
        }
        let scheme = bare.split(':').next().unwrap_or_default();
        if !(scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips"))
            || !bare.contains(':')
        {
            return Err(CoreError::invalid("contact", "must be a sip: or sips: URI"));
        }
        if bare.chars().any(|c| c.is_control() || c == ' ') {
            return Err(CoreError::invalid(
                "contact",
                "must not contain spaces or control characters",
            ));
        }
        Ok(Self(bare.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The registering client's User-Agent; may be empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAgent(String);

impl UserAgent {
    pub fn parse(raw: &str) -> Result<Self> {
        if raw.len() > 512 {
            return Err(CoreError::invalid(
                "user_agent",
                "must be at most 512 characters",
            ));
        }
        if raw.chars().any(char::is_control) {
            return Err(CoreError::invalid(
                "user_agent",
                "must not contain control characters",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(result: Result<impl fmt::Debug>) -> &'static str {
        match result {
            Err(CoreError::InvalidArgument(violations)) => violations[0].field,
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
    fn device_fields_are_normalised_and_bounded() {
        let uuid = "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6";
        assert_eq!(DeviceUuid::parse(uuid).unwrap().as_str(), uuid);
        assert_eq!(
            DeviceUuid::parse(&format!("\"<{uuid}>\""))
                .unwrap()
                .as_str(),
            uuid
        );
        for bad in ["", "\"<>\"", "urn uuid", "urn:\"x\""] {
            assert_eq!(field_of(DeviceUuid::parse(bad)), "uuid", "{bad:?}");
        }
        assert_eq!(field_of(DeviceUuid::parse(&"u".repeat(256))), "uuid");

        assert_eq!(
            Contact::parse("<sip:alice@10.0.0.2:5060;transport=tcp>")
                .unwrap()
                .as_str(),
            "sip:alice@10.0.0.2:5060;transport=tcp"
        );
        for bad in ["", "http://x", "alice@host", "sip:a b", "sip"] {
            assert_eq!(field_of(Contact::parse(bad)), "contact", "{bad:?}");
        }
        assert!(UserAgent::parse("").is_ok());
        assert_eq!(field_of(UserAgent::parse("a\nb")), "user_agent");
        assert_eq!(field_of(UserAgent::parse(&"u".repeat(513))), "user_agent");
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
