//! The gateway's one error type and its one mapping to HTTP: JSON in the
//! Laravel shape the original clients parse, `{"message": …}` plus
//! `"errors": {field: [messages]}` on 422. Every 401 carries the Digest
//! challenges; a 500 says nothing about its cause (the cause is logged).

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use flexiapi_proto::{EXPIRED, NOT_SENT, REFUSED_CALLER};
use serde_json::{json, Map, Value};
use tonic::Code;
use tonic_types::StatusExt;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 422 with `errors`: each field and what is wrong with it.
    #[error("validation failed")]
    Validation(Vec<(String, String)>),
    /// 401 with one `WWW-Authenticate` header per challenge, each already
    /// written (`Digest realm=…`, by `auth::digest_header`, which knows the
    /// syntax; this type only carries them).
    #[error("{message}")]
    Unauthenticated {
        message: String,
        challenges: Vec<String>,
    },
    /// 401 `Invalid API Key`: an `x-api-key` that is unknown, revoked or
    /// expired. No challenge: the client chose a key, not Digest.
    #[error("Invalid API Key")]
    InvalidApiKey,
    /// 403 with the core's words: `Unauthorized area` (not an admin, or not
    /// of that domain), `Account blocked`, `An admin cannot do this to its
    /// own account`.
    #[error("{0}")]
    Forbidden(String),
    /// 409: the request is right but the state forbids it now (`The space
    /// still has accounts`).
    #[error("{0}")]
    Conflict(String),
    /// 404 with what was not found.
    #[error("{0}")]
    NotFound(String),
    /// 400: a body that is not JSON, or not a JSON object.
    #[error("{0}")]
    BadRequest(String),
    /// 413: a body over the limit.
    #[error("The request body is too large")]
    PayloadTooLarge,
    /// 413 with the core's words: a file over its limit (`The file is too
    /// large`).
    #[error("{0}")]
    TooLarge(String),
    /// 408: the client did not send its whole body within the request
    /// timeout (the client was slow, not the server).
    #[error("Request timeout")]
    RequestTimeout,
    /// 415: a body that does not say `Content-Type: application/json`.
    #[error("The request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    /// 429 with `Retry-After` and the core's words: the failure limit
    /// (`Too many failed attempts`, see [`Self::too_many_attempts`]) or an
    /// onboarding limit (`Too many codes requested`).
    #[error("{message}")]
    Limited {
        message: String,
        retry_after_seconds: u32,
    },
    /// 410: what was asked for existed but is over (`Expired code`).
    #[error("{0}")]
    Gone(String),
    /// 503: the core did not answer (down, unreachable or too slow); retry later.
    #[error("{0}")]
    Unavailable(String),
    /// 500: a bug; the cause is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// 429: too many wrong passwords for the account from this client
    /// address, or invalid API keys from it.
    pub fn too_many_attempts(retry_after_seconds: u32) -> Self {
        Self::Limited {
            message: "Too many failed attempts".into(),
            retry_after_seconds,
        }
    }

    /// A 422 about one field, in Laravel's words.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![(field.to_owned(), message.into())])
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            Self::InvalidApiKey => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge | Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Limited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Gone(_) => StatusCode::GONE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The sentence a person reads: `message` of the JSON answer.
    pub(crate) fn message(&self) -> String {
        match self.body().get("message") {
            Some(Value::String(message)) => message.clone(),
            _ => self.to_string(),
        }
    }

    fn body(&self) -> Value {
        match self {
            Self::Validation(violations) => {
                let mut errors = Map::new();
                for (field, message) in violations {
                    let list = errors.entry(field.clone()).or_insert_with(|| json!([]));
                    if let Value::Array(list) = list {
                        list.push(Value::String(message.clone()));
                    }
                }
                json!({ "message": laravel_summary(violations), "errors": errors })
            }
            Self::Internal(_) => json!({ "message": "Server Error" }),
            other => json!({ "message": other.to_string() }),
        }
    }
}

/// "The username field is required. (and 2 more errors)", as Laravel writes it.
fn laravel_summary(violations: &[(String, String)]) -> String {
    let first = violations
        .first()
        .map(|(_, m)| m.as_str())
        .unwrap_or("The given data was invalid.");
    match violations.len() {
        0 | 1 => first.to_owned(),
        2 => format!("{first} (and 1 more error)"),
        n => format!("{first} (and {} more errors)", n - 1),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let mut response = (self.status(), Json(self.body())).into_response();
        match &self {
            Self::Unauthenticated { challenges, .. } => {
                append_challenges(response.headers_mut(), challenges);
            }
            Self::Limited {
                retry_after_seconds,
                ..
            } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_seconds));
            }
            _ => {}
        }
        response
    }
}

/// One `WWW-Authenticate` per challenge, in the core's order (MD5 first),
/// each already written by `auth::digest_header`.
pub fn append_challenges(
    headers: &mut axum::http::HeaderMap,
    challenges: impl IntoIterator<Item = impl AsRef<str>>,
) {
    for challenge in challenges {
        if let Ok(value) = HeaderValue::from_str(challenge.as_ref()) {
            headers.append(header::WWW_AUTHENTICATE, value);
        }
    }
}

/// The one place a core status becomes an HTTP answer.
impl From<tonic::Status> for ApiError {
    fn from(status: tonic::Status) -> Self {
        // The core refused the gateway itself (its token or its role): an
        // operator's mistake, not the client's, and no detail for the client.
        if status.metadata().contains_key(REFUSED_CALLER) {
            tracing::error!(
                code = ?status.code(),
                message = status.message(),
                "the core refused this gateway: check --core-token against the core's clients file (role gateway)"
            );
            return Self::Unavailable("The core service is unavailable, retry later".into());
        }
        match status.code() {
            Code::InvalidArgument | Code::AlreadyExists => Self::Validation(violations(&status)),
            Code::NotFound => Self::NotFound(capitalized(status.message())),
            Code::PermissionDenied => Self::Forbidden(status.message().to_owned()),
            Code::OutOfRange => Self::TooLarge(status.message().to_owned()),
            Code::FailedPrecondition if reason(&status) == Some(EXPIRED) => {
                Self::Gone(status.message().to_owned())
            }
            Code::FailedPrecondition => Self::Conflict(status.message().to_owned()),
            // A limit (a wrong old password too many times, an onboarding
            // limit); the other RESOURCE_EXHAUSTED (watchers) has no RetryInfo.
            Code::ResourceExhausted if status.get_error_details().retry_info().is_some() => {
                let delay = status
                    .get_error_details()
                    .retry_info()
                    .and_then(|info| info.retry_delay)
                    .unwrap_or_default();
                Self::Limited {
                    message: status.message().to_owned(),
                    retry_after_seconds: u32::try_from(delay.as_secs().max(1)).unwrap_or(u32::MAX),
                }
            }
            // A push, mail or SMS that did not go: the core's words.
            Code::Unavailable if reason(&status) == Some(NOT_SENT) => {
                Self::Unavailable(status.message().to_owned())
            }
            Code::Unavailable if status.message() == "registrar unavailable" => {
                tracing::warn!("Flexisip's registrar unavailable");
                Self::Unavailable("Flexisip's registrar is unavailable, retry later".into())
            }
            Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled => {
                tracing::warn!(code = ?status.code(), message = status.message(), "core unavailable");
                Self::Unavailable("The core service is unavailable, retry later".into())
            }
            code => Self::Internal(format!("core answered {code:?}: {}", status.message())),
        }
    }
}

/// The core's field violations, phrased for a REST client:
/// `("username", "must be between 6 and 64 characters")` becomes
/// `The username must be between 6 and 64 characters.` A description that
/// starts with a capital letter or a label (`type: …`) is a whole message
/// the contract gives (`Incorrect old password`) and is shown as it is.
fn violations(status: &tonic::Status) -> Vec<(String, String)> {
    let details = status.get_error_details();
    let phrased = |field: &str, description: &str| {
        // A whole sentence of the contract's: capitalized, or opening on
        // a label (`type: always and …`, FlexiAPI's words).
        let first = description.split(' ').next().unwrap_or_default();
        if description.starts_with(|c: char| c.is_uppercase()) || first.ends_with(':') {
            description.to_owned()
        } else {
            format!("The {field} {description}.")
        }
    };
    let found: Vec<(String, String)> = details
        .bad_request()
        .map(|b| {
            b.field_violations
                .iter()
                .map(|v| (v.field.clone(), phrased(&v.field, &v.description)))
                .collect()
        })
        .unwrap_or_default();
    if found.is_empty() {
        vec![("request".into(), capitalized(status.message()))]
    } else {
        found
    }
}

/// The `google.rpc.ErrorInfo` reason of a core status, if any.
fn reason(status: &tonic::Status) -> Option<&'static str> {
    let info = status.get_error_details().error_info()?.reason.clone();
    [EXPIRED, NOT_SENT].into_iter().find(|known| *known == info)
}

fn capitalized(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
