//! Files go with their voicemail and their account, and survive a
//! restart.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode};

use super::*;
use crate::helpers::{json as body_of, spawn_system, ADMIN};

core_service::on_every_backend!(files_go_with_their_voicemail_and_account_and_survive_a_restart);

async fn files_go_with_their_voicemail_and_account_and_survive_a_restart(backend: Backend) {
    let Some(mut system) = spawn_system(backend).await else {
        return;
    };
    let bob = system
        .grpc_create_account("vmbob004", "bob-password", "SHA-256", false)
        .await;
    let key = system.named_key(ADMIN, "flexisip").await;
    let mut links = Vec::new();
    for _ in 0..2 {
        let id = slot_of(&system, &key, bob.id, "audio/wav").await;
        let response = system
            .http
            .post(system.url(&format!("/api/files/{id}")))
            .header("x-api-key", &key)
            .header("content-type", FLEXISIP_CONTENT_TYPE)
            .body(flexisip_multipart("r.wav", &wav(5000)))
            .send()
            .await
            .unwrap();
        let uploaded = body_of(response, StatusCode::OK).await;
        links.push((id, uploaded["download_url"].as_str().unwrap().to_owned()));
    }
    let dir = system.files_dir().join("voicemails");
    let files = || std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(files(), 2);

    // What was acknowledged is still served by a new core.
    system.stop_core().await;
    system.restart_core().await;
    let response = system.http.get(&links[0].1).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap().len(), 10_044 + 2);

    // Deleting a voicemail removes its file and its link.
    let path = format!("/api/accounts/{}/voicemails/{}", bob.id, links[0].0);
    let response = system.with_key(&key, Method::DELETE, &path, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(files(), 1);
    let response = system.http.get(&links[0].1).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // Deleting the account removes the rest.
    let response = system
        .with_key(
            &key,
            Method::DELETE,
            &format!("/api/accounts/{}", bob.id),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(files(), 0);
    let response = system.http.get(&links[1].1).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
