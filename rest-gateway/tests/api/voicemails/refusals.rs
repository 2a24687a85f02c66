//! Uploads refused in the contract's words, leaving nothing on disk.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;
use crate::helpers::{json as body_of, spawn_system_with, Options, ADMIN};

core_service::on_every_backend!(uploads_are_refused_in_the_contracts_words);

async fn uploads_are_refused_in_the_contracts_words(backend: Backend) {
    let options = Options {
        voicemail_max_bytes: 100_000,
        ..Options::default()
    };
    let Some(system) = spawn_system_with(backend, options).await else {
        return;
    };
    let bob = system
        .grpc_create_account("vmbob003", "bob-password", "SHA-256", false)
        .await;
    let key = system.named_key(ADMIN, "flexisip").await;
    let slots = format!("/api/accounts/{}/voicemails", bob.id);

    // Slot input.
    for (body, field, message) in [
        (
            json!({}),
            "content_type",
            "The content type field is required.",
        ),
        (
            json!({"content_type": "audio/mp3"}),
            "content_type",
            "The selected content type is invalid.",
        ),
        (
            json!({"content_type": "audio/wav", "sip_from": "alice"}),
            "sip_from",
            "The sip from must be a valid SIP URI.",
        ),
        (
            json!({"content_type": 7}),
            "content_type",
            "The content_type field must be a string.",
        ),
    ] {
        let response = system
            .with_key(&key, Method::POST, &slots, Some(body.clone()))
            .await;
        let refused = body_of(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(
            refused["errors"][field],
            json!([message]),
            "{body}: {refused}"
        );
    }

    let post = |id: &str, content_type: &str, body: Vec<u8>| {
        system
            .http
            .post(system.url(&format!("/api/files/{id}")))
            .header("x-api-key", &key)
            .header("content-type", content_type.to_owned())
            .body(body)
            .send()
    };
    let wav_slot = slot_of(&system, &key, bob.id, "audio/wav").await;
    // Over the limit: 413, and the slot stays empty (and usable).
    let big = wav(60_000);
    let response = post(
        &wav_slot,
        FLEXISIP_CONTENT_TYPE,
        flexisip_multipart("big.wav", &big),
    )
    .await
    .unwrap();
    assert_eq!(
        body_of(response, StatusCode::PAYLOAD_TOO_LARGE).await,
        json!({"message": "The file is too large"})
    );
    // The type is judged from the bytes, not the part's header.
    let opus_slot = slot_of(&system, &key, bob.id, "audio/opus").await;
    let response = post(
        &opus_slot,
        FLEXISIP_CONTENT_TYPE,
        flexisip_multipart("a.wav", &wav(100)),
    )
    .await
    .unwrap();
    let refused = body_of(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        refused["errors"]["file"],
        json!(["The file should have the declared mime-type"])
    );
    // No part named file, no multipart at all.
    let other_part =
        b"--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--b--\r\n".to_vec();
    for (content_type, body) in [
        ("multipart/form-data; boundary=b", other_part),
        ("application/json", b"{}".to_vec()),
        ("multipart/form-data", b"".to_vec()),
    ] {
        let response = post(&wav_slot, content_type, body).await.unwrap();
        let refused = body_of(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(
            refused["errors"]["file"],
            json!(["The file field is required."]),
            "{content_type}"
        );
    }
    // A body cut before its closing delimiter.
    let mut cut = flexisip_multipart("a.wav", &wav(100));
    cut.truncate(cut.len() - 30);
    let response = post(&wav_slot, FLEXISIP_CONTENT_TYPE, cut).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let message = body_of(response, StatusCode::BAD_REQUEST).await["message"].clone();
    assert!(
        message
            .as_str()
            .unwrap()
            .starts_with("Malformed multipart body"),
        "{message}"
    );
    // Unknown slots.
    for id in ["00000000-0000-4000-8000-000000000000", "nope"] {
        let response = post(
            id,
            FLEXISIP_CONTENT_TYPE,
            flexisip_multipart("a.wav", &wav(10)),
        )
        .await
        .unwrap();
        assert_eq!(
            body_of(response, StatusCode::NOT_FOUND).await,
            json!({"message": "File not found"})
        );
    }
    // Nothing of the refused uploads was kept.
    let left: Vec<_> = std::fs::read_dir(system.files_dir().join("voicemails"))
        .unwrap()
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // The slot takes a right file once, then 409.
    let fine = flexisip_multipart("a.wav", &wav(1000));
    let response = post(&wav_slot, FLEXISIP_CONTENT_TYPE, fine.clone())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = post(&wav_slot, FLEXISIP_CONTENT_TYPE, fine).await.unwrap();
    assert_eq!(
        body_of(response, StatusCode::CONFLICT).await,
        json!({"message": "The file was already uploaded"})
    );
    // Wrong names of a real file are not found.
    let response = system
        .with_key(&key, Method::GET, &format!("{slots}/{wav_slot}"), None)
        .await;
    let name = body_of(response, StatusCode::OK).await["name"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [
        format!("/f/{wav_slot}/x{name}/download"),
        format!("/f/{wav_slot}/{}/download", name.split_once('_').unwrap().1),
        format!("/f/{opus_slot}/{name}"),
        format!("/f/not-a-uuid/{name}"),
    ] {
        let response = system.http.get(system.url(&path)).send().await.unwrap();
        assert_eq!(
            body_of(response, StatusCode::NOT_FOUND).await,
            json!({"message": "File not found"}),
            "{path}"
        );
    }
}
