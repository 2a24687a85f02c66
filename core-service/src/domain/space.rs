//! The fields of a space that are not shared with accounts: its name, its
//! Digest realm and its account limit.

use crate::error::{CoreError, Result};

/// What an operator calls the space: 1 to 255 characters, no control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceName(String);

impl SpaceName {
    pub fn parse(raw: &str) -> Result<Self> {
        let count = raw.chars().count();
        if count == 0 || count > 255 {
            return Err(CoreError::invalid("name", "must be 1 to 255 characters"));
        }
        if raw.chars().any(char::is_control) {
            return Err(CoreError::invalid(
                "name",
                "must not contain control characters",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Digest realm: what `WWW-Authenticate` carries in quotes and every HA1
/// of the space binds. Printable ASCII only, since it goes into an HTTP
/// header as it is, and without `"` or `\`, which SIP phones quote
/// differently; unlike a domain it keeps its case (RFC 7616 compares it
/// exactly) and need not be a host name (`example-realm`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realm(String);

impl Realm {
    pub fn parse(raw: &str) -> Result<Self> {
        let printable = raw
            .bytes()
            .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
        if raw.is_empty() || raw.len() > 255 || !printable {
            return Err(CoreError::invalid(
                "realm",
                "must be 1 to 255 printable ASCII characters, without '\"' or '\\'",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The most accounts a space may hold; 0 is no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxAccounts(i64);

impl MaxAccounts {
    pub fn parse(raw: i64) -> Result<Self> {
        if raw < 0 {
            return Err(CoreError::invalid(
                "max_accounts",
                "must be 0 (no limit) or more",
            ));
        }
        Ok(Self(raw))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tests::field_of;

    #[test]
    fn realms_are_printable_ascii_without_quotes() {
        for good in [
            "sip.example.org",
            "example-realm",
            "http-auth@example.org",
            "A B",
        ] {
            assert_eq!(Realm::parse(good).unwrap().as_str(), good);
        }
        let long = "r".repeat(256);
        for bad in ["", "a\"b", "a\\b", "tab\there", "réalm", long.as_str()] {
            assert_eq!(field_of(Realm::parse(bad)), "realm", "{bad:?}");
        }
    }

    #[test]
    fn names_and_limits_are_bounded() {
        assert!(SpaceName::parse("Example").is_ok());
        assert_eq!(field_of(SpaceName::parse("")), "name");
        assert_eq!(field_of(SpaceName::parse("a\nb")), "name");
        assert_eq!(field_of(SpaceName::parse(&"n".repeat(256))), "name");
        assert_eq!(MaxAccounts::parse(0).unwrap().get(), 0);
        assert_eq!(field_of(MaxAccounts::parse(-1)), "max_accounts");
    }
}
