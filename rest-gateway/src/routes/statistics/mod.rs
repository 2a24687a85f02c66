//! Statistics (contract part 6 §3). Flexisip posts under its
//! `[event-logs] flexiapi-prefix`, by default `/api/stats/`; FlexiAPI
//! serves `/api/statistics/`: every record route is served under both,
//! documented twice. Queries are under the account they concern.

use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    http::Uri,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Authenticated, body::JsonObject, error::ApiError, routes::accounts::account_id,
    routes::path::PathTexts, state::AppState,
};
use queries::Records;
use records::Answer;

pub(crate) mod bodies;
mod queries;
mod records;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stats_create_call))
        .routes(routes!(statistics_create_call))
        .routes(routes!(stats_end_call))
        .routes(routes!(statistics_end_call))
        .routes(routes!(stats_update_call_device))
        .routes(routes!(statistics_update_call_device))
        .routes(routes!(stats_create_message))
        .routes(routes!(statistics_create_message))
        .routes(routes!(stats_update_message_device))
        .routes(routes!(statistics_update_message_device))
        .routes(routes!(calls_mine))
        .routes(routes!(messages_mine))
        .routes(routes!(calls_of))
        .routes(routes!(messages_of))
}

/// One documented route per prefix for each record handler: the same
/// handler, the same documentation, two paths.
macro_rules! under_both_prefixes {
    ($(
        $(#[doc = $doc:literal])*
        $method:ident $suffix:literal, ($stats:ident, $statistics:ident) => $handler:path,
            ($($arg:ident: $ty:ty),*), [$($spec:tt)*];
    )*) => {$(
        $(#[doc = $doc])*
        #[utoipa::path($method, path = concat!("/api/stats/", $suffix), operation_id = stringify!($stats), tag = "statistics", $($spec)*)]
        async fn $stats($($arg: $ty),*) -> Answer {
            $handler($($arg),*).await
        }

        $(#[doc = $doc])*
        #[utoipa::path($method, path = concat!("/api/statistics/", $suffix), operation_id = stringify!($statistics), tag = "statistics", $($spec)*)]
        async fn $statistics($($arg: $ty),*) -> Answer {
            $handler($($arg),*).await
        }
    )*};
}

under_both_prefixes! {
    /// Records a call (Flexisip's `Call`), or updates the one with its
    /// `id`: its fields from the body, its devices merged. Super admins.
    post "calls", (stats_create_call, statistics_create_call) => records::create_call,
        (state: State<AppState>, auth: Authenticated, body: Result<JsonObject, ApiError>),
        [request_body = crate::openapi::NewCall,
         responses((status = 200, description = "The call", body = crate::openapi::Call))];
    /// The call has ended. Super admins.
    patch "calls/{call_id}", (stats_end_call, statistics_end_call) => records::end_call,
        (state: State<AppState>, auth: Authenticated, path: PathTexts, body: Result<JsonObject, ApiError>),
        [params(("call_id" = String, Path, max_length = 64, pattern = "^[!-\\-/-~][!-~]{0,63}$", description = "Flexisip's id of the call")),
         request_body = crate::openapi::CallEnd,
         responses((status = 200, description = "The call", body = crate::openapi::Call),
                   (status = 404, description = "`Call not found`", body = crate::openapi::Message))];
    /// What one device of a call did (`rang_at`, `invite_terminated`):
    /// merged, a field left out keeps its value; the entry is created if
    /// missing. Super admins.
    patch "calls/{call_id}/devices/{device_id}", (stats_update_call_device, statistics_update_call_device) => records::update_call_device,
        (state: State<AppState>, auth: Authenticated, path: PathTexts, body: Result<JsonObject, ApiError>),
        [params(("call_id" = String, Path, max_length = 64, pattern = "^[!-\\-/-~][!-~]{0,63}$", description = "Flexisip's id of the call"),
                ("device_id" = String, Path, max_length = 255, pattern = "^[!-\\-/-~][!-~]{0,254}$", description = "Flexisip's registrar key of the device, percent-encoded (`%3Curn:uuid:…%3E`)")),
         request_body = crate::openapi::CallDeviceState,
         responses((status = 200, description = "The call", body = crate::openapi::Call),
                   (status = 404, description = "`Call not found`", body = crate::openapi::Message))];
    /// Records a message (Flexisip's `Message`), or updates the one with
    /// its `id`. Super admins.
    post "messages", (stats_create_message, statistics_create_message) => records::create_message,
        (state: State<AppState>, auth: Authenticated, body: Result<JsonObject, ApiError>),
        [request_body = crate::openapi::NewStatisticsMessage,
         responses((status = 200, description = "The message", body = crate::openapi::StatisticsMessage))];
    /// A recipient device's answer to a message. Super admins.
    patch "messages/{message_id}/to/{to}/devices/{device_id}", (stats_update_message_device, statistics_update_message_device) => records::update_message_device,
        (state: State<AppState>, auth: Authenticated, path: PathTexts, body: Result<JsonObject, ApiError>),
        [params(("message_id" = String, Path, max_length = 64, pattern = "^[!-\\-/-~][!-~]{0,63}$", description = "Flexisip's id of the message"),
                ("to" = String, Path, max_length = 256, pattern = "^[!-~]+@[!-?A-~]+$", description = "The recipient, `user@host`"),
                ("device_id" = String, Path, max_length = 255, pattern = "^[!-\\-/-~][!-~]{0,254}$", description = "Flexisip's registrar key of the device, percent-encoded")),
         request_body = crate::openapi::MessageDeviceAnswer,
         responses((status = 200, description = "The message", body = crate::openapi::StatisticsMessage),
                   (status = 404, description = "`Message not found`", body = crate::openapi::Message))];
}

/// The caller's calls (from or to it), newest first.
#[utoipa::path(get, operation_id = "statistics_me_calls", path = "/api/accounts/me/statistics/calls", tag = "statistics",
    params(("page" = Option<i64>, Query, minimum = 1, maximum = 1000000000, description = "From 1"),
           ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100, description = "1 to 100, default 30")),
    responses((status = 200, description = "Laravel's paginator", body = crate::openapi::CallPage)))]
async fn calls_mine(
    State(state): State<AppState>,
    auth: Authenticated,
    uri: Uri,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Answer {
    queries::page_of(&state, &auth, None, Records::Calls, &uri, query).await
}

/// The messages the caller sent or received, newest first.
#[utoipa::path(get, operation_id = "statistics_me_messages", path = "/api/accounts/me/statistics/messages", tag = "statistics",
    params(("page" = Option<i64>, Query, minimum = 1, maximum = 1000000000, description = "From 1"),
           ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100, description = "1 to 100, default 30")),
    responses((status = 200, description = "Laravel's paginator", body = crate::openapi::MessagePage)))]
async fn messages_mine(
    State(state): State<AppState>,
    auth: Authenticated,
    uri: Uri,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Answer {
    queries::page_of(&state, &auth, None, Records::Messages, &uri, query).await
}

/// The calls from or to an account of the admin's reach, newest first.
#[utoipa::path(get, operation_id = "statistics_admin_calls", path = "/api/accounts/{id}/statistics/calls", tag = "statistics",
    params(("id" = i64, Path, description = "The account's id"),
           ("page" = Option<i64>, Query, minimum = 1, maximum = 1000000000, description = "From 1"),
           ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100, description = "1 to 100, default 30")),
    responses((status = 200, description = "Laravel's paginator", body = crate::openapi::CallPage),
              crate::openapi::AccountNotFound))]
async fn calls_of(
    State(state): State<AppState>,
    auth: Authenticated,
    id: Path<String>,
    uri: Uri,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Answer {
    let id = account_id(id)?;
    queries::page_of(&state, &auth, Some(id), Records::Calls, &uri, query).await
}

/// The messages an account of the admin's reach sent or received.
#[utoipa::path(get, operation_id = "statistics_admin_messages", path = "/api/accounts/{id}/statistics/messages", tag = "statistics",
    params(("id" = i64, Path, description = "The account's id"),
           ("page" = Option<i64>, Query, minimum = 1, maximum = 1000000000, description = "From 1"),
           ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100, description = "1 to 100, default 30")),
    responses((status = 200, description = "Laravel's paginator", body = crate::openapi::MessagePage),
              crate::openapi::AccountNotFound))]
async fn messages_of(
    State(state): State<AppState>,
    auth: Authenticated,
    id: Path<String>,
    uri: Uri,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Answer {
    let id = account_id(id)?;
    queries::page_of(&state, &auth, Some(id), Records::Messages, &uri, query).await
}
