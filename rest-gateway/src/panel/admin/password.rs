//! `/admin/accounts/{id}/password`: an admin sets an account's password
//! (FlexiAPI mails a reset link; until mail exists here the admin sets
//! one), through UpdateAccount as `PUT /api/accounts/{id}` does. That call
//! replaces the profile, so the account's current one is sent back with
//! it: an edit made by someone else between the read and the write would
//! be lost (the same as a REST client's PUT).

use axum::{
    extract::State,
    http::{request::Parts, StatusCode},
    response::Response,
};
use flexiapi_proto::pb;
use maud::html;
use serde::Deserialize;

use super::{account, refusal, sip_address, Id};
use crate::{
    error::ApiError,
    panel::{
        page::{self, Field},
        session::{self, LoggedIn, Posted},
    },
    state::AppState,
};

/// `GET /admin/accounts/{id}/password`.
pub async fn form(State(state): State<AppState>, logged_in: LoggedIn, id: Id) -> Response {
    match account(&state, &logged_in, id).await {
        Ok(account) => render(&logged_in, &account, StatusCode::OK, &[]),
        Err(response) => response,
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    algorithm: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `POST /admin/accounts/{id}/password`: then the account's page.
pub async fn set(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    id: Id,
    parts: Parts,
    Posted(form): Posted<PasswordForm>,
) -> Response {
    if !session::csrf_ok(&state, &parts, &logged_in.csrf_token, &form.csrf) {
        return session::invalid_form();
    }
    let account = match account(&state, &logged_in, id).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let algorithm = match form.algorithm.as_str() {
        "MD5" | "SHA-256" => form.algorithm.clone(),
        _ => "SHA-256".into(),
    };
    let request = pb::UpdateAccountRequest {
        actor: Some(logged_in.actor()),
        id: account.id,
        email: account.email.clone(),
        display_name: account.display_name.clone(),
        dictionary: account.dictionary.clone(),
        phone: account.phone.clone(),
        password: Some(form.password),
        algorithm: Some(algorithm),
        ..Default::default()
    };
    match state.core.update_account(request).await {
        Ok(_) => page::see_other_to(format!("/admin/accounts/{}?done=password", account.id)),
        Err(ApiError::Validation(errors)) => render(
            &logged_in,
            &account,
            StatusCode::UNPROCESSABLE_ENTITY,
            &errors,
        ),
        Err(error) => refusal(&logged_in, error),
    }
}

fn render(
    logged_in: &LoggedIn,
    account: &pb::Account,
    status: StatusCode,
    errors: &[(String, String)],
) -> Response {
    let error = |name: &str| page::error_of(errors, name);
    let password = Field {
        label: "New password",
        name: "password",
        kind: "password",
        autocomplete: "new-password",
        value: "",
        error: error("password"),
    };
    let main = html! {
        p { "For " strong { (sip_address(account)) } "." }
        form method="post" action={ "/admin/accounts/" (account.id) "/password" }
            data-testid="admin-password-form" novalidate {
            input type="hidden" name="_csrf" value=(logged_in.csrf_token);
            (password.render())
            label for="algorithm" { "Password algorithm" }
            select id="algorithm" name="algorithm" {
                option value="SHA-256" selected { "SHA-256" }
                option value="MD5" { "MD5" }
            }
            @if let Some(message) = error("algorithm") {
                p class="field-error" data-testid="error-algorithm" { (message) }
            }
            button type="submit" { "Set the password" }
        }
    };
    page::respond(
        status,
        page::layout("Set a password", Some(&logged_in.chrome()), main),
    )
}
