//! Answers fixed when the router is built (the `/api` page, the OpenAPI
//! document, the explorer's files), each with a tag of its bytes so a
//! client that has them gets 304 (RFC 9110 §13.1.2).
//!
//! The tag is weak (`W/"…"`): the compression layer may send the same
//! content as other bytes, and a strong tag names one exact byte sequence
//! (§8.8.3); `If-None-Match` compares weakly anyway.

use axum::{
    body::Bytes,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use sha2::{Digest as _, Sha256};

#[derive(Debug, Clone)]
pub struct StaticAnswer {
    body: Bytes,
    content_type: HeaderValue,
    etag: HeaderValue,
}

impl StaticAnswer {
    pub fn new(body: impl Into<Bytes>, content_type: &'static str) -> Self {
        let body = body.into();
        let digest = Sha256::digest(&body);
        let tag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        let etag = HeaderValue::from_str(&format!("W/\"{tag}\""))
            .unwrap_or_else(|_| HeaderValue::from_static("W/\"0\""));
        Self {
            body,
            content_type: HeaderValue::from_static(content_type),
            etag,
        }
    }

    #[cfg(test)]
    pub fn etag(&self) -> &HeaderValue {
        &self.etag
    }

    /// 304 when `If-None-Match` names this tag (or `*`), else 200.
    pub fn answer(&self, request: &HeaderMap) -> Response {
        let headers = [
            (header::ETAG, self.etag.clone()),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ];
        if self.is_named_in(request) {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        let content_type = [(header::CONTENT_TYPE, self.content_type.clone())];
        (headers, content_type, self.body.clone()).into_response()
    }

    /// Weak comparison: `W/` is ignored on both sides.
    fn is_named_in(&self, request: &HeaderMap) -> bool {
        let ours = opaque(self.etag.to_str().unwrap_or_default());
        request
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .any(|tag| tag == "*" || opaque(tag) == ours)
    }
}

fn opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(if_none_match: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(if_none_match).unwrap(),
        );
        headers
    }

    #[test]
    fn a_matching_tag_is_304_and_another_200() {
        let answer = StaticAnswer::new("hello", "text/plain");
        let tag = answer.etag().to_str().unwrap().to_owned();
        assert!(tag.starts_with("W/\""), "{tag}");
        let strong = tag.trim_start_matches("W/").to_owned();
        for named in [tag.clone(), strong, format!("\"x\", {tag}"), "*".into()] {
            let response = answer.answer(&request(&named));
            assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{named}");
            assert_eq!(response.headers()[header::ETAG], tag);
        }
        for other in ["\"x\"", "W/\"x\"", ""] {
            assert_eq!(answer.answer(&request(other)).status(), StatusCode::OK);
        }
        assert_eq!(answer.answer(&HeaderMap::new()).status(), StatusCode::OK);
        assert_ne!(
            StaticAnswer::new("other", "text/plain").etag(),
            answer.etag()
        );
    }
}
