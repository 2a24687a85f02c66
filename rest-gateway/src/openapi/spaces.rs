//! The schemas of the space routes and of Flexisip's `resolve`.

use utoipa::{IntoResponses, ToSchema};

use super::{FoundAccount, Message};

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
    pub domain: String,
    /// Default: the domain.
    pub name: Option<String>,
    /// 1-255 printable ASCII characters, no `"` or `\`; default: the domain.
    pub realm: Option<String>,
    /// Default false.
    #[schema(rename = "super")]
    pub is_super: Option<bool>,
    /// Default 0 (no limit).
    pub max_accounts: Option<i64>,
    /// `SHA-256` (default) or `MD5`.
    pub default_password_algorithm: Option<String>,
}

/// `PUT /api/spaces/{domain}`: changes the fields given. The realm only
/// while the space has no account; the domain never.
#[derive(ToSchema)]
pub struct SpaceUpdate {
    pub name: Option<String>,
    pub realm: Option<String>,
    #[schema(rename = "super")]
    pub is_super: Option<bool>,
    pub max_accounts: Option<i64>,
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
