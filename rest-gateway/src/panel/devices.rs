//! A user's devices: listed on the dashboard, each removed after a
//! confirmation (`/devices/delete`), through the same RPCs as
//! `/api/accounts/me/devices`.

use axum::{
    extract::{rejection::QueryRejection, Query, State},
    http::{request::Parts, StatusCode},
    response::Response,
    Form,
};
use flexiapi_proto::pb;
use maud::{html, Markup};
use serde::Deserialize;

use super::{
    page,
    session::{self, LoggedIn},
};
use crate::{error::ApiError, state::AppState};

/// The devices of the logged-in account, for the dashboard.
pub async fn list(state: &AppState, logged_in: &LoggedIn) -> Markup {
    let actor = pb::Actor {
        account_id: logged_in.account.id,
    };
    let devices = match state.core.list_devices(actor, 0).await {
        Ok(devices) => devices,
        Err(error) => {
            tracing::warn!(%error, "the dashboard without devices");
            return html! { p role="alert" { "The devices cannot be read now: " (error) } };
        }
    };
    html! {
        @if devices.is_empty() {
            p data-testid="devices-empty" { "No device is registered." }
        } @else {
            ul class="devices" {
                @for device in &devices {
                    li data-testid="device-row" {
                        (describe(device))
                        " "
                        a href={ "/devices/delete?uuid=" (encode(&device.uuid)) }
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
    let updated = device
        .updated_at
        .as_ref()
        .and_then(|t| chrono::DateTime::from_timestamp(t.seconds, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
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

/// `GET /devices/delete?uuid=U`: the confirmation.
pub async fn confirm(logged_in: LoggedIn, uuid: Result<Query<Uuid>, QueryRejection>) -> Response {
    let uuid = uuid.map(|Query(u)| u.uuid).unwrap_or_default();
    let question = html! { "Remove the device " code { (uuid) } " from your account?" };
    let hidden = [("uuid", uuid.as_str())];
    page::confirm(
        "Remove a device",
        question,
        ("/devices/delete", "/dashboard"),
        &hidden,
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
    Form(form): Form<RemoveForm>,
) -> Response {
    if !session::csrf_ok(&state, &parts, &logged_in.csrf_token, &form.csrf) {
        return session::invalid_form();
    }
    let actor = pb::Actor {
        account_id: logged_in.account.id,
    };
    match state.core.remove_device(actor, 0, &form.uuid).await {
        Ok(()) => page::see_other("/dashboard?done=device"),
        Err(ApiError::NotFound(message)) => {
            page::error(StatusCode::NOT_FOUND, &message, Some(&logged_in.chrome()))
        }
        Err(ApiError::Validation(errors)) => {
            let message = errors.first().map_or("Invalid device", |(_, m)| m.as_str());
            page::error(
                StatusCode::UNPROCESSABLE_ENTITY,
                message,
                Some(&logged_in.chrome()),
            )
        }
        Err(error) => session::unavailable(&error),
    }
}
