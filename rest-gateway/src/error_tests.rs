//! The one mapping of errors to HTTP, case by case.

use super::*;
use tonic_types::ErrorDetails;

#[test]
fn core_field_violations_become_a_laravel_422() {
    let mut details = ErrorDetails::new();
    details.add_bad_request_violation("username", "must be between 6 and 64 characters");
    details.add_bad_request_violation("password", "must be at least 6 characters");
    let status = tonic::Status::with_error_details(Code::InvalidArgument, "x", details);
    let error = ApiError::from(status);
    assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error.body(),
        json!({
            "message": "The username must be between 6 and 64 characters. (and 1 more error)",
            "errors": {
                "username": ["The username must be between 6 and 64 characters."],
                "password": ["The password must be at least 6 characters."],
            }
        })
    );
}

#[test]
fn the_core_refusing_the_gateway_itself_is_a_503_without_its_reason() {
    for code in [Code::Unauthenticated, Code::PermissionDenied] {
        let mut status = tonic::Status::new(code, "the role gateway may not call X");
        status.metadata_mut().insert(
            REFUSED_CALLER,
            tonic::metadata::MetadataValue::from_static("1"),
        );
        let error = ApiError::from(status);
        assert_eq!(error.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            error.body(),
            json!({"message": "The core service is unavailable, retry later"})
        );
    }
}

#[test]
fn the_failure_limit_is_a_429_with_retry_after() {
    let status = tonic::Status::with_error_details(
        Code::ResourceExhausted,
        "Too many failed attempts",
        tonic_types::ErrorDetails::with_retry_info(Some(std::time::Duration::from_secs(287))),
    );
    let error = ApiError::from(status);
    assert_eq!(error.body(), json!({"message": "Too many failed attempts"}));
    let response = error.into_response();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()[header::RETRY_AFTER], "287");
    let watchers = ApiError::from(tonic::Status::resource_exhausted("too many watchers"));
    assert_eq!(watchers.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[test]
fn core_codes_map_to_http() {
    let cases = [
        (Code::NotFound, StatusCode::NOT_FOUND),
        (Code::Unavailable, StatusCode::SERVICE_UNAVAILABLE),
        (Code::DeadlineExceeded, StatusCode::SERVICE_UNAVAILABLE),
        (Code::PermissionDenied, StatusCode::FORBIDDEN),
        (Code::Internal, StatusCode::INTERNAL_SERVER_ERROR),
        (Code::Unknown, StatusCode::INTERNAL_SERVER_ERROR),
    ];
    for (code, http) in cases {
        assert_eq!(
            ApiError::from(tonic::Status::new(code, "account not found")).status(),
            http
        );
    }
    let not_found = ApiError::from(tonic::Status::not_found("account not found"));
    assert_eq!(not_found.body(), json!({"message": "Account not found"}));
    let blocked = ApiError::from(tonic::Status::permission_denied("Account blocked"));
    assert_eq!(blocked.status(), StatusCode::FORBIDDEN);
    assert_eq!(blocked.body(), json!({"message": "Account blocked"}));
    assert_eq!(
        ApiError::InvalidApiKey.body(),
        json!({"message": "Invalid API Key"})
    );
}

#[test]
fn whole_sentences_from_the_core_are_kept_as_they_are() {
    let mut details = ErrorDetails::new();
    details.add_bad_request_violation("old_password", "Incorrect old password");
    let status = tonic::Status::with_error_details(Code::InvalidArgument, "x", details);
    assert_eq!(
        ApiError::from(status).body()["errors"]["old_password"],
        json!(["Incorrect old password"])
    );
    // FlexiAPI's sentence that opens on a label, not on a capital.
    let clash = "type: always and type: always/busy cannot be enabled at the same time";
    let mut details = ErrorDetails::new();
    details.add_bad_request_violation("enabled", clash);
    let status = tonic::Status::with_error_details(Code::InvalidArgument, "x", details);
    assert_eq!(
        ApiError::from(status).body()["errors"]["enabled"],
        json!([clash])
    );
}

#[test]
fn internal_errors_say_nothing_of_their_cause() {
    let body = ApiError::Internal("db password is hunter2".into()).body();
    assert_eq!(body, json!({"message": "Server Error"}));
}

#[test]
fn unauthenticated_answers_carry_every_challenge() {
    let challenge = |algorithm: &str| format!("Digest realm=\"r\",algorithm={algorithm}");
    let response = ApiError::Unauthenticated {
        message: "Unauthenticated request".into(),
        challenges: vec![challenge("MD5"), challenge("SHA-256")],
    }
    .into_response();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let headers: Vec<_> = response
        .headers()
        .get_all(header::WWW_AUTHENTICATE)
        .iter()
        .collect();
    assert_eq!(headers.len(), 2);
    assert!(headers[0].to_str().unwrap().contains("algorithm=MD5"));
}
