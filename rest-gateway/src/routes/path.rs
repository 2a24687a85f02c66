//! One text path parameter (a domain, a SIP address), percent-decoded. One
//! that does not decode to UTF-8 is a JSON 400, not axum's plain-text
//! rejection.

use axum::{
    extract::{FromRequestParts, Path},
    http::request::Parts,
};

use crate::error::ApiError;

pub struct PathText(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathText {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(text)) => Ok(Self(text)),
            Err(_) => Err(ApiError::BadRequest(
                "The path parameter is not valid UTF-8 once percent-decoded".into(),
            )),
        }
    }
}

/// Every text path parameter of a route, in their order, each
/// percent-decoded as [`PathText`] is.
pub struct PathTexts(pub Vec<String>);

impl<S: Send + Sync> FromRequestParts<S> for PathTexts {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<Vec<(String, String)>>::from_request_parts(parts, state).await {
            Ok(Path(pairs)) => Ok(Self(pairs.into_iter().map(|(_, value)| value).collect())),
            Err(_) => Err(ApiError::BadRequest(
                "A path parameter is not valid UTF-8 once percent-decoded".into(),
            )),
        }
    }
}
