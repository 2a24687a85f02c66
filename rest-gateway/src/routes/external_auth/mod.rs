//! `GET /api/flexisip/external-auth`: the HTTP server of Flexisip's
//! ExternalAuthentication plugin. Flexisip challenges SIP requests itself
//! and forwards each Digest answer here; the core checks it against the
//! HA1 it keeps (`VerifyDigest` with the nonce marked as the caller's), so
//! no proxy ever holds a password equivalent.
//!
//! Flexisip reads only an HTTP 200 with `Key: value` lines; anything else is
//! an error on its side (a 500 to the SIP client). So every judgement is a
//! 200: `Status: 200` with the account's identity, `403` for a wrong
//! password or an account that is unknown or deactivated (the same words
//! for all three), `401` (REGISTER) or `407` (other methods) when Flexisip
//! should challenge again. Only a missing or wrong key, which is the
//! operator's mistake rather than the SIP client's, is an HTTP 403.

pub(crate) mod query;

use axum::{
    extract::{Request, State},
    http::header,
    response::{IntoResponse, Response},
};
use flexiapi_proto::pb::{self, VerifyOutcome};
use utoipa_axum::{router::OpenApiRouter, routes};

use self::query::{Malformed, Params};
use crate::{auth::middleware::client_address, error::ApiError, metrics, state::AppState};

/// The only scope of key this route takes, and the only route it opens.
const SCOPE: &str = "external-auth";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(external_auth))
}

/// Flexisip's delegated SIP Digest check (ExternalAuthentication plugin).
///
/// Flexisip substitutes its tokens into `remote-auth-uri` (the README gives
/// the template): `method`, `from`, the Authorization parameters
/// (`username`, `realm`, `nonce`, `uri`, `nc`, `cnonce`, `qop`, `response`,
/// `opaque`, `algorithm`), `via` (`{header:via}`: the SIP client's address,
/// whose wrong answers are counted with the account's) and `key`, a key
/// made with `core-service api-keys create … --scope external-auth`.
#[utoipa::path(get, operation_id = "flexisip_external_auth", path = "/api/flexisip/external-auth", tag = "flexisip",
    security(()),
    params(
        ("key" = String, Query, description = "A key of scope `external-auth`"),
        ("method" = String, Query, description = "The SIP method: `REGISTER`, `INVITE`…"),
        ("from" = Option<String>, Query, description = "The whole From header"),
        ("username" = String, Query), ("realm" = String, Query), ("nonce" = String, Query),
        ("uri" = String, Query), ("nc" = String, Query), ("cnonce" = String, Query),
        ("qop" = String, Query), ("response" = String, Query),
        ("opaque" = Option<String>, Query), ("algorithm" = Option<String>, Query),
        ("domain" = Option<String>, Query, description = "The From host, when `from` is not sent"),
        ("via" = Option<String>, Query, description = "The top Via header (`{header:via}`)"),
    ),
    responses(
        (status = 200, content_type = "text/plain", body = String, description = "Flexisip's answer, e.g. `Status: 200`, `Reason: SIP;cause=200;text=\"OK\"`, `P-Asserted-Identity: <sip:alice@sip.example.org>`; or `Status: 403` / `Phrase: Forbidden`; or `Status: 401` (REGISTER) / `407` with the reason"),
        (status = 403, description = "No key, or not a key of scope `external-auth`", body = crate::openapi::Message),
        (status = 429, description = "Too many invalid keys from this address", body = crate::openapi::Message),
        (status = 503, description = "The core did not answer: Flexisip refuses the request with a 500", body = crate::openapi::Message),
    ))]
async fn external_auth(
    State(state): State<AppState>,
    request: Request,
) -> Result<SipAnswer, ApiError> {
    let proxy = client_address(&state, &request);
    let query = request.uri().query().unwrap_or_default();
    let Some(key) = query::key(query) else {
        return Err(ApiError::Forbidden("Missing API key".into()));
    };
    let verdict = state
        .core
        .verify_api_key(&key, &proxy, SCOPE, pb::PendingAccess::None)
        .await?;
    if verdict.retry_after_seconds > 0 {
        return Err(ApiError::too_many_attempts(verdict.retry_after_seconds));
    }
    if !verdict.ok {
        metrics::digest_outcome("API_KEY_INVALID");
        return Err(ApiError::Forbidden("Invalid API Key".into()));
    }
    if !verdict.forbidden.is_empty() {
        return Err(ApiError::Forbidden(verdict.forbidden));
    }
    let params = match Params::parse(query) {
        Ok(params) => params,
        Err(Malformed(reason)) => {
            return Ok(SipAnswer::challenge_for(query::method_of(query), &reason));
        }
    };
    let challenge = Challenge::for_method(params.method());
    match judge(&state, &params, &proxy).await {
        Ok(Judgement::Accepted(identity)) => Ok(SipAnswer::accepted(identity)),
        Ok(Judgement::Refused) => Ok(SipAnswer::forbidden()),
        Ok(Judgement::ChallengeAgain(reason)) | Err(JudgeError::Malformed(Malformed(reason))) => {
            Ok(SipAnswer::challenge(challenge, &reason))
        }
        Err(JudgeError::Core(error)) => Err(error),
    }
}

enum Judgement {
    /// With the identity Flexisip asserts for the request.
    Accepted(String),
    Refused,
    ChallengeAgain(String),
}

/// The core's judgement of the answer in `params`; `proxy` is the address
/// whose count is used when the query names no SIP client.
async fn judge(state: &AppState, params: &Params, proxy: &str) -> Result<Judgement, JudgeError> {
    let method = params
        .method()
        .ok_or_else(|| Malformed("The parameter method is missing or not a SIP method".into()))?;
    let account = params.account()?;
    let client = params
        .client_address()
        .map_or_else(|| proxy.to_owned(), |ip| ip.to_string());
    // No Request-URI: Flexisip does not forward it, so the core holds the
    // Digest uri (which the response covers) to being a SIP URI.
    let verdict = state
        .core
        .verify(
            &account,
            (method, ""),
            params.digest(),
            &client,
            true,
            pb::PendingAccess::None,
        )
        .await;
    let verdict = match verdict {
        Ok(verdict) => verdict,
        // An unknown or deactivated account: the words of a wrong password.
        Err(ApiError::NotFound(_)) => return Ok(Judgement::Refused),
        Err(ApiError::Validation(errors)) => {
            let reason = errors.first().map(|(_, message)| message.clone());
            return Ok(Judgement::ChallengeAgain(reason.unwrap_or_default()));
        }
        Err(error) => return Err(JudgeError::Core(error)),
    };
    Ok(match verdict.outcome() {
        VerifyOutcome::Ok => match verdict.account {
            Some(account) => Judgement::Accepted(identity(&account)),
            None => return Err(JudgeError::Core(ApiError::Internal("no account".into()))),
        },
        VerifyOutcome::Unauthorized => Judgement::Refused,
        _ => Judgement::ChallengeAgain(verdict.message),
    })
}

/// `P-Asserted-Identity`: the account, as the core names it.
fn identity(account: &pb::Account) -> String {
    format!("<sip:{}@{}>", account.username, account.domain)
}

enum JudgeError {
    Malformed(Malformed),
    Core(ApiError),
}

impl From<Malformed> for JudgeError {
    fn from(malformed: Malformed) -> Self {
        Self::Malformed(malformed)
    }
}

/// Which challenge Flexisip sends again: `401` for REGISTER (a registrar's
/// `WWW-Authenticate`), `407` for anything else (a proxy's).
#[derive(Clone, Copy)]
enum Challenge {
    Registrar,
    Proxy,
}

impl Challenge {
    fn for_method(method: Option<&str>) -> Self {
        match method {
            Some(method) if method.eq_ignore_ascii_case("REGISTER") => Self::Registrar,
            _ => Self::Proxy,
        }
    }
}

/// Flexisip's answer format: `Key: value` lines. Every answer carries a
/// `Reason` (RFC 3326), which some Flexisip versions require.
pub struct SipAnswer {
    status: u16,
    phrase: &'static str,
    reason: String,
    identity: Option<String>,
}

impl SipAnswer {
    fn accepted(identity: String) -> Self {
        Self {
            status: 200,
            phrase: "OK",
            reason: "OK".into(),
            identity: Some(identity),
        }
    }

    fn forbidden() -> Self {
        Self {
            status: 403,
            phrase: "Forbidden",
            reason: "Forbidden".into(),
            identity: None,
        }
    }

    pub(crate) fn challenge_for(method: Option<&str>, reason: &str) -> Self {
        Self::challenge(Challenge::for_method(method), reason)
    }

    fn challenge(challenge: Challenge, reason: &str) -> Self {
        let (status, phrase) = match challenge {
            Challenge::Registrar => (401, "Unauthorized"),
            Challenge::Proxy => (407, "Proxy Authentication Required"),
        };
        Self {
            status,
            phrase,
            reason: reason.to_owned(),
            identity: None,
        }
    }

    pub(crate) fn body(&self) -> String {
        // The reason is quoted text on one line.
        let text: String = self
            .reason
            .chars()
            .map(|c| if c == '"' || c.is_control() { '\'' } else { c })
            .collect();
        let mut body = format!(
            "Status: {}\nPhrase: {}\nReason: SIP;cause={};text=\"{text}\"\n",
            self.status, self.phrase, self.status
        );
        if let Some(identity) = &self.identity {
            body.push_str(&format!("P-Asserted-Identity: {identity}\n"));
        }
        body
    }
}

impl IntoResponse for SipAnswer {
    fn into_response(self) -> Response {
        let content_type = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
        (content_type, self.body()).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_flexisips_key_value_lines() {
        let account = pb::Account {
            username: "alice".into(),
            domain: "sip.example.org".into(),
            ..Default::default()
        };
        assert_eq!(
            SipAnswer::accepted(identity(&account)).body(),
            "Status: 200\nPhrase: OK\nReason: SIP;cause=200;text=\"OK\"\n\
             P-Asserted-Identity: <sip:alice@sip.example.org>\n"
        );
        assert_eq!(
            SipAnswer::forbidden().body(),
            "Status: 403\nPhrase: Forbidden\nReason: SIP;cause=403;text=\"Forbidden\"\n"
        );
        let again = SipAnswer::challenge(Challenge::for_method(Some("INVITE")), "Nonce \"x\"\n");
        assert_eq!(
            again.body(),
            "Status: 407\nPhrase: Proxy Authentication Required\n\
             Reason: SIP;cause=407;text=\"Nonce 'x''\"\n"
        );
        let register = SipAnswer::challenge(Challenge::for_method(Some("REGISTER")), "r");
        assert!(register
            .body()
            .starts_with("Status: 401\nPhrase: Unauthorized\n"));
    }
}
