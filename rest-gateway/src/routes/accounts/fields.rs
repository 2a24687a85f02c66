//! The account fields of a request body, type-checked here with Laravel's
//! messages (a string, a JSON boolean, an object of strings); every other
//! rule is the core's, and its 422 comes back as it is.

use std::collections::HashMap;

use flexiapi_proto::pb;

use crate::{
    auth::middleware::Authenticated,
    body::{Fields, JsonObject},
    error::ApiError,
};

/// The fields POST and PUT share: the profile and the three flags.
struct Shared {
    email: Option<String>,
    display_name: Option<String>,
    phone: Option<String>,
    dictionary: HashMap<String, String>,
    activated: Option<bool>,
    blocked: Option<bool>,
    admin: Option<bool>,
}

fn shared(body: &JsonObject, fields: &mut Fields) -> Shared {
    Shared {
        email: fields.take(body.nullable_string("email")),
        display_name: fields.take(body.nullable_string("display_name")),
        phone: fields.take(body.nullable_string("phone")),
        dictionary: fields.take(body.string_map("dictionary")),
        activated: fields.take(body.optional_laravel_bool("activated")),
        blocked: fields.take(body.optional_laravel_bool("blocked")),
        admin: fields.take(body.optional_laravel_bool("admin")),
    }
}

/// `POST /api/accounts`.
pub fn create_request(
    body: &JsonObject,
    actor: pb::Actor,
) -> Result<pb::CreateAccountRequest, ApiError> {
    let mut fields = Fields::default();
    let username = fields.take(body.required_string("username"));
    let password = fields.take(body.required_string("password"));
    let algorithm = fields.take(body.required_string("algorithm"));
    let domain = fields.take(body.optional_string("domain"));
    let shared = shared(body, &mut fields);
    fields.finish(pb::CreateAccountRequest {
        username,
        domain,
        password,
        algorithm,
        admin: shared.admin.unwrap_or(false),
        actor: Some(actor),
        email: shared.email,
        display_name: shared.display_name,
        dictionary: shared.dictionary,
        activated: shared.activated,
        blocked: shared.blocked.unwrap_or(false),
        phone: shared.phone,
    })
}

/// `PUT /api/accounts/{id}`: the profile is replaced (absent means none),
/// the rest changes only when present.
pub fn update_request(
    body: &JsonObject,
    actor: pb::Actor,
    id: i64,
) -> Result<pb::UpdateAccountRequest, ApiError> {
    let mut fields = Fields::default();
    let username = fields.take(body.nullable_string("username"));
    let password = fields.take(body.nullable_string("password"));
    let algorithm = fields.take(body.nullable_string("algorithm"));
    let shared = shared(body, &mut fields);
    fields.finish(pb::UpdateAccountRequest {
        actor: Some(actor),
        id,
        email: shared.email,
        display_name: shared.display_name,
        dictionary: shared.dictionary,
        username,
        password,
        algorithm,
        activated: shared.activated,
        blocked: shared.blocked,
        admin: shared.admin,
        phone: shared.phone,
    })
}

/// `POST /api/accounts/me/password`, by the authenticated account (whose
/// client address a wrong old password counts against, as a wrong Digest
/// answer does).
pub fn password_change(
    body: &JsonObject,
    auth: &Authenticated,
) -> Result<pb::ChangePasswordRequest, ApiError> {
    let mut fields = Fields::default();
    let old_password = fields.take(body.required_string("old_password"));
    let password = fields.take(body.required_string("password"));
    let algorithm = fields.take(body.optional_string("algorithm"));
    fields.finish(pb::ChangePasswordRequest {
        actor: Some(auth.actor()),
        old_password,
        password,
        algorithm,
        client_address: auth.client_address.clone(),
        // Over the API no panel session is kept: they all end.
        session_token: String::new(),
    })
}
