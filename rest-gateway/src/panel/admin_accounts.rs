//! `/admin/accounts…`: the accounts an admin reaches, their page and their
//! state changes (contract panel.md "Roles and pages"). Every call is made
//! for the logged-in admin, so the core decides who is in reach: an
//! account out of it is the 404 page `Account not found`, a user on these
//! pages the 403 page `Unauthorized area`, as over REST.

use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    http::{request::Parts, StatusCode},
    response::Response,
    Form,
};
use flexiapi_proto::pb;
use maud::{html, Markup};
use serde::Deserialize;

use super::{
    login::CsrfForm,
    page,
    session::{self, LoggedIn},
};
use crate::{error::ApiError, state::AppState};

/// Accounts per page, as the contract says.
const PER_PAGE: i64 = 20;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    search: String,
    page: Option<i64>,
    done: Option<String>,
}

/// `GET /admin/accounts`: search (username or email prefix) and pages.
pub async fn list(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let page_number = query.page.unwrap_or(1).max(1);
    let request = pb::ListAccountsRequest {
        actor: Some(actor(&logged_in)),
        page: Some(page_number),
        per_page: Some(PER_PAGE),
        search: query.search.trim().to_owned(),
        domain: String::new(),
    };
    let answer = match state.core.list_accounts(request).await {
        Ok(answer) => answer,
        Err(error) => return refusal(&logged_in, error),
    };
    let flash = match query.done.as_deref() {
        Some("deleted") => Some("Account deleted"),
        _ => None,
    };
    let last_page = (answer.total + PER_PAGE - 1) / PER_PAGE;
    let search = query.search.as_str();
    let link = |n: i64| format!("/admin/accounts?search={}&page={n}", encode(search));
    let main = html! {
        @if let Some(message) = flash { (page::flash(message)) }
        form method="get" action="/admin/accounts" role="search" class="search" {
            label for="search" { "Search by username or email" }
            input id="search" name="search" type="search" value=(search)
                data-testid="accounts-search";
            button type="submit" { "Search" }
        }
        div id="accounts" aria-live="polite" {
            p { a href="/admin/accounts/create" data-testid="account-create" { "New account" } }
        p data-testid="accounts-total" { (answer.total) " accounts" }
            @if answer.accounts.is_empty() {
                p data-testid="accounts-empty" { "No account matches." }
            } @else {
                ul class="accounts" {
                    @for account in &answer.accounts {
                        li data-testid="account-row" {
                            a href={ "/admin/accounts/" (account.id) } { (sip_address(account)) }
                            " " (badges(account))
                        }
                    }
                }
            }
            nav aria-label="Pages" class="pages" {
                @if page_number > 1 {
                    a href=(link(page_number - 1)) data-testid="page-prev" rel="prev" { "Previous page" }
                }
                @if page_number < last_page {
                    a href=(link(page_number + 1)) data-testid="page-next" rel="next" { "Next page" }
                }
            }
        }
    };
    page::respond(
        StatusCode::OK,
        page::layout("Accounts", Some(&logged_in.chrome()), main),
    )
}

#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

/// `GET /admin/accounts/{id}`.
pub async fn show(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    id: Result<Path<i64>, axum::extract::rejection::PathRejection>,
    done: Result<Query<Done>, QueryRejection>,
) -> Response {
    let Ok(Path(id)) = id else {
        return not_found(&logged_in);
    };
    let account = match state.core.get_account(actor(&logged_in), Some(id)).await {
        Ok(account) => account,
        Err(error) => return refusal(&logged_in, error),
    };
    let flash = match done.ok().and_then(|Query(d)| d.done).as_deref() {
        Some("activate") => Some("Account activated"),
        Some("deactivate") => Some("Account deactivated"),
        Some("block") => Some("Account blocked"),
        Some("unblock") => Some("Account unblocked"),
        Some("created") => Some("Account created"),
        Some("password") => Some("Password set"),
        _ => None,
    };
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
    let main = html! {
        @if let Some(message) = flash { (page::flash(message)) }
        dl {
            dt { "SIP address" }
            dd data-testid="sip-address" { (sip_address(&account)) }
            dt { "Display name" }
            dd data-testid="display-name" { (account.display_name.as_deref().unwrap_or("")) }
            dt { "Email" }
            dd { (account.email.as_deref().unwrap_or("")) }
            dt { "State" }
            dd { (badges(&account)) }
            dt { "Password algorithms" }
            dd { (account.password_algorithms.join(", ")) }
        }
        div class="actions" {
            @for (action, label) in &actions {
                form method="post" action={ "/admin/accounts/" (account.id) "/" (action) } {
                    input type="hidden" name="_csrf" value=(logged_in.csrf_token);
                    button type="submit" data-testid={ "action-" (action) } { (label) }
                }
            }
        }
        p { a href={ "/admin/accounts/" (account.id) "/password" } data-testid="account-password" {
            "Set a password" } }
        @if !own {
            p { a href={ "/admin/accounts/" (account.id) "/delete" } data-testid="action-delete" {
                "Delete this account" } }
        }
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
    Form(form): Form<CsrfForm>,
) -> Response {
    if !session::csrf_ok(&state, &parts, &logged_in.csrf_token, &form.csrf) {
        return session::invalid_form();
    }
    let new_state = match action.as_str() {
        "activate" => pb::AccountState::Activate,
        "deactivate" => pb::AccountState::Deactivate,
        "block" => pb::AccountState::Block,
        "unblock" => pb::AccountState::Unblock,
        _ => return super::not_found(),
    };
    let Ok(id) = id.parse::<i64>() else {
        return not_found(&logged_in);
    };
    match state
        .core
        .set_account_state(actor(&logged_in), id, new_state)
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
    id: Result<Path<i64>, axum::extract::rejection::PathRejection>,
) -> Response {
    let Ok(Path(id)) = id else {
        return not_found(&logged_in);
    };
    let account = match state.core.get_account(actor(&logged_in), Some(id)).await {
        Ok(account) => account,
        Err(error) => return refusal(&logged_in, error),
    };
    let question = html! {
        "Delete " strong { (sip_address(&account)) } " with its passwords, devices and keys? "
        "Its address can never be used again."
    };
    let (action, back) = (
        format!("/admin/accounts/{id}/delete"),
        format!("/admin/accounts/{id}"),
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
    id: Result<Path<i64>, axum::extract::rejection::PathRejection>,
    parts: Parts,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !session::csrf_ok(&state, &parts, &logged_in.csrf_token, &form.csrf) {
        return session::invalid_form();
    }
    let Ok(Path(id)) = id else {
        return not_found(&logged_in);
    };
    match state.core.delete_account(actor(&logged_in), id).await {
        Ok(()) => page::see_other("/admin/accounts?done=deleted"),
        Err(error) => refusal(&logged_in, error),
    }
}

pub(super) fn actor(logged_in: &LoggedIn) -> pb::Actor {
    pb::Actor {
        account_id: logged_in.account.id,
    }
}

/// The core's refusal as a page: its 403 and 404 words as they are.
pub(super) fn refusal(logged_in: &LoggedIn, error: ApiError) -> Response {
    let chrome = logged_in.chrome();
    match error {
        ApiError::Forbidden(message) => page::error(StatusCode::FORBIDDEN, &message, Some(&chrome)),
        ApiError::NotFound(message) => page::error(StatusCode::NOT_FOUND, &message, Some(&chrome)),
        error => session::unavailable(&error),
    }
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

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}
