//! The schemas of the call forwarding routes (contract part 6).

use utoipa::ToSchema;

/// What `rules::call_forwardings::valid_sip_uri` of the core accepts: a
/// `sip:` or `sips:` URI, a user, `@`, a host and port as
/// [`super::PROXY_PATTERN`], then parameters or headers; no control or blank
/// character.
pub fn sip_uri_pattern() -> String {
    const CHAR: &str =
        r"[^\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]";
    let hostport = &super::PROXY_PATTERN[1..super::PROXY_PATTERN.len() - 1];
    let user = CHAR.replacen("[^", "[^@", 1);
    format!("^[Ss][Ii][Pp][Ss]?:{user}+@{hostport}(?:[;?]{CHAR}*)?$")
}

/// Where an account's calls go when it does not take them. In search and
/// resolve, `no_answer` is written `away` (Flexisip's name).
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallForwarding {
    pub id: i64,
    /// `always`, `no_answer` (`away` in search and resolve) or `busy`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: String,
    /// `sip_uri`, `contact` or `voicemail`.
    pub forward_to: String,
    pub sip_uri: Option<String>,
    pub enabled: bool,
    /// Another account of the same domain, for `forward_to: contact`.
    pub contact_id: Option<i64>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    /// The contact account's SIP address.
    pub contact_sip_uri: Option<String>,
}

/// `POST …/call_forwardings`: `type`, `forward_to` and `enabled`; with
/// `sip_uri` when `forward_to` is `sip_uri`, `contact_id` when it is
/// `contact`. One of each type per account; an enabled `always` excludes
/// an enabled `no_answer` or `busy` (422 on `enabled`).
#[derive(ToSchema)]
pub struct NewCallForwarding {
    /// `always`, `no_answer` or `busy`; `away` is taken as `no_answer`.
    #[schema(rename = "type", pattern = "^(always|no_answer|away|busy)$")]
    pub kind: String,
    #[schema(pattern = "^(sip_uri|contact|voicemail)$")]
    pub forward_to: String,
    /// A `sip:` or `sips:` URI with a user and a host, at most 255
    /// characters.
    #[schema(max_length = 255)]
    pub sip_uri: Option<String>,
    pub enabled: bool,
    /// Another account of the same domain.
    pub contact_id: Option<i64>,
}

/// `PUT …/call_forwardings/{cf_id}`: as a creation, `type` may be left out
/// (kept).
#[derive(ToSchema)]
pub struct CallForwardingUpdate {
    #[schema(rename = "type", pattern = "^(always|no_answer|away|busy)$")]
    pub kind: Option<String>,
    #[schema(pattern = "^(sip_uri|contact|voicemail)$")]
    pub forward_to: String,
    #[schema(max_length = 255)]
    pub sip_uri: Option<String>,
    pub enabled: bool,
    pub contact_id: Option<i64>,
}
