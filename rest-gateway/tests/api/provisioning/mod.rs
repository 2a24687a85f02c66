//! Contract part 5 end to end: the real core and gateway, documents fetched
//! as liblinphone fetches them and read as its `xml2lpc` reads them,
//! checked against an lpconfig schema with `xmllint`, and their HA1s used
//! to answer the next Digest challenge as liblinphone does.

use std::collections::BTreeMap;

use quick_xml::{events::Event, Reader};
use reqwest::{header, Method, StatusCode};
use serde_json::Value;

use crate::{
    clients::available,
    digest_client::{challenges, hash, Challenge},
    helpers::{TestSystem, DOMAIN},
};

mod auth_tokens;
mod documents;
mod email;
mod import;
mod processes;
mod qrcode;
mod settings;
mod tokens;

/// What liblinphone's HTTP client sends.
pub const USER_AGENT: &str = "LinphoneDesktop/6.0.0 (Debian) LinphoneSDK/5.4.0";

/// One entry as liblinphone reads it: its value and whether it overwrites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub value: String,
    pub overwrite: bool,
}

/// A document read as `xml2lpc` does: sections in order, entries by name
/// (a value is the first child's text; `overwrite` counts only as `true`).
#[derive(Debug, Default)]
pub struct Document {
    pub sections: Vec<(String, BTreeMap<String, Entry>)>,
}

impl Document {
    pub fn parse(xml: &str) -> Self {
        let mut reader = Reader::from_str(xml);
        let mut document = Self::default();
        let mut entry: Option<(String, bool)> = None;
        let mut text = String::new();
        let mut root_seen = false;
        loop {
            match reader.read_event().unwrap() {
                Event::Start(element) | Event::Empty(element)
                    if element.local_name().as_ref() == b"config" =>
                {
                    let ns = element
                        .try_get_attribute("xmlns")
                        .unwrap()
                        .map(|a| a.unescape_value().unwrap().into_owned());
                    assert_eq!(
                        ns.as_deref(),
                        Some("http://www.linphone.org/xsds/lpconfig.xsd")
                    );
                    root_seen = true;
                }
                Event::Start(element) if element.local_name().as_ref() == b"section" => {
                    let name = attribute(&element, "name").unwrap();
                    document.sections.push((name, BTreeMap::new()));
                }
                Event::Start(element) if element.local_name().as_ref() == b"entry" => {
                    let name = attribute(&element, "name").unwrap();
                    let overwrite = attribute(&element, "overwrite").as_deref() == Some("true");
                    entry = Some((name, overwrite));
                    text.clear();
                }
                Event::Empty(element) if element.local_name().as_ref() == b"entry" => {
                    let name = attribute(&element, "name").unwrap();
                    let overwrite = attribute(&element, "overwrite").as_deref() == Some("true");
                    document.insert(name, String::new(), overwrite);
                }
                Event::Text(t) => text.push_str(&t.decode().unwrap()),
                Event::GeneralRef(r) => {
                    let resolved = match r.decode().unwrap().as_ref() {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "quot" => "\"",
                        "apos" => "'",
                        other => panic!("unexpected entity {other}"),
                    };
                    text.push_str(resolved);
                }
                Event::CData(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {
                    panic!("the document holds a CDATA, comment, PI or DOCTYPE")
                }
                Event::End(element) if element.local_name().as_ref() == b"entry" => {
                    let (name, overwrite) = entry.take().unwrap();
                    document.insert(name, std::mem::take(&mut text), overwrite);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert!(root_seen, "no config root: {xml}");
        document
    }

    fn insert(&mut self, name: String, value: String, overwrite: bool) {
        let (section, entries) = self
            .sections
            .last_mut()
            .expect("an entry outside a section");
        let old = entries.insert(name.clone(), Entry { value, overwrite });
        assert!(old.is_none(), "{name} twice in {section}");
    }

    pub fn section(&self, name: &str) -> Option<&BTreeMap<String, Entry>> {
        self.sections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, e)| e)
    }

    pub fn value(&self, section: &str, name: &str) -> Option<&str> {
        self.section(section)?.get(name).map(|e| e.value.as_str())
    }

    /// liblinphone's application of a document to the configuration it
    /// has: every `auth_info_N` goes, then each entry is written only when
    /// the name is unset or the entry overwrites.
    pub fn apply_to(&self, config: &mut BTreeMap<(String, String), String>) {
        config.retain(|(section, _), _| !section.starts_with("auth_info_"));
        for (section, entries) in &self.sections {
            for (name, entry) in entries {
                let key = (section.clone(), name.clone());
                if entry.overwrite || !config.contains_key(&key) {
                    config.insert(key, entry.value.clone());
                }
            }
        }
    }
}

fn attribute(element: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    element
        .try_get_attribute(name)
        .unwrap()
        .map(|a| a.unescape_value().unwrap().into_owned())
}

/// A GET as liblinphone sends it (its older FlexiAPIClient's
/// `Content-Type` and `Accept` included), optionally without the header.
pub async fn fetch(system: &TestSystem, path: &str, with_header: bool) -> reqwest::Response {
    let mut request = system
        .http
        .get(system.url(path))
        .header(header::USER_AGENT, USER_AGENT)
        .header(header::ACCEPT, "application/xml")
        .header(header::CONTENT_TYPE, "application/xml")
        .header(header::ACCEPT_ENCODING, "gzip, br");
    if with_header {
        request = request.header("X-Linphone-Provisioning", "1");
    }
    request.send().await.unwrap()
}

/// The document of a 200, checked as the contract says the answer must be.
pub async fn xml_of(response: reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::OK, "{response:?}");
    let headers = response.headers().clone();
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "application/xml; charset=utf-8"
    );
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert!(
        headers.get(header::CONTENT_ENCODING).is_none(),
        "a document is never compressed"
    );
    let xml = response.text().await.unwrap();
    validate(&xml).await;
    assert!(!xml.contains("passwd"), "{xml}");
    xml
}

/// `xmllint --schema` against the lpconfig schema of the fixtures.
pub async fn validate(xml: &str) {
    if !available("xmllint", &["--version"]).await {
        return;
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), xml).unwrap();
    let schema = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/provisioning/lpconfig.xsd"
    );
    let output = tokio::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema", schema])
        .arg(file.path())
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{xml}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A JSON answer with its status.
pub async fn json(response: reqwest::Response, status: StatusCode) -> Value {
    crate::helpers::json(response, status).await
}

/// An admin's new provisioning token for account `id`.
pub async fn provisioning_token(system: &TestSystem, id: i64) -> String {
    let path = format!("/api/accounts/{id}/provision");
    let answer = system
        .admin()
        .json(Method::GET, &path, None, StatusCode::OK)
        .await;
    answer["provisioning_token"].as_str().unwrap().to_owned()
}

/// The `Authorization` liblinphone answers `challenge` with, from an HA1
/// of the challenge's algorithm (it never needs the password).
pub fn answer_with_ha1(
    challenge: &Challenge,
    (username, ha1): (&str, &str),
    (method, uri): (&str, &str),
    nc: u32,
) -> String {
    let algorithm = challenge.get("algorithm");
    let nc = format!("{nc:08x}");
    let cnonce = "0a4f113b";
    let ha2 = hash(algorithm, &format!("{method}:{uri}"));
    let response = hash(
        algorithm,
        &format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", challenge.get("nonce")),
    );
    format!(
        "Digest username=\"{username}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", \
         algorithm={algorithm}, qop=auth, nc={nc}, cnonce=\"{cnonce}\", response=\"{response}\", \
         opaque=\"{}\"",
        challenge.get("realm"),
        challenge.get("nonce"),
        challenge.get("opaque"),
    )
}

/// What liblinphone does with the `auth_info` of `document` for a request
/// to `path`: sends it, gets a challenge, answers it with the HA1 of the
/// challenge's algorithm and realm. The final response.
pub async fn with_ha1(
    system: &TestSystem,
    document: &Document,
    method: Method,
    path: &str,
    provisioning: bool,
) -> reqwest::Response {
    let auth = document.section("auth_info_0").expect("an auth_info_0");
    let username = auth["username"].value.clone();
    let request = |authorization: Option<String>| {
        let mut request = system
            .http
            .request(method.clone(), system.url(path))
            .header(header::FROM, format!("sip:{username}@{DOMAIN}"))
            .header(header::USER_AGENT, USER_AGENT);
        if provisioning {
            request = request.header("X-Linphone-Provisioning", "1");
        }
        if let Some(authorization) = authorization {
            request = request.header(header::AUTHORIZATION, authorization);
        }
        request.send()
    };
    let challenged = request(None).await.unwrap();
    assert_eq!(challenged.status(), StatusCode::UNAUTHORIZED);
    let offered = challenges(&challenged);
    // Every auth_info the document holds, by algorithm (MD5 when absent).
    let (challenge, ha1) = document
        .sections
        .iter()
        .filter(|(name, _)| name.starts_with("auth_info_"))
        .find_map(|(_, auth)| {
            let algorithm = auth.get("algorithm").map_or("MD5", |e| e.value.as_str());
            let realm = &auth["realm"].value;
            offered
                .iter()
                .find(|c| c.get("algorithm") == algorithm && c.get("realm") == realm)
                .map(|c| (c.clone(), auth["ha1"].value.clone()))
        })
        .expect("an auth_info matching a challenge");
    let authorization = answer_with_ha1(&challenge, (&username, &ha1), (method.as_str(), path), 1);
    request(Some(authorization)).await.unwrap()
}
