//! A space's `custom_provisioning_entries` (contract part 5): the operator's
//! own sections of the provisioning document, written as INI text. Values
//! are taken literally (PHP's `parse_ini_string`, which FlexiAPI uses, turns
//! `yes` into `1` and `no` into nothing: not here), and what the platform
//! writes itself cannot be set.

use crate::error::{CoreError, Result};

const FIELD: &str = "custom_provisioning_entries";
/// FlexiAPI's `Rules/Ini.php` sentence, kept to the letter.
const INVALID: &str = "Invalid ini format.";
/// At most 16 Ki characters of text (counted as JSON Schema's `maxLength`
/// counts them, so the OpenAPI document states the same limit).
pub const MAX_CHARS: usize = 16 * 1024;

/// Entry names the platform writes: the `ui` keys (whatever the section,
/// as FlexiAPI refuses them) and the account's identity.
fn handled_by_platform(name: &str) -> bool {
    name == "super"
        || name == "max_account"
        || name == "reg_identity"
        || flexiapi_proto::app_settings::FEATURES
            .iter()
            .any(|(key, _)| *key == name)
}

/// One `[section]` and its entries, in the order written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniSection {
    pub name: String,
    pub entries: Vec<(String, String)>,
}

/// The text as given (shown back in the space object) and its sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomEntries {
    text: String,
    sections: Vec<IniSection>,
}

impl CustomEntries {
    pub fn parse(raw: &str) -> Result<Self> {
        if raw.chars().count() > MAX_CHARS {
            return Err(CoreError::invalid(
                FIELD,
                format!("must be at most {MAX_CHARS} characters"),
            ));
        }
        let sections = sections_of(raw).ok_or_else(|| CoreError::invalid(FIELD, INVALID))?;
        let refused: Vec<&str> = sections
            .iter()
            .flat_map(|section| {
                let whole = section
                    .name
                    .starts_with("auth_info_")
                    .then_some(section.name.as_str());
                let names = section
                    .entries
                    .iter()
                    .map(|(name, _)| name.as_str())
                    .filter(|name| handled_by_platform(name));
                whole.into_iter().chain(names)
            })
            .collect();
        if !refused.is_empty() {
            return Err(CoreError::invalid(
                FIELD,
                format!(
                    "{INVALID} The following settings cannot be set, they are already handled by the platform: {}",
                    refused.join(", ")
                ),
            ));
        }
        Ok(Self {
            text: raw.to_owned(),
            sections,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn sections(&self) -> &[IniSection] {
        &self.sections
    }
}

/// 1 to 64 characters of `[A-Za-z0-9_.-]`.
fn is_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

/// Blanks around names and values: spaces and tabs only, as the grammar
/// the OpenAPI document gives (`rest-gateway/src/openapi/spaces.rs`).
fn blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// The sections, or `None` for anything that is not the contract's INI.
fn sections_of(text: &str) -> Option<Vec<IniSection>> {
    let mut sections: Vec<IniSection> = Vec::new();
    for line in text.lines() {
        // A control character cannot be written into the XML document.
        if line.chars().any(|c| c.is_control() && c != '\t') {
            return None;
        }
        let line = line.trim_matches(blank);
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            if !is_name(name) || sections.iter().any(|s| s.name == name) {
                return None;
            }
            sections.push(IniSection {
                name: name.to_owned(),
                entries: Vec::new(),
            });
            continue;
        }
        let (name, value) = line.split_once('=')?;
        let name = name.trim_matches(blank);
        let section = sections.last_mut()?;
        if !is_name(name) || section.entries.iter().any(|(n, _)| n == name) {
            return None;
        }
        section
            .entries
            .push((name.to_owned(), unquoted(value.trim())));
    }
    Some(sections)
}

/// The value without its surrounding double quotes, when it has both.
fn unquoted(value: &str) -> String {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message_of(raw: &str) -> String {
        match CustomEntries::parse(raw) {
            Err(CoreError::InvalidArgument(violations)) => {
                assert_eq!(violations[0].field, FIELD);
                violations[0].message.clone()
            }
            other => panic!("{raw:?} was not refused: {other:?}"),
        }
    }

    #[test]
    fn sections_and_entries_keep_their_order_and_literal_values() {
        let parsed = CustomEntries::parse(
            "; a comment\n[sip]\nguess_hostname = no\n# another\n\n[net]\r\nstun = \"stun.example.org\"\nempty=\nlimit = yes \n",
        )
        .unwrap();
        let sections = parsed.sections();
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[0].name, "sip");
        assert_eq!(
            sections[0].entries,
            [("guess_hostname".into(), "no".into())]
        );
        assert_eq!(
            sections[1].entries,
            [
                ("stun".into(), "stun.example.org".into()),
                ("empty".into(), String::new()),
                ("limit".into(), "yes".into())
            ]
        );
        assert!(CustomEntries::parse("").unwrap().sections().is_empty());
    }

    #[test]
    fn anything_else_is_flexiapis_refusal() {
        for bad in [
            "name = value",
            "[sip]\nno equals sign",
            "[sip]\n= value",
            "[bad name]\na = b",
            "[sip]\na = 1\na = 2",
            "[sip]\n[sip]",
            "[]\n",
            "[sip]\nkey = a\u{0}b",
        ] {
            assert_eq!(message_of(bad), INVALID, "{bad:?}");
        }
        assert!(message_of(&"x".repeat(MAX_CHARS + 1)).contains("16384"));
        // Blanks are spaces and tabs: a line of a no-break space is not blank.
        assert_eq!(message_of("[sip]\n\u{a0}\n"), INVALID);
    }

    #[test]
    fn what_the_platform_writes_is_named_in_the_refusal() {
        assert_eq!(
            message_of("[ui]\ndisable_chat_feature = 1\nmax_account=2\n[auth_info_0]\nha1=x\n[proxy_0]\nreg_identity=x"),
            "Invalid ini format. The following settings cannot be set, they are already handled by the platform: disable_chat_feature, max_account, auth_info_0, reg_identity"
        );
        // The operator may set the proxy's other entries and misc ones.
        assert!(
            CustomEntries::parse("[proxy_0]\nreg_proxy = <sip:p.example.org>\n[misc]\nx=1").is_ok()
        );
    }
}
