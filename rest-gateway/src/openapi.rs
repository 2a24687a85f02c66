//! The OpenAPI 3.1 document of every route, generated from the handlers'
//! `#[utoipa::path]` annotations as the router is built (routes are only
//! added through `utoipa_axum::routes!`; clippy refuses any other way), and
//! served at `GET /api/openapi.json`.
//!
//! The schemas below describe the JSON the handlers write; a test
//! deserializes real answers into them, refusing unknown keys, so a key
//! added to an answer but not here fails the build's tests.

use utoipa::{
    openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme},
    IntoResponses, Modify, OpenApi, ToSchema,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "flexiapi-rs",
        description = "Flexisip account manager: FlexiAPI's /api contract. Authenticate with \
                       HTTP Digest (RFC 7616, MD5 or SHA-256; send `From: sip:user@domain`) or \
                       with an `x-api-key` header.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&SecuritySchemes),
    security(("digest" = []), ("api_key" = [])),
    tags(
        (name = "accounts", description = "Admin routes: accounts of the admin's domain (every domain for a super admin)"),
        (name = "me", description = "What an account does to itself"),
        (name = "devices", description = "Registered SIP bindings"),
        (name = "auth", description = "Checking credentials"),
        (name = "operations", description = "Documentation, health and metrics (no authentication)")
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "digest",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Digest)),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-api-key",
                "A user key from GET /api/accounts/me/api_key, or a named key from `core-service api-keys create`",
            ))),
        );
    }
}

/// `{"message": …}`: every error but a 422.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    pub message: String,
}

/// A 422, in Laravel's shape: a summary and each field's messages.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationErrors {
    pub message: String,
    pub errors: std::collections::BTreeMap<String, Vec<String>>,
}

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
    /// Always empty: call forwarding is not built yet.
    pub call_forwardings: Vec<String>,
}

/// A link of the paginator.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageLink {
    pub url: Option<String>,
    pub label: String,
    pub active: bool,
}

/// Laravel's LengthAwarePaginator: URLs are paths, with the query kept.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountPage {
    pub current_page: i64,
    pub data: Vec<Account>,
    pub first_page_url: String,
    pub from: Option<i64>,
    pub last_page: i64,
    pub last_page_url: String,
    pub links: Vec<PageLink>,
    pub next_page_url: Option<String>,
    pub path: String,
    pub per_page: i64,
    pub prev_page_url: Option<String>,
    pub to: Option<i64>,
    pub total: i64,
}

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
}

/// `POST /api/accounts`.
#[derive(ToSchema)]
pub struct NewAccount {
    /// 6-64 SIP user characters; unique in its domain, never a deleted one.
    pub username: String,
    /// At least 6 characters.
    pub password: String,
    /// `SHA-256` or `MD5`.
    pub algorithm: String,
    /// A host name; default: the core's `--sip-domain`.
    pub domain: Option<String>,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub dictionary: Option<std::collections::BTreeMap<String, String>>,
    /// Default true.
    pub activated: Option<bool>,
    pub blocked: Option<bool>,
    pub admin: Option<bool>,
}

/// `PUT /api/accounts/{id}`: `email`, `display_name` and `dictionary` are
/// replaced (absent means none); the rest changes only when present. A new
/// username needs a password.
#[derive(ToSchema)]
pub struct AccountUpdate {
    pub username: Option<String>,
    pub password: Option<String>,
    pub algorithm: Option<String>,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub dictionary: Option<std::collections::BTreeMap<String, String>>,
    pub activated: Option<bool>,
    pub blocked: Option<bool>,
    pub admin: Option<bool>,
}

/// `POST /api/accounts/me/password`.
#[derive(ToSchema)]
pub struct PasswordChange {
    pub old_password: String,
    pub password: String,
    /// Absent: the algorithms the account has.
    pub algorithm: Option<String>,
}

/// What every authenticated route may answer instead, named once for all
/// their operations.
#[derive(IntoResponses)]
pub enum Refusals {
    /// Not authenticated (a fresh Digest challenge in `WWW-Authenticate`), or `Invalid API Key`
    #[response(status = 401)]
    Unauthenticated(#[to_schema] Message),
    /// `Unauthorized area`, `Account blocked`, or `An admin cannot do this to its own account`
    #[response(status = 403)]
    Forbidden(#[to_schema] Message),
}

/// `Account not found`: no such account in the admin's reach (or `{id}` not a number)
#[derive(IntoResponses)]
#[response(status = 404)]
pub struct AccountNotFound(#[to_schema] pub Message);

/// A broken field, named, in Laravel's shape
#[derive(IntoResponses)]
#[response(status = 422)]
pub struct Invalid(#[to_schema] pub ValidationErrors);

/// `{}`: done.
#[derive(ToSchema)]
pub struct Empty {}

/// Checks that a real answer and its documented schema have the same keys,
/// and that the answer reads as the schema's type.
#[cfg(test)]
pub(crate) fn assert_documented<T>(answer: &serde_json::Value)
where
    T: ToSchema + serde::de::DeserializeOwned,
{
    let schema = serde_json::to_value(T::schema()).unwrap_or_default();
    let mut documented: Vec<&String> = schema["properties"]
        .as_object()
        .map(|p| p.keys().collect())
        .unwrap_or_default();
    let mut answered: Vec<&String> = answer
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    documented.sort();
    answered.sort();
    assert_eq!(documented, answered, "documented keys vs the answer's");
    if let Err(error) = serde_json::from_value::<T>(answer.clone()) {
        panic!("the answer does not read as its schema: {error}: {answer}");
    }
}

#[cfg(test)]
mod tests {
    use flexiapi_proto::{json, pb};
    use utoipa::{IntoResponses as _, OpenApi as _, PartialSchema as _};

    use super::*;

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

    #[test]
    fn shared_refusals_are_described_once_and_inlined() {
        let refusals = serde_json::to_value(Refusals::responses()).unwrap();
        assert!(refusals["401"]["description"]
            .as_str()
            .unwrap()
            .contains("Invalid API Key"));
        assert!(refusals["403"]["description"]
            .as_str()
            .unwrap()
            .contains("Account blocked"));
        let schema = &refusals["403"]["content"]["application/json"]["schema"];
        assert!(schema["properties"]["message"].is_object(), "{refusals}");
    }

    #[test]
    fn the_document_declares_both_ways_to_authenticate() {
        let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
        assert_eq!(document["openapi"], "3.1.0");
        let schemes = &document["components"]["securitySchemes"];
        assert_eq!(
            schemes["digest"],
            serde_json::json!({"type": "http", "scheme": "digest"})
        );
        assert_eq!(schemes["api_key"]["in"], "header");
        assert_eq!(
            document["security"],
            serde_json::json!([{"digest": []}, {"api_key": []}])
        );
    }
}
