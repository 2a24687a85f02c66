//! Entry points for `fuzz/` (cargo-fuzz, outside the workspace): each runs
//! the real parsing code on arbitrary input and panics only where an
//! invariant breaks. Built only for tests and the `fuzzing` feature; not
//! an API.
// A harness reports a broken invariant by panicking, and its little router
// is a fixture, never served (so not documented in OpenAPI).
#![allow(clippy::panic, clippy::disallowed_methods)]

use axum::{
    body::Body,
    extract::{FromRequest as _, Path},
    http::{header, Request, StatusCode},
    routing::get,
    Router,
};
use flexiapi_proto::pb;
use tower::ServiceExt as _;

use crate::{
    body::JsonObject,
    error::ApiError,
    routes::{accounts::fields, path::PathText, push_notifications, spaces, statistics},
};

/// One runtime per fuzzing thread: building one per input would cost more
/// than the parsing.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    thread_local! {
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|error| panic!("no runtime for the fuzz target: {error}"));
    }
    RUNTIME.with(|runtime| runtime.block_on(future))
}

/// Any bytes as a JSON request body: the extractor answers an object or a
/// 400, and every body reader (account creation and update, password
/// change, space, Flexisip's statistics and pushes) answers a request or
/// a 422, never a panic.
pub fn json_body(bytes: &[u8]) {
    let request = Request::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(bytes.to_vec()))
        .unwrap_or_else(|error| panic!("request: {error}"));
    let body = match block_on(JsonObject::from_request(request, &())) {
        Ok(body) => body,
        Err(ApiError::BadRequest(_)) => return,
        Err(other) => panic!("a body was refused with {other:?}"),
    };
    let actor = pb::Actor { account_id: 1 };
    let auth = crate::auth::Authenticated {
        account: pb::Account::default(),
        client_address: String::new(),
    };
    let refusals = [
        fields::create_request(&body, actor).err(),
        fields::update_request(&body, actor, 2).err(),
        fields::password_change(&body, &auth).err(),
        spaces::create_request(&body, actor).err(),
        statistics::bodies::call(&body, actor).err(),
        statistics::bodies::call_end(&body, actor, "c".into()).err(),
        statistics::bodies::call_device_update(&body, actor, "c".into(), "d").err(),
        statistics::bodies::message(&body, actor).err(),
        statistics::bodies::message_device_update(&body, actor, "m".into(), "u@h", "d").err(),
        push_notifications::request(&body, actor).err(),
    ];
    for refusal in refusals.into_iter().flatten() {
        assert!(
            matches!(refusal, ApiError::Validation(ref v) if !v.is_empty()),
            "a body was refused with {refusal:?}"
        );
    }
}

/// Any text as the rest of a request path, under the routes whose
/// parameters the gateway reads itself (a domain, a SIP address, an account
/// id): routing and percent-decoding answer 200, 400 or 404, never a panic
/// or a 5xx.
pub fn path_parameter(rest: &str) {
    let Ok(uri) = format!("/api/x/{rest}").parse::<axum::http::Uri>() else {
        return;
    };
    let router: Router = Router::new()
        .route(
            "/api/x/{text}",
            get(|PathText(text): PathText| async move { text }),
        )
        .route(
            "/api/x/{text}/search",
            get(|PathText(text): PathText| async move { text }),
        )
        .route(
            "/api/x/{id}/block",
            get(|id: Path<String>| async move {
                crate::routes::accounts::account_id(id).map(|id| id.to_string())
            }),
        );
    let request = Request::builder()
        .uri(uri)
        .body(Body::empty())
        .unwrap_or_else(|error| panic!("request: {error}"));
    let response = block_on(router.oneshot(request)).unwrap_or_else(|never| match never {});
    let status = response.status();
    assert!(
        [
            StatusCode::OK,
            StatusCode::BAD_REQUEST,
            StatusCode::NOT_FOUND
        ]
        .contains(&status),
        "{status}"
    );
}

/// Any text as a `From` header: an address or Laravel's sentence.
pub fn from_header(text: &str) {
    if let Ok(address) = crate::auth::from_header::parse_from(text) {
        assert!(!address.username.is_empty() && !address.domain.is_empty());
    }
}

/// Any text as an `Authorization` header: Digest fields or a reason, and a
/// challenge built from what was read renders as one header value.
pub fn authorization_header(text: &str) {
    let Ok(fields) = crate::auth::digest_header::parse_digest(text) else {
        return;
    };
    let challenge = pb::DigestChallenge {
        realm: fields.realm,
        nonce: fields.nonce,
        opaque: fields.opaque,
        algorithm: fields.algorithm,
        qop: fields.qop,
        stale: false,
    };
    let rendered = crate::auth::digest_header::www_authenticate(&challenge);
    assert!(
        !rendered.contains(['\r', '\n']),
        "a challenge must stay one header line: {rendered:?}"
    );
}

/// Any text as the query of Flexisip's delegated check: parameters or a
/// reason, every accessor answers, and an answer whose reason is any of
/// it stays Flexisip's `Key: value` lines (one per key).
pub fn external_auth_query(query: &str) {
    use crate::routes::external_auth::{query, SipAnswer};
    let _ = query::key(query);
    let method = query::method_of(query);
    let reason = match query::Params::parse(query) {
        Ok(params) => {
            let _ = (params.digest(), params.client_address(), params.method());
            match params.account() {
                Ok(account) => account.username,
                Err(query::Malformed(reason)) => reason,
            }
        }
        Err(query::Malformed(reason)) => reason,
    };
    let body = SipAnswer::challenge_for(method, &reason).body();
    let lines: Vec<_> = body.lines().collect();
    assert_eq!(lines.len(), 3, "{body:?}");
    assert!(lines.iter().all(|line| line.contains(": ")), "{body:?}");
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The seed corpus of `fuzz/`, kept as a regression suite: every file
    /// there (and any crash a fuzzer found, once added) runs on stable too.
    fn each_seed(target: &str, run: impl Fn(&[u8])) {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fuzz/corpus")
            .join(target);
        let mut seeds = 0;
        for entry in std::fs::read_dir(&folder).unwrap() {
            run(&std::fs::read(entry.unwrap().path()).unwrap());
            seeds += 1;
        }
        assert!(seeds >= 4, "{target}: {seeds} seeds");
    }

    fn text(run: fn(&str)) -> impl Fn(&[u8]) {
        move |bytes| {
            if let Ok(text) = std::str::from_utf8(bytes) {
                run(text);
            }
        }
    }

    #[test]
    fn every_seed_of_the_corpus_passes_its_target() {
        each_seed("from_header", text(super::from_header));
        each_seed("authorization_header", text(super::authorization_header));
        each_seed("json_body", super::json_body);
        each_seed("path_parameter", text(super::path_parameter));
        each_seed("external_auth_query", text(super::external_auth_query));
    }

    #[test]
    fn hostile_paths_and_bodies_are_4xx() {
        super::path_parameter("%C0%AF%00/search");
        super::path_parameter(&"a/".repeat(2000));
        super::external_auth_query(&"from=%3C&".repeat(2000));
        super::external_auth_query("from=%22a%0D%0AStatus%3A%20200%22%20%3Csip%3Ax%40y%3E");
        super::json_body(&[b'['; 100_000]);
        super::json_body(b"{\"username\":{\"$gt\":1},\"dictionary\":[1]}");
    }
}
