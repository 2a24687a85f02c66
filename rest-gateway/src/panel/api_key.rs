//! `/api_key`: a user makes its API key (as `GET /api/accounts/me/api_key`:
//! it replaces the previous one), shown once on the answer to the POST and
//! never again (**better than FlexiAPI**, whose pages show every key at
//! each visit).

use axum::{
    extract::State,
    http::{request::Parts, StatusCode},
    response::Response,
};
use maud::html;

use super::{
    login::CsrfForm,
    page,
    session::{self, LoggedIn, Posted},
};
use crate::state::AppState;

/// `GET /api_key`.
pub async fn form(logged_in: LoggedIn) -> Response {
    let main = html! {
        p { "An API key lets a program act as your account without your password: send it in "
            code { "x-api-key" } ". Making a new one replaces your previous key, which stops working. "
            "It is shown once, now; it expires after a while without use." }
        form method="post" action="/api_key" data-testid="api-key-form" {
            input type="hidden" name="_csrf" value=(logged_in.csrf_token);
            button type="submit" { "Make a new API key" }
        }
    };
    page::respond(
        StatusCode::OK,
        page::layout("API key", Some(&logged_in.chrome()), main),
    )
}

/// `POST /api_key`: the new key, this once.
pub async fn create(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    parts: Parts,
    Posted(form): Posted<CsrfForm>,
) -> Response {
    if !session::csrf_ok(&state, &parts, &logged_in.csrf_token, &form.csrf) {
        return session::invalid_form();
    }
    let actor = logged_in.actor();
    let key = match state.core.create_user_key(actor).await {
        Ok(key) => key,
        Err(error) => return session::unavailable(&error),
    };
    let main = html! {
        (page::flash("API key created"))
        p { "Copy it now: it will not be shown again." }
        p { code data-testid="api-key" { (key) } }
        p { a href="/dashboard" { "Back to my account" } }
    };
    page::respond(
        StatusCode::OK,
        page::layout("API key", Some(&logged_in.chrome()), main),
    )
}
