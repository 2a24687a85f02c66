//! Statistics (contract part 6 §3) over real HTTP: Flexisip's event-log
//! writer's exact bodies (nlohmann's compact JSON, keys sorted) over
//! HTTP/2 + TLS with its key, under both prefixes; merged updates, the
//! queries of users and admins, and every refusal.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode, Version};
use serde_json::{json, Value};

use crate::{
    helpers::{json as body_of, spawn_system, spawn_system_with, Options, TestSystem, ADMIN},
    test_ca::TestCa,
};

core_service::on_every_backend!(
    flexisip_reports_a_call_and_a_message_that_read_back_merged,
    only_super_admins_record_and_bad_input_is_named,
    users_and_admins_page_through_their_records,
);

/// Flexisip's full call (flexi-stats-tester.cc), as nlohmann dumps it,
/// with the device ids its registrar gives.
const FLEXISIP_CALL: &str = r#"{"conference_id":null,"devices":{"\"<urn:uuid:6d2a4bd4-3aa4-4b16-8d5c-7c3a3e0c2c4a>\"":{"invite_terminated":{"at":"2017-07-21T18:32:28Z","state":"accepted"},"rang_at":"2017-07-21T17:32:28Z"},"fs-gen-0b1f":null},"ended_at":null,"from":"stalice1@sip.example.org","id":"4722b0233","initiated_at":"2017-07-21T17:32:28Z","sip_call_id":"stub-call-id","to":"stbob001@sip.example.org"}"#;

const FLEXISIP_MESSAGE: &str = r#"{"conference_id":null,"encrypted":true,"from":"stalice1@sip.example.org","id":"84c937d1","sent_at":"2017-07-21T17:32:28Z","to":{"stbob001@sip.example.org":{"device_id_1":{"last_status":200,"received_at":"2017-07-21T17:32:28Z"},"device_id_2":null}}}"#;

const QUOTED_UUID: &str = "\"<urn:uuid:6d2a4bd4-3aa4-4b16-8d5c-7c3a3e0c2c4a>\"";

/// A request as Flexisip's REST client sends it: its headers, its body.
async fn flexisip_sends(
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

fn device<'a>(record: &'a Value, id: &str) -> &'a Value {
    record["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["device_id"] == id)
        .unwrap_or_else(|| panic!("no device {id} in {record}"))
}

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

async fn only_super_admins_record_and_bad_input_is_named(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    system
        .grpc_create_account("stuser01", "user-password", "SHA-256", false)
        .await;
    system
        .grpc_create_account_in(
            "stadmin2",
            "other.example.org",
            "admin-pw-22",
            "SHA-256",
            true,
        )
        .await;
    let user = system.named_key("stuser01", "app").await;
    let tenant_admin = system
        .named_key_in("stadmin2", "other.example.org", "ops")
        .await;
    let key = system.named_key(ADMIN, "flexisip").await;
    let raw = |key: String, method: Method, path: &'static str, body: &'static str| {
        let request = system
            .http
            .request(method, system.url(path))
            .header("x-api-key", key)
            .header("content-type", "application/json")
            .body(body);
        async move { request.send().await.unwrap() }
    };
    // Not a super admin: 403 whatever the body, even one that is not JSON.
    for who in [&user, &tenant_admin] {
        for body in [FLEXISIP_CALL, "{not json", r#"{"id":5}"#] {
            let refused = raw(who.clone(), Method::POST, "/api/statistics/calls", body).await;
            assert_eq!(
                body_of(refused, StatusCode::FORBIDDEN).await["message"],
                "Unauthorized area"
            );
        }
    }
    // A super admin is told what is wrong, field by field.
    let broken = raw(
        key.clone(),
        Method::POST,
        "/api/stats/calls",
        r#"{"id":"","from":"nobody","to":7,"initiated_at":"yesterday","devices":{"d1":{"invite_terminated":{"at":"2017-07-21T18:32:28Z","state":"hung_up"}}}}"#,
    )
    .await;
    let errors = body_of(broken, StatusCode::UNPROCESSABLE_ENTITY).await["errors"].clone();
    assert!(errors["to"].is_array(), "{errors}");
    let broken = raw(
        key.clone(),
        Method::POST,
        "/api/stats/calls",
        r#"{"id":"","from":"nobody","to":"a@b","initiated_at":"yesterday","devices":{"d1":{"invite_terminated":{"at":"2017-07-21T18:32:28Z","state":"hung_up"}}}}"#,
    )
    .await;
    let errors = body_of(broken, StatusCode::UNPROCESSABLE_ENTITY).await["errors"].clone();
    for field in [
        "id",
        "from",
        "initiated_at",
        "devices.d1.invite_terminated.state",
    ] {
        assert!(errors[field].is_array(), "{field}: {errors}");
    }
    let not_json = raw(
        key.clone(),
        Method::POST,
        "/api/stats/messages",
        "{not json",
    )
    .await;
    body_of(not_json, StatusCode::BAD_REQUEST).await;
    let no_status = raw(key.clone(), Method::POST, "/api/stats/messages",
        r#"{"id":"m1","from":"a@b","sent_at":"2017-07-21T17:32:28Z","encrypted":true,"to":{"c@d":{"x":{"received_at":"2017-07-21T17:32:28Z"}}}}"#).await;
    let errors = body_of(no_status, StatusCode::UNPROCESSABLE_ENTITY).await["errors"].clone();
    assert!(errors["to.c@d.x.last_status"].is_array(), "{errors}");
    let not_boolean = raw(
        key.clone(),
        Method::POST,
        "/api/stats/messages",
        r#"{"encrypted":"yes"}"#,
    )
    .await;
    let errors = body_of(not_boolean, StatusCode::UNPROCESSABLE_ENTITY).await["errors"].clone();
    assert_eq!(
        errors["encrypted"][0],
        "The encrypted field must be true or false."
    );
    // Unknown records are 404 with the contract's words.
    let missing = raw(
        key.clone(),
        Method::PATCH,
        "/api/stats/calls/nope",
        r#"{"ended_at":"2017-07-21T18:32:28Z"}"#,
    )
    .await;
    assert_eq!(
        body_of(missing, StatusCode::NOT_FOUND).await["message"],
        "Call not found"
    );
    let missing = raw(
        key.clone(),
        Method::PATCH,
        "/api/stats/calls/nope/devices/d1",
        r#"{"rang_at":"2017-07-21T18:32:28Z"}"#,
    )
    .await;
    assert_eq!(
        body_of(missing, StatusCode::NOT_FOUND).await["message"],
        "Call not found"
    );
    let missing = raw(
        key.clone(),
        Method::PATCH,
        "/api/stats/messages/nope/to/a@b/devices/d1",
        r#"{"last_status":200,"received_at":"2017-07-21T18:32:28Z"}"#,
    )
    .await;
    assert_eq!(
        body_of(missing, StatusCode::NOT_FOUND).await["message"],
        "Message not found"
    );
    // A device id over 255 bytes, a recipient without `@`.
    let long = format!("/api/stats/calls/nope/devices/{}", "d".repeat(256));
    let refused = system
        .with_key(
            &key,
            Method::PATCH,
            &long,
            Some(json!({"rang_at": "2017-07-21T18:32:28Z"})),
        )
        .await;
    assert!(
        body_of(refused, StatusCode::UNPROCESSABLE_ENTITY).await["errors"]["device_id"].is_array()
    );
    let refused = raw(
        key.clone(),
        Method::PATCH,
        "/api/stats/messages/nope/to/nobody/devices/d1",
        r#"{"last_status":200,"received_at":"2017-07-21T18:32:28Z"}"#,
    )
    .await;
    assert!(body_of(refused, StatusCode::UNPROCESSABLE_ENTITY).await["errors"]["to"].is_array());
}

async fn users_and_admins_page_through_their_records(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let carol = system
        .grpc_create_account("stcarol1", "carol-password", "SHA-256", false)
        .await;
    system
        .grpc_create_account_in(
            "stadmin3",
            "other.example.org",
            "admin-pw-33",
            "SHA-256",
            true,
        )
        .await;
    let key = system.named_key(ADMIN, "flexisip").await;
    for n in 0..3 {
        let call = json!({
            "id": format!("call-{n}"), "sip_call_id": null, "from": "stcarol1@sip.example.org",
            "to": "someone@elsewhere.org", "devices": {}, "initiated_at": format!("2020-01-0{}T00:00:00Z", n + 1),
            "ended_at": null, "conference_id": null,
        });
        let made = system
            .with_key(&key, Method::POST, "/api/statistics/calls", Some(call))
            .await;
        body_of(made, StatusCode::OK).await;
    }
    // The admin's query, a page of two, newest first, Laravel's paginator.
    let path = format!("/api/accounts/{}/statistics/calls?per_page=2", carol.id);
    let page = body_of(
        system.with_key(&key, Method::GET, &path, None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (page["total"].as_i64(), page["last_page"].as_i64()),
        (Some(3), Some(2))
    );
    let ids: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["call-2", "call-1"]);
    assert_eq!(
        page["next_page_url"],
        format!(
            "/api/accounts/{}/statistics/calls?per_page=2&page=2",
            carol.id
        )
    );
    // Carol's own, by Digest.
    let mut carol_client = system.client("stcarol1", "carol-password");
    let mine = carol_client
        .get("/api/accounts/me/statistics/messages")
        .await;
    assert_eq!(body_of(mine, StatusCode::OK).await["total"], 0);
    // Another tenant's admin cannot tell Carol exists; bounds are named.
    let tenant = system
        .named_key_in("stadmin3", "other.example.org", "ops")
        .await;
    let hidden = system
        .with_key(
            &tenant,
            Method::GET,
            &format!("/api/accounts/{}/statistics/messages", carol.id),
            None,
        )
        .await;
    assert_eq!(
        body_of(hidden, StatusCode::NOT_FOUND).await["message"],
        "Account not found"
    );
    for query in ["per_page=101", "page=0", "per_page=x"] {
        let path = format!("/api/accounts/me/statistics/calls?{query}");
        let refused = carol_client.get(&path).await;
        body_of(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
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
