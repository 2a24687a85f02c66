//! What the fields of a statistics record must be (contract part 6 §3):
//! Flexisip's `user@host` addresses, RFC 3339 times, the ids it makes and
//! the states of an INVITE. Pure functions, each refusal naming its field.

use std::borrow::Cow;

use crate::error::{CoreError, Result};

/// The longest call or message id (FlexiAPI's column).
pub const MAX_ID_BYTES: usize = 64;
/// The longest `user@host`.
pub const MAX_ADDRESS_BYTES: usize = 256;
/// The longest device id: Flexisip's registrar keys are shorter.
pub const MAX_DEVICE_ID_BYTES: usize = 255;
/// The longest `sip_call_id` and `conference_id`.
pub const MAX_TEXT_BYTES: usize = 255;

type Field = Cow<'static, str>;

/// A `user@host` address, split at the last `@`. The host is lowercased
/// (hosts are case-insensitive, RFC 3261 §19.1.4), the user kept as sent,
/// so a record matches the account `user@domain` it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub username: String,
    pub domain: String,
}

impl Address {
    pub fn parse(field: impl Into<Field>, raw: &str) -> Result<Self> {
        let field = field.into();
        let refuse = |rule: &str| {
            CoreError::invalid(field.clone(), format!("The {} {rule}", spoken(&field)))
        };
        if raw.len() > MAX_ADDRESS_BYTES {
            return Err(refuse("must not be greater than 256 characters."));
        }
        let Some((username, domain)) = raw.rsplit_once('@') else {
            return Err(refuse("must be a user@host address."));
        };
        if username.is_empty() || domain.is_empty() || has_control(raw) {
            return Err(refuse("must be a user@host address."));
        }
        Ok(Self {
            username: username.to_owned(),
            domain: domain.to_ascii_lowercase(),
        })
    }

    /// `user@host`, as the account it names is written.
    pub fn text(&self) -> String {
        format!("{}@{}", self.username, self.domain)
    }
}

/// A field name as Laravel says it: `initiated_at` is "initiated at".
fn spoken(field: &str) -> String {
    field.replace('_', " ")
}

fn has_control(raw: &str) -> bool {
    raw.chars().any(char::is_control)
}

/// A required id: 1 to 64 bytes, no control character.
pub fn id(field: &'static str, raw: &str) -> Result<String> {
    if raw.is_empty() {
        return Err(CoreError::invalid(
            field,
            format!("The {} field is required.", spoken(field)),
        ));
    }
    if raw.len() > MAX_ID_BYTES || has_control(raw) {
        return Err(CoreError::invalid(
            field,
            format!(
                "The {} field must be at most 64 bytes, without control characters.",
                spoken(field)
            ),
        ));
    }
    Ok(raw.to_owned())
}

/// A device id from a path or a key: 1 to 255 bytes, no control character.
pub fn device_id(field: impl Into<Field>, raw: &str) -> Result<String> {
    if raw.is_empty() || raw.len() > MAX_DEVICE_ID_BYTES || has_control(raw) {
        let field = field.into();
        let message = format!(
            "The {} must be 1 to 255 bytes, without control characters.",
            spoken(&field)
        );
        return Err(CoreError::invalid(field, message));
    }
    Ok(raw.to_owned())
}

/// An optional text (`sip_call_id`, `conference_id`): at most 255 bytes.
pub fn text(field: &'static str, raw: Option<&str>) -> Result<Option<String>> {
    match raw {
        Some(raw) if raw.len() > MAX_TEXT_BYTES || has_control(raw) => Err(CoreError::invalid(
            field,
            format!(
                "The {} field must be at most 255 bytes, without control characters.",
                spoken(field)
            ),
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

/// An RFC 3339 time (Flexisip sends `YYYY-MM-DDTHH:MM:SSZ`), as Unix
/// microseconds.
pub fn time(field: impl Into<Field>, raw: &str) -> Result<i64> {
    // Years 0000 to 9999 all fit: before 1970 is a negative count.
    let parsed = chrono::DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|t| t.timestamp_micros());
    parsed.ok_or_else(|| {
        let field = field.into();
        let message = format!("The {} field must be an RFC 3339 time.", spoken(&field));
        CoreError::invalid(field, message)
    })
}

/// How an INVITE sent to one device ended (Flexisip's `TerminatedState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerminatedState {
    Error,
    Declined,
    Canceled,
    AcceptedElsewhere,
    DeclinedElsewhere,
    Accepted,
}

impl TerminatedState {
    const ALL: [Self; 6] = [
        Self::Error,
        Self::Declined,
        Self::Canceled,
        Self::AcceptedElsewhere,
        Self::DeclinedElsewhere,
        Self::Accepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Declined => "declined",
            Self::Canceled => "canceled",
            Self::AcceptedElsewhere => "accepted_elsewhere",
            Self::DeclinedElsewhere => "declined_elsewhere",
            Self::Accepted => "accepted",
        }
    }

    pub fn from_stored(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == raw)
    }

    pub fn parse(field: impl Into<Field>, raw: &str) -> Result<Self> {
        Self::from_stored(raw).ok_or_else(|| {
            let field = field.into();
            let message = format!("The selected {} is invalid.", spoken(&field));
            CoreError::invalid(field, message)
        })
    }
}
