//! Voicemails (contract part 6 §2) over real HTTP: Flexisip's slot request
//! and its multipart upload with its exact bytes (HTTP/2 over TLS, its
//! key), the download by capability link, the files on the core's disk
//! (removed with the voicemail and the account, kept across a restart),
//! and every refusal.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode, Version};
use serde_json::{json, Value};

use crate::{
    helpers::{
        json as body_of, spawn_system, spawn_system_with, Options, TestSystem, ADMIN, DOMAIN,
    },
    test_ca::TestCa,
};

core_service::on_every_backend!(
    flexisip_records_a_voicemail_that_downloads_byte_identical,
    users_and_admins_see_only_what_they_reach,
    uploads_are_refused_in_the_contracts_words,
    files_go_with_their_voicemail_and_account_and_survive_a_restart,
);

/// A WAV file as a recorder writes it: 8 kHz, mono, 16-bit PCM.
pub fn wav(samples: usize) -> Vec<u8> {
    let data = u32::try_from(samples * 2).unwrap();
    let mut file = b"RIFF".to_vec();
    file.extend((36 + data).to_le_bytes());
    file.extend(b"WAVEfmt ");
    file.extend(16u32.to_le_bytes());
    file.extend(1u16.to_le_bytes()); // PCM
    file.extend(1u16.to_le_bytes()); // mono
    file.extend(8000u32.to_le_bytes());
    file.extend(16000u32.to_le_bytes());
    file.extend(2u16.to_le_bytes());
    file.extend(16u16.to_le_bytes());
    file.extend(b"data");
    file.extend(data.to_le_bytes());
    for i in 0..samples {
        let sample = ((i as f64 * 0.3).sin() * 8000.0) as i16;
        file.extend(sample.to_le_bytes());
    }
    file
}

/// Flexisip's upload body, byte for byte (`constructMultipartBody` with
/// its `simple boundary`): the part, a CRLF, then another CRLF before the
/// closing delimiter.
pub fn flexisip_multipart(path: &str, content: &[u8]) -> Vec<u8> {
    let mut body = b"--simple boundary\r\n".to_vec();
    body.extend(
        format!("Content-Disposition: form-data; name=\"file\"; filename=\"{path}\"\r\n")
            .as_bytes(),
    );
    body.extend(b"Content-Type: audio/wav\r\n\r\n");
    body.extend(content);
    body.extend(b"\r\n");
    body.extend(b"\r\n--simple boundary--\r\n");
    body
}

pub const FLEXISIP_CONTENT_TYPE: &str = "multipart/form-data; boundary=\"simple boundary\"";

/// Flexisip's upload: to the path of `upload_url`, with its headers.
async fn upload(
    client: &reqwest::Client,
    system: &TestSystem,
    key: &str,
    upload_url: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    let path = &upload_url[upload_url.find("/api/").unwrap()..];
    client
        .post(system.url(path))
        .header("accept", "application/json")
        .header("x-api-key", key)
        .header("content-type", FLEXISIP_CONTENT_TYPE)
        .header("content-length", body.len())
        .body(body)
        .send()
        .await
        .unwrap()
}

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

fn uuid_version(id: &str) -> Option<char> {
    let parts: Vec<&str> = id.split('-').collect();
    let shaped = parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit());
    shaped.then(|| parts[2].chars().next()).flatten()
}

/// A slot of `account_id` made by the admin's key; its id.
async fn slot_of(system: &TestSystem, key: &str, account_id: i64, content_type: &str) -> String {
    let response = system
        .with_key(
            key,
            Method::POST,
            &format!("/api/accounts/{account_id}/voicemails"),
            Some(json!({"content_type": content_type, "sip_from": "sip:caller@sip.example.org"})),
        )
        .await;
    body_of(response, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn users_and_admins_see_only_what_they_reach(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let alice = system
        .grpc_create_account("vmalice1", "alice-password", "SHA-256", false)
        .await;
    let bob = system
        .grpc_create_account("vmbob002", "bob-password", "SHA-256", false)
        .await;
    let other = system
        .grpc_create_account_in(
            "vmadmin2",
            "other.example.org",
            "admin-pw-22",
            "SHA-256",
            true,
        )
        .await;
    let key = system.named_key(ADMIN, "flexisip").await;
    let bobs = slot_of(&system, &key, bob.id, "audio/wav").await;

    // Alice cannot see, delete or read Bob's through her own routes.
    let mut alice_client = system.client("vmalice1", "alice-password");
    let path = format!("/api/accounts/me/voicemails/{bobs}");
    let refused = alice_client
        .json(Method::GET, &path, None, StatusCode::NOT_FOUND)
        .await;
    assert_eq!(refused, json!({"message": "Voicemail not found"}));
    alice_client
        .json(Method::DELETE, &path, None, StatusCode::NOT_FOUND)
        .await;
    alice_client
        .json(
            Method::GET,
            &format!("/api/accounts/{}/voicemails", bob.id),
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    // Nor fill it: a slot out of reach is not found.
    let alice_key = system.named_key("vmalice1", "app").await;
    let response = system
        .http
        .post(system.url(&format!("/api/files/{bobs}")))
        .header("x-api-key", &alice_key)
        .header("content-type", FLEXISIP_CONTENT_TYPE)
        .body(flexisip_multipart("a.wav", &wav(10)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        body_of(response, StatusCode::NOT_FOUND).await,
        json!({"message": "File not found"})
    );
    // An admin of another domain gets the account's 404.
    let other_key = system
        .named_key_in("vmadmin2", "other.example.org", "ops")
        .await;
    let response = system
        .with_key(
            &other_key,
            Method::GET,
            &format!("/api/accounts/{}/voicemails", bob.id),
            None,
        )
        .await;
    assert_eq!(
        body_of(response, StatusCode::NOT_FOUND).await,
        json!({"message": "Account not found"})
    );
    let _ = other;
    // Malformed ids are not found, never an error of the server.
    for bad in [
        "not-a-uuid",
        "00000000-0000-4000-8000-000000000000",
        "%00",
        &"a".repeat(300),
    ] {
        let response = system
            .with_key(
                &key,
                Method::GET,
                &format!("/api/accounts/{}/voicemails/{bad}", bob.id),
                None,
            )
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{bad}");
    }
    // Bob's own view, and the admin's delete.
    let mut bob_client = system.client("vmbob002", "bob-password");
    let shown = bob_client
        .json(
            Method::GET,
            &format!("/api/accounts/me/voicemails/{bobs}"),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(shown["sip_from"], "sip:caller@sip.example.org");
    let response = system
        .with_key(
            &key,
            Method::DELETE,
            &format!("/api/accounts/{}/voicemails/{bobs}", bob.id),
            None,
        )
        .await;
    assert_eq!(body_of(response, StatusCode::OK).await, json!({}));
    let listed = bob_client
        .json(
            Method::GET,
            "/api/accounts/me/voicemails",
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(listed, json!([]));
    let _ = alice;
}

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
