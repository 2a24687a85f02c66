//! One registrar binding: a field and its value in the hash `fs:<aor>`.
//!
//! The value is a serialized Contact header:
//! `<URI;client params;Flexisip's params?path=…&accept=…&user-agent=…>;header params`.
//! Flexisip's own URI parameters (`fs-conn-id callid expires cseq updatedAt
//! alias usedAsRoute`) are taken out of the contact; the `?` headers are
//! %-decoded (`+` stays a plus); header parameters may be quoted strings
//! holding `; , < >`.

use std::fmt;

use crate::{
    escape::percent_decode,
    params::{split_params, unquote},
};

/// The longest value read: a Contact with its headers is a few hundred
/// bytes; anything far larger is not Flexisip's.
pub const MAX_VALUE_BYTES: usize = 16 * 1024;

/// The URI parameters Flexisip adds for itself.
const FLEXISIP_PARAMS: [&str; 7] = [
    "fs-conn-id",
    "callid",
    "expires",
    "cseq",
    "updatedAt",
    "alias",
    "usedAsRoute",
];

/// A device as the registrar knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The `+sip.instance` without its quotes and `<>`, else the field.
    pub uuid: String,
    /// The contact URI with the client's parameters, without Flexisip's.
    pub contact: String,
    pub user_agent: String,
    /// The `Path` entries, each `<…>` as sent.
    pub path: Vec<String>,
    pub call_id: Option<String>,
    /// Unix seconds.
    pub updated_at: i64,
    /// Unix seconds: `updatedAt + max(expires, message-expires)`. With
    /// Flexisip ≤ 2.2, whose `expires` was the time left when written, this
    /// is a lower bound.
    pub expires_at: i64,
}

impl Binding {
    /// Live until `expires_at`, excluded (the registrar's own rule).
    pub fn is_live(&self, now: i64) -> bool {
        self.expires_at > now
    }
}

/// Why a value is not a binding. The message names the problem, never the
/// value (it holds push tokens and addresses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingError(pub &'static str);

impl fmt::Display for BindingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for BindingError {}

/// What the URI's parameters and the header parameters say of timing.
#[derive(Default)]
struct Timing {
    updated_at: Option<i64>,
    uri_expires: Option<i64>,
    header_expires: Option<i64>,
    message_expires: Option<i64>,
}

/// Parses the value of hash field `field`.
pub fn parse(field: &str, value: &str) -> Result<Binding, BindingError> {
    if value.len() > MAX_VALUE_BYTES {
        return Err(BindingError("longer than 16384 bytes"));
    }
    let inner = value
        .trim()
        .strip_prefix('<')
        .ok_or(BindingError("does not start with '<'"))?;
    // Flexisip escapes `<` and `>` in the headers, and a URI has none.
    let close = inner
        .find('>')
        .ok_or(BindingError("no '>' closes the URI"))?;
    let (uri_and_headers, header_params) = (&inner[..close], &inner[close + 1..]);
    let parts = split_uri(uri_and_headers)?;
    let mut timing = Timing::default();
    let mut call_id = None;
    let mut contact = parts.address.to_owned();
    let uri_params =
        split_params(parts.params).ok_or(BindingError("unterminated quote in the URI"))?;
    for (name, value) in uri_params {
        match (name, value) {
            ("updatedAt", Some(v)) => timing.updated_at = Some(seconds(v, "updatedAt")?),
            ("expires", Some(v)) => timing.uri_expires = Some(seconds(v, "expires")?),
            ("callid", Some(v)) => {
                call_id = Some(percent_decode(v).ok_or(BindingError("bad %-escape in callid"))?);
            }
            (name, _) if FLEXISIP_PARAMS.contains(&name) => {}
            (name, None) => contact.push_str(&format!(";{name}")),
            (name, Some(value)) => contact.push_str(&format!(";{name}={value}")),
        }
    }
    let headers = read_headers(parts.headers)?;
    let instance = read_header_params(header_params, &mut timing)?;
    let updated_at = timing
        .updated_at
        .ok_or(BindingError("no updatedAt parameter"))?;
    let expires = timing
        .header_expires
        .or(timing.uri_expires)
        .ok_or(BindingError("no expires parameter"))?;
    let lifetime = expires.max(timing.message_expires.unwrap_or(0));
    Ok(Binding {
        uuid: instance.unwrap_or_else(|| field.to_owned()),
        contact,
        user_agent: headers.user_agent,
        path: headers.path,
        call_id,
        updated_at,
        expires_at: updated_at.saturating_add(lifetime),
    })
}

/// A URI cut into its address (`sip:user@host:port`), its parameters
/// (after the first `;` of the host part) and its `?` headers.
struct UriParts<'a> {
    address: &'a str,
    params: &'a str,
    headers: &'a str,
}

fn split_uri(uri: &str) -> Result<UriParts<'_>, BindingError> {
    let scheme_end = if starts_with_ignore_case(uri, "sips:") {
        5
    } else if starts_with_ignore_case(uri, "sip:") {
        4
    } else {
        return Err(BindingError("is not a sip: or sips: URI"));
    };
    // A user part may hold `;` and `?` but never a raw `@` (RFC 3261
    // escapes it), so the first `@` ends it; IPv6 hosts hold neither.
    let rest = &uri[scheme_end..];
    let host_start = scheme_end + rest.find('@').map_or(0, |at| at + 1);
    let host_and_more = &uri[host_start..];
    let headers_at = host_and_more.find('?').map(|i| host_start + i);
    let before_headers = &uri[..headers_at.unwrap_or(uri.len())];
    let params_at = before_headers[host_start..]
        .find(';')
        .map_or(before_headers.len(), |i| host_start + i);
    Ok(UriParts {
        address: &uri[..params_at],
        params: &before_headers[params_at..],
        headers: headers_at.map_or("", |i| &uri[i + 1..]),
    })
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

fn seconds(raw: &str, name: &'static str) -> Result<i64, BindingError> {
    let invalid = match name {
        "updatedAt" => "updatedAt is not a number of seconds",
        "message-expires" => "message-expires is not a number of seconds",
        _ => "expires is not a number of seconds",
    };
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or(BindingError(invalid))
}

struct Headers {
    user_agent: String,
    path: Vec<String>,
}

/// `path=…&accept=…&user-agent=…`, each %-decoded; `path` may repeat and
/// each may list several entries.
fn read_headers(raw: &str) -> Result<Headers, BindingError> {
    let mut headers = Headers {
        user_agent: String::new(),
        path: Vec::new(),
    };
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if name.eq_ignore_ascii_case("user-agent") {
            headers.user_agent =
                percent_decode(value).ok_or(BindingError("bad %-escape in user-agent"))?;
        } else if name.eq_ignore_ascii_case("path") {
            let decoded = percent_decode(value).ok_or(BindingError("bad %-escape in path"))?;
            headers.path.extend(split_list(&decoded));
        }
    }
    Ok(headers)
}

/// A header's comma-separated entries, commas inside `<…>` or quotes kept.
fn split_list(raw: &str) -> Vec<String> {
    let mut entries = Vec::new();
    let (mut start, mut angle, mut quoted) = (0, false, false);
    for (i, c) in raw.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                entries.push(raw[start..i].trim().to_owned());
                start = i + 1;
            }
            _ => {}
        }
    }
    entries.push(raw[start..].trim().to_owned());
    entries.retain(|e| !e.is_empty());
    entries
}

/// The header parameters after `>`: the instance id, and the timing rules
/// (`expires` wins over the URI's; `message-expires` counts only first).
fn read_header_params(raw: &str, timing: &mut Timing) -> Result<Option<String>, BindingError> {
    let raw = raw.trim();
    if !raw.is_empty() && !raw.starts_with(';') {
        return Err(BindingError("text after '>' that is not a parameter"));
    }
    let params =
        split_params(raw).ok_or(BindingError("unterminated quote in a header parameter"))?;
    let mut instance = None;
    for (position, (name, value)) in params.into_iter().enumerate() {
        let Some(value) = value else { continue };
        if name.eq_ignore_ascii_case("+sip.instance") {
            let id = unquote(value);
            let id = id
                .strip_prefix('<')
                .and_then(|i| i.strip_suffix('>'))
                .unwrap_or(&id);
            if !id.is_empty() {
                instance = Some(id.to_owned());
            }
        } else if name.eq_ignore_ascii_case("expires") {
            timing.header_expires = Some(seconds(&unquote(value), "expires")?);
        } else if name.eq_ignore_ascii_case("message-expires") && position == 0 {
            timing.message_expires = Some(seconds(&unquote(value), "message-expires")?);
        }
    }
    Ok(instance)
}

#[cfg(test)]
#[path = "binding_tests.rs"]
mod tests;
