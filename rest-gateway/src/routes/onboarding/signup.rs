//! `POST /api/accounts/with-account-creation-token`: an app creates its
//! account with a creation token. The account is pending until a code
//! validates its email or phone.

use axum::{extract::State, Json};
use flexiapi_proto::{json, pb};
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Requester;
use crate::{
    body::{Fields, JsonObject},
    error::ApiError,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_with_token))
}

/// The fields only an admin decides: an app may not send them at all
/// (FlexiAPI's `Create/Api/Request.php`).
const ADMIN_ONLY: [&str; 3] = ["admin", "activated", "blocked"];

/// A pending account (`"activated": false`) in the `--sip-domain` space; a
/// `domain` in the body is ignored. Every check comes before the token is
/// spent: a refused request leaves it usable.
#[utoipa::path(post, operation_id = "onboarding_create_account", security(()), path = "/api/accounts/with-account-creation-token", tag = "onboarding",
    request_body = crate::openapi::AccountWithToken,
    responses(
        (status = 200, description = "The pending account", body = crate::openapi::Account),
        (status = 403, description = "`The space is full`", body = crate::openapi::Message),
        (status = 429, description = "`Too many requests` from this client address", body = crate::openapi::Message),
    ))]
async fn create_with_token(
    State(state): State<AppState>,
    Requester(client): Requester,
    body: JsonObject,
) -> Result<Json<Value>, ApiError> {
    let mut fields = Fields::default();
    let token = fields.take(body.optional_string("account_creation_token"));
    let username = fields.take(body.required_string("username"));
    let password = fields.take(body.required_string("password"));
    let algorithm = fields.take(body.optional_string("algorithm"));
    let email = fields.take(body.nullable_string("email"));
    let phone = fields.take(body.nullable_string("phone"));
    let display_name = fields.take(body.nullable_string("display_name"));
    let dictionary = fields.take(body.string_map("dictionary"));
    for field in ADMIN_ONLY {
        if body.0.contains_key(field) {
            fields.take::<()>(Err((
                field.to_owned(),
                format!("The {field} field must be missing."),
            )));
        }
    }
    let request = fields.finish(pb::CreateAccountWithTokenRequest {
        token: pb::SecretText::new(token),
        username,
        password: pb::SecretText::new(password),
        algorithm,
        email,
        phone,
        display_name,
        dictionary,
        client: Some(client),
    })?;
    let account = state.core.create_account_with_token(request).await?;
    Ok(Json(json::account(&account)))
}
