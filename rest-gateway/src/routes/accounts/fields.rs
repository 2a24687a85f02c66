//! The account fields of a request body, type-checked here with Laravel's
//! messages (a string, a JSON boolean, an object of strings); every other
//! rule is the core's, and its 422 comes back as it is.

use std::collections::HashMap;

use flexiapi_proto::pb;

use crate::{
    body::{all_fields, JsonObject},
    error::ApiError,
};

type Field<T> = Result<T, (String, String)>;

/// The fields POST and PUT share: the profile and the three flags.
struct Shared {
    email: Option<String>,
    display_name: Option<String>,
    dictionary: HashMap<String, String>,
    activated: Option<bool>,
    blocked: Option<bool>,
    admin: Option<bool>,
}

/// The shared fields, or every broken one (with `others`' errors first).
fn shared<const N: usize>(
    body: &JsonObject,
    others: [Option<(String, String)>; N],
) -> Result<Shared, ApiError> {
    let fields = (
        body.nullable_string("email"),
        body.nullable_string("display_name"),
        body.string_map("dictionary"),
        body.optional_bool("activated"),
        body.optional_bool("blocked"),
        body.optional_bool("admin"),
    );
    let broken = others.iter().any(Option::is_some);
    match fields {
        (Ok(email), Ok(display_name), Ok(dictionary), Ok(activated), Ok(blocked), Ok(admin))
            if !broken =>
        {
            Ok(Shared {
                email,
                display_name,
                dictionary,
                activated,
                blocked,
                admin,
            })
        }
        (e, n, k, ac, b, ad) => {
            let mine = [e.err(), n.err(), k.err(), ac.err(), b.err(), ad.err()];
            Err(all_fields(
                others.into_iter().chain(mine).collect::<Vec<_>>(),
            ))
        }
    }
}

fn err<T>(field: &Field<T>) -> Option<(String, String)> {
    field.as_ref().err().cloned()
}

/// `POST /api/accounts`.
pub fn create_request(
    body: &JsonObject,
    actor: pb::Actor,
) -> Result<pb::CreateAccountRequest, ApiError> {
    let (username, password, algorithm, domain) = (
        body.required_string("username"),
        body.required_string("password"),
        body.required_string("algorithm"),
        body.optional_string("domain"),
    );
    let shared = shared(
        body,
        [
            err(&username),
            err(&password),
            err(&algorithm),
            err(&domain),
        ],
    )?;
    let (Ok(username), Ok(password), Ok(algorithm), Ok(domain)) =
        (username, password, algorithm, domain)
    else {
        return Err(ApiError::Internal("a field error escaped".into()));
    };
    Ok(pb::CreateAccountRequest {
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
    })
}

/// `PUT /api/accounts/{id}`: the profile is replaced (absent means none),
/// the rest changes only when present.
pub fn update_request(
    body: &JsonObject,
    actor: pb::Actor,
    id: i64,
) -> Result<pb::UpdateAccountRequest, ApiError> {
    let (username, password, algorithm) = (
        body.nullable_string("username"),
        body.nullable_string("password"),
        body.nullable_string("algorithm"),
    );
    let shared = shared(body, [err(&username), err(&password), err(&algorithm)])?;
    let (Ok(username), Ok(password), Ok(algorithm)) = (username, password, algorithm) else {
        return Err(ApiError::Internal("a field error escaped".into()));
    };
    Ok(pb::UpdateAccountRequest {
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
    })
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
