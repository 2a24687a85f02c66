//! `GET /admin/accounts`: the accounts an admin reaches, 20 a page, with
//! the search of `GET /api/accounts?search=` and, for a super admin, a
//! domain filter.

use axum::{
    extract::{rejection::QueryRejection, Query, State},
    http::StatusCode,
    response::Response,
};
use flexiapi_proto::pb;
use maud::{html, Markup};
use serde::Deserialize;

use super::{badges, encode, refusal, sip_address};
use crate::{
    panel::{page, session::LoggedIn},
    state::AppState,
};

/// Accounts per page, as the contract says.
const PER_PAGE: i64 = 20;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    search: String,
    /// A super admin's filter; empty: every domain.
    #[serde(default)]
    domain: String,
    page: Option<i64>,
    done: Option<String>,
}

/// `GET /admin/accounts`.
pub async fn list(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let page_number = query.page.unwrap_or(1).max(1);
    let search = query.search.trim();
    let domain = query.domain.trim();
    let request = pb::ListAccountsRequest {
        actor: Some(logged_in.actor()),
        page: Some(page_number),
        per_page: Some(PER_PAGE),
        search: search.to_owned(),
        domain: domain.to_owned(),
    };
    let answer = match state.core.list_accounts(request).await {
        Ok(answer) => answer,
        Err(error) => return refusal(&logged_in, error),
    };
    // Only a super admin may filter (the core refuses the others), so
    // only a super admin is offered the spaces to pick from.
    let domains: Vec<String> = if logged_in.account.super_admin {
        let spaces = state.core.list_spaces(logged_in.actor()).await;
        spaces
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.domain)
            .collect()
    } else {
        Vec::new()
    };
    let flash = match query.done.as_deref() {
        Some("deleted") => Some("Account deleted"),
        _ => None,
    };
    let last_page = (answer.total + PER_PAGE - 1) / PER_PAGE;
    let link = |n: i64| {
        let mut link = format!("/admin/accounts?search={}&page={n}", encode(search));
        if !domain.is_empty() {
            link.push_str(&format!("&domain={}", encode(domain)));
        }
        link
    };
    let main = html! {
        @if let Some(message) = flash { (page::flash(message)) }
        (search_form(search, domain, &domains))
        div id="accounts" aria-live="polite" {
            p { a href="/admin/accounts/create" data-testid="account-create" { "New account" } }
            p data-testid="accounts-total" { (page::count(answer.total, "account")) }
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

/// The search box and, given `domains`, the domain filter: one GET form,
/// which the script also sends as the user types.
fn search_form(search: &str, domain: &str, domains: &[String]) -> Markup {
    html! {
        form method="get" action="/admin/accounts" role="search" class="search"
            data-testid="accounts-search-form" {
            label for="search" { "Search by username or email" }
            input id="search" name="search" type="search" value=(search)
                data-testid="accounts-search";
            @if !domains.is_empty() {
                label for="domain" { "Domain" }
                select id="domain" name="domain" data-testid="accounts-domain" {
                    option value="" selected[domain.is_empty()] { "Every domain" }
                    @for each in domains {
                        option value=(each) selected[each == domain] { (each) }
                    }
                }
            }
            button type="submit" { "Search" }
        }
    }
}
