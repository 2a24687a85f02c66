//! `GET /dashboard`: the logged-in account as the core has it now.

use axum::{http::StatusCode, response::Response};
use maud::html;

use super::{page, session::LoggedIn};

pub async fn show(logged_in: LoggedIn) -> Response {
    let account = &logged_in.account;
    let role = if account.super_admin {
        "Super admin"
    } else if account.admin {
        "Admin"
    } else {
        "User"
    };
    let main = html! {
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
    };
    page::respond(
        StatusCode::OK,
        page::layout("My account", Some(&logged_in.chrome()), main),
    )
}
