//! Entry points for `fuzz/` (cargo-fuzz, outside the workspace): the real
//! parsers of what operators and clients send, and the document writer
//! fed with whatever they accept. Each panics only where an invariant
//! breaks. Built only for tests and the `fuzzing` feature; not an API.
// A harness reports a broken invariant by panicking.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use quick_xml::{events::Event, Reader};

use crate::{
    domain::{
        app_settings::{parse_proxy, AppSettings},
        ini::CustomEntries,
        model::{Credential, Secret},
        Algorithm,
    },
    rules::provisioning::document::{render, AccountPart, SpacePart},
};

/// Any text as a space's settings: its first line as the proxy address and
/// the display name, the rest as `custom_provisioning_entries`. What is
/// accepted is written into a document, which must read back, value for
/// value, as liblinphone reads it.
pub fn space_settings(text: &str) {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let proxy = parse_proxy(first).ok();
    let Ok(entries) = CustomEntries::parse(rest) else {
        return;
    };
    let app = AppSettings {
        proxy,
        custom_entries: Some(entries.clone()),
        ..AppSettings::default()
    };
    let credentials = [Credential {
        algorithm: Algorithm::Md5,
        ha1: Secret::new("0123456789abcdef0123456789abcdef".into()),
    }];
    // A display name is never a control character (its own parser).
    let display_name = (!first.chars().any(char::is_control)).then_some(first);
    let account = AccountPart {
        username: "fuzz0001",
        domain: "sip.example.org",
        display_name,
        realm: "sip.example.org",
        credentials: &credentials,
        config_uri: "https://accounts.example.org/provisioning/me".into(),
    };
    let space = SpacePart {
        is_super: false,
        app: &app,
    };
    let xml = render(&space, Some(&account)).unwrap();
    let read = read_back(&xml);
    for section in entries.sections() {
        for (name, value) in &section.entries {
            let found = read
                .iter()
                .find(|(s, n, _)| s == &section.name && n == name)
                .unwrap_or_else(|| panic!("[{}] {name} lost: {xml}", section.name));
            assert_eq!(&found.2, value, "[{}] {name} changed: {xml}", section.name);
        }
    }
}

/// (section, name, value) of every entry, as `xml2lpc` reads them.
fn read_back(xml: &str) -> Vec<(String, String, String)> {
    let mut reader = Reader::from_str(xml);
    let (mut section, mut entry, mut text) = (String::new(), None, String::new());
    let mut read = Vec::new();
    let attribute = |element: &quick_xml::events::BytesStart<'_>| {
        element
            .try_get_attribute("name")
            .unwrap()
            .map(|a| a.unescape_value().unwrap().into_owned())
            .unwrap()
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) if e.local_name().as_ref() == b"section" => section = attribute(&e),
            Event::Start(e) if e.local_name().as_ref() == b"entry" => {
                entry = Some(attribute(&e));
                text.clear();
            }
            Event::Empty(e) if e.local_name().as_ref() == b"entry" => {
                read.push((section.clone(), attribute(&e), String::new()));
            }
            Event::Text(t) => text.push_str(&t.decode().unwrap()),
            Event::GeneralRef(r) => text.push(match r.decode().unwrap().as_ref() {
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                "quot" => '"',
                "apos" => '\'',
                other => panic!("unexpected entity {other} in {xml}"),
            }),
            Event::End(e) if e.local_name().as_ref() == b"entry" => {
                read.push((
                    section.clone(),
                    entry.take().unwrap(),
                    std::mem::take(&mut text),
                ));
            }
            Event::Eof => return read,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_settings_read_back_as_written() {
        space_settings("[2001:db8::1]:5061\n[sip]\nx = a<b&c>\"d'\n[ui]\ntheme = ]]>");
        space_settings("Anna \"<&>\" \\\n[misc]\nempty =\n");
        space_settings("\u{0}\n[a]\nb=\u{7f}");
        space_settings("");
    }
}
