//! The optional profile of an account: email, display name and dictionary,
//! bounded so that no caller can make an account row grow without limit.

use std::collections::BTreeMap;

use crate::error::{CoreError, Result};

/// An email address: one `@` with something on each side, no spaces or
/// control characters, at most 255 characters (a `varchar(255)`, as
/// FlexiAPI's column). Delivery is not this check's job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self> {
        if raw.chars().count() > 255 {
            return Err(CoreError::invalid(
                "email",
                "must not be greater than 255 characters",
            ));
        }
        let valid = match raw.split_once('@') {
            Some((local, host)) => {
                !local.is_empty()
                    && !host.is_empty()
                    && !host.contains('@')
                    && !raw.chars().any(|c| c.is_control() || c.is_whitespace())
            }
            None => false,
        };
        if !valid {
            return Err(CoreError::invalid("email", "must be a valid email address"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// `None` stays `None`: the field is optional.
    pub fn parse_optional(raw: Option<&str>) -> Result<Option<Self>> {
        raw.map(Self::parse).transpose()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number in E.164, as the apps send it: `+`, then 6 to 15 digits,
/// the first not 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

pub const INVALID_PHONE: &str = "The phone field must be a valid number.";

impl Phone {
    pub fn parse(raw: &str) -> Result<Self> {
        let valid = raw.strip_prefix('+').is_some_and(|digits| {
            (6..=15).contains(&digits.len())
                && digits.bytes().all(|b| b.is_ascii_digit())
                && !digits.starts_with('0')
        });
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(CoreError::invalid("phone", INVALID_PHONE))
        }
    }

    pub fn parse_optional(raw: Option<&str>) -> Result<Option<Self>> {
        raw.map(Self::parse).transpose()
    }

    /// Whether a username reads as a phone number (FlexiAPI refuses such
    /// usernames from the apps: a number is an identity of its own).
    pub fn looks_like(raw: &str) -> bool {
        let digits = raw.strip_prefix('+').unwrap_or(raw);
        (6..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a phone shows for the account: at most 255 characters, no control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self> {
        if raw.chars().count() > 255 {
            return Err(CoreError::invalid(
                "display_name",
                "must not be greater than 255 characters",
            ));
        }
        if raw.chars().any(char::is_control) {
            return Err(CoreError::invalid(
                "display_name",
                "must not contain control characters",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn parse_optional(raw: Option<&str>) -> Result<Option<Self>> {
        raw.map(Self::parse).transpose()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Free key-value pairs an operator attaches to an account (FlexiAPI's
/// dictionary): at most 64 entries, keys of 1-64 `[A-Za-z0-9_.-]`, values of
/// at most 1,024 characters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dictionary(BTreeMap<String, String>);

pub const DICTIONARY_ENTRIES: usize = 64;

impl Dictionary {
    pub fn parse<'a>(entries: impl IntoIterator<Item = (&'a String, &'a String)>) -> Result<Self> {
        let mut parsed = BTreeMap::new();
        for (key, value) in entries {
            if parsed.len() == DICTIONARY_ENTRIES {
                return Err(CoreError::invalid(
                    "dictionary",
                    format!("must not have more than {DICTIONARY_ENTRIES} entries"),
                ));
            }
            let key_ok = (1..=64).contains(&key.len())
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
            if !key_ok {
                return Err(CoreError::invalid(
                    "dictionary",
                    "keys must be 1 to 64 characters among letters, digits, '_', '.' and '-'",
                ));
            }
            if value.chars().count() > 1024 {
                return Err(CoreError::invalid(
                    "dictionary",
                    "values must not be greater than 1024 characters",
                ));
            }
            parsed.insert(key.clone(), value.clone());
        }
        Ok(Self(parsed))
    }

    pub fn entries(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    /// The stored form: a JSON object of strings.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "{}".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tests::field_of;

    #[test]
    fn emails_need_one_at_sign_and_no_spaces() {
        assert!(Email::parse("alice@example.org").is_ok());
        assert!(Email::parse("a+tag@sub.example.org").is_ok());
        for bad in [
            "",
            "alice",
            "@example.org",
            "alice@",
            "a@b@c",
            "a b@c",
            "a\n@c",
        ] {
            assert_eq!(field_of(Email::parse(bad)), "email", "{bad:?}");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert_eq!(field_of(Email::parse(&long)), "email");
        assert_eq!(Email::parse_optional(None).unwrap(), None);
    }

    #[test]
    fn phones_are_e164() {
        for good in ["+33612345678", "+123456", "+123456789012345"] {
            assert!(Phone::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "33612345678",
            "+0612345678",
            "+12345",
            "+1234567890123456",
            "+33 612345678",
            "+33612345678\n",
            "+٣٣٦١٢٣٤٥٦٧٨",
        ] {
            assert_eq!(field_of(Phone::parse(bad)), "phone", "{bad:?}");
        }
        assert!(Phone::looks_like("0612345678") && Phone::looks_like("+33612345678"));
        assert!(!Phone::looks_like("alice01") && !Phone::looks_like("12345"));
    }

    #[test]
    fn display_names_are_bounded_text() {
        assert!(DisplayName::parse("Alice Liddell — ventes").is_ok());
        assert!(DisplayName::parse(&"é".repeat(255)).is_ok());
        assert_eq!(
            field_of(DisplayName::parse(&"é".repeat(256))),
            "display_name"
        );
        assert_eq!(field_of(DisplayName::parse("a\u{7}b")), "display_name");
    }

    #[test]
    fn dictionaries_are_bounded_in_entries_keys_and_values() {
        let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let ok = map(&[("team", "sales"), ("a.b-c_9", "")]);
        assert_eq!(Dictionary::parse(&ok).unwrap().entries(), &ok);
        assert_eq!(
            Dictionary::parse(&ok).unwrap().to_json(),
            r#"{"a.b-c_9":"","team":"sales"}"#
        );
        for bad in [
            map(&[("", "x")]),
            map(&[("has space", "x")]),
            map(&[(&"k".repeat(65), "x")]),
            map(&[("k", &"v".repeat(1025))]),
        ] {
            assert_eq!(field_of(Dictionary::parse(&bad)), "dictionary");
        }
        let many: BTreeMap<String, String> =
            (0..65).map(|i| (format!("k{i}"), String::new())).collect();
        assert_eq!(field_of(Dictionary::parse(&many)), "dictionary");
    }
}
