//! The queries: an account's own records and an admin's, in Laravel's
//! paginator, newest first, within reach.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{json as body_of, spawn_system, ADMIN};

core_service::on_every_backend!(users_and_admins_page_through_their_records);

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
