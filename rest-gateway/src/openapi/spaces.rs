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
}

/// `POST /api/spaces`.
#[derive(ToSchema)]
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
}

/// `PUT /api/spaces/{domain}`: changes the fields given. The realm only
/// while the space has no account; the domain never (it may be given
/// unchanged).
#[derive(ToSchema)]
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
