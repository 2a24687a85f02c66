//! The query Flexisip's ExternalAuthentication plugin sends: its tokens
//! substituted into the operator's `remote-auth-uri`, each value
//! URI-escaped, `null` for an absent one. Pure parsing, bounded, with a
//! message naming what is wrong; never a panic.
//!
//! Only `%`-escapes are decoded: a `+` stays a `+`, since Flexisip versions
//! that leave Digest values unescaped pass base64 nonces through as they are.

use std::{borrow::Cow, collections::HashMap, net::IpAddr};

use flexiapi_proto::pb;
use percent_encoding::percent_decode_str;

use crate::{auth::from_header::parse_from, core_client::SipAddress};

/// Far above a real query (under 1 KiB), low enough to read at no cost.
const MAX_QUERY_LEN: usize = 8 * 1024;

/// The parameters this route reads; others in the template are ignored.
const KNOWN: [&str; 16] = [
    "key",
    "method",
    "from",
    "domain",
    "username",
    "realm",
    "nonce",
    "uri",
    "nc",
    "cnonce",
    "qop",
    "response",
    "opaque",
    "algorithm",
    "via",
    "userhash",
];

/// A query's parameters, decoded; an absent one and `null` are both `None`.
#[derive(Debug, Default)]
pub struct Params {
    values: HashMap<&'static str, String>,
}

/// Why a query cannot be judged.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed(pub String);

impl Params {
    pub fn parse(query: &str) -> Result<Self, Malformed> {
        if query.len() > MAX_QUERY_LEN {
            return Err(Malformed(format!(
                "The query is longer than {MAX_QUERY_LEN} bytes"
            )));
        }
        let mut values = HashMap::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, raw) = pair.split_once('=').unwrap_or((pair, ""));
            let Some(name) = KNOWN.iter().find(|known| **known == name) else {
                continue;
            };
            let value = decode(name, raw)?;
            if values.insert(*name, value).is_some() {
                return Err(Malformed(format!("The parameter {name} is given twice")));
            }
        }
        values.retain(|_, value: &mut String| !value.is_empty() && value != "null");
        Ok(Self { values })
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    fn field(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    /// The SIP method; `None` when absent or not a method's token.
    pub fn method(&self) -> Option<&str> {
        self.get("method").filter(|method| {
            (1..=32).contains(&method.len()) && method.bytes().all(|b| b.is_ascii_alphabetic())
        })
    }

    /// The account: the From header's address, or `username`@`domain`
    /// when the template does not send `from`.
    pub fn account(&self) -> Result<SipAddress, Malformed> {
        if let Some(from) = self.get("from") {
            return parse_from(from).map_err(|message| Malformed(message.to_owned()));
        }
        match (self.get("username"), self.get("domain")) {
            (Some(username), Some(domain)) => Ok(SipAddress {
                username: username.split('@').next().unwrap_or_default().to_owned(),
                domain: domain.to_owned(),
            }),
            _ => Err(Malformed(
                "The query names no account: give from, or username and domain".into(),
            )),
        }
    }

    /// The Authorization header's parameters, as the core judges them.
    pub fn digest(&self) -> pb::DigestFields {
        pb::DigestFields {
            username: self.field("username"),
            realm: self.field("realm"),
            nonce: self.field("nonce"),
            uri: self.field("uri"),
            nc: self.field("nc"),
            cnonce: self.field("cnonce"),
            qop: self.field("qop"),
            response: self.field("response"),
            opaque: self.field("opaque"),
            algorithm: self.field("algorithm"),
            userhash: self.field("userhash"),
        }
    }

    /// The SIP client's address, from the top `Via` (`via={header:via}`):
    /// `received` when the proxy added it (the sent-by was not where the
    /// request came from), else the sent-by host. `None` when absent or
    /// not an IP address.
    pub fn client_address(&self) -> Option<IpAddr> {
        client_of_via(self.get("via")?)
    }
}

/// A value as Flexisip sent it: `%`-escapes decoded, and one pair of
/// surrounding quotes removed (a Flexisip that copies the Authorization
/// header's parameters as written keeps them).
fn decode(name: &str, raw: &str) -> Result<String, Malformed> {
    let decoded: Cow<'_, str> = percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| Malformed(format!("The parameter {name} is not UTF-8")))?;
    let value = decoded
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(&decoded);
    if value.chars().any(char::is_control) {
        return Err(Malformed(format!(
            "The parameter {name} contains control characters"
        )));
    }
    Ok(value.to_owned())
}

/// The key, when the query gives exactly one (decoded); read before the
/// rest, so that a malformed answer still gets a SIP answer.
pub fn key(query: &str) -> Option<String> {
    let mut keys = query
        .split('&')
        .filter_map(|pair| pair.strip_prefix("key="));
    match (keys.next(), keys.next()) {
        (Some(raw), None) => decode("key", raw).ok().filter(|key| !key.is_empty()),
        _ => None,
    }
}

/// `REGISTER` when the query says so, whatever else is wrong with it: the
/// challenge to send again depends on it.
pub fn method_of(query: &str) -> Option<&'static str> {
    query
        .split('&')
        .any(|pair| pair.eq_ignore_ascii_case("method=REGISTER"))
        .then_some("REGISTER")
}

fn client_of_via(via: &str) -> Option<IpAddr> {
    let first = via.split(',').next()?;
    let (sent, params) = first.split_once(';').unwrap_or((first, ""));
    for param in params.split(';') {
        let (name, value) = param.split_once('=').unwrap_or((param, ""));
        if name.trim().eq_ignore_ascii_case("received") {
            return value.trim().parse().ok();
        }
    }
    // "SIP/2.0/UDP host[:port]": the sent-by is the last word.
    let sent_by = sent.split_whitespace().last()?;
    let host = match sent_by.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next()?,
        None => sent_by.split(':').next()?,
    };
    host.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flexisip_values_are_unescaped_and_null_is_absent() {
        let params = Params::parse(
            "key=abc&method=REGISTER&from=%22Alice%22%20%3Csip%3Aalice%40sip.example.org%3E%3Btag%3D1\
             &nonce=ab+c/d==&opaque=null&qop=%22auth%22&sip-instance=x&algorithm=",
        )
        .unwrap();
        assert_eq!(params.get("key"), Some("abc"));
        assert_eq!(params.method(), Some("REGISTER"));
        assert_eq!(
            params.get("from"),
            Some("\"Alice\" <sip:alice@sip.example.org>;tag=1")
        );
        assert_eq!(params.get("nonce"), Some("ab+c/d=="), "a + is not a space");
        assert_eq!(params.get("opaque"), None);
        assert_eq!(params.get("algorithm"), None);
        assert_eq!(params.get("qop"), Some("auth"), "quotes are removed");
        let account = params.account().unwrap();
        assert_eq!(
            (account.username.as_str(), account.domain.as_str()),
            ("alice", "sip.example.org")
        );
    }

    #[test]
    fn without_from_the_account_is_username_at_domain() {
        let params = Params::parse("username=bob&domain=sip.example.com").unwrap();
        let account = params.account().unwrap();
        assert_eq!(
            (account.username.as_str(), account.domain.as_str()),
            ("bob", "sip.example.com")
        );
        assert!(Params::parse("username=bob").unwrap().account().is_err());
        assert!(Params::parse("from=mailto%3Ax").unwrap().account().is_err());
    }

    #[test]
    fn hostile_queries_are_named_not_panics() {
        for (query, message) in [
            ("nonce=a&nonce=b", "The parameter nonce is given twice"),
            ("nonce=%FF", "The parameter nonce is not UTF-8"),
            (
                "cnonce=a%0Ab",
                "The parameter cnonce contains control characters",
            ),
        ] {
            assert_eq!(Params::parse(query).unwrap_err(), Malformed(message.into()));
        }
        assert!(Params::parse(&"a".repeat(MAX_QUERY_LEN + 1)).is_err());
        for bad in ["", "REG ISTER", "1NVITE", &"A".repeat(33)] {
            let params = Params::parse(&format!("method={bad}")).unwrap();
            assert_eq!(params.method(), None, "{bad:?}");
        }
        assert!(Params::parse("%%%&=&&==&nonce").is_ok());
    }

    #[test]
    fn the_key_is_read_alone_and_only_once() {
        assert_eq!(key("method=X&key=a%42c&nonce=%FF"), Some("aBc".into()));
        assert_eq!(key("key=a&key=b"), None);
        assert_eq!(key("key=&method=INVITE"), None);
        assert_eq!(key("apikey=a"), None);
        assert_eq!(
            method_of("nonce=a&nonce=b&method=REGISTER"),
            Some("REGISTER")
        );
        assert_eq!(method_of("method=INVITE"), None);
    }

    #[test]
    fn the_client_is_the_via_received_address_else_its_sent_by() {
        let client = |via: &str| client_of_via(via).map(|ip| ip.to_string());
        assert_eq!(
            client("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;received=198.51.100.7;rport=4000"),
            Some("198.51.100.7".into())
        );
        assert_eq!(
            client("SIP/2.0/TLS 192.0.2.10:5061;branch=z9hG4bK1"),
            Some("192.0.2.10".into())
        );
        assert_eq!(
            client("SIP/2.0/TCP [2001:db8::1]:5060;branch=z9hG4bK1"),
            Some("2001:db8::1".into())
        );
        assert_eq!(client("SIP/2.0/UDP phone.example.org;branch=1"), None);
        assert_eq!(client("SIP/2.0/UDP 192.0.2.1;received=nonsense"), None);
        assert_eq!(client(""), None);
    }
}
