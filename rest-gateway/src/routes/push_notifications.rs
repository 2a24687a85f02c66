//! `POST /api/push_notification`: what Flexisip sends with
//! `[module::PushNotification] external-push-flexiapi=true` (contract
//! part 6 §4). The core checks, decides (admins only) and sends.

use axum::{extract::State, Json};
use flexiapi_proto::pb;
use serde_json::{json, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Authenticated,
    body::{refusal_first, Fields, JsonObject},
    error::ApiError,
    state::AppState,
};

/// Whether a request waits on FCM or APNs: its deadline is longer by
/// their timeout (`request_limits`).
pub fn delivers(method: &axum::http::Method, path: &str) -> bool {
    method == axum::http::Method::POST && path == "/api/push_notification"
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(send))
}

pub(crate) fn request(
    body: &JsonObject,
    actor: pb::Actor,
) -> Result<pb::SendPushNotificationRequest, ApiError> {
    let mut fields = Fields::default();
    let request = pb::SendPushNotificationRequest {
        actor: Some(actor),
        pn_provider: fields.take(body.nullable_string("pn_provider")),
        pn_param: fields.take(body.nullable_string("pn_param")),
        pn_prid: fields.take(body.nullable_string("pn_prid")),
        r#type: fields.take(body.nullable_string("type")),
        call_id: fields.take(body.nullable_string("call_id")),
    };
    fields.finish(request)
}

/// Sends a push to a device as Flexisip's pusher would (FCM, APNs), with
/// the credentials of part 4. Admins (Flexisip's key).
#[utoipa::path(post, operation_id = "push_notification_send", path = "/api/push_notification", tag = "push notifications",
    request_body = crate::openapi::PushNotification,
    responses(
        (status = 200, description = "The provider accepted it: `{}`", body = crate::openapi::Empty),
        (status = 503, description = "`Push notification not sent`: no device, no credentials for it, or the provider refused or did not answer within 10 s", body = crate::openapi::Message),
    ))]
async fn send(
    State(state): State<AppState>,
    auth: Authenticated,
    body: Result<JsonObject, ApiError>,
) -> Result<Json<Value>, ApiError> {
    let request = match body.and_then(|body| request(&body, auth.actor())) {
        Ok(request) => request,
        Err(refused) => {
            // Who may call comes before what was sent: an empty request
            // is refused 403 before it is read, or 422 for an admin.
            let probe = pb::SendPushNotificationRequest {
                actor: Some(auth.actor()),
                ..Default::default()
            };
            let probe = state.core.send_push_notification(probe).await;
            return Err(refusal_first(probe, refused));
        }
    };
    state.core.send_push_notification(request).await?;
    Ok(Json(json!({})))
}
