//! Request bodies: JSON objects only, size-limited, with every failure a
//! JSON 4xx in the contract's shape instead of axum's plain-text rejections.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::{header, StatusCode},
};
use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::error::ApiError;

/// What an unreadable or ill-typed body is answered when the caller may
/// not make the request at all: who may call comes before what was sent
/// (contract `http.md` §8), so a probe (an empty request the core refuses
/// on a missing field when the caller may) decides between its 403 and
/// the body's own error.
pub fn refusal_first<T>(probe: Result<T, ApiError>, refused: ApiError) -> ApiError {
    match probe {
        Err(forbidden @ ApiError::Forbidden(_)) => forbidden,
        _ => refused,
    }
}

/// A JSON object body (`Content-Type: application/json`).
#[derive(Debug)]
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(request.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::BadRequest("The request body could not be read".into())
                }
            })?;
        // liblinphone sends `Content-Type: application/json` with no body
        // at all on the calls that need none: that is `{}`.
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(Map::new()));
        }
        match serde_json::from_slice(&bytes) {
            Ok(Value::Object(object)) => Ok(Self(object)),
            Ok(_) => Err(ApiError::BadRequest(
                "The request body must be a JSON object".into(),
            )),
            Err(error) => Err(ApiError::BadRequest(format!(
                "The request body is not valid JSON: {error}"
            ))),
        }
    }
}

/// `application/json`, with parameters (`; charset=utf-8`) or a `+json` suffix.
fn is_json(content_type: Option<&header::HeaderValue>) -> bool {
    let Some(value) = content_type.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl JsonObject {
    /// A required string field; `Err` holds Laravel's sentence for it.
    pub fn required_string(&self, field: &str) -> Result<String, (String, String)> {
        match self.0.get(field) {
            None | Some(Value::Null) => {
                Err((field.into(), format!("The {field} field is required.")))
            }
            Some(Value::String(s)) if s.is_empty() => {
                Err((field.into(), format!("The {field} field is required.")))
            }
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err((field.into(), format!("The {field} field must be a string."))),
        }
    }

    /// An optional string field: absent or null is `""`.
    pub fn optional_string(&self, field: &str) -> Result<String, (String, String)> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err((field.into(), format!("The {field} field must be a string."))),
        }
    }
}

impl JsonObject {
    /// An optional string that may also be `null`: both are `None`.
    pub fn nullable_string(&self, field: &str) -> Result<Option<String>, (String, String)> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err((field.into(), format!("The {field} field must be a string."))),
        }
    }

    /// A string that may be set to `null`: absent is `None` ("unchanged"),
    /// `null` is `Some(None)`.
    pub fn clearable_string(
        &self,
        field: &str,
    ) -> Result<Option<Option<String>>, (String, String)> {
        match self.0.get(field) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
            Some(_) => Err((field.into(), format!("The {field} field must be a string."))),
        }
    }

    /// An optional JSON boolean: `"1"` or `"true"` are refused, as the
    /// contract says.
    pub fn optional_bool(&self, field: &str) -> Result<Option<bool>, (String, String)> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err((
                field.into(),
                format!("The {field} field must be true or false."),
            )),
        }
    }

    /// An optional boolean by Laravel's `boolean` rule, which FlexiAPI
    /// applies to an account's `activated`, `blocked` and `admin` and
    /// liblinphone relies on (`"activated": "1"`): `true`, `false`, `1`,
    /// `0`, `"1"`, `"0"`; `"true"`, `"yes"` and the rest are refused.
    pub fn optional_laravel_bool(&self, field: &str) -> Result<Option<bool>, (String, String)> {
        match self.0.get(field) {
            Some(Value::Number(n)) if n.as_u64() == Some(1) => Ok(Some(true)),
            Some(Value::Number(n)) if n.as_u64() == Some(0) => Ok(Some(false)),
            Some(Value::String(s)) if s == "1" => Ok(Some(true)),
            Some(Value::String(s)) if s == "0" => Ok(Some(false)),
            _ => self.optional_bool(field),
        }
    }

    /// An optional JSON integer (`null` is absent), not `"10"` nor `1.5`.
    pub fn optional_integer(&self, field: &str) -> Result<Option<i64>, (String, String)> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64()),
            // `473.0` is an integer to JSON Schema and to Laravel's rule.
            Some(Value::Number(n)) if n.as_f64().is_some_and(is_whole) => {
                Ok(n.as_f64().map(|f| f as i64))
            }
            Some(_) => Err((
                field.into(),
                format!("The {field} field must be an integer."),
            )),
        }
    }

    /// An optional object of strings (absent or `null`: empty).
    pub fn string_map(&self, field: &str) -> Result<HashMap<String, String>, (String, String)> {
        let broken = || {
            (
                field.to_owned(),
                format!("The {field} must be an object of strings."),
            )
        };
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(HashMap::new()),
            Some(Value::Object(entries)) => entries
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    _ => Err(broken()),
                })
                .collect(),
            Some(_) => Err(broken()),
        }
    }
}

/// A float that is an `i64` exactly (`473.0`, not `1.5` nor `1e300`).
fn is_whole(f: f64) -> bool {
    f.fract() == 0.0 && (-9.007_199_254_740_992e15..=9.007_199_254_740_992e15).contains(&f)
}

/// Reads fields one after another, keeping every error, so that one 422
/// names each broken field (in the order they were read).
#[derive(Debug, Default)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// The field's value, or (its error kept) a placeholder never used.
    pub fn take<T: Default>(&mut self, field: Result<T, (String, String)>) -> T {
        field.unwrap_or_else(|error| {
            self.0.push(error);
            T::default()
        })
    }

    /// `value` when every field read well, else the 422 naming them.
    pub fn finish<T>(self, value: T) -> Result<T, ApiError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        let accepted = [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/vnd.api+json",
        ];
        for value in accepted {
            assert!(
                is_json(Some(&header::HeaderValue::from_static(value))),
                "{value}"
            );
        }
        for value in ["text/plain", "application/x-www-form-urlencoded", "json"] {
            assert!(
                !is_json(Some(&header::HeaderValue::from_static(value))),
                "{value}"
            );
        }
        assert!(!is_json(None));
    }

    #[test]
    fn fields_are_typed_with_laravel_messages() {
        let body = JsonObject(
            serde_json::json!({"username": "alice01", "password": 123456, "domain": null, "algorithm": ""})
                .as_object()
                .cloned()
                .unwrap(),
        );
        assert_eq!(body.required_string("username"), Ok("alice01".into()));
        assert_eq!(
            body.required_string("password"),
            Err((
                "password".into(),
                "The password field must be a string.".into()
            ))
        );
        assert_eq!(
            body.required_string("algorithm"),
            Err((
                "algorithm".into(),
                "The algorithm field is required.".into()
            ))
        );
        assert_eq!(
            body.required_string("missing"),
            Err(("missing".into(), "The missing field is required.".into()))
        );
        assert_eq!(body.optional_string("domain"), Ok(String::new()));
    }

    #[test]
    fn booleans_and_dictionaries_must_have_their_json_types() {
        let body = JsonObject(
            serde_json::json!({"admin": true, "blocked": "1", "activated": "true",
                "dictionary": {"team": "sales"}, "bad": {"n": 1}, "list": ["a"], "email": null})
            .as_object()
            .cloned()
            .unwrap(),
        );
        assert_eq!(body.optional_bool("admin"), Ok(Some(true)));
        assert_eq!(body.optional_bool("missing"), Ok(None));
        for field in ["blocked", "activated"] {
            assert_eq!(
                body.optional_bool(field).unwrap_err().1,
                format!("The {field} field must be true or false.")
            );
        }
        let laravel = JsonObject(
            serde_json::json!({"a": 1, "b": "0", "c": false, "d": "true", "e": 2, "f": 1.0})
                .as_object()
                .cloned()
                .unwrap(),
        );
        assert_eq!(laravel.optional_laravel_bool("a"), Ok(Some(true)));
        assert_eq!(laravel.optional_laravel_bool("b"), Ok(Some(false)));
        assert_eq!(laravel.optional_laravel_bool("c"), Ok(Some(false)));
        assert_eq!(laravel.optional_laravel_bool("missing"), Ok(None));
        for field in ["d", "e", "f"] {
            assert_eq!(
                laravel.optional_laravel_bool(field).unwrap_err().1,
                format!("The {field} field must be true or false.")
            );
        }
        assert_eq!(body.string_map("dictionary").unwrap()["team"], "sales");
        assert!(body.string_map("missing").unwrap().is_empty());
        for field in ["bad", "list"] {
            assert_eq!(
                body.string_map(field).unwrap_err().1,
                format!("The {field} must be an object of strings.")
            );
        }
        assert_eq!(body.nullable_string("email"), Ok(None));
    }
}
