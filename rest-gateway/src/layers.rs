//! The protocol layers around every route that a browser or a proxy
//! expects (contract `http.md` §3-4): CORS for the origins an operator
//! lists, and compression of the larger answers.

use std::time::Duration;

use axum::http::{header, HeaderName, HeaderValue, Method};
use tower_http::{
    compression::{
        predicate::{NotForContentType, Predicate, SizeAbove},
        CompressionLayer,
    },
    cors::{AllowOrigin, CorsLayer},
};

/// Smaller bodies gain nothing from compression.
const COMPRESS_FROM_BYTES: u16 = 1024;

/// zstd, br and gzip in the client's order of preference, for bodies of
/// 1 KiB or more; `Vary: Accept-Encoding` on each. Only the routes that
/// can answer that much are under it (`routes::documented`): never the
/// API key answer, a secret next to data the client controls (BREACH).
pub fn compression() -> CompressionLayer<impl Predicate> {
    let predicate = SizeAbove::new(COMPRESS_FROM_BYTES)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE);
    CompressionLayer::new()
        .no_deflate()
        .compress_when(predicate)
}

/// What a browser client may send, beyond the CORS-safelisted headers.
const ALLOWED_HEADERS: [HeaderName; 6] = [
    header::AUTHORIZATION,
    header::CONTENT_TYPE,
    header::ACCEPT,
    header::FROM,
    HeaderName::from_static("x-api-key"),
    HeaderName::from_static("x-request-id"),
];

/// What a browser client may read: the Digest challenge above all.
const EXPOSED_HEADERS: [HeaderName; 6] = [
    header::WWW_AUTHENTICATE,
    HeaderName::from_static("x-request-id"),
    header::LOCATION,
    header::CONTENT_LOCATION,
    header::ETAG,
    header::RETRY_AFTER,
];

/// CORS for exactly these origins, or none at all (the default: no page
/// of another origin may read an answer). No credentials mode: the API
/// uses headers, not cookies.
pub fn cors(origins: &[HeaderValue]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins.iter().cloned()))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers(ALLOWED_HEADERS)
            .expose_headers(EXPOSED_HEADERS)
            .max_age(Duration::from_secs(600)),
    )
}

/// `--cors-allowed-origins`: each an exact origin, `http(s)://host[:port]`,
/// with no path and no wildcard.
pub fn parse_origin(text: &str) -> Result<HeaderValue, String> {
    let text = text.trim();
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .ok_or_else(|| format!("{text:?}: an origin starts with https:// or http://"))?;
    let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']');
    if rest.is_empty() || !rest.bytes().all(plain) {
        return Err(format!(
            "{text:?}: an origin is a scheme and a host with an optional port, \
             without a path, a trailing slash or a wildcard"
        ));
    }
    HeaderValue::from_str(text).map_err(|error| format!("{text:?}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::parse_origin;

    #[test]
    fn origins_are_exact() {
        for good in [
            "https://admin.example.org",
            "http://localhost:5173",
            "http://[::1]:8080",
        ] {
            assert_eq!(parse_origin(good).unwrap(), good);
        }
        for bad in [
            "*",
            "admin.example.org",
            "https://",
            "https://a.org/",
            "https://a.org/x",
            "https://*.a.org",
            "ftp://a.org",
        ] {
            let error = parse_origin(bad).unwrap_err();
            assert!(error.contains(bad), "{error}");
        }
    }
}
