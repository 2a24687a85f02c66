//! `/password`: a user changes its own password, the old one first
//! (contract panel.md; **better than FlexiAPI**, which asks none). A wrong
//! old password counts toward the guessing limit of REST and SIP; the
//! session making the change stays open, every other one ends.

use axum::{
    extract::State,
    http::{request::Parts, StatusCode},
    response::Response,
};
use flexiapi_proto::pb;
use maud::html;
use serde::Deserialize;

use super::{
    page::{self, Field},
    session::{self, LoggedIn, Posted},
};
use crate::{auth::middleware::client_address_of, error::ApiError, state::AppState};

const MISMATCH: &str = "The password confirmation does not match.";

/// `GET /password`.
pub async fn form(logged_in: LoggedIn) -> Response {
    render(&logged_in, StatusCode::OK, &[])
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    old_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `POST /password`.
pub async fn change(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    parts: Parts,
    Posted(form): Posted<PasswordForm>,
) -> Response {
    if !session::csrf_ok(&state, &parts, &logged_in.csrf_token, &form.csrf) {
        return session::invalid_form();
    }
    if form.password != form.password_confirmation {
        let errors = [("password_confirmation".to_owned(), MISMATCH.to_owned())];
        return render(&logged_in, StatusCode::UNPROCESSABLE_ENTITY, &errors);
    }
    let request = pb::ChangePasswordRequest {
        actor: Some(logged_in.actor()),
        old_password: form.old_password,
        password: form.password,
        algorithm: String::new(),
        client_address: client_address_of(&state, &parts.headers, &parts.extensions),
        session_token: logged_in.token.clone(),
    };
    match state.core.change_password(request).await {
        Ok(_) => page::see_other("/dashboard?done=password"),
        Err(ApiError::Validation(errors)) => {
            render(&logged_in, StatusCode::UNPROCESSABLE_ENTITY, &errors)
        }
        Err(ApiError::Limited {
            message,
            retry_after_seconds,
        }) => page::with_retry_after(
            page::error(
                StatusCode::TOO_MANY_REQUESTS,
                &message,
                Some(&logged_in.chrome()),
            ),
            retry_after_seconds,
        ),
        Err(error) => session::unavailable(&error),
    }
}

fn render(logged_in: &LoggedIn, status: StatusCode, errors: &[(String, String)]) -> Response {
    let error = |name: &str| page::error_of(errors, name);
    let field = |label, name, autocomplete| Field {
        label,
        name,
        kind: "password",
        autocomplete,
        value: "",
        error: error(name),
    };
    let known = ["old_password", "password", "password_confirmation"];
    let other: Vec<&str> = errors
        .iter()
        .filter(|(field, _)| !known.contains(&field.as_str()))
        .map(|(_, message)| message.as_str())
        .collect();
    let main = html! {
        form method="post" action="/password" data-testid="password-form" novalidate {
            @for message in &other {
                p role="alert" data-testid="form-error" { (message) }
            }
            input type="hidden" name="_csrf" value=(logged_in.csrf_token);
            (field("Current password", "old_password", "current-password").render())
            (field("New password", "password", "new-password").render())
            (field("New password, again", "password_confirmation", "new-password").render())
            button type="submit" { "Change the password" }
        }
    };
    let title = "Change your password";
    page::respond(status, page::layout(title, Some(&logged_in.chrome()), main))
}
