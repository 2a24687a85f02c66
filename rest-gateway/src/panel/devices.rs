//! Devices: listed on the dashboard (one's own) and on an account's admin
//! page, each removed after a confirmation, through the same RPCs as
//! `/api/accounts/me/devices` and `/api/accounts/{id}/devices`.

use axum::{
    extract::{rejection::QueryRejection, Query, State},
    http::{request::Parts, StatusCode},
    response::Response,
};
use flexiapi_proto::pb;
use maud::{html, Markup};
use serde::Deserialize;

use super::{
    page,
    session::{self, LoggedIn, Posted},
};
use crate::{error::ApiError, state::AppState};

/// Whose devices a page shows: the logged-in account's own, or those of
/// an account an admin looks after (the core checks it is in reach).
#[derive(Clone, Copy)]
pub enum Owner {
    Own,
    Account(i64),
}

impl Owner {
    /// The RPCs' `account_id`: 0 is the actor's own.
    fn account_id(self) -> i64 {
        match self {
            Self::Own => 0,
            Self::Account(id) => id,
        }
    }

    fn remove_path(self) -> String {
        match self {
            Self::Own => "/devices/delete".into(),
            Self::Account(id) => format!("/admin/accounts/{id}/devices/delete"),
        }
    }

    /// The page listing the devices, where a removal returns.
    fn page(self) -> String {
        match self {
            Self::Own => "/dashboard".into(),
            Self::Account(id) => format!("/admin/accounts/{id}"),
        }
    }
}

/// The devices of `owner`, for its page.
pub async fn list(state: &AppState, logged_in: &LoggedIn, owner: Owner) -> Markup {
    let devices = match state
        .core
        .list_devices(logged_in.actor(), owner.account_id())
        .await
    {
        Ok(devices) => devices,
        Err(error) => {
            tracing::warn!(%error, "a page without its devices");
            return html! { p role="alert" { "The devices cannot be read now: " (error) } };
        }
    };
    let remove = owner.remove_path();
    html! {
        @if devices.is_empty() {
            p data-testid="devices-empty" { "No device is registered." }
        } @else {
            ul class="devices" {
                @for device in &devices {
                    li data-testid="device-row" {
                        (describe(device))
                        " "
                        a href={ (remove) "?uuid=" (encode(&device.uuid)) }
                            data-testid="device-remove"
                            aria-label={ "Remove " (name_of(device)) } { "Remove" }
                    }
                }
            }
        }
    }
}

/// `APP VERSION (DEVICE)`, and when it last registered.
fn describe(device: &pb::Device) -> Markup {
    let updated = page::time(device.updated_at.as_ref());
    html! {
        strong { (name_of(device)) }
        @if !device.version.is_empty() { " " (device.version) }
        @if !device.app.is_empty() && !device.device_name.is_empty() { " (" (device.app) ")" }
        @if !updated.is_empty() { ", updated " time { (updated) } }
    }
}

fn name_of(device: &pb::Device) -> &str {
    [
        &device.device_name,
        &device.app,
        &device.user_agent,
        &device.uuid,
    ]
    .into_iter()
    .find(|text| !text.is_empty())
    .map_or("a device", String::as_str)
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[derive(Deserialize)]
pub struct Uuid {
    #[serde(default)]
    uuid: String,
}

/// The uuid of a confirmation's query; a malformed query names none.
pub fn uuid_of(uuid: Result<Query<Uuid>, QueryRejection>) -> String {
    uuid.map(|Query(u)| u.uuid).unwrap_or_default()
}

/// `GET /devices/delete?uuid=U`: the confirmation.
pub async fn confirm(logged_in: LoggedIn, uuid: Result<Query<Uuid>, QueryRejection>) -> Response {
    let uuid = uuid_of(uuid);
    let question = html! { "Remove the device " code { (uuid) } " from your account?" };
    confirm_page(&logged_in, Owner::Own, question, &uuid)
}

/// The confirmation of removing device `uuid` of `owner`.
pub fn confirm_page(logged_in: &LoggedIn, owner: Owner, question: Markup, uuid: &str) -> Response {
    let (action, back) = (owner.remove_path(), owner.page());
    page::confirm(
        "Remove a device",
        question,
        (&action, &back),
        &[("uuid", uuid)],
        &logged_in.chrome(),
    )
}

#[derive(Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    uuid: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `POST /devices/delete`.
pub async fn remove(
    State(state): State<AppState>,
    logged_in: LoggedIn,
    parts: Parts,
    Posted(form): Posted<RemoveForm>,
) -> Response {
    remove_of(&state, &logged_in, Owner::Own, &parts, &form).await
}

/// Removes device `form.uuid` of `owner`, then its page with a message.
pub async fn remove_of(
    state: &AppState,
    logged_in: &LoggedIn,
    owner: Owner,
    parts: &Parts,
    form: &RemoveForm,
) -> Response {
    if !session::csrf_ok(state, parts, &logged_in.csrf_token, &form.csrf) {
        return session::invalid_form();
    }
    let chrome = logged_in.chrome();
    match state
        .core
        .remove_device(logged_in.actor(), owner.account_id(), &form.uuid)
        .await
    {
        Ok(()) => page::see_other_to(format!("{}?done=device", owner.page())),
        Err(ApiError::NotFound(message)) => {
            page::error(StatusCode::NOT_FOUND, &message, Some(&chrome))
        }
        Err(ApiError::Forbidden(message)) => {
            page::error(StatusCode::FORBIDDEN, &message, Some(&chrome))
        }
        Err(ApiError::Validation(errors)) => {
            let message = errors.first().map_or("Invalid device", |(_, m)| m.as_str());
            page::error(StatusCode::UNPROCESSABLE_ENTITY, message, Some(&chrome))
        }
        Err(error) => session::unavailable(&error),
    }
}
