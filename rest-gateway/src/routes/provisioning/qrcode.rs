//! `GET /provisioning/qrcode/{provisioning_token}`: the provisioning URL as
//! a QR code the Linphone app scans (FlexiAPI's route). The token is only
//! checked (404, 410, 403, throttling as the document route), never used:
//! showing the code on a screen spends nothing.

use axum::{
    extract::State,
    http::{header, HeaderMap, HeaderValue, Uri},
    response::{IntoResponse, Response},
};
use qrcode::{Color, EcLevel, QrCode};

use super::{context, has_query_key, RESET_PASSWORD};
use crate::{
    error::ApiError,
    routes::{onboarding::Requester, path::PathText},
    state::AppState,
};

/// Light modules around the code, as the QR specification asks.
const QUIET_ZONE: usize = 4;
/// The image's side is at least this (FlexiAPI: 300) and at most 1,024.
const MIN_SIDE: usize = 300;
const MAX_SIDE: usize = 1024;

/// The QR code of the provisioning URL of a valid token, as a PNG.
#[utoipa::path(get, operation_id = "provisioning_qrcode", security(()), path = "/provisioning/qrcode/{provisioning_token}", tag = "provisioning",
    params(
        ("provisioning_token" = String, Path, description = "A provisioning token (13 characters)"),
        ("reset_password" = Option<String>, Query, description = "Present: the URL asks for a new password"),
    ),
    responses(
        (status = 200, description = "A PNG of the provisioning URL, error correction H; `X-Qrcode-URL` holds the URL", content_type = "image/png", body = Vec<u8>,
            headers(("X-Qrcode-URL" = String, description = "The URL the code holds"))),
        (status = 403, description = "`Account blocked`", body = crate::openapi::Message),
        (status = 404, description = "`Provisioning token not found`", body = crate::openapi::Message),
        (status = 410, description = "`Provisioning token expired`", body = crate::openapi::Message),
        (status = 429, description = "`Too many failed attempts` from this client address", body = crate::openapi::Message),
    ))]
async fn qrcode(
    State(state): State<AppState>,
    Requester(client): Requester,
    token: PathText,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let context = context(&state, client, &headers, &uri);
    let mut url = format!("{}/provisioning/{}", context.public_url, token.0);
    state
        .core
        .check_provisioning_token(&token.0, context)
        .await?;
    if has_query_key(&uri, RESET_PASSWORD) {
        url.push_str("?reset_password=1");
    }
    let png = png_of(&url)?;
    let url_header = HeaderValue::from_str(&url)
        .map_err(|_| ApiError::Internal("the provisioning URL is not a header value".into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::HeaderName::from_static("x-qrcode-url"), url_header),
        ],
        png,
    )
        .into_response())
}

pub fn router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(qrcode))
}

/// A square PNG of `text`: black modules on white, a quiet zone of 4
/// modules, each module a whole number of pixels, 300 to 1,024 a side.
pub fn png_of(text: &str) -> Result<Vec<u8>, ApiError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::H)
        .map_err(|error| ApiError::Internal(format!("QR code of the provisioning URL: {error}")))?;
    let width = code.width();
    let modules = width + 2 * QUIET_ZONE;
    let scale = MIN_SIDE.div_ceil(modules).max(1);
    let side = modules * scale;
    if side > MAX_SIDE {
        return Err(ApiError::Internal(format!(
            "a QR code of {modules} modules does not fit in {MAX_SIDE} pixels"
        )));
    }
    let colors = code.to_colors();
    let mut pixels = vec![u8::MAX; side * side];
    for (index, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (x, y) = (index % width + QUIET_ZONE, index / width + QUIET_ZONE);
        for row in y * scale..(y + 1) * scale {
            pixels[row * side + x * scale..row * side + (x + 1) * scale].fill(0);
        }
    }
    encode_png(&pixels, side)
}

fn encode_png(pixels: &[u8], side: usize) -> Result<Vec<u8>, ApiError> {
    let broken = |error: png::EncodingError| ApiError::Internal(format!("PNG encoding: {error}"));
    let side_u32 = u32::try_from(side).map_err(|_| ApiError::Internal("PNG too wide".into()))?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side_u32, side_u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(broken)?;
    writer.write_image_data(pixels).map_err(broken)?;
    writer.finish().map_err(broken)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_square_pngs_of_the_contract_size() {
        for url in [
            "http://127.0.0.1:8080/provisioning/abcDEF1234567",
            &format!(
                "https://{}.example.org/provisioning/abcDEF1234567?reset_password=1",
                "a".repeat(200)
            ),
        ] {
            let png = png_of(url).unwrap();
            let decoder = png::Decoder::new(png.as_slice());
            let reader = decoder.read_info().unwrap();
            let info = reader.info();
            assert_eq!(info.width, info.height);
            assert!((300..=1024).contains(&info.width), "{}", info.width);
        }
    }
}
