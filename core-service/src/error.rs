//! The core's one error type, and the one place it becomes a gRPC status.
//!
//! Expected refusals (a bad field, an unknown account, a duplicate) carry the
//! words the caller shows its user; anything unexpected is logged here and
//! answered with a generic message, so no internal detail leaks to a client.

use std::borrow::Cow;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

/// The `google.rpc.ErrorInfo` domain and reasons a caller switches on.
pub const ERROR_DOMAIN: &str = "flexiapi";
pub use flexiapi_proto::{EXPIRED, NOT_SENT};

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// INVALID_ARGUMENT, with a `google.rpc.BadRequest` naming each field.
    #[error("{}", describe(.0))]
    InvalidArgument(Vec<FieldViolation>),
    /// NOT_FOUND: the named thing (`account`, `device`) does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// ALREADY_EXISTS, with a field violation so a gateway can answer 422.
    #[error("{field}: {message}")]
    AlreadyExists {
        field: &'static str,
        message: String,
    },
    /// PERMISSION_DENIED with the words to show: "Unauthorized area",
    /// "Account blocked", "An admin cannot do this to its own account".
    #[error("{0}")]
    PermissionDenied(&'static str),
    /// RESOURCE_EXHAUSTED: a bounded resource (device watchers) is full.
    #[error("{0}")]
    ResourceExhausted(&'static str),
    /// RESOURCE_EXHAUSTED "Too many failed attempts" with a RetryInfo: the
    /// failure limit of this account and client address is reached.
    #[error("Too many failed attempts")]
    Throttled { retry_after_seconds: u32 },
    /// RESOURCE_EXHAUSTED with a RetryInfo and the contract's words: an
    /// onboarding limit ("Too many codes requested"); a gateway answers 429.
    #[error("{message}")]
    Limited {
        message: &'static str,
        retry_after_seconds: u32,
    },
    /// NOT_FOUND with the contract's own words ("Token not validated", "No
    /// pending code"), shown as they are.
    #[error("{0}")]
    Missing(&'static str),
    /// FAILED_PRECONDITION with an ErrorInfo reason `EXPIRED` ("Expired
    /// code"): a gateway answers 410.
    #[error("{0}")]
    Expired(&'static str),
    /// UNAVAILABLE with an ErrorInfo reason `NOT_SENT` ("Email not sent"): a
    /// push, mail or SMS provider is not configured or refused; the caller
    /// may retry later.
    #[error("{0}")]
    NotSent(&'static str),
    /// FAILED_PRECONDITION: the request is right but the state forbids it
    /// now (`The space still has accounts`); a gateway answers 409.
    #[error("{0}")]
    FailedPrecondition(&'static str),
    /// OUT_OF_RANGE with the contract's words ("The file is too large"): a
    /// gateway answers 413.
    #[error("{0}")]
    TooLarge(&'static str),
    /// UNAVAILABLE: the database cannot be reached; the caller may retry.
    #[error("database unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// UNAVAILABLE: Flexisip's registrar (Redis) cannot be reached; only
    /// device calls fail, and the caller may retry.
    #[error("registrar unavailable")]
    RegistrarUnavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// INTERNAL: a bug or a broken invariant; logged, never shown.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// One broken rule: the request field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// Mostly a fixed name; an entry of an object is named by its key
    /// (`devices.<id>.rang_at`), as Laravel names it.
    pub field: Cow<'static, str>,
    pub message: String,
}

fn describe(violations: &[FieldViolation]) -> String {
    let parts: Vec<String> = violations
        .iter()
        .map(|v| format!("{}: {}", v.field, v.message))
        .collect();
    parts.join("; ")
}

impl CoreError {
    pub fn invalid(field: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::InvalidArgument(vec![FieldViolation {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// Merges the failures of several parsers into one answer listing every
    /// broken field, as the original API's 422 answers do.
    pub fn merge(errors: impl IntoIterator<Item = Option<CoreError>>) -> Self {
        let mut violations = Vec::new();
        for error in errors.into_iter().flatten() {
            match error {
                CoreError::InvalidArgument(found) => violations.extend(found),
                other => return other,
            }
        }
        Self::InvalidArgument(violations)
    }
}

impl From<sqlx::Error> for CoreError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => Self::Unavailable(error.into()),
            other => Self::Unexpected(anyhow::Error::new(other).context("database query failed")),
        }
    }
}

impl From<rusqlite::Error> for CoreError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match error.sqlite_error_code() {
            Some(
                ErrorCode::DatabaseBusy
                | ErrorCode::DatabaseLocked
                | ErrorCode::CannotOpen
                | ErrorCode::SystemIoFailure
                | ErrorCode::DiskFull,
            ) => Self::Unavailable(error.into()),
            _ => Self::Unexpected(anyhow::Error::new(error).context("database statement failed")),
        }
    }
}

impl From<CoreError> for Status {
    fn from(error: CoreError) -> Self {
        match &error {
            CoreError::InvalidArgument(violations) => {
                let mut details = ErrorDetails::new();
                for v in violations {
                    details.add_bad_request_violation(v.field.as_ref(), &v.message);
                }
                Status::with_error_details(Code::InvalidArgument, error.to_string(), details)
            }
            CoreError::AlreadyExists { field, message } => Status::with_error_details(
                Code::AlreadyExists,
                error.to_string(),
                ErrorDetails::with_bad_request_violation(*field, message),
            ),
            CoreError::NotFound(_) => Status::not_found(error.to_string()),
            CoreError::PermissionDenied(message) => Status::permission_denied(*message),
            CoreError::FailedPrecondition(message) => Status::failed_precondition(*message),
            CoreError::ResourceExhausted(message) => Status::resource_exhausted(*message),
            CoreError::Throttled {
                retry_after_seconds,
            } => Status::with_error_details(
                Code::ResourceExhausted,
                error.to_string(),
                ErrorDetails::with_retry_info(Some(std::time::Duration::from_secs(u64::from(
                    *retry_after_seconds,
                )))),
            ),
            CoreError::Limited {
                message,
                retry_after_seconds,
            } => Status::with_error_details(
                Code::ResourceExhausted,
                *message,
                ErrorDetails::with_retry_info(Some(std::time::Duration::from_secs(u64::from(
                    *retry_after_seconds,
                )))),
            ),
            CoreError::Missing(message) => Status::not_found(*message),
            CoreError::TooLarge(message) => Status::out_of_range(*message),
            CoreError::Expired(message) => Status::with_error_details(
                Code::FailedPrecondition,
                *message,
                ErrorDetails::with_error_info(EXPIRED, ERROR_DOMAIN, []),
            ),
            CoreError::NotSent(message) => Status::with_error_details(
                Code::Unavailable,
                *message,
                ErrorDetails::with_error_info(NOT_SENT, ERROR_DOMAIN, []),
            ),
            CoreError::Unavailable(source) => {
                tracing::warn!(error = %source, "database unavailable");
                Status::unavailable("database unavailable")
            }
            CoreError::RegistrarUnavailable(source) => {
                tracing::warn!(error = %source, "registrar unavailable");
                Status::unavailable("registrar unavailable")
            }
            CoreError::Unexpected(source) => {
                tracing::error!(error = ?source, "unexpected error");
                Status::internal("internal error")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_argument_names_the_field_in_message_and_details() {
        let status = Status::from(CoreError::invalid("username", "must be 6 to 64 characters"));
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), "username: must be 6 to 64 characters");
        let details = status.get_error_details();
        let violations = &details.bad_request().map(|b| b.field_violations.clone());
        assert_eq!(
            violations.as_deref().map(|v| v[0].field.as_str()),
            Some("username")
        );
    }

    #[test]
    fn merged_violations_are_all_reported() {
        let merged = CoreError::merge([
            Some(CoreError::invalid("username", "too short")),
            None,
            Some(CoreError::invalid("password", "too short")),
        ]);
        let status = Status::from(merged);
        assert_eq!(status.message(), "username: too short; password: too short");
        let details = status.get_error_details();
        let fields: Vec<_> = details
            .bad_request()
            .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
            .unwrap_or_default();
        assert_eq!(fields, ["username", "password"]);
    }

    #[test]
    fn throttled_is_resource_exhausted_with_the_delay() {
        let status = Status::from(CoreError::Throttled {
            retry_after_seconds: 299,
        });
        assert_eq!(status.code(), Code::ResourceExhausted);
        assert_eq!(status.message(), "Too many failed attempts");
        let delay = status
            .get_error_details()
            .retry_info()
            .and_then(|r| r.retry_delay);
        assert_eq!(delay, Some(std::time::Duration::from_secs(299)));
    }

    #[test]
    fn onboarding_refusals_carry_their_words_and_reasons() {
        let status = Status::from(CoreError::Expired("Expired code"));
        assert_eq!(status.code(), Code::FailedPrecondition);
        assert_eq!(status.message(), "Expired code");
        let reason = |s: &Status| s.get_error_details().error_info().map(|i| i.reason.clone());
        assert_eq!(reason(&status).as_deref(), Some(EXPIRED));
        let status = Status::from(CoreError::NotSent("SMS not sent"));
        assert_eq!(status.code(), Code::Unavailable);
        assert_eq!(reason(&status).as_deref(), Some(NOT_SENT));
        let status = Status::from(CoreError::Missing("No pending code"));
        assert_eq!(
            (status.code(), status.message()),
            (Code::NotFound, "No pending code")
        );
        let status = Status::from(CoreError::Limited {
            message: "Too many codes requested",
            retry_after_seconds: 30,
        });
        assert_eq!(status.message(), "Too many codes requested");
        assert!(status.get_error_details().retry_info().is_some());
    }

    #[test]
    fn unreachable_database_is_unavailable_and_bugs_are_internal() {
        assert_eq!(
            Status::from(CoreError::from(sqlx::Error::PoolTimedOut)).code(),
            Code::Unavailable
        );
        let status = Status::from(CoreError::from(sqlx::Error::RowNotFound));
        assert_eq!(status.code(), Code::Internal);
        assert_eq!(status.message(), "internal error");
    }
}
