//! Statistics (contract part 6 §3) over real HTTP: Flexisip's event-log
//! writer's exact bodies (nlohmann's compact JSON, keys sorted) over
//! HTTP/2 + TLS with its key, under both prefixes; merged updates, the
//! queries of users and admins, and every refusal.
use reqwest::{Method, Version};
use serde_json::Value;

use crate::helpers::TestSystem;

mod flexisip;
mod queries;
mod refusals;

/// Flexisip's full call (flexi-stats-tester.cc), as nlohmann dumps it,
/// with the device ids its registrar gives.
pub const FLEXISIP_CALL: &str = r#"{"conference_id":null,"devices":{"\"<urn:uuid:6d2a4bd4-3aa4-4b16-8d5c-7c3a3e0c2c4a>\"":{"invite_terminated":{"at":"2017-07-21T18:32:28Z","state":"accepted"},"rang_at":"2017-07-21T17:32:28Z"},"fs-gen-0b1f":null},"ended_at":null,"from":"stalice1@sip.example.org","id":"4722b0233","initiated_at":"2017-07-21T17:32:28Z","sip_call_id":"stub-call-id","to":"stbob001@sip.example.org"}"#;

pub const FLEXISIP_MESSAGE: &str = r#"{"conference_id":null,"encrypted":true,"from":"stalice1@sip.example.org","id":"84c937d1","sent_at":"2017-07-21T17:32:28Z","to":{"stbob001@sip.example.org":{"device_id_1":{"last_status":200,"received_at":"2017-07-21T17:32:28Z"},"device_id_2":null}}}"#;

pub const QUOTED_UUID: &str = "\"<urn:uuid:6d2a4bd4-3aa4-4b16-8d5c-7c3a3e0c2c4a>\"";

/// A request as Flexisip's REST client sends it: its headers, its body.
pub async fn flexisip_sends(
    client: &reqwest::Client,
    system: &TestSystem,
    key: &str,
    method: Method,
    path: &str,
    body: &str,
) -> reqwest::Response {
    let answer = client
        .request(method, system.url(path))
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .header("content-length", body.len())
        .header("x-api-key", key)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.version(), Version::HTTP_2);
    answer
}

pub fn device<'a>(record: &'a Value, id: &str) -> &'a Value {
    record["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["device_id"] == id)
        .unwrap_or_else(|| panic!("no device {id} in {record}"))
}
