//! The provisioning document (contract part 5), as liblinphone's
//! `xml2lpc` reads it: a `config` root in the lpconfig namespace, `section`
//! elements of `entry` elements, each entry's value its only child text.
//! Written with quick-xml, so every value is escaped whatever it holds (a
//! display name with `<`, `&` or quotes included); pure, so each case has a
//! golden file.

use quick_xml::{
    escape::partial_escape,
    events::{BytesDecl, BytesText, Event},
    Writer,
};

use crate::{
    domain::{app_settings::AppSettings, model::Credential},
    error::Result,
};

/// The namespace of liblinphone's `lpconfig.xsd`.
pub const NAMESPACE: &str = "http://www.linphone.org/xsds/lpconfig.xsd";

/// What the document says of the space.
pub struct SpacePart<'a> {
    pub is_super: bool,
    pub app: &'a AppSettings,
}

/// What it says of the account, when there is one.
pub struct AccountPart<'a> {
    pub username: &'a str,
    pub domain: &'a str,
    pub display_name: Option<&'a str>,
    /// The space's realm: the one the server challenges with.
    pub realm: &'a str,
    /// MD5 first, then SHA-256.
    pub credentials: &'a [Credential],
    /// `<public url>/provisioning/me`.
    pub config_uri: String,
}

/// One entry: its name, its value, and whether it overwrites what the app has.
struct Entry {
    name: String,
    value: String,
    overwrite: bool,
}

struct Section {
    name: String,
    entries: Vec<Entry>,
}

/// The whole document, UTF-8.
pub fn render(space: &SpacePart<'_>, account: Option<&AccountPart<'_>>) -> Result<String> {
    let sections = sections(space, account);
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let written: std::io::Result<()> = (|| {
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        writer
            .create_element("config")
            .with_attribute(("xmlns", NAMESPACE))
            .write_inner_content(|writer| {
                for section in &sections {
                    write_section(writer, section)?;
                }
                Ok::<(), std::io::Error>(())
            })?;
        Ok(())
    })();
    written.map_err(|error| anyhow::anyhow!("writing the provisioning document: {error}"))?;
    let mut xml = String::from_utf8(writer.into_inner())
        .map_err(|_| anyhow::anyhow!("the provisioning document is not UTF-8"))?;
    xml.push('\n');
    Ok(xml)
}

fn write_section(writer: &mut Writer<Vec<u8>>, section: &Section) -> std::io::Result<()> {
    writer
        .create_element("section")
        .with_attribute(("name", section.name.as_str()))
        .write_inner_content(|writer| {
            for entry in &section.entries {
                let mut element = writer
                    .create_element("entry")
                    .with_attribute(("name", entry.name.as_str()));
                if entry.overwrite {
                    element = element.with_attribute(("overwrite", "true"));
                }
                // Only `<`, `>` and `&` need escaping in text; quotes stay
                // readable (`"Anna" <sip:anna@…>`).
                let text = BytesText::from_escaped(partial_escape(&entry.value));
                element.write_text_content(text)?;
            }
            Ok::<(), std::io::Error>(())
        })?;
    Ok(())
}

/// The sections in the contract's order: the operator's own, then `ui`,
/// then the account's. A generated section the operator already wrote is
/// merged into it, the operator's entries winning.
fn sections(space: &SpacePart<'_>, account: Option<&AccountPart<'_>>) -> Vec<Section> {
    let overwrite_all = space.app.overwrite_all;
    let entry = |name: &str, value: String| Entry {
        name: name.to_owned(),
        value,
        overwrite: overwrite_all,
    };
    let mut sections: Vec<Section> = space
        .app
        .custom_entries
        .iter()
        .flat_map(|custom| custom.sections())
        .map(|section| Section {
            name: section.name.clone(),
            entries: section
                .entries
                .iter()
                .map(|(name, value)| entry(name, value.clone()))
                .collect(),
        })
        .collect();
    let mut generated = vec![Section {
        name: "ui".into(),
        entries: ui_entries(space)
            .into_iter()
            .map(|(name, value)| entry(name, value))
            .collect(),
    }];
    if let Some(account) = account {
        generated.extend(account_sections(space.app, account, overwrite_all));
    }
    for section in generated {
        match sections.iter_mut().find(|s| s.name == section.name) {
            Some(custom) => {
                let fresh: Vec<Entry> = section
                    .entries
                    .into_iter()
                    .filter(|e| !custom.entries.iter().any(|c| c.name == e.name))
                    .collect();
                custom.entries.extend(fresh);
            }
            None => sections.push(section),
        }
    }
    sections
}

fn flag(on: bool) -> String {
    if on { "1" } else { "0" }.to_owned()
}

fn ui_entries(space: &SpacePart<'_>) -> Vec<(&'static str, String)> {
    let mut entries = vec![("super", flag(space.is_super))];
    entries.extend(
        flexiapi_proto::app_settings::FEATURES
            .iter()
            .zip(space.app.features)
            .map(|((key, _), on)| (*key, flag(on))),
    );
    entries.push(("max_account", space.app.max_account.to_string()));
    entries
}

fn account_sections(
    app: &AppSettings,
    account: &AccountPart<'_>,
    overwrite_all: bool,
) -> Vec<Section> {
    let entry = |name: &str, value: &str| Entry {
        name: name.to_owned(),
        value: value.to_owned(),
        overwrite: overwrite_all,
    };
    let host = app.proxy.as_deref().unwrap_or(account.domain);
    let proxy = format!("<sip:{host};transport={}>", app.transport);
    let mut sections = vec![
        Section {
            name: "misc".into(),
            // The app's later starts fetch this with Digest, not the
            // one-use URL it was first given.
            entries: vec![Entry {
                name: "config-uri".into(),
                value: account.config_uri.clone(),
                overwrite: true,
            }],
        },
        Section {
            name: "proxy_0".into(),
            entries: vec![
                entry("reg_identity", &identity(account)),
                entry("reg_proxy", &proxy),
                entry("reg_route", &proxy),
                entry("realm", account.realm),
                entry("reg_sendregister", "1"),
            ],
        },
    ];
    for (index, credential) in account.credentials.iter().enumerate() {
        sections.push(Section {
            name: format!("auth_info_{index}"),
            entries: vec![
                entry("username", account.username),
                entry("domain", account.domain),
                entry("ha1", credential.ha1.expose()),
                entry("realm", account.realm),
                entry("algorithm", credential.algorithm.as_str()),
            ],
        });
    }
    sections
}

/// `<sip:user@domain>`, or with the display name as an RFC 3261
/// quoted-string: `"Anna \"Nan\"" <sip:anna@…>`.
fn identity(account: &AccountPart<'_>) -> String {
    let uri = format!("<sip:{}@{}>", account.username, account.domain);
    match account.display_name.filter(|name| !name.is_empty()) {
        Some(name) => {
            let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
            format!("\"{quoted}\" {uri}")
        }
        None => uri,
    }
}

#[cfg(test)]
#[path = "document_tests.rs"]
mod tests;
