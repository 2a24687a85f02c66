//! The account fields of a request body, type-checked here with Laravel's
//! messages (a string, a JSON boolean, an object of strings); every other
//! rule is the core's, and its 422 comes back as it is.

use flexiapi_proto::pb;

use crate::{
    body::{all_fields, JsonObject},
    error::ApiError,
};

/// `POST /api/accounts`.
pub fn create_request(
    body: &JsonObject,
    actor: pb::Actor,
) -> Result<pb::CreateAccountRequest, ApiError> {
    let fields = (
        body.required_string("username"),
        body.required_string("password"),
        body.required_string("algorithm"),
        body.optional_string("domain"),
        body.nullable_string("email"),
        body.nullable_string("display_name"),
        body.string_map("dictionary"),
        body.optional_bool("activated"),
        body.optional_bool("blocked"),
        body.optional_bool("admin"),
    );
    match fields {
        (
            Ok(username),
            Ok(password),
            Ok(algorithm),
            Ok(domain),
            Ok(email),
            Ok(display_name),
            Ok(dictionary),
            Ok(activated),
            Ok(blocked),
            Ok(admin),
        ) => Ok(pb::CreateAccountRequest {
            username,
            domain,
            password,
            algorithm,
            admin: admin.unwrap_or(false),
            actor: Some(actor),
            email,
            display_name,
            dictionary,
            activated,
            blocked: blocked.unwrap_or(false),
        }),
        (u, p, a, d, e, n, k, ac, b, ad) => Err(all_fields([
            u.err(),
            p.err(),
            a.err(),
            d.err(),
            e.err(),
            n.err(),
            k.err(),
            ac.err(),
            b.err(),
            ad.err(),
        ])),
    }
}

/// `PUT /api/accounts/{id}`: the profile is replaced (absent means none),
/// the rest changes only when present.
pub fn update_request(
    body: &JsonObject,
    actor: pb::Actor,
    id: i64,
) -> Result<pb::UpdateAccountRequest, ApiError> {
    let fields = (
        body.nullable_string("username"),
        body.nullable_string("password"),
        body.nullable_string("algorithm"),
        body.nullable_string("email"),
        body.nullable_string("display_name"),
        body.string_map("dictionary"),
        body.optional_bool("activated"),
        body.optional_bool("blocked"),
        body.optional_bool("admin"),
    );
    match fields {
        (
            Ok(username),
            Ok(password),
            Ok(algorithm),
            Ok(email),
            Ok(display_name),
            Ok(dictionary),
            Ok(activated),
            Ok(blocked),
            Ok(admin),
        ) => Ok(pb::UpdateAccountRequest {
            actor: Some(actor),
            id,
            email,
            display_name,
            dictionary,
            username,
            password,
            algorithm,
            activated,
            blocked,
            admin,
        }),
        (u, p, a, e, n, k, ac, b, ad) => Err(all_fields([
            u.err(),
            p.err(),
            a.err(),
            e.err(),
            n.err(),
            k.err(),
            ac.err(),
            b.err(),
            ad.err(),
        ])),
    }
}

/// `POST /api/accounts/me/password`.
pub fn password_change(
    body: &JsonObject,
    actor: pb::Actor,
) -> Result<pb::ChangePasswordRequest, ApiError> {
    let fields = (
        body.required_string("old_password"),
        body.required_string("password"),
        body.optional_string("algorithm"),
    );
    match fields {
        (Ok(old_password), Ok(password), Ok(algorithm)) => Ok(pb::ChangePasswordRequest {
            actor: Some(actor),
            old_password,
            password,
            algorithm,
        }),
        (o, p, a) => Err(all_fields([o.err(), p.err(), a.err()])),
    }
}
