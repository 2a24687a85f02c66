//! Flexisip records a voicemail with its exact bytes over HTTP/2 + TLS;
//! it downloads byte-identical.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode, Version};
use serde_json::{json, Value};

use super::*;
use crate::{
    helpers::{json as body_of, spawn_system_with, Options, ADMIN, DOMAIN},
    test_ca::TestCa,
};

core_service::on_every_backend!(flexisip_records_a_voicemail_that_downloads_byte_identical);

async fn flexisip_records_a_voicemail_that_downloads_byte_identical(backend: Backend) {
    let ca = TestCa::new();
    ca.issue();
    let options = Options {
        tls: Some(ca.files()),
        ..Options::default()
    };
    let Some(system) = spawn_system_with(backend, options).await else {
        return;
    };
    let bob = system
        .grpc_create_account("vmbob001", "bob-password", "SHA-256", false)
        .await;
    let key = system.named_key(ADMIN, "flexisip").await;
    let flexisip = ca.flexisip_client();

    // The callee, by search, as the voicemail server finds it.
    let found = flexisip
        .get(system.url(&format!("/api/accounts/vmbob001@{DOMAIN}/search")))
        .header("accept", "application/json")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(found.version(), Version::HTTP_2);
    let found = body_of(found, StatusCode::OK).await;
    assert_eq!(found["id"], bob.id);

    // Its SlotCreation, as nlohmann writes it.
    let slot_body = r#"{"content_type":"audio/wav","sip_from":"sip:alice@sip.example.org"}"#;
    let slot = flexisip
        .post(system.url(&format!("/api/accounts/{}/voicemails", bob.id)))
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .header("content-length", slot_body.len())
        .header("x-api-key", &key)
        .body(slot_body)
        .send()
        .await
        .unwrap();
    let slot = body_of(slot, StatusCode::CREATED).await;
    // What Flexisip's Slot schema reads, with the types it reads them as.
    let id = slot["id"].as_str().unwrap().to_owned();
    assert_eq!(uuid_version(&id), Some('4'), "{id}");
    assert_eq!(slot["sip_from"], "sip:alice@sip.example.org");
    assert_eq!(slot["content_type"], "audio/wav");
    let upload_url = slot["upload_url"].as_str().unwrap().to_owned();
    assert_eq!(upload_url, system.url(&format!("/api/files/{id}")));
    // Flexisip records only if it may send its default 120 s.
    assert!(slot["max_upload_size"].as_i64().unwrap() >= 12_582_840);
    for empty in ["name", "size", "uploaded_at", "download_url"] {
        assert_eq!(slot[empty], Value::Null, "{empty}");
    }

    let recording = wav(96_000); // 12 s: several chunks of 64 KiB
    let local = "/var/opt/belledonne-communications/flexisip/voicemail/8f1c.wav";
    let answer = upload(
        &flexisip,
        &system,
        &key,
        &upload_url,
        flexisip_multipart(local, &recording),
    )
    .await;
    assert_eq!(answer.version(), Version::HTTP_2);
    let uploaded = body_of(answer, StatusCode::OK).await;
    let stored = [recording.as_slice(), b"\r\n"].concat();
    assert_eq!(uploaded["id"], id.as_str());
    assert_eq!(uploaded["size"], stored.len());
    let name = uploaded["name"].as_str().unwrap().to_owned();
    let (random, client_name) = name.split_once('_').unwrap();
    assert!(random.len() >= 16 && random.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(client_name, "8f1c.wav");
    assert!(uploaded["uploaded_at"].is_string());
    let download_url = uploaded["download_url"].as_str().unwrap().to_owned();
    assert_eq!(
        download_url,
        system.url(&format!("/f/{id}/{name}/download"))
    );

    // The link needs no credentials; the bytes are the part's, exactly.
    let anyone = ca.flexisip_client();
    let file = anyone.get(&download_url).send().await.unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.headers()["content-type"], "audio/wav");
    assert_eq!(
        file.headers()["content-disposition"],
        format!("attachment; filename=\"{name}\"").as_str()
    );
    assert_eq!(file.bytes().await.unwrap().as_ref(), stored.as_slice());
    let inline = anyone
        .get(system.url(&format!("/f/{id}/{name}")))
        .send()
        .await
        .unwrap();
    assert!(inline.headers().get("content-disposition").is_none());
    assert_eq!(inline.bytes().await.unwrap().as_ref(), stored.as_slice());
    // The file is on disk under --files-dir, whole.
    let on_disk = system
        .files_dir()
        .join("voicemails")
        .join(format!("{id}-{random}"));
    assert_eq!(std::fs::read(&on_disk).unwrap(), stored);

    // The user sees it among its voicemails, newest first (its own key,
    // over the same HTTP/2 connection kind).
    let user_key = system.named_key("vmbob001", "app").await;
    let user = |method: reqwest::Method, path: &str| {
        flexisip
            .request(method, system.url(path))
            .header("accept", "application/json")
            .header("x-api-key", &user_key)
    };
    let second = user(Method::POST, "/api/accounts/me/voicemails")
        .json(&json!({"content_type": "audio/opus"}))
        .send()
        .await
        .unwrap();
    let second = body_of(second, StatusCode::CREATED).await;
    assert_eq!(second["sip_from"], Value::Null);
    let listed = user(Method::GET, "/api/accounts/me/voicemails")
        .send()
        .await
        .unwrap();
    let listed = body_of(listed, StatusCode::OK).await;
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [second["id"].as_str().unwrap(), id.as_str()]);
    assert_eq!(listed[1]["download_url"], download_url.as_str());
    assert!(listed[1].get("upload_url").is_none());
}
