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
    Modify, OpenApi, ToSchema,
};

mod accounts;
mod call_forwardings;
mod complete;
mod fields;
mod onboarding;
mod provisioning;
mod push_notifications;
mod spaces;
mod statistics;
mod voicemails;

pub use accounts::*;
pub use call_forwardings::*;
pub use complete::complete;
pub use onboarding::*;
pub use provisioning::*;
pub use push_notifications::*;
pub use spaces::*;
pub use statistics::*;
pub use voicemails::*;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "flexiapi-rs",
        description = "Flexisip account manager: FlexiAPI's /api contract. Authenticate with \
                       HTTP Digest (RFC 7616, MD5 or SHA-256; send `From: sip:user@domain`) or \
                       with an `x-api-key` header.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    servers((url = "/", description = "This gateway: paths resolve against the address the document was fetched from")),
    components(schemas(Message, ValidationErrors)),
    modifiers(&SecuritySchemes),
    security(("digest" = []), ("api_key" = [])),
    tags(
        (name = "accounts", description = "Admin routes: accounts of the admin's domain (every domain for a super admin)"),
        (name = "me", description = "What an account does to itself"),
        (name = "spaces", description = "Super admins: each SIP domain's realm, account limit and default algorithm"),
        (name = "devices", description = "Registered SIP bindings"),
        (name = "auth", description = "Checking credentials"),
        (name = "flexisip", description = "Flexisip's delegated SIP authentication (ExternalAuthentication plugin), with a key of scope `external-auth` in the query"),
        (name = "onboarding", description = "Linphone apps: account creation with a token (by push or a browser page), email and phone validation by a 4-digit code"),
        (name = "pages", description = "Browser pages at the root: a request token's validation, the recovery of a password by phone or email"),
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
    use utoipa::OpenApi as _;

    use super::*;

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
