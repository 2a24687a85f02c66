//! The schemas of the space routes and of Flexisip's `resolve`.

use utoipa::{IntoResponses, ToSchema};

use super::{fields::AlgorithmName, FoundAccount, Message};

/// The configuration of one SIP domain. Times are UTC,
/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Space {
    pub domain: String,
    pub name: String,
    /// The Digest realm of the domain's accounts: challenges carry it and
    /// HA1s are `H(username:realm:password)`.
    pub realm: String,
    /// Its admins are super admins (every domain, and the spaces).
    #[serde(rename = "super")]
    #[schema(rename = "super")]
    pub is_super: bool,
    /// 0: no limit.
    pub max_accounts: i64,
    /// `SHA-256` or `MD5`: what a password change that names none gets, on
    /// an account without a password.
    pub default_password_algorithm: String,
    pub accounts_count: i64,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    /// A host name, IPv4 address or `[IPv6]`, optionally `:port`, that apps
    /// register with (`reg_proxy`); `null`: the account's domain.
    pub account_proxy_registrar_address: Option<String>,
    #[schema(value_type = Transport)]
    pub account_transport: String,
    /// INI text: sections of the operator's own in the provisioning document.
    pub custom_provisioning_entries: Option<String>,
    /// Every entry of the document carries `overwrite="true"`.
    pub custom_provisioning_overwrite_all: bool,
    pub disable_chat_feature: bool,
    pub disable_meetings_feature: bool,
    pub disable_broadcast_feature: bool,
    pub hide_settings: bool,
    pub hide_account_settings: bool,
    pub disable_call_recordings_feature: bool,
    pub only_display_sip_uri_username: bool,
    pub assistant_hide_create_account: bool,
    pub assistant_disable_qr_code: bool,
    pub assistant_hide_third_party_account: bool,
    /// How many accounts the app may hold (0: no limit).
    pub max_account: i64,
}

/// `udp`, `tcp` or `tls`: the transport of `reg_proxy` (default `tls`).
#[derive(ToSchema)]
#[schema(as = Transport)]
pub enum Transport {
    #[schema(rename = "udp")]
    Udp,
    #[schema(rename = "tcp")]
    Tcp,
    #[schema(rename = "tls")]
    Tls,
}

/// What `domain::app_settings::parse_proxy` of the core accepts (set as
/// the field's `pattern` by [`super::complete`]: too long for an
/// attribute to repeat): a host
/// name, an IPv4 address or a bracketed IPv6 address, and a port.
pub const PROXY_PATTERN: &str = r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:|(?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}|(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}|(?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}|:(?:(?::[0-9A-Fa-f]{1,4}){1,7}|:))\])(?::(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?$";

/// The line grammar `domain::ini` of the core reads (control characters
/// but tabs refused; blanks are spaces and tabs).
pub const INI_PATTERN: &str = r"^(?:(?:[ \t]*[;#][^\x00-\x08\x0a-\x1f\x7f-\x9f]*|[ \t]*)\r?\n)*(?:[ \t]*[;#][^\x00-\x08\x0a-\x1f\x7f-\x9f]*|[ \t]*|[ \t]*\[[A-Za-z0-9_.-]{1,64}\][ \t]*(?:\r?\n(?:[ \t]*[;#][^\x00-\x08\x0a-\x1f\x7f-\x9f]*|[ \t]*\[[A-Za-z0-9_.-]{1,64}\][ \t]*|[ \t]*[A-Za-z0-9_.-]{1,64}[ \t]*=[^\x00-\x08\x0a-\x1f\x7f-\x9f]*|[ \t]*))*)$";

/// The app settings of a space (contract part 5), in a creation or an
/// update: absent is the default (creation) or unchanged (update). Booleans
/// are JSON booleans; each broken key is a 422 of its own.
#[derive(ToSchema, serde::Deserialize)]
pub struct AppSettingsInput {
    /// A host name, IPv4 address or `[IPv6]` (without an embedded IPv4
    /// part), optionally `:port` (1-65535); `null`: the account's domain.
    #[schema(max_length = 253)]
    pub account_proxy_registrar_address: Option<String>,
    #[schema(value_type = Option<Transport>)]
    pub account_transport: Option<String>,
    /// INI: `[section]` and `name = value` lines (names of
    /// `[A-Za-z0-9_.-]`, 1-64), blank lines, `;` or `#` comments, entries
    /// after a first section; at most 16,384 characters. Also refused, 422
    /// `Invalid ini format.`: a section, or a name in a section, twice; and
    /// with `The following settings cannot be set, they are already
    /// handled by the platform: ...`, the `ui` keys, `reg_identity` and
    /// `auth_info_*` sections.
    #[schema(max_length = 16384)]
    pub custom_provisioning_entries: Option<String>,
    pub custom_provisioning_overwrite_all: Option<bool>,
    pub disable_chat_feature: Option<bool>,
    pub disable_meetings_feature: Option<bool>,
    pub disable_broadcast_feature: Option<bool>,
    pub hide_settings: Option<bool>,
    pub hide_account_settings: Option<bool>,
    pub disable_call_recordings_feature: Option<bool>,
    pub only_display_sip_uri_username: Option<bool>,
    pub assistant_hide_create_account: Option<bool>,
    pub assistant_disable_qr_code: Option<bool>,
    pub assistant_hide_third_party_account: Option<bool>,
    /// 0: no limit.
    #[schema(minimum = 0)]
    pub max_account: Option<i64>,
}

/// `POST /api/spaces`.
#[derive(ToSchema, serde::Deserialize)]
pub struct NewSpace {
    /// A host name; unique.
    #[schema(
        pattern = r"^[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*$",
        min_length = 1,
        max_length = 253
    )]
    pub domain: String,
    /// 1-255 characters, no control character; default: the domain.
    #[schema(
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*$",
        min_length = 1,
        max_length = 255
    )]
    pub name: Option<String>,
    /// 1-255 printable ASCII characters, no `"` or `\`; default: the domain.
    #[schema(pattern = r#"^[ !#-\[\]-~]{1,255}$"#, min_length = 1, max_length = 255)]
    pub realm: Option<String>,
    /// Default false.
    #[schema(rename = "super")]
    pub is_super: Option<bool>,
    /// Default 0 (no limit).
    #[schema(minimum = 0)]
    pub max_accounts: Option<i64>,
    /// Default `SHA-256`.
    #[schema(value_type = Option<AlgorithmName>)]
    pub default_password_algorithm: Option<String>,
    #[serde(flatten)]
    pub app: AppSettingsInput,
}

/// `PUT /api/spaces/{domain}`: changes the fields given. The realm only
/// while the space has no account; the domain never (it may be given
/// unchanged).
#[derive(ToSchema, serde::Deserialize)]
pub struct SpaceUpdate {
    #[schema(
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*$",
        min_length = 1,
        max_length = 255
    )]
    pub name: Option<String>,
    #[schema(pattern = r#"^[ !#-\[\]-~]{1,255}$"#, min_length = 1, max_length = 255)]
    pub realm: Option<String>,
    #[schema(rename = "super")]
    pub is_super: Option<bool>,
    #[schema(minimum = 0)]
    pub max_accounts: Option<i64>,
    #[schema(value_type = Option<AlgorithmName>)]
    pub default_password_algorithm: Option<String>,
    #[serde(flatten)]
    pub app: AppSettingsInput,
}

/// `GET /api/resolve/{sip}`: what an address is. Only accounts exist here.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolved {
    /// `account`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: String,
    pub payload: FoundAccount,
}

/// `Space not found`
#[derive(IntoResponses)]
#[response(status = 404)]
pub struct SpaceNotFound(#[to_schema] pub Message);

/// `The space still has accounts`
#[derive(IntoResponses)]
#[response(status = 409)]
pub struct SpaceInUse(#[to_schema] pub Message);

#[cfg(test)]
mod tests {
    use flexiapi_proto::{json, pb};

    use super::*;
    use crate::openapi::assert_documented;

    #[test]
    fn the_space_object_is_documented_key_for_key() {
        let space = pb::Space {
            domain: "sip.example.com".into(),
            name: "Example".into(),
            realm: "example-realm".into(),
            default_password_algorithm: "SHA-256".into(),
            created_at: Some(prost_types::Timestamp {
                seconds: 1,
                nanos: 0,
            }),
            ..Default::default()
        };
        assert_documented::<Space>(&json::space(&space));
    }
}
