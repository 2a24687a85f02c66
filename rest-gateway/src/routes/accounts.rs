use axum::{extract::State, routing::post, Json, Router};
use flexiapi_proto::pb;
use serde_json::{json, Value};

use crate::{auth::Admin, body::JsonObject, error::ApiError, startup::AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/accounts", post(create))
}

/// Admins only. The gateway checks presence and types; the core owns every
/// other rule (lengths, characters, uniqueness) and its 422 comes back as is.
async fn create(
    State(state): State<AppState>,
    _: Admin,
    body: JsonObject,
) -> Result<Json<Value>, ApiError> {
    let fields = (
        body.required_string("username"),
        body.required_string("password"),
        body.required_string("algorithm"),
        body.optional_string("domain"),
    );
    let (username, password, algorithm, domain) = match fields {
        (Ok(u), Ok(p), Ok(a), Ok(d)) => (u, p, a, d),
        (u, p, a, d) => {
            let violations = [u.err(), p.err(), a.err(), d.err()]
                .into_iter()
                .flatten()
                .collect();
            return Err(ApiError::Validation(violations));
        }
    };
    let account = state
        .core
        .create_account(pb::CreateAccountRequest {
            username,
            domain,
            password,
            algorithm,
            admin: false,
        })
        .await?;
    Ok(Json(account_json(&account)))
}

/// The account as the contract shows it: never a password or a hash.
fn account_json(account: &pb::Account) -> Value {
    json!({
        "id": account.id,
        "username": account.username,
        "domain": account.domain,
        "activated": account.activated,
        "admin": account.admin,
        "created_at": super::rfc3339(account.created_at.as_ref()),
    })
}
