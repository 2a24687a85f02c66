//! The schemas of the account routes: the account object, its page, its
//! devices, and the bodies that create and change accounts.

use utoipa::{IntoResponses, ToSchema};

use super::{fields, fields::AlgorithmName, Message};

/// An algorithm the account has a password for (never the hash).
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordAlgorithm {
    /// `MD5` or `SHA-256`.
    pub algorithm: String,
}

/// The account object: never a password or a hash. Times are UTC,
/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub domain: String,
    /// `sip:username@domain`.
    pub sip_uri: String,
    pub email: Option<String>,
    /// E.164, validated by a code or set by an admin.
    pub phone: Option<String>,
    pub display_name: Option<String>,
    pub activated: bool,
    pub blocked: bool,
    pub admin: bool,
    pub dictionary: std::collections::BTreeMap<String, String>,
    pub passwords: Vec<PasswordAlgorithm>,
    pub created_at: String,
    pub updated_at: Option<String>,
}

/// An account as Flexisip's client reads it: with its call forwardings.
#[derive(ToSchema, serde::Deserialize)]
pub struct FoundAccount {
    #[serde(flatten)]
    pub account: Account,
    /// Newest first; `no_answer` is written `away`, as Flexisip parses it.
    pub call_forwardings: Vec<super::CallForwarding>,
}

/// A link of the paginator.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageLink {
    pub url: Option<String>,
    pub label: String,
    pub active: bool,
}

/// Laravel's LengthAwarePaginator of `$item`s, named `$name`: URLs are
/// paths, with the query kept.
macro_rules! paginator_schema {
    ($name:ident, $item:ty) => {
        /// Laravel's LengthAwarePaginator: URLs are paths, with the query kept.
        #[derive(utoipa::ToSchema, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            pub current_page: i64,
            pub data: Vec<$item>,
            pub first_page_url: String,
            pub from: Option<i64>,
            pub last_page: i64,
            pub last_page_url: String,
            pub links: Vec<$crate::openapi::PageLink>,
            pub next_page_url: Option<String>,
            pub path: String,
            pub per_page: i64,
            pub prev_page_url: Option<String>,
            pub to: Option<i64>,
            pub total: i64,
        }
    };
}
pub(crate) use paginator_schema;

paginator_schema!(AccountPage, Account);

/// A registered SIP binding.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    /// The `+sip.instance`, e.g. `urn:uuid:…`.
    pub uuid: String,
    pub contact: String,
    pub user_agent: String,
    pub expires_at: Option<String>,
    pub updated_at: Option<String>,
    /// `updated_at` again, under FlexiAPI 2026's name.
    pub update_time: Option<String>,
    /// From the user agent `APP/VERSION … (DEVICE)`; another shape is all
    /// `app`, with `version` and `device_name` empty.
    pub app: String,
    pub version: String,
    pub device_name: String,
}

/// `POST /api/accounts`.
#[derive(ToSchema)]
pub struct NewAccount {
    /// 6-64 SIP user characters; unique in its domain, never a deleted one.
    #[schema(
        pattern = r"^[A-Za-z0-9\-_.!~*'()&=+$,;?/]{6,64}$",
        min_length = 6,
        max_length = 64
    )]
    pub username: String,
    /// 6 to 1024 characters, no control character.
    #[schema(
        pattern = r"^[^\x00-\x1F\x7F-\x9F]{6,1024}$",
        min_length = 6,
        max_length = 1024
    )]
    pub password: String,
    #[schema(value_type = AlgorithmName)]
    pub algorithm: String,
    /// A host name; absent, `null` or empty: the core's `--sip-domain`.
    #[schema(
        pattern = r"^$|^[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*$",
        max_length = 253
    )]
    pub domain: Option<String>,
    /// Unique within the domain.
    #[schema(format = Email, pattern = r"^[^@\s\x00-\x1F\x7F-\x9F]+@[^@\s\x00-\x1F\x7F-\x9F]+$", max_length = 255)]
    pub email: Option<String>,
    #[schema(pattern = r"^[^\x00-\x1F\x7F-\x9F]*$", max_length = 255)]
    pub display_name: Option<String>,
    /// E.164 (`+`, 6 to 15 digits, the first not 0); unique in the domain
    /// among phones and usernames.
    #[schema(pattern = r"^\+[1-9][0-9]{5,14}$")]
    pub phone: Option<String>,
    #[schema(schema_with = fields::dictionary)]
    pub dictionary: Option<std::collections::BTreeMap<String, String>>,
    /// Default true.
    #[schema(schema_with = fields::laravel_bool)]
    pub activated: Option<bool>,
    #[schema(schema_with = fields::laravel_bool)]
    pub blocked: Option<bool>,
    #[schema(schema_with = fields::laravel_bool)]
    pub admin: Option<bool>,
}

/// `PUT /api/accounts/{id}`: `email`, `display_name` and `dictionary` are
/// replaced (absent means none); the rest changes only when present. A new
/// username needs a password.
#[derive(ToSchema)]
pub struct AccountUpdate {
    #[schema(
        pattern = r"^[A-Za-z0-9\-_.!~*'()&=+$,;?/]{6,64}$",
        min_length = 6,
        max_length = 64
    )]
    pub username: Option<String>,
    #[schema(
        pattern = r"^[^\x00-\x1F\x7F-\x9F]{6,1024}$",
        min_length = 6,
        max_length = 1024
    )]
    pub password: Option<String>,
    #[schema(value_type = Option<AlgorithmName>)]
    pub algorithm: Option<String>,
    #[schema(format = Email, pattern = r"^[^@\s\x00-\x1F\x7F-\x9F]+@[^@\s\x00-\x1F\x7F-\x9F]+$", max_length = 255)]
    pub email: Option<String>,
    #[schema(pattern = r"^[^\x00-\x1F\x7F-\x9F]*$", max_length = 255)]
    pub display_name: Option<String>,
    /// E.164 (`+`, 6 to 15 digits, the first not 0); unique in the domain
    /// among phones and usernames.
    #[schema(pattern = r"^\+[1-9][0-9]{5,14}$")]
    pub phone: Option<String>,
    #[schema(schema_with = fields::dictionary)]
    pub dictionary: Option<std::collections::BTreeMap<String, String>>,
    #[schema(schema_with = fields::laravel_bool)]
    pub activated: Option<bool>,
    #[schema(schema_with = fields::laravel_bool)]
    pub blocked: Option<bool>,
    #[schema(schema_with = fields::laravel_bool)]
    pub admin: Option<bool>,
}

/// `POST /api/accounts/me/password`.
#[derive(ToSchema)]
pub struct PasswordChange {
    /// The current password.
    #[schema(min_length = 1)]
    pub old_password: String,
    #[schema(
        pattern = r"^[^\x00-\x1F\x7F-\x9F]{6,1024}$",
        min_length = 6,
        max_length = 1024
    )]
    pub password: String,
    /// Absent: the algorithms the account has.
    #[schema(value_type = Option<AlgorithmName>)]
    pub algorithm: Option<String>,
}

/// `Account not found`: no such account in the admin's reach (or `{id}` not a number)
#[derive(IntoResponses)]
#[response(status = 404)]
pub struct AccountNotFound(#[to_schema] pub Message);

#[cfg(test)]
mod tests {
    use flexiapi_proto::{json, pb};
    use utoipa::PartialSchema as _;

    use super::*;
    use crate::openapi::assert_documented;

    fn account() -> pb::Account {
        pb::Account {
            id: 7,
            username: "alice01".into(),
            domain: "sip.example.org".into(),
            activated: true,
            email: Some("alice@example.org".into()),
            dictionary: [("team".to_owned(), "sales".to_owned())].into(),
            created_at: Some(prost_types::Timestamp {
                seconds: 1,
                nanos: 0,
            }),
            updated_at: Some(prost_types::Timestamp {
                seconds: 2,
                nanos: 0,
            }),
            password_algorithms: vec!["MD5".into()],
            ..Default::default()
        }
    }

    #[test]
    fn the_account_object_is_documented_key_for_key() {
        assert_documented::<Account>(&json::account(&account()));
        // The search's answer: the account flattened, plus call_forwardings.
        let schema = serde_json::to_value(FoundAccount::schema()).unwrap();
        let parts = schema["allOf"].as_array().unwrap();
        assert!(
            parts
                .iter()
                .any(|p| p["$ref"] == "#/components/schemas/Account"),
            "{schema}"
        );
        assert!(
            parts
                .iter()
                .any(|p| p["properties"]["call_forwardings"].is_object()),
            "{schema}"
        );
        let mut found = json::account(&account());
        found["call_forwardings"] = serde_json::json!([]);
        assert!(serde_json::from_value::<FoundAccount>(found).is_ok());
    }
}
