//! `/admin/accounts/create`: an admin makes an account in its domain (a
//! super admin in any space), through the same RPC as `POST
//! /api/accounts`; the core checks the names, the password and who may
//! create where, and its words come back beside their fields.

use axum::{
    extract::State,
    http::{request::Parts, StatusCode},
    response::Response,
};
use flexiapi_proto::pb;
use maud::html;
use serde::Deserialize;

use crate::{
    error::ApiError,
    panel::{
        page::{self, Field},
        session::{self, LoggedIn, Posted},
    },
    state::AppState,
};

#[derive(Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    domain: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    algorithm: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    /// Checkboxes send `on`, or nothing.
    #[serde(default)]
    admin: String,
    #[serde(default)]
    activated: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `GET /admin/accounts/create`.
pub async fn form(State(state): State<AppState>, logged_in: LoggedIn) -> Response {
    let blank = CreateForm {
        domain: logged_in.account.domain.clone(),
        activated: "on".into(),
        ..CreateForm::default()
    };
    render(&state, &logged_in, StatusCode::OK, &blank, &[]).await
}

/// `POST /admin/accounts/create`: then the new account's page.
pub async fn create(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    parts: Parts,
    Posted(form): Posted<CreateForm>,
) -> Response {
    if !session::csrf_ok(&state, &parts, &logged_in.csrf_token, &form.csrf) {
        return session::invalid_form();
    }
    let optional = |text: &str| (!text.trim().is_empty()).then(|| text.trim().to_owned());
    let request = pb::CreateAccountRequest {
        username: form.username.trim().to_owned(),
        domain: form.domain.trim().to_owned(),
        password: form.password.clone(),
        algorithm: if form.algorithm.is_empty() {
            "SHA-256".into()
        } else {
            form.algorithm.clone()
        },
        admin: form.admin == "on",
        actor: Some(logged_in.actor()),
        email: optional(&form.email),
        display_name: optional(&form.display_name),
        activated: Some(form.activated == "on"),
        ..Default::default()
    };
    match state.core.create_account(request).await {
        Ok(account) => page::see_other_to(format!("/admin/accounts/{}?done=created", account.id)),
        Err(ApiError::Validation(errors)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&state, &logged_in, status, &form, &errors).await
        }
        Err(ApiError::Forbidden(message)) => {
            page::error(StatusCode::FORBIDDEN, &message, Some(&logged_in.chrome()))
        }
        Err(error) => session::unavailable(&error),
    }
}

async fn render(
    state: &AppState,
    logged_in: &LoggedIn,
    status: StatusCode,
    form: &CreateForm,
    errors: &[(String, String)],
) -> Response {
    let shown = [
        "username",
        "domain",
        "password",
        "algorithm",
        "email",
        "display_name",
    ];
    // A super admin picks a space; an admin's domain is its own.
    let spaces = if logged_in.account.super_admin {
        let actor = logged_in.actor();
        state.core.list_spaces(actor).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let text = |label, name, value| Field::text(label, name, value, errors);
    let main = html! {
        form method="post" action="/admin/accounts/create" data-testid="account-form" novalidate {
            (page::form_errors(errors, &shown))
            input type="hidden" name="_csrf" value=(logged_in.csrf_token);
            (text("Username", "username", &form.username).render())
            @if spaces.is_empty() {
                p { "Domain: " strong { (form.domain) } }
                input type="hidden" name="domain" value=(form.domain);
            } @else {
                label for="domain" { "Space" }
                select id="domain" name="domain" {
                    @for space in &spaces {
                        option value=(space.domain) selected[space.domain == form.domain] {
                            (space.domain)
                        }
                    }
                }
            }
            (Field { kind: "password", autocomplete: "new-password", ..text("Password", "password", "") }.render())
            label for="algorithm" { "Password algorithm" }
            select id="algorithm" name="algorithm" {
                option value="SHA-256" selected[form.algorithm != "MD5"] { "SHA-256" }
                option value="MD5" selected[form.algorithm == "MD5"] { "MD5" }
            }
            (Field { kind: "email", ..text("Email", "email", &form.email) }.render())
            (text("Display name", "display_name", &form.display_name).render())
            div class="check" {
                input id="admin" name="admin" type="checkbox" checked[form.admin == "on"];
                label for="admin" { "Admin of its domain" }
            }
            div class="check" {
                input id="activated" name="activated" type="checkbox"
                    checked[form.activated == "on"];
                label for="activated" { "Activated" }
            }
            button type="submit" { "Create the account" }
        }
    };
    page::respond(
        status,
        page::layout("New account", Some(&logged_in.chrome()), main),
    )
}
