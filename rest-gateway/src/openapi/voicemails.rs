//! The schemas of the voicemail routes (contract part 6 §2).

use utoipa::ToSchema;

/// A voicemail: an empty slot until its recording is uploaded (`name`,
/// `size`, `uploaded_at` and `download_url` are then set).
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Voicemail {
    /// A random v4 UUID (a string: Flexisip parses it as one).
    pub id: String,
    /// `<random>_<client file name>`.
    pub name: Option<String>,
    pub size: Option<i64>,
    /// `audio/wav` or `audio/opus`.
    pub content_type: String,
    pub sip_from: Option<String>,
    pub uploaded_at: Option<String>,
    pub created_at: Option<String>,
    /// Absolute: `<origin>/f/<id>/<name>/download`, no credentials needed.
    pub download_url: Option<String>,
}

/// A new slot: a voicemail with where and how much to upload.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoicemailSlot {
    pub id: String,
    pub name: Option<String>,
    pub size: Option<i64>,
    pub content_type: String,
    pub sip_from: Option<String>,
    pub uploaded_at: Option<String>,
    pub created_at: Option<String>,
    pub download_url: Option<String>,
    /// Absolute: `<origin>/api/files/<id>`; Flexisip posts to its path.
    pub upload_url: String,
    /// The largest file taken, in bytes (`--voicemail-max-bytes`).
    pub max_upload_size: i64,
}

/// `POST …/voicemails`.
#[derive(ToSchema)]
pub struct NewVoicemail {
    /// The caller: a `sip:` or `sips:` URI, at most 255 characters.
    #[schema(
        max_length = 255,
        pattern = "^[Ss][Ii][Pp][Ss]?:[^\\x00-\\x20\\x7f-\\x9f]+$"
    )]
    pub sip_from: Option<String>,
    #[schema(pattern = "^audio/(wav|opus)$")]
    pub content_type: String,
}

/// `POST /api/files/{uuid}`: one part named `file` with the recording, of
/// the slot's type (judged from the bytes). Other parts are skipped.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileUpload {
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    pub file: Vec<u8>,
}
