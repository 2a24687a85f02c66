//! `SessionService`: the web panel's logins and sessions, kept by the core.

use flexiapi_proto::pb;

use super::{replicas::Route, CoreClient};
use crate::error::ApiError;

impl CoreClient {
    /// Logs in with a Digest answer the gateway computed; sent, like a
    /// VerifyDigest, to the core replica that issued its nonce.
    pub async fn open_session(
        &self,
        login: pb::VerifyDigestRequest,
        user_agent: &str,
    ) -> Result<pb::OpenSessionResponse, ApiError> {
        let route = login
            .digest
            .as_ref()
            .filter(|_| self.0.replicas.routed())
            .and_then(|digest| Route::of_nonce(&digest.nonce, false));
        let mut request = tonic::Request::new(pb::OpenSessionRequest {
            login: Some(login),
            user_agent: user_agent.to_owned(),
        });
        if let Some(route) = route {
            request.extensions_mut().insert(route);
        }
        rpc!(
            self,
            sessions.open_session(request),
            "flexiapi.v1.SessionService/OpenSession"
        )
    }

    /// The session's account as it is now; `NotFound` when the session is
    /// unknown or over, `Forbidden("Account blocked")` when it ended so.
    pub async fn get_session(&self, token: &str) -> Result<pb::GetSessionResponse, ApiError> {
        let request = pb::GetSessionRequest {
            token: token.to_owned(),
        };
        rpc!(
            self,
            sessions.get_session(request),
            "flexiapi.v1.SessionService/GetSession"
        )
    }

    /// Ends the session (logout).
    pub async fn close_session(&self, token: &str) -> Result<(), ApiError> {
        let request = pb::CloseSessionRequest {
            token: token.to_owned(),
        };
        rpc!(
            self,
            sessions.close_session(request),
            "flexiapi.v1.SessionService/CloseSession"
        )?;
        Ok(())
    }
}
