//! Call forwardings (contract part 6): where an account's calls go when it
//! does not take them, always, on no answer or when busy. A user manages its
//! own, an admin those of the accounts it administers; Flexisip reads them
//! in the account search. The refusals are FlexiAPI's words.

use crate::{
    domain::{app_settings::parse_proxy, model::Account},
    error::{CoreError, Result},
    rules::accounts::store::AccountStore,
};
use store::{CallForwardingStore, ForwardingWrite, StoredForwarding, WriteRefusal};

pub mod store;

pub const NOT_FOUND: &str = "Call forwarding not found";
const EXCLUSIVE: &str = "type: always and type: always/busy cannot be enabled at the same time";

/// When a forwarding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardType {
    Always,
    NoAnswer,
    Busy,
}

impl ForwardType {
    /// FlexiAPI's names, and Flexisip's `away` for `no_answer`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "always" => Some(Self::Always),
            "no_answer" | "away" => Some(Self::NoAnswer),
            "busy" => Some(Self::Busy),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::NoAnswer => "no_answer",
            Self::Busy => "busy",
        }
    }
}

/// Where a forwarded call goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardTo {
    SipUri,
    Contact,
    Voicemail,
}

impl ForwardTo {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "sip_uri" => Some(Self::SipUri),
            "contact" => Some(Self::Contact),
            "voicemail" => Some(Self::Voicemail),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SipUri => "sip_uri",
            Self::Contact => "contact",
            Self::Voicemail => "voicemail",
        }
    }
}

/// The fields a creation or an update gives; `None` is "not given".
#[derive(Debug, Default)]
pub struct ForwardingInput<'a> {
    pub kind: Option<&'a str>,
    pub forward_to: Option<&'a str>,
    pub sip_uri: Option<&'a str>,
    pub enabled: Option<bool>,
    pub contact_id: Option<i64>,
}

/// A `sip:` or `sips:` URI with a user and a host (optionally a port, then
/// parameters or headers after `;` or `?`), at most 255 characters, no
/// control or blank character: what Flexisip can dial. The OpenAPI
/// document states the same as a pattern.
pub fn valid_sip_uri(raw: &str) -> bool {
    let blank = |c: char| c.is_control() || c.is_whitespace() || c == '\u{feff}';
    if raw.chars().count() > 255 || raw.chars().any(blank) {
        return false;
    }
    let scheme_end = raw.find(':').unwrap_or(0);
    let scheme = raw[..scheme_end].to_ascii_lowercase();
    if scheme != "sip" && scheme != "sips" {
        return false;
    }
    let Some((user, rest)) = raw[scheme_end + 1..].split_once('@') else {
        return false;
    };
    let host = rest.split([';', '?']).next().unwrap_or_default();
    !user.is_empty() && parse_proxy(host).is_ok()
}

pub async fn list(
    store: &impl CallForwardingStore,
    owner: &Account,
) -> Result<Vec<StoredForwarding>> {
    store.call_forwardings(owner.id).await
}

pub async fn get(
    store: &impl CallForwardingStore,
    owner: &Account,
    id: i64,
) -> Result<StoredForwarding> {
    store
        .call_forwardings(owner.id)
        .await?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or(CoreError::Missing(NOT_FOUND))
}

/// A new forwarding (`id` `None`) or a change to one.
pub async fn write(
    store: &(impl CallForwardingStore + AccountStore),
    owner: &Account,
    id: Option<i64>,
    input: ForwardingInput<'_>,
    now: i64,
) -> Result<StoredForwarding> {
    let current = match id {
        Some(id) => Some(get(store, owner, id).await?),
        None => None,
    };
    let write = checked(store, owner, id, current.map(|c| c.kind), input, now).await?;
    let written = store.write_call_forwarding(write).await?;
    let id = written.map_err(|refusal| match refusal {
        WriteRefusal::TypeTaken => CoreError::invalid("type", "The type has already been taken."),
        WriteRefusal::Exclusive => CoreError::invalid("enabled", EXCLUSIVE),
        WriteRefusal::Missing => CoreError::Missing(NOT_FOUND),
    })?;
    get(store, owner, id).await
}

/// The input checked field by field, every broken field reported at once.
async fn checked(
    store: &impl AccountStore,
    owner: &Account,
    id: Option<i64>,
    kept_kind: Option<ForwardType>,
    input: ForwardingInput<'_>,
    now: i64,
) -> Result<ForwardingWrite> {
    let mut errors: Vec<Option<CoreError>> = Vec::new();
    let kind = match (input.kind, kept_kind) {
        (Some(raw), _) => ForwardType::parse(raw),
        (None, kept) => kept,
    };
    match (input.kind, kind) {
        (None, None) => errors.push(refused("type", "The type field is required.")),
        (Some(_), None) => errors.push(refused("type", "The selected type is invalid.")),
        _ => {}
    }
    let forward_to = input.forward_to.and_then(ForwardTo::parse);
    match (input.forward_to, forward_to) {
        (None, _) => errors.push(refused("forward_to", "The forward to field is required.")),
        (Some(_), None) => {
            errors.push(refused("forward_to", "The selected forward to is invalid."))
        }
        _ => {}
    }
    if input.enabled.is_none() {
        errors.push(refused("enabled", "The enabled field is required."));
    }
    let sip_uri = match (forward_to, input.sip_uri) {
        (Some(ForwardTo::SipUri), None) => {
            errors.push(refused(
                "sip_uri",
                "The sip uri field is required when forward to is sip_uri.",
            ));
            None
        }
        (Some(ForwardTo::SipUri), Some(uri)) if !valid_sip_uri(uri) => {
            errors.push(refused("sip_uri", "The sip uri must be a valid SIP URI."));
            None
        }
        (Some(ForwardTo::SipUri), uri) => uri.map(str::to_owned),
        _ => None,
    };
    let contact_id = match (forward_to, input.contact_id) {
        (Some(ForwardTo::Contact), None) => {
            errors.push(refused(
                "contact_id",
                "The contact id field is required when forward to is contact.",
            ));
            None
        }
        (Some(ForwardTo::Contact), Some(contact)) => {
            if !is_contact(store, owner, contact).await? {
                errors.push(refused("contact_id", "The selected contact id is invalid."));
            }
            Some(contact)
        }
        _ => None,
    };
    match (kind, forward_to, input.enabled) {
        (Some(kind), Some(forward_to), Some(enabled)) if errors.is_empty() => Ok(ForwardingWrite {
            account_id: owner.id,
            id,
            kind,
            forward_to,
            sip_uri,
            contact_id,
            enabled,
            now,
        }),
        _ => Err(CoreError::merge(errors)),
    }
}

fn refused(field: &'static str, message: &str) -> Option<CoreError> {
    Some(CoreError::invalid(field, message.to_owned()))
}

/// Another account of the owner's domain (this project has no contact
/// lists: FlexiAPI takes the account's contacts).
async fn is_contact(store: &impl AccountStore, owner: &Account, id: i64) -> Result<bool> {
    if id == owner.id {
        return Ok(false);
    }
    Ok(store
        .account_by_id(id)
        .await?
        .is_some_and(|contact| contact.domain == owner.domain))
}

pub async fn delete(store: &impl CallForwardingStore, owner: &Account, id: i64) -> Result<()> {
    if store.delete_call_forwarding(owner.id, id).await? {
        Ok(())
    } else {
        Err(CoreError::Missing(NOT_FOUND))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flexisips_away_is_no_answer() {
        assert_eq!(ForwardType::parse("away"), Some(ForwardType::NoAnswer));
        assert_eq!(
            ForwardType::parse("no_answer").unwrap().as_str(),
            "no_answer"
        );
        assert_eq!(ForwardType::parse("Always"), None);
        assert_eq!(ForwardTo::parse("voicemail"), Some(ForwardTo::Voicemail));
    }

    #[test]
    fn sip_uris_have_a_user_and_a_host() {
        for good in [
            "sip:bob@sip.example.org",
            "SIPS:bob@sip.example.org:5061;transport=tls",
            "sip:+33612345678@192.0.2.1",
            "sip:bob@[2001:db8::1]",
        ] {
            assert!(valid_sip_uri(good), "{good}");
        }
        for bad in [
            "",
            "bob@sip.example.org",
            "sip:@sip.example.org",
            "sip:bob",
            "tel:+33612345678",
            "sip:bob@exa mple.org",
            "sip:bob@sip.example.org\r\n",
            &format!("sip:{}@example.org", "a".repeat(250)),
            "sip:bob@sip.example.org\u{feff}",
        ] {
            assert!(!valid_sip_uri(bad), "{bad}");
        }
    }
}
