//! Voicemail files (contract part 6 §2): `POST /api/files/{uuid}`, the
//! multipart upload exactly as Flexisip sends it, streamed to the core as
//! it is read; `GET /f/{uuid}/{name}[/download]`, the capability link
//! (no credentials: the name's random part is the secret), streamed back.
//! Neither holds a whole file in memory; `--body-limit-bytes` does not
//! apply to the upload, the core stops it at `--voicemail-max-bytes`.

use axum::{
    body::{Body, Bytes},
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, Method, Uri},
    response::{IntoResponse, Response},
    Json,
};
use flexiapi_proto::{json, pb};
use serde_json::Value;
use tokio_stream::{wrappers::ReceiverStream, StreamExt as _};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{auth::Authenticated, error::ApiError, routes::voicemails::origin, state::AppState};

/// The upload: behind authentication.
pub fn upload_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upload))
}

/// The downloads: open to whoever holds the link.
pub fn download_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(download))
        .routes(routes!(inline))
}

/// Whether a request is a file transfer: no body limit of its own, the
/// transfer timeout instead of the request timeout.
pub fn transfers(method: &Method, path: &str) -> bool {
    (method == Method::POST && path.starts_with("/api/files/"))
        || (method == Method::GET && path.starts_with("/f/"))
}

/// The largest chunk the core takes.
const CHUNK_BYTES: usize = 64 * 1024;
const FIELD: &str = "file";
const REQUIRED: &str = "The file field is required.";

/// Fills a voicemail slot with the part named `file` of a
/// `multipart/form-data` body. The boundary may be quoted and hold spaces
/// (Flexisip's is `"simple boundary"`); the part's bytes are stored as
/// they are, the CRLF Flexisip adds before the closing delimiter included.
#[utoipa::path(post, operation_id = "files_upload", path = "/api/files/{uuid}", tag = "voicemails",
    params(("uuid" = String, Path, description = "The voicemail slot's id")),
    request_body(content = crate::openapi::FileUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "The voicemail, uploaded", body = crate::openapi::Voicemail),
        (status = 400, description = "A body that is not well-formed multipart", body = crate::openapi::Message),
        (status = 404, description = "`File not found`: no such slot, or one out of the caller's reach", body = crate::openapi::Message),
        (status = 409, description = "`The file was already uploaded`", body = crate::openapi::Message),
        (status = 413, description = "`The file is too large`: over the slot's `max_upload_size`", body = crate::openapi::Message),
        (status = 422, description = "`The file field is required.`, `The file should have the declared mime-type`", body = crate::openapi::ValidationErrors),
    ))]
async fn upload(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    uri: Uri,
    Path(uuid): Path<String>,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return Err(ApiError::invalid(FIELD, REQUIRED));
    };
    let mut multipart = multer::Multipart::new(body.into_data_stream(), boundary);
    let field = loop {
        match multipart.next_field().await.map_err(malformed)? {
            Some(field) if field.name() == Some(FIELD) => break field,
            Some(_) => continue,
            None => return Err(ApiError::invalid(FIELD, REQUIRED)),
        }
    };
    let start = pb::UploadStart {
        actor: Some(auth.actor()),
        id: uuid,
        file_name: field.file_name().unwrap_or_default().to_owned(),
    };
    let (sender, receiver) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    let call = state
        .core
        .upload_voicemail(start, ReceiverStream::new(receiver));
    tokio::pin!(call);
    let feed = async move {
        let mut field = field;
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            for piece in chunk.chunks(CHUNK_BYTES) {
                if sender.send(piece.to_vec()).await.is_err() {
                    // The core answered early (a refusal): the call says why.
                    return Ok(());
                }
            }
        }
        Ok::<(), ApiError>(())
    };
    // The core may answer before the whole part is read (an unknown slot,
    // a file over the limit): that answer ends the request.
    let uploaded = tokio::select! {
        answer = &mut call => answer?,
        fed = feed => {
            fed?;
            call.await?
        }
    };
    Ok(Json(json::voicemail(
        &uploaded,
        &origin(&state, &headers, &uri),
        false,
    )))
}

fn malformed(error: multer::Error) -> ApiError {
    ApiError::BadRequest(format!("Malformed multipart body: {error}"))
}

/// A voicemail's file, as an attachment.
#[utoipa::path(get, operation_id = "files_download", path = "/f/{uuid}/{name}/download", tag = "voicemails",
    params(("uuid" = String, Path, description = "The voicemail's id"), ("name" = String, Path, description = "The voicemail's name")),
    responses(
        (status = 200, description = "The recording, `Content-Disposition: attachment`", content_type = "audio/wav"),
        (status = 404, description = "`File not found`", body = crate::openapi::Message),
    ))]
async fn download(
    State(state): State<AppState>,
    Path((uuid, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let mut response = file(&state, uuid, name.clone()).await?;
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// A voicemail's file, to play in place.
#[utoipa::path(get, operation_id = "files_show", path = "/f/{uuid}/{name}", tag = "voicemails",
    params(("uuid" = String, Path, description = "The voicemail's id"), ("name" = String, Path, description = "The voicemail's name")),
    responses(
        (status = 200, description = "The recording", content_type = "audio/wav"),
        (status = 404, description = "`File not found`", body = crate::openapi::Message),
    ))]
async fn inline(
    State(state): State<AppState>,
    Path((uuid, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    file(&state, uuid, name).await
}

async fn file(state: &AppState, uuid: String, name: String) -> Result<Response, ApiError> {
    let download = state.core.download_file(uuid, name).await?;
    let content_type = HeaderValue::from_str(&download.info.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let length = HeaderValue::from(download.info.size.max(0));
    let body = Body::from_stream(download.bytes().map(|chunk| chunk.map(Bytes::from)));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::CONTENT_LENGTH, length);
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}
