//! `/admin/accounts/{id}`: one account's page (everything but secrets,
//! its dictionary and devices), its state changes and its deletion.

use axum::{
    extract::{Path, State},
    http::{request::Parts, StatusCode},
    response::Response,
};
use flexiapi_proto::pb;
use maud::html;

use super::{account, badges, refusal, sip_address, Id};
use crate::{
    panel::{
        devices::{self, Owner},
        login::CsrfForm,
        page,
        session::{self, LoggedIn, Posted},
    },
    state::AppState,
};

/// `GET /admin/accounts/{id}`.
pub async fn show(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    id: Id,
    page::Done(done): page::Done,
) -> Response {
    let account = match account(&state, &logged_in, id).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let flash = match done.as_deref() {
        Some("activate") => Some("Account activated"),
        Some("deactivate") => Some("Account deactivated"),
        Some("block") => Some("Account blocked"),
        Some("unblock") => Some("Account unblocked"),
        Some("created") => Some("Account created"),
        Some("edited") => Some("Account updated"),
        Some("password") => Some("Password set"),
        Some("device") => Some("Device removed"),
        _ => None,
    };
    // What an admin may not do to itself is not offered (the core refuses
    // it anyway).
    let own = account.id == logged_in.account.id;
    let actions: Vec<(&str, &str)> = [
        (!account.activated, "activate", "Activate"),
        (account.activated && !own, "deactivate", "Deactivate"),
        (!account.blocked && !own, "block", "Block"),
        (account.blocked, "unblock", "Unblock"),
    ]
    .into_iter()
    .filter(|(shown, _, _)| *shown)
    .map(|(_, action, label)| (action, label))
    .collect();
    let devices = devices::list(&state, &logged_in, Owner::Account(account.id)).await;
    let mut dictionary: Vec<_> = account.dictionary.iter().collect();
    dictionary.sort();
    let main = html! {
        @if let Some(message) = flash { (page::flash(message)) }
        dl {
            dt { "SIP address" }
            dd data-testid="sip-address" { (sip_address(&account)) }
            dt { "Display name" }
            dd data-testid="display-name" { (account.display_name.as_deref().unwrap_or("")) }
            dt { "Email" }
            dd { (account.email.as_deref().unwrap_or("")) }
            dt { "Phone" }
            dd { (account.phone.as_deref().unwrap_or("")) }
            dt { "State" }
            dd { (badges(&account)) }
            dt { "Password algorithms" }
            dd { (account.password_algorithms.join(", ")) }
            dt { "Created" }
            dd { (page::time(account.created_at.as_ref())) }
            dt { "Updated" }
            dd { (page::time(account.updated_at.as_ref())) }
        }
        div class="actions" {
            @for (action, label) in &actions {
                form method="post" action={ "/admin/accounts/" (account.id) "/" (action) } {
                    input type="hidden" name="_csrf" value=(logged_in.csrf_token);
                    button type="submit" data-testid={ "action-" (action) } { (label) }
                }
            }
        }
        ul class="links" {
            li { a href={ "/admin/accounts/" (account.id) "/edit" } data-testid="account-edit" {
                "Edit" } }
            li { a href={ "/admin/accounts/" (account.id) "/password" } data-testid="account-password" {
                "Set a password" } }
            @if !own {
                li { a href={ "/admin/accounts/" (account.id) "/delete" } data-testid="action-delete" {
                    "Delete this account" } }
            }
        }
        h2 { "Dictionary" }
        @if dictionary.is_empty() {
            p data-testid="dictionary-empty" { "No entry." }
        } @else {
            dl data-testid="dictionary" {
                @for (key, value) in &dictionary {
                    dt { (key) }
                    dd { (value) }
                }
            }
        }
        h2 { "Devices" }
        (devices)
        p { a href="/admin/accounts" { "All accounts" } }
    };
    page::respond(
        StatusCode::OK,
        page::layout("Account", Some(&logged_in.chrome()), main),
    )
}

/// `POST /admin/accounts/{id}/{action}`: activate, deactivate, block,
/// unblock, as the REST routes; then the account's page with a message.
pub async fn set_state(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    Path((id, action)): Path<(String, String)>,
    parts: Parts,
    Posted(form): Posted<CsrfForm>,
) -> Response {
    if !session::csrf_ok(&state, &parts, &logged_in.csrf_token, &form.csrf) {
        return session::invalid_form();
    }
    let new_state = match action.as_str() {
        "activate" => pb::AccountState::Activate,
        "deactivate" => pb::AccountState::Deactivate,
        "block" => pb::AccountState::Block,
        "unblock" => pb::AccountState::Unblock,
        _ => return crate::panel::not_found(),
    };
    let Ok(id) = id.parse::<i64>() else {
        return super::not_found(&logged_in);
    };
    match state
        .core
        .set_account_state(logged_in.actor(), id, new_state)
        .await
    {
        Ok(_) => page::see_other_to(format!("/admin/accounts/{id}?done={action}")),
        Err(error) => refusal(&logged_in, error),
    }
}

/// `GET /admin/accounts/{id}/delete`: the confirmation, naming the account.
pub async fn confirm_delete(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    id: Id,
) -> Response {
    let account = match account(&state, &logged_in, id).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let question = html! {
        "Delete " strong { (sip_address(&account)) } " with its passwords, devices and keys? "
        "Its address can never be used again."
    };
    let (action, back) = (
        format!("/admin/accounts/{}/delete", account.id),
        format!("/admin/accounts/{}", account.id),
    );
    let chrome = logged_in.chrome();
    page::confirm(
        "Delete an account",
        question,
        (&action, &back),
        &[],
        &chrome,
    )
}

/// `POST /admin/accounts/{id}/delete`: then the list.
pub async fn delete(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    id: Id,
    parts: Parts,
    Posted(form): Posted<CsrfForm>,
) -> Response {
    if !session::csrf_ok(&state, &parts, &logged_in.csrf_token, &form.csrf) {
        return session::invalid_form();
    }
    let Ok(Path(id)) = id else {
        return super::not_found(&logged_in);
    };
    match state.core.delete_account(logged_in.actor(), id).await {
        Ok(()) => page::see_other("/admin/accounts?done=deleted"),
        Err(error) => refusal(&logged_in, error),
    }
}
