//! Voicemails (contract part 6 §2) over real HTTP: Flexisip's slot request
//! and its multipart upload with its exact bytes (HTTP/2 over TLS, its
//! key), the download by capability link, the files on the core's disk
//! (removed with the voicemail and the account, kept across a restart),
//! and every refusal.
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{json as body_of, TestSystem};

mod flexisip;
mod lifecycle;
mod reach;
mod refusals;

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
pub async fn upload(
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

pub fn uuid_version(id: &str) -> Option<char> {
    let parts: Vec<&str> = id.split('-').collect();
    let shaped = parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit());
    shaped.then(|| parts[2].chars().next()).flatten()
}

/// A slot of `account_id` made by the admin's key; its id.
pub async fn slot_of(
    system: &TestSystem,
    key: &str,
    account_id: i64,
    content_type: &str,
) -> String {
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
