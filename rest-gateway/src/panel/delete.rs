//! `/delete`: a user deletes its own account after typing its SIP address
//! (as FlexiAPI), through the same RPC as `DELETE /api/accounts/me`.

use axum::{
    extract::State,
    http::{request::Parts, StatusCode},
    response::Response,
};
use maud::html;
use serde::Deserialize;

use super::{
    page::{self, Field},
    session::{self, LoggedIn, Posted},
};
use crate::{error::ApiError, state::AppState};

const MISMATCH: &str = "The SIP address does not match.";

/// `GET /delete`.
pub async fn form(logged_in: LoggedIn) -> Response {
    render(&logged_in, StatusCode::OK, "", None)
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    sip_address: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `POST /delete`: gone with its passwords, devices, keys and sessions.
pub async fn delete(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    parts: Parts,
    Posted(form): Posted<DeleteForm>,
) -> Response {
    if !session::csrf_ok(&state, &parts, &logged_in.csrf_token, &form.csrf) {
        return session::invalid_form();
    }
    let account = &logged_in.account;
    let typed = form.sip_address.trim();
    let typed = typed.strip_prefix("sip:").unwrap_or(typed);
    if typed != format!("{}@{}", account.username, account.domain) {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render(&logged_in, status, &form.sip_address, Some(MISMATCH));
    }
    match state.core.delete_account(logged_in.actor(), 0).await {
        Ok(()) => session::forget(&state, page::see_other("/login")),
        Err(ApiError::Forbidden(message)) => {
            page::error(StatusCode::FORBIDDEN, &message, Some(&logged_in.chrome()))
        }
        Err(error) => session::unavailable(&error),
    }
}

fn render(logged_in: &LoggedIn, status: StatusCode, typed: &str, error: Option<&str>) -> Response {
    let account = &logged_in.account;
    let address = format!("sip:{}@{}", account.username, account.domain);
    let field = Field {
        label: "Type your SIP address to confirm",
        name: "sip_address",
        kind: "text",
        autocomplete: "off",
        value: typed,
        error,
    };
    let main = html! {
        p { "This deletes " strong { (address) } " with its passwords, devices and keys. "
            "It cannot be undone, and the address can never be used again." }
        form method="post" action="/delete" data-testid="delete-account-form" novalidate {
            input type="hidden" name="_csrf" value=(logged_in.csrf_token);
            (field.render())
            button type="submit" data-testid="confirm-delete" { "Delete my account" }
        }
    };
    page::respond(
        status,
        page::layout("Delete your account", Some(&logged_in.chrome()), main),
    )
}
