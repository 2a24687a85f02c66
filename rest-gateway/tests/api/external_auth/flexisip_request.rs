//! Flexisip's requests, built from the README's `remote-auth-uri`
//! template (each token's value URI-escaped, `null` when absent), and
//! what it reads in the answers.

use flexiapi_proto::pb;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{
    digest_client::hash,
    helpers::{json, TestSystem, ADMIN, DOMAIN},
};

/// The README's `remote-auth-uri`, after the scheme and host.
pub(crate) const TEMPLATE: &str = "/api/flexisip/external-auth?key=KEY&method={method}&from={from}\
    &domain={domain}&username={username}&realm={realm}&nonce={nonce}&uri={uri}&nc={nc}\
    &cnonce={cnonce}&qop={qop}&response={response}&opaque={opaque}&algorithm={algorithm}\
    &via={header:via}";

/// One SIP request's Digest answer, as Flexisip holds it.
#[derive(Clone)]
pub(crate) struct SipAnswer {
    pub(crate) method: &'static str,
    pub(crate) username: String,
    pub(crate) domain: String,
    pub(crate) realm: String,
    pub(crate) password: String,
    pub(crate) algorithm: Option<&'static str>,
    pub(crate) nonce: String,
    pub(crate) nc: u32,
    pub(crate) uri: String,
    pub(crate) qop: Option<&'static str>,
    pub(crate) via: Option<String>,
}

impl SipAnswer {
    pub(crate) fn register(username: &str, domain: &str, password: &str) -> Self {
        Self {
            method: "REGISTER",
            username: username.into(),
            domain: domain.into(),
            realm: domain.into(),
            password: password.into(),
            algorithm: Some("MD5"),
            // A sofia-sip nonce: base64, with '+', '/' and '='.
            nonce: "Zmxl+aXNp/cC1ub25jZQ==".into(),
            nc: 1,
            uri: format!("sip:{domain}"),
            qop: Some("auth"),
            via: Some("SIP/2.0/TLS 10.0.0.7:5061;branch=z9hG4bK-1;received=198.51.100.7".into()),
        }
    }

    /// The client's response, computed by the tests' own Digest code.
    fn response(&self) -> String {
        let algorithm = self.algorithm.unwrap_or("MD5");
        let h = |text: String| hash(algorithm, &text);
        let ha1 = h(format!(
            "{}:{}:{}",
            self.username, self.realm, self.password
        ));
        let ha2 = h(format!("{}:{}", self.method, self.uri));
        let qop = self.qop.unwrap_or_default();
        h(format!(
            "{ha1}:{}:{:08x}:cn0nce:{qop}:{ha2}",
            self.nonce, self.nc
        ))
    }

    /// The URL Flexisip requests: each token's value URI-escaped, `null`
    /// for an absent one.
    pub(crate) fn url(&self, system: &TestSystem, key: &str) -> String {
        let from = format!(
            "\"{0}\" <sip:{0}@{1}>;tag=a73kszlfl",
            self.username, self.domain
        );
        let nc = format!("{:08x}", self.nc);
        let tokens: [(&str, Option<&str>); 14] = [
            ("{method}", Some(self.method)),
            ("{from}", Some(&from)),
            ("{domain}", Some(&self.domain)),
            ("{username}", Some(&self.username)),
            ("{realm}", Some(&self.realm)),
            ("{nonce}", Some(&self.nonce)),
            ("{uri}", Some(&self.uri)),
            ("{nc}", self.qop.map(|_| nc.as_str())),
            ("{cnonce}", self.qop.map(|_| "cn0nce")),
            ("{qop}", self.qop),
            ("{response}", Some(&self.response())),
            ("{opaque}", None),
            ("{algorithm}", self.algorithm),
            ("{header:via}", self.via.as_deref()),
        ];
        let mut url = TEMPLATE.replace("KEY", key);
        for (token, value) in tokens {
            let value = value.map_or_else(|| "null".to_owned(), escape);
            url = url.replace(token, &value);
        }
        system.url(&url)
    }
}

fn escape(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Flexisip's request and what it reads: the HTTP status and the body's
/// `Key: value` lines.
pub(crate) async fn flexisip(
    system: &TestSystem,
    url: &str,
) -> (StatusCode, Vec<(String, String)>) {
    let response = system.http.get(url).send().await.unwrap();
    let status = response.status();
    let content_type = response.headers().get("content-type").cloned();
    let body = response.text().await.unwrap();
    if status != StatusCode::OK {
        return (status, vec![("body".into(), body)]);
    }
    assert_eq!(content_type.unwrap(), "text/plain; charset=utf-8");
    let lines = body
        .lines()
        .map(|line| {
            let (key, value) = line.split_once(": ").expect(&body);
            (key.to_owned(), value.to_owned())
        })
        .collect();
    (status, lines)
}

pub(crate) async fn judged(
    system: &TestSystem,
    key: &str,
    answer: &SipAnswer,
) -> Vec<(String, String)> {
    let (status, lines) = flexisip(system, &answer.url(system, key)).await;
    assert_eq!(status, StatusCode::OK, "{lines:?}");
    lines
}

fn line<'a>(lines: &'a [(String, String)], key: &str) -> Option<&'a str> {
    lines
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

pub(crate) fn assert_accepted(lines: &[(String, String)], identity: &str) {
    assert_eq!(line(lines, "Status"), Some("200"), "{lines:?}");
    assert_eq!(line(lines, "P-Asserted-Identity"), Some(identity));
}

pub(crate) fn assert_forbidden(lines: &[(String, String)]) {
    assert_eq!(line(lines, "Status"), Some("403"), "{lines:?}");
    assert_eq!(line(lines, "Phrase"), Some("Forbidden"));
    assert_eq!(
        line(lines, "Reason"),
        Some("SIP;cause=403;text=\"Forbidden\"")
    );
    assert_eq!(line(lines, "P-Asserted-Identity"), None);
}

pub(crate) fn assert_challenged(lines: &[(String, String)], status: &str, reason: &str) {
    assert_eq!(line(lines, "Status"), Some(status), "{lines:?}");
    let expected = format!("SIP;cause={status};text=\"{reason}\"");
    assert_eq!(line(lines, "Reason"), Some(expected.as_str()), "{lines:?}");
}

/// A key of scope external-auth, made as the README makes it.
pub(crate) async fn external_auth_key(system: &TestSystem) -> String {
    external_auth_key_of(system, ADMIN).await
}

pub(crate) async fn external_auth_key_of(system: &TestSystem, admin: &str) -> String {
    let mut keys =
        pb::api_key_service_client::ApiKeyServiceClient::new(system.core_channel().await);
    keys.create_api_key(pb::CreateApiKeyRequest {
        owner: Some(pb::AccountAddress {
            username: admin.into(),
            domain: DOMAIN.into(),
        }),
        name: "flexisip-auth".into(),
        scope: "external-auth".into(),
        ..Default::default()
    })
    .await
    .unwrap()
    .into_inner()
    .key
}

/// bob00001 (SHA-256) in sip.example.com, a space whose realm is
/// `example-realm`.
pub(crate) async fn bob_in_another_realm(system: &TestSystem, admin_key: &str) -> pb::Account {
    let space = json!({"domain": "sip.example.com", "realm": "example-realm"});
    let created = system
        .with_key(admin_key, Method::POST, "/api/spaces", Some(space))
        .await;
    json(created, StatusCode::CREATED).await;
    system
        .grpc_create_account_in("bob00001", "sip.example.com", "bob-pw", "SHA-256", false)
        .await
}
