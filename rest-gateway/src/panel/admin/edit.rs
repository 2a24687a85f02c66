//! `/admin/accounts/{id}/edit`: display name, email, admin flag and
//! dictionary, through UpdateAccount as `PUT /api/accounts/{id}` does.
//! The username is shown, not edited. UpdateAccount replaces the profile,
//! so the phone the form does not show is sent back as read.

use std::collections::HashMap;

use axum::{
    extract::State,
    http::{request::Parts, StatusCode},
    response::Response,
};
use flexiapi_proto::pb;
use maud::{html, Markup};

use super::{account, refusal, sip_address, Id};
use crate::{
    error::ApiError,
    panel::{
        page::{self, Field},
        session::{self, LoggedIn, Posted},
    },
    state::AppState,
};

/// Empty rows offered below the entries, so that a form without script
/// can add some.
const BLANK_ROWS: usize = 3;

/// The form as typed: fields by name, the dictionary rows in page order
/// (`dictionary_key`, `dictionary_value` repeated, as browsers send them).
#[derive(Default)]
struct EditForm {
    display_name: String,
    email: String,
    admin: bool,
    rows: Vec<(String, String)>,
    csrf: String,
}

impl EditForm {
    fn of(account: &pb::Account) -> Self {
        let mut rows: Vec<_> = account.dictionary.clone().into_iter().collect();
        rows.sort();
        Self {
            display_name: account.display_name.clone().unwrap_or_default(),
            email: account.email.clone().unwrap_or_default(),
            admin: account.admin,
            rows,
            csrf: String::new(),
        }
    }

    fn parse(pairs: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        let (mut keys, mut values) = (Vec::new(), Vec::new());
        for (name, value) in pairs {
            match name.as_str() {
                "display_name" => form.display_name = value,
                "email" => form.email = value,
                "admin" => form.admin = value == "on",
                "_csrf" => form.csrf = value,
                "dictionary_key" => keys.push(value),
                "dictionary_value" => values.push(value),
                _ => {}
            }
        }
        values.resize(keys.len(), String::new());
        // Blank rows come back blank anyway, after the typed ones.
        form.rows = keys
            .into_iter()
            .zip(values)
            .filter(|(key, value)| !key.is_empty() || !value.is_empty())
            .collect();
        form
    }

    /// The dictionary the rows make: blank rows dropped; a value without a
    /// key or a key given twice is the form's error, not a silent loss.
    fn dictionary(&self) -> Result<HashMap<String, String>, String> {
        let mut dictionary = HashMap::new();
        for (key, value) in &self.rows {
            let key = key.trim();
            if key.is_empty() {
                if value.is_empty() {
                    continue;
                }
                return Err("Each dictionary value needs a key.".into());
            }
            if dictionary.insert(key.to_owned(), value.clone()).is_some() {
                return Err(format!("The dictionary has the key {key} twice."));
            }
        }
        Ok(dictionary)
    }
}

/// `GET /admin/accounts/{id}/edit`.
pub async fn form(State(state): State<AppState>, logged_in: LoggedIn, id: Id) -> Response {
    match account(&state, &logged_in, id).await {
        Ok(account) => render(
            &logged_in,
            &account,
            StatusCode::OK,
            &EditForm::of(&account),
            &[],
        ),
        Err(response) => response,
    }
}

/// `POST /admin/accounts/{id}/edit`: then the account's page.
pub async fn save(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    id: Id,
    parts: Parts,
    Posted(pairs): Posted<Vec<(String, String)>>,
) -> Response {
    let form = EditForm::parse(pairs);
    if !session::csrf_ok(&state, &parts, &logged_in.csrf_token, &form.csrf) {
        return session::invalid_form();
    }
    let account = match account(&state, &logged_in, id).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let refused = StatusCode::UNPROCESSABLE_ENTITY;
    let dictionary = match form.dictionary() {
        Ok(dictionary) => dictionary,
        Err(message) => {
            let errors = [("dictionary".to_owned(), message)];
            return render(&logged_in, &account, refused, &form, &errors);
        }
    };
    let optional = |text: &str| (!text.trim().is_empty()).then(|| text.trim().to_owned());
    let request = pb::UpdateAccountRequest {
        actor: Some(logged_in.actor()),
        id: account.id,
        email: optional(&form.email),
        display_name: optional(&form.display_name),
        dictionary,
        phone: account.phone.clone(),
        admin: Some(form.admin),
        ..Default::default()
    };
    match state.core.update_account(request).await {
        Ok(_) => page::see_other_to(format!("/admin/accounts/{}?done=edited", account.id)),
        Err(ApiError::Validation(errors)) => render(&logged_in, &account, refused, &form, &errors),
        Err(error) => refusal(&logged_in, error),
    }
}

fn render(
    logged_in: &LoggedIn,
    account: &pb::Account,
    status: StatusCode,
    form: &EditForm,
    errors: &[(String, String)],
) -> Response {
    let error = |name: &str| page::error_of(errors, name);
    let shown = ["email", "display_name", "dictionary"];
    let text = |label, name, value| Field::text(label, name, value, errors);
    // An admin cannot remove its own flag: the box is shown fixed, and the
    // flag sent as it is (a post without it is refused by the core).
    let own = account.id == logged_in.account.id;
    let main = html! {
        p { "Account " strong data-testid="sip-address" { (sip_address(account)) } }
        form method="post" action={ "/admin/accounts/" (account.id) "/edit" }
            data-testid="account-form" novalidate {
            (page::form_errors(errors, &shown))
            input type="hidden" name="_csrf" value=(logged_in.csrf_token);
            (text("Display name", "display_name", &form.display_name).render())
            (Field { kind: "email", ..text("Email", "email", &form.email) }.render())
            div class="check" {
                @if own {
                    input type="hidden" name="admin" value="on";
                    input id="admin" type="checkbox" checked disabled
                        aria-describedby="admin-own";
                } @else {
                    input id="admin" name="admin" type="checkbox" checked[form.admin];
                }
                label for="admin" { "Admin of its domain" }
            }
            @if own {
                p id="admin-own" class="hint" { "You cannot remove your own admin role." }
            }
            (dictionary_rows(&form.rows, error("dictionary")))
            button type="submit" { "Save" }
        }
        p { a href={ "/admin/accounts/" (account.id) } { "Back to the account" } }
    };
    page::respond(
        status,
        page::layout("Edit an account", Some(&logged_in.chrome()), main),
    )
}

/// The dictionary's rows, then blank ones; each input labelled by its
/// row's number, the error below the group.
fn dictionary_rows(rows: &[(String, String)], error: Option<&str>) -> Markup {
    let blank = (String::new(), String::new());
    let all = rows.iter().chain(std::iter::repeat_n(&blank, BLANK_ROWS));
    html! {
        fieldset class="dictionary"
            aria-describedby=[error.map(|_| "error-dictionary")] {
            legend { "Dictionary (an empty key removes its row)" }
            @for (n, (key, value)) in all.enumerate() {
                div class="row" {
                    label for={ "dictionary_key_" (n) } { "Key " (n + 1) }
                    input id={ "dictionary_key_" (n) } name="dictionary_key" type="text"
                        value=(key) autocomplete="off"
                        aria-invalid=[error.map(|_| "true")];
                    label for={ "dictionary_value_" (n) } { "Value " (n + 1) }
                    input id={ "dictionary_value_" (n) } name="dictionary_value" type="text"
                        value=(value) autocomplete="off";
                }
            }
            @if let Some(message) = error {
                p id="error-dictionary" class="field-error" data-testid="error-dictionary" { (message) }
            }
        }
    }
}
