//! `GET /dashboard`: the logged-in account as the core has it now.

use axum::{extract::State, http::StatusCode, response::Response};
use maud::html;

use super::{devices, page, session::LoggedIn};
use crate::state::AppState;

pub async fn show(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    page::Done(done): page::Done,
) -> Response {
    let flash = match done.as_deref() {
        Some("password") => Some("Password changed"),
        Some("device") => Some("Device removed"),
        _ => None,
    };
    let account = &logged_in.account;
    let role = if account.super_admin {
        "Super admin"
    } else if account.admin {
        "Admin"
    } else {
        "User"
    };
    let main = html! {
        @if let Some(message) = flash {
            (page::flash(message))
        }
        dl {
            dt { "SIP address" }
            dd data-testid="sip-address" { "sip:" (account.username) "@" (account.domain) }
            dt { "Display name" }
            dd data-testid="display-name" { (account.display_name.as_deref().unwrap_or("")) }
            dt { "Email" }
            dd { (account.email.as_deref().unwrap_or("")) }
            dt { "Role" }
            dd { (role) }
            dt { "Password algorithms" }
            dd { (account.password_algorithms.join(", ")) }
        }
        h2 { "Devices" }
        (devices::list(&state, &logged_in, devices::Owner::Own).await)
        nav aria-label="Account" {
            ul {
                li { a href="/password" { "Change your password" } }
                li { a href="/api_key" { "Make an API key" } }
                li { a href="/delete" { "Delete your account" } }
            }
        }
    };
    page::respond(
        StatusCode::OK,
        page::layout("My account", Some(&logged_in.chrome()), main),
    )
}
