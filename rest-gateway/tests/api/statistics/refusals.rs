//! Who may record (super admins only, whatever the body) and what a bad
//! record is told, field by field.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::FLEXISIP_CALL;
use crate::helpers::{json as body_of, spawn_system, ADMIN};

core_service::on_every_backend!(only_super_admins_record_and_bad_input_is_named);

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
