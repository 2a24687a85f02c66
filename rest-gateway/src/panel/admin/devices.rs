//! `/admin/accounts/{id}/devices/delete`: an admin removes a device of an
//! account in reach, after a confirmation naming both.

use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    http::request::Parts,
    response::Response,
};
use maud::html;

use super::{account, sip_address, Id};
use crate::{
    panel::{
        devices::{self, Owner, RemoveForm, Uuid},
        session::{LoggedIn, Posted},
    },
    state::AppState,
};

/// `GET /admin/accounts/{id}/devices/delete?uuid=U`.
pub async fn confirm(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    id: Id,
    uuid: Result<Query<Uuid>, QueryRejection>,
) -> Response {
    let account = match account(&state, &logged_in, id).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    let uuid = devices::uuid_of(uuid);
    let question = html! {
        "Remove the device " code { (uuid) } " of " strong { (sip_address(&account)) } "?"
    };
    devices::confirm_page(&logged_in, Owner::Account(account.id), question, &uuid)
}

/// `POST /admin/accounts/{id}/devices/delete`: then the account's page.
pub async fn remove(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    id: Id,
    parts: Parts,
    Posted(form): Posted<RemoveForm>,
) -> Response {
    let Ok(Path(id)) = id else {
        return super::not_found(&logged_in);
    };
    devices::remove_of(&state, &logged_in, Owner::Account(id), &parts, &form).await
}
