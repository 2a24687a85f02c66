//! Flexisip's own requests, with its bytes, over HTTP/2 + TLS: a call and
//! a message recorded, merged and read back; a device id with `<` `>`.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::{device, flexisip_sends, FLEXISIP_CALL, FLEXISIP_MESSAGE, QUOTED_UUID};
use crate::{
    helpers::{json as body_of, spawn_system, spawn_system_with, Options, ADMIN},
    test_ca::TestCa,
};

core_service::on_every_backend!(flexisip_reports_a_call_and_a_message_that_read_back_merged);

async fn flexisip_reports_a_call_and_a_message_that_read_back_merged(backend: Backend) {
    let ca = TestCa::new();
    ca.issue();
    let options = Options {
        tls: Some(ca.files()),
        ..Options::default()
    };
    let Some(system) = spawn_system_with(backend, options).await else {
        return;
    };
    system
        .grpc_create_account("stbob001", "bob-password", "SHA-256", false)
        .await;
    let key = system.named_key(ADMIN, "flexisip").await;
    let flexisip = ca.flexisip_client();
    let send = |method: Method, path: &'static str, body: &'static str| {
        flexisip_sends(&flexisip, &system, &key, method, path, body)
    };

    let call = body_of(
        send(Method::POST, "/api/stats/calls", FLEXISIP_CALL).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(call["id"], "4722b0233");
    assert_eq!(call["sip_call_id"], "stub-call-id");
    assert_eq!(
        (call["from_username"].as_str(), call["to_domain"].as_str()),
        (Some("stalice1"), Some("sip.example.org"))
    );
    assert_eq!(call["initiated_at"], "2017-07-21T17:32:28.000000Z");
    let answered = device(&call, QUOTED_UUID);
    assert_eq!(answered["call_id"], "4722b0233");
    assert_eq!(answered["invite_terminated_state"], "accepted");
    assert_eq!(
        answered["invite_terminated_at"],
        "2017-07-21T18:32:28.000000Z"
    );
    assert_eq!(device(&call, "fs-gen-0b1f")["rang_at"], Value::Null);

    // The other device rings, on the path Flexisip writes raw and a strict
    // stack percent-encodes (`"` `<` `>`).
    let ringing = send(
        Method::PATCH,
        "/api/stats/calls/4722b0233/devices/fs-gen-0b1f",
        r#"{"rang_at":"2017-07-21T17:32:29Z"}"#,
    )
    .await;
    body_of(ringing, StatusCode::OK).await;
    let encoded = "/api/stats/calls/4722b0233/devices/%22%3Curn:uuid:6d2a4bd4-3aa4-4b16-8d5c-7c3a3e0c2c4a%3E%22";
    let declined = flexisip_sends(
        &flexisip,
        &system,
        &key,
        Method::PATCH,
        encoded,
        r#"{"invite_terminated":{"at":"2017-07-21T18:40:00Z","state":"declined"}}"#,
    )
    .await;
    let call = body_of(declined, StatusCode::OK).await;
    // Merged: the first device's rang_at stays, its end is the new one.
    let first = device(&call, QUOTED_UUID);
    assert_eq!(first["rang_at"], "2017-07-21T17:32:28.000000Z");
    assert_eq!(first["invite_terminated_state"], "declined");
    assert_eq!(
        device(&call, "fs-gen-0b1f")["rang_at"],
        "2017-07-21T17:32:29.000000Z"
    );

    // The same call posted again (Flexisip retries): one call, its fields
    // the body's, its devices kept; then its end.
    let again = body_of(
        send(Method::POST, "/api/statistics/calls", FLEXISIP_CALL).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["devices"].as_array().unwrap().len(), 2);
    assert_eq!(
        device(&again, "fs-gen-0b1f")["rang_at"],
        "2017-07-21T17:32:29.000000Z"
    );
    let ended = send(
        Method::PATCH,
        "/api/stats/calls/4722b0233",
        r#"{"ended_at":"2017-07-21T18:32:28Z"}"#,
    )
    .await;
    assert_eq!(
        body_of(ended, StatusCode::OK).await["ended_at"],
        "2017-07-21T18:32:28.000000Z"
    );

    let message = body_of(
        send(Method::POST, "/api/stats/messages", FLEXISIP_MESSAGE).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(message["encrypted"], true);
    assert_eq!(message["devices"].as_array().unwrap().len(), 2);
    assert_eq!(device(&message, "device_id_2")["last_status"], Value::Null);
    let answer = send(
        Method::PATCH,
        "/api/stats/messages/84c937d1/to/stbob001@sip.example.org/devices/device_id_2",
        r#"{"last_status":408,"received_at":"2017-07-21T18:32:28Z"}"#,
    )
    .await;
    let message = body_of(answer, StatusCode::OK).await;
    let second = device(&message, "device_id_2");
    assert_eq!(
        (
            second["to_username"].as_str(),
            second["last_status"].as_i64()
        ),
        (Some("stbob001"), Some(408))
    );
    assert_eq!(second["received_at"], "2017-07-21T18:32:28.000000Z");
    let keys: Vec<&String> = message.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 9, "the contract's message keys: {keys:?}");

    // Bob reads them back (his own key, same kind of connection).
    let bob_key = system.named_key("stbob001", "app").await;
    let mine = flexisip
        .get(system.url("/api/accounts/me/statistics/calls"))
        .header("accept", "application/json")
        .header("x-api-key", &bob_key)
        .send()
        .await
        .unwrap();
    let page = body_of(mine, StatusCode::OK).await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["data"][0]["ended_at"], "2017-07-21T18:32:28.000000Z");
    assert_eq!(page["path"], "/api/accounts/me/statistics/calls");

    // Conferences are not stored: a JSON 404, the answer whole over HTTP/2.
    let conference = send(
        Method::POST,
        "/api/stats/conferences",
        r#"{"created_at":"2017-07-21T17:32:28Z","id":"c1","schedule":null}"#,
    )
    .await;
    let refused = body_of(conference, StatusCode::NOT_FOUND).await;
    assert_eq!(refused["message"], "No route for /api/stats/conferences");
}

/// Flexisip writes a registrar key raw in the path (`"<urn:uuid:…>"`).
/// `<` and `>` are not URI characters and the gateway's HTTP stack (the
/// `http` crate's URI parser, under hyper and h2) refuses them before any
/// route: a 400 at once, never a hang. The percent-encoded form is taken
/// (the test above), as is a key without angle brackets.
#[tokio::test]
async fn raw_angle_brackets_in_the_path_are_refused_by_the_http_stack() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Some(system) = spawn_system(Backend::Sqlite).await else {
        return;
    };
    let key = system.named_key(ADMIN, "flexisip").await;
    let made = system
        .with_key(
            &key,
            Method::POST,
            "/api/stats/calls",
            Some(serde_json::from_str(FLEXISIP_CALL).unwrap()),
        )
        .await;
    body_of(made, StatusCode::OK).await;
    let body = r#"{"rang_at":"2017-07-21T17:40:00Z"}"#;
    let request = format!(
        "PATCH /api/stats/calls/4722b0233/devices/{QUOTED_UUID} HTTP/1.1\r\nhost: gateway\r\n\
         x-api-key: {key}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
    let address = system.base.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    // A registrar key without angle brackets, quotes included.
    let fs_gen = r#""fs-gen-0b1f""#;
    let path = format!("/api/stats/calls/4722b0233/devices/{fs_gen}");
    let answer = system
        .with_key(
            &key,
            Method::PATCH,
            &path,
            Some(serde_json::from_str(body).unwrap()),
        )
        .await;
    let call = body_of(answer, StatusCode::OK).await;
    assert_eq!(
        device(&call, fs_gen)["rang_at"],
        "2017-07-21T17:40:00.000000Z"
    );
}
