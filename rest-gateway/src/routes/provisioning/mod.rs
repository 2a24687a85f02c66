//! Contract part 5, remote provisioning: the XML document a Linphone app
//! configures itself from ([`documents`], served at the root as FlexiAPI's
//! web routes), its QR code ([`qrcode`]), and the `/api` routes that make
//! the tokens opening it ([`tokens`]). The core builds every document and
//! checks every token; these relay them. Nothing here is compressed: the
//! documents hold HA1s next to values a client may influence (BREACH).

use axum::http::{HeaderMap, Uri};
use flexiapi_proto::pb;
use utoipa_axum::router::OpenApiRouter;

use super::onboarding::host_of;
use crate::state::AppState;

mod documents;
mod qrcode;
mod tokens;

/// `?reset_password`, present with any value (FlexiAPI's `$request->has`).
const RESET_PASSWORD: &str = "reset_password";

/// The routes that authenticate by themselves, or not at all.
pub fn public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(documents::router())
        .merge(qrcode::router())
        .merge(tokens::public_router())
}

/// The routes behind the authentication middleware.
pub fn protected_router() -> OpenApiRouter<AppState> {
    tokens::protected_router()
}

/// The provisioning email waits on the SMTP relay: it gets the providers'
/// timeout on top of the request timeout.
pub fn delivers(method: &axum::http::Method, path: &str) -> bool {
    method == axum::http::Method::POST
        && path.starts_with("/api/accounts/")
        && path.ends_with("/send_provisioning_email")
}

/// Whether the query has `key`, with or without a value.
fn has_query_key(uri: &Uri, key: &str) -> bool {
    uri.query().is_some_and(|query| {
        query
            .split('&')
            .any(|pair| pair.split('=').next() == Some(key))
    })
}

/// What every document call tells the core: the client, the public URL
/// (`--public-url`, else the scheme served and the request's `Host`) and
/// `?reset_password`.
fn context(
    state: &AppState,
    client: pb::OnboardingClient,
    headers: &HeaderMap,
    uri: &Uri,
) -> pb::ProvisioningContext {
    pb::ProvisioningContext {
        client: Some(client),
        public_url: state.web.origin(host_of(headers, uri).as_deref()),
        reset_password: has_query_key(uri, RESET_PASSWORD),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_password_is_a_key_present_with_any_value() {
        for (uri, present) in [
            ("/provisioning/x?reset_password", true),
            ("/provisioning/x?reset_password=0", true),
            ("/provisioning/x?a=1&reset_password=1", true),
            ("/provisioning/x?reset_passwords=1", false),
            ("/provisioning/x?a=reset_password", false),
            ("/provisioning/x", false),
        ] {
            let uri: Uri = uri.parse().unwrap();
            assert_eq!(has_query_key(&uri, RESET_PASSWORD), present, "{uri}");
        }
        assert!(delivers(
            &axum::http::Method::POST,
            "/api/accounts/12/send_provisioning_email"
        ));
        assert!(!delivers(
            &axum::http::Method::GET,
            "/api/accounts/12/provision"
        ));
    }
}
