//! The schemas of the statistics routes (contract part 6 §3): what
//! Flexisip posts (its `schemas/call` and `schemas/message`) and what the
//! queries answer.

use std::collections::HashMap;

use serde_json::{json, Value};
use utoipa::ToSchema;

use super::accounts::paginator_schema;

/// `invite_terminated`: how the INVITE sent to the device ended.
#[derive(ToSchema)]
pub struct InviteTerminated {
    #[schema(format = DateTime)]
    pub at: String,
    #[schema(
        pattern = "^(error|declined|canceled|accepted_elsewhere|declined_elsewhere|accepted)$"
    )]
    pub state: String,
}

/// A device's state (Flexisip's `CallDeviceState`); a key left out keeps
/// the stored value.
#[derive(ToSchema)]
pub struct CallDeviceState {
    #[schema(format = DateTime)]
    pub rang_at: Option<String>,
    pub invite_terminated: Option<InviteTerminated>,
}

/// `POST …/calls` (Flexisip's `Call`).
#[derive(ToSchema)]
pub struct NewCall {
    #[schema(min_length = 1, max_length = 64, pattern = "^[ -~]{1,64}$")]
    pub id: String,
    #[schema(max_length = 255, pattern = "^[ -~]*$")]
    pub sip_call_id: Option<String>,
    /// `user@host`, at most 256 bytes.
    #[schema(max_length = 256, pattern = "^[!-~]+@[!-?A-~]+$")]
    pub from: String,
    #[schema(max_length = 256, pattern = "^[!-~]+@[!-?A-~]+$")]
    pub to: String,
    /// Device id → its state, or `null` (forked to it, nothing known yet).
    #[schema(value_type = Option<HashMap<String, CallDeviceState>>)]
    pub devices: Option<HashMap<String, Option<CallDeviceState>>>,
    #[schema(format = DateTime)]
    pub initiated_at: String,
    #[schema(format = DateTime)]
    pub ended_at: Option<String>,
    #[schema(max_length = 255, pattern = "^[ -~]*$")]
    pub conference_id: Option<String>,
}

/// `PATCH …/calls/{call_id}`.
#[derive(ToSchema)]
pub struct CallEnd {
    #[schema(format = DateTime)]
    pub ended_at: String,
}

/// A device a call was forked to.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallDevice {
    pub call_id: String,
    pub device_id: String,
    pub rang_at: Option<String>,
    pub invite_terminated_at: Option<String>,
    pub invite_terminated_state: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

/// A call: FlexiAPI's columns plus `sip_call_id`.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Call {
    pub id: String,
    pub sip_call_id: Option<String>,
    pub from_username: String,
    pub from_domain: String,
    pub to_username: String,
    pub to_domain: String,
    pub initiated_at: Option<String>,
    pub ended_at: Option<String>,
    pub conference_id: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub devices: Vec<CallDevice>,
}

/// A recipient device's answer (Flexisip's `MessageDeviceResponse`).
#[derive(ToSchema)]
pub struct MessageDeviceAnswer {
    /// The SIP status of its answer.
    pub last_status: i64,
    #[schema(format = DateTime)]
    pub received_at: String,
}

/// `POST …/messages` (Flexisip's `Message`).
#[derive(ToSchema)]
pub struct NewStatisticsMessage {
    #[schema(min_length = 1, max_length = 64, pattern = "^[ -~]{1,64}$")]
    pub id: String,
    #[schema(max_length = 256, pattern = "^[!-~]+@[!-?A-~]+$")]
    pub from: String,
    /// Recipient `user@host` → device id → its answer, or `null`.
    #[schema(value_type = Option<HashMap<String, HashMap<String, MessageDeviceAnswer>>>)]
    pub to: Option<HashMap<String, HashMap<String, Option<MessageDeviceAnswer>>>>,
    #[schema(format = DateTime)]
    pub sent_at: String,
    pub encrypted: bool,
    #[schema(max_length = 255, pattern = "^[ -~]*$")]
    pub conference_id: Option<String>,
}

/// A recipient's device.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageDevice {
    pub to_username: String,
    pub to_domain: String,
    pub device_id: String,
    pub last_status: Option<i64>,
    pub received_at: Option<String>,
}

/// A message of the statistics.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatisticsMessage {
    pub id: String,
    pub from_username: String,
    pub from_domain: String,
    pub sent_at: Option<String>,
    pub encrypted: bool,
    pub conference_id: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub devices: Vec<MessageDevice>,
}

paginator_schema!(CallPage, Call);
paginator_schema!(MessagePage, StatisticsMessage);

/// An RFC 3339 time as the core reads it (a subset: any day of any month
/// up to the 28th would do for a generator, the core takes them all).
pub const TIME_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$";
/// Flexisip's `user@host` (ASCII, as in a SIP URI): split at the last `@`.
pub const ADDRESS_PATTERN: &str = "^[!-~]+@[!-?A-~]+$";
/// A device id in a body: a registrar key.
const DEVICE_KEY_PATTERN: &str = "^[ -~]{1,255}$";

/// What utoipa's derive cannot state for these schemas: the grammar of
/// times, the keys of the device maps, and that Flexisip writes a device
/// it knows nothing of yet as `null`.
pub fn grammars(document: &mut Value) {
    let times = [
        ("NewCall", "initiated_at"),
        ("NewCall", "ended_at"),
        ("CallEnd", "ended_at"),
        ("CallDeviceState", "rang_at"),
        ("InviteTerminated", "at"),
        ("MessageDeviceAnswer", "received_at"),
        ("NewStatisticsMessage", "sent_at"),
    ];
    for (schema, property) in times {
        let pointer = format!("/components/schemas/{schema}/properties/{property}");
        if let Some(property) = document.pointer_mut(&pointer) {
            property["pattern"] = json!(TIME_PATTERN);
        }
    }
    let maps = [
        (
            "/components/schemas/NewCall/properties/devices",
            DEVICE_KEY_PATTERN,
            255,
        ),
        (
            "/components/schemas/NewStatisticsMessage/properties/to",
            ADDRESS_PATTERN,
            256,
        ),
        (
            "/components/schemas/NewStatisticsMessage/properties/to/additionalProperties",
            DEVICE_KEY_PATTERN,
            255,
        ),
    ];
    for (pointer, pattern, longest) in maps {
        if let Some(map) = document.pointer_mut(pointer) {
            map["propertyNames"] = json!({"pattern": pattern, "maxLength": longest});
        }
    }
    let null_entries = [
        "/components/schemas/NewCall/properties/devices/additionalProperties",
        "/components/schemas/NewStatisticsMessage/properties/to/additionalProperties/additionalProperties",
    ];
    for pointer in null_entries {
        if let Some(entry) = document.pointer_mut(pointer) {
            *entry = json!({"oneOf": [entry.clone(), {"type": "null"}]});
        }
    }
}
