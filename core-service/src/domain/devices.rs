//! The fields of a SIP binding, as a registrar reports them.

use crate::error::{CoreError, Result};

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
    use crate::domain::tests::field_of;

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
}
