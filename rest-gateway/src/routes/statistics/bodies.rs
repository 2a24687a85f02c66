//! Flexisip's statistics bodies (its `Call`, `CallDeviceState`, `Message`
//! and `MessageDeviceResponse` JSON) turned into requests for the core:
//! types only, each error naming its field as Laravel does
//! (`devices.<id>.rang_at`); what the values must be is the core's rule.

use flexiapi_proto::pb;
use serde_json::{Map, Value};

use crate::{
    body::{Fields, JsonObject},
    error::ApiError,
};

type FieldError = (String, String);

/// A nested object's getters, their errors named under `prefix`.
struct Nested<'a> {
    object: JsonObject,
    prefix: &'a str,
}

impl<'a> Nested<'a> {
    fn new(object: &Map<String, Value>, prefix: &'a str) -> Self {
        Self {
            object: JsonObject(object.clone()),
            prefix,
        }
    }

    /// `field`'s error with its full name, in its message too.
    fn named<T>(&self, result: Result<T, FieldError>) -> Result<T, FieldError> {
        result.map_err(|(field, message)| {
            let full = format!("{}{field}", self.prefix);
            let message = message.replacen(&format!("The {field} "), &format!("The {full} "), 1);
            (full, message)
        })
    }

    fn string(&self, field: &str) -> Result<Option<String>, FieldError> {
        self.named(self.object.nullable_string(field))
    }

    fn integer(&self, field: &str) -> Result<Option<i64>, FieldError> {
        self.named(self.object.optional_integer(field))
    }

    fn object(&self, field: &str) -> Result<Option<Map<String, Value>>, FieldError> {
        let value = self.object.0.get(field);
        self.named(object_or_null(value, field).map(|o| o.cloned()))
    }
}

/// An object, or nothing when absent or `null`.
fn object_or_null<'v>(
    value: Option<&'v Value>,
    field: &str,
) -> Result<Option<&'v Map<String, Value>>, FieldError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(object)) => Ok(Some(object)),
        Some(_) => Err((
            field.into(),
            format!("The {field} field must be an object."),
        )),
    }
}

/// A device's state: `rang_at` and `invite_terminated` `{at, state}`;
/// `None` (a `null` device) is an empty state.
fn call_device(
    fields: &mut Fields,
    device_id: &str,
    state: Option<&Map<String, Value>>,
    prefix: &str,
) -> pb::CallDeviceState {
    let mut device = pb::CallDeviceState {
        device_id: device_id.into(),
        ..Default::default()
    };
    let Some(state) = state else {
        return device;
    };
    let nested = Nested::new(state, prefix);
    device.rang_at = fields.take(nested.string("rang_at"));
    if let Some(terminated) = fields.take(nested.object("invite_terminated")) {
        let inner = format!("{prefix}invite_terminated.");
        let terminated = Nested::new(&terminated, &inner);
        device.invite_terminated_at = fields.take(terminated.string("at"));
        device.invite_terminated_state = fields.take(terminated.string("state"));
    }
    device
}

/// `POST …/calls`.
pub fn call(body: &JsonObject, actor: pb::Actor) -> Result<pb::RecordCallRequest, ApiError> {
    let mut fields = Fields::default();
    let top = Nested::new(&body.0, "");
    let mut request = pb::RecordCallRequest {
        actor: Some(actor),
        id: fields.take(top.string("id")).unwrap_or_default(),
        sip_call_id: fields.take(top.string("sip_call_id")),
        from: fields.take(top.string("from")).unwrap_or_default(),
        to: fields.take(top.string("to")).unwrap_or_default(),
        initiated_at: fields.take(top.string("initiated_at")).unwrap_or_default(),
        ended_at: fields.take(top.string("ended_at")),
        conference_id: fields.take(top.string("conference_id")),
        devices: Vec::new(),
    };
    let devices = fields.take(top.object("devices")).unwrap_or_default();
    for (device_id, state) in &devices {
        let prefix = format!("devices.{device_id}.");
        let state = fields.take(object_or_null(Some(state), &format!("devices.{device_id}")));
        let device = call_device(&mut fields, device_id, state, &prefix);
        request.devices.push(device);
    }
    fields.finish(request)
}

/// `PATCH …/calls/{call_id}/devices/{device_id}`: the body is the state.
pub fn call_device_update(
    body: &JsonObject,
    actor: pb::Actor,
    call_id: String,
    device_id: &str,
) -> Result<pb::RecordCallDeviceRequest, ApiError> {
    let mut fields = Fields::default();
    let device = call_device(&mut fields, device_id, Some(&body.0), "");
    fields.finish(pb::RecordCallDeviceRequest {
        actor: Some(actor),
        call_id,
        device: Some(device),
    })
}

/// `PATCH …/calls/{call_id}`.
pub fn call_end(
    body: &JsonObject,
    actor: pb::Actor,
    id: String,
) -> Result<pb::EndCallRequest, ApiError> {
    let mut fields = Fields::default();
    let ended_at = fields.take(body.required_string("ended_at"));
    fields.finish(pb::EndCallRequest {
        actor: Some(actor),
        id,
        ended_at,
    })
}

/// A recipient device's answer (`null` in a posted message: none yet).
fn message_device(
    fields: &mut Fields,
    to: &str,
    device_id: &str,
    answer: Option<&Map<String, Value>>,
    prefix: &str,
) -> pb::MessageDeviceState {
    let mut device = pb::MessageDeviceState {
        to: to.into(),
        device_id: device_id.into(),
        ..Default::default()
    };
    if let Some(answer) = answer {
        let nested = Nested::new(answer, prefix);
        device.last_status = fields.take(nested.integer("last_status"));
        device.received_at = fields.take(nested.string("received_at"));
    }
    device
}

/// `POST …/messages`: `to` is `{user@host: {device_id: null | answer}}`.
pub fn message(body: &JsonObject, actor: pb::Actor) -> Result<pb::RecordMessageRequest, ApiError> {
    let mut fields = Fields::default();
    let top = Nested::new(&body.0, "");
    let encrypted = match body.0.get("encrypted") {
        None | Some(Value::Null) => fields.take(Err((
            "encrypted".into(),
            "The encrypted field is required.".into(),
        ))),
        _ => fields
            .take(body.optional_bool("encrypted"))
            .unwrap_or_default(),
    };
    let mut request = pb::RecordMessageRequest {
        actor: Some(actor),
        id: fields.take(top.string("id")).unwrap_or_default(),
        from: fields.take(top.string("from")).unwrap_or_default(),
        sent_at: fields.take(top.string("sent_at")).unwrap_or_default(),
        encrypted,
        conference_id: fields.take(top.string("conference_id")),
        devices: Vec::new(),
    };
    let recipients = fields.take(top.object("to")).unwrap_or_default();
    for (to, devices) in &recipients {
        let devices = fields.take(object_or_null(Some(devices), &format!("to.{to}")));
        for (device_id, answer) in devices.into_iter().flatten() {
            let prefix = format!("to.{to}.{device_id}.");
            let answer = fields.take(object_or_null(
                Some(answer),
                &format!("to.{to}.{device_id}"),
            ));
            let device = message_device(&mut fields, to, device_id, answer, &prefix);
            request.devices.push(device);
        }
    }
    fields.finish(request)
}

/// `PATCH …/messages/{id}/to/{user@host}/devices/{device_id}`.
pub fn message_device_update(
    body: &JsonObject,
    actor: pb::Actor,
    message_id: String,
    to: &str,
    device_id: &str,
) -> Result<pb::RecordMessageDeviceRequest, ApiError> {
    let mut fields = Fields::default();
    let device = message_device(&mut fields, to, device_id, Some(&body.0), "");
    fields.finish(pb::RecordMessageDeviceRequest {
        actor: Some(actor),
        message_id,
        device: Some(device),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> JsonObject {
        match serde_json::from_str(json).unwrap() {
            Value::Object(object) => JsonObject(object),
            _ => unreachable!(),
        }
    }

    fn errors(result: Result<impl std::fmt::Debug, ApiError>) -> Vec<(String, String)> {
        match result {
            Err(ApiError::Validation(errors)) => errors,
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn flexisips_call_is_taken_whole() {
        let call = body(
            r#"{"conference_id":"iHVDMq6MxSKp60bT","devices":{"device_id_1":{"invite_terminated":{"at":"2017-07-21T18:32:28Z","state":"accepted"},"rang_at":"2017-07-21T17:32:28Z"},"device_id_3":null},"ended_at":"2017-07-21T18:32:28Z","from":"user@sip.linphone.org","id":"4722b0233","initiated_at":"2017-07-21T17:32:28Z","sip_call_id":"stub-call-id","to":"user@sip.linphone.org"}"#,
        );
        let request = super::call(&call, pb::Actor::default()).unwrap();
        assert_eq!(request.devices.len(), 2);
        let first = request
            .devices
            .iter()
            .find(|d| d.device_id == "device_id_1")
            .unwrap();
        assert_eq!(first.invite_terminated_state.as_deref(), Some("accepted"));
        let null = request
            .devices
            .iter()
            .find(|d| d.device_id == "device_id_3")
            .unwrap();
        assert_eq!(null.rang_at, None);
    }

    #[test]
    fn wrong_types_are_named_where_they_are() {
        let call = body(
            r#"{"id":7,"devices":{"d1":{"rang_at":5,"invite_terminated":"now"},"d2":[]},"from":"a@b","to":"c@d","initiated_at":"2017-07-21T17:32:28Z"}"#,
        );
        let named: Vec<String> = errors(super::call(&call, pb::Actor::default()))
            .into_iter()
            .map(|(field, _)| field)
            .collect();
        assert_eq!(
            named,
            [
                "id",
                "devices.d1.rang_at",
                "devices.d1.invite_terminated",
                "devices.d2"
            ]
        );
        let message = body(r#"{"to":{"u@h":{"dev":{"last_status":"200","received_at":"x"}}}}"#);
        let found = errors(super::message(&message, pb::Actor::default()));
        assert_eq!(
            found[0],
            (
                "encrypted".into(),
                "The encrypted field is required.".into()
            )
        );
        assert_eq!(
            found[1],
            (
                "to.u@h.dev.last_status".into(),
                "The to.u@h.dev.last_status field must be an integer.".into()
            )
        );
    }
}
