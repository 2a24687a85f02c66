//! The admin pages (`/admin/…`, contract panel.md "Roles and pages"):
//! accounts for admins, spaces for super admins. Every call is made for
//! the logged-in admin, so the core decides who is in reach: an account
//! out of it is the 404 page `Account not found`, a user on these pages
//! the 403 page `Unauthorized area`, as over REST.

use axum::{extract::Path, http::StatusCode, response::Response};
use flexiapi_proto::pb;
use maud::{html, Markup};

use super::{
    page,
    session::{self, LoggedIn},
};
use crate::{error::ApiError, state::AppState};

pub mod account;
pub mod accounts;
pub mod create;
pub mod devices;
pub mod edit;
pub mod password;
pub mod spaces;

/// An account id from the path; anything else names no account.
pub type Id = Result<Path<i64>, axum::extract::rejection::PathRejection>;

/// The account in the admin's reach, or the page saying why not.
pub async fn account(
    state: &AppState,
    logged_in: &LoggedIn,
    id: Id,
) -> Result<pb::Account, Response> {
    let Ok(Path(id)) = id else {
        return Err(not_found(logged_in));
    };
    state
        .core
        .get_account(logged_in.actor(), Some(id))
        .await
        .map_err(|error| refusal(logged_in, error))
}

/// The core's refusal as a page: its 403, 404 and 409 words as they are.
pub fn refusal(logged_in: &LoggedIn, error: ApiError) -> Response {
    let chrome = logged_in.chrome();
    let status = match &error {
        ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
        ApiError::NotFound(_) => StatusCode::NOT_FOUND,
        ApiError::Conflict(_) => StatusCode::CONFLICT,
        _ => return session::unavailable(&error),
    };
    page::error(status, &error.to_string(), Some(&chrome))
}

fn not_found(logged_in: &LoggedIn) -> Response {
    let chrome = logged_in.chrome();
    page::error(StatusCode::NOT_FOUND, "Account not found", Some(&chrome))
}

fn sip_address(account: &pb::Account) -> String {
    format!("sip:{}@{}", account.username, account.domain)
}

/// The words of the account's state, in `account-state`.
fn badges(account: &pb::Account) -> Markup {
    let words = [
        (account.super_admin, "Super admin"),
        (account.admin && !account.super_admin, "Admin"),
        (account.blocked, "Blocked"),
        (!account.activated, "Deactivated"),
    ];
    html! {
        span data-testid="account-state" class="badges" {
            @for (_, word) in words.iter().filter(|(shown, _)| *shown) {
                span class="badge" { (word) } " "
            }
        }
    }
}

/// Text for a query string or a path segment.
fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}
