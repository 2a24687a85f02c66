//! `AuthService` and `ApiKeyService`: who a request comes from.

use flexiapi_proto::pb;

use super::{replicas::Route, CoreClient, SipAddress};
use crate::error::ApiError;

impl CoreClient {
    /// A fresh challenge per algorithm; `pending`: whether a pending
    /// account is challenged (REST) or unknown.
    pub async fn challenge(
        &self,
        address: &SipAddress,
        pending: pb::PendingAccess,
    ) -> Result<Vec<pb::DigestChallenge>, ApiError> {
        let request = pb::ChallengeRequest {
            username: address.username.clone(),
            domain: address.domain.clone(),
            pending: pending.into(),
        };
        let answer = rpc!(
            self,
            auth.challenge(request),
            "flexiapi.v1.AuthService/Challenge"
        )?;
        Ok(answer.challenges)
    }

    /// Checks a Digest answer; `nonce_from_caller`: the nonce is a SIP
    /// proxy's (Flexisip's delegated checks), not one the core issued;
    /// `pending`: what a pending account gets.
    pub async fn verify(
        &self,
        address: &SipAddress,
        (method, request_uri): (&str, &str),
        digest: pb::DigestFields,
        client_address: &str,
        nonce_from_caller: bool,
        pending: pb::PendingAccess,
    ) -> Result<pb::VerifyDigestResponse, ApiError> {
        let request = pb::VerifyDigestRequest {
            username: address.username.clone(),
            domain: address.domain.clone(),
            method: method.to_owned(),
            request_uri: request_uri.to_owned(),
            digest: Some(digest),
            client_address: client_address.to_owned(),
            nonce_from_caller,
            pending: pending.into(),
        };
        self.verify_digest(request).await
    }

    /// [`Self::verify`], of a request already made: sent to the core
    /// replica that can judge its nonce (`replicas`).
    pub async fn verify_digest(
        &self,
        request: pb::VerifyDigestRequest,
    ) -> Result<pb::VerifyDigestResponse, ApiError> {
        let nonce = request.digest.as_ref().map(|digest| digest.nonce.as_str());
        let route = nonce
            .filter(|_| self.0.replicas.routed())
            .and_then(|nonce| Route::of_nonce(nonce, request.nonce_from_caller));
        let mut request = tonic::Request::new(request);
        if let Some(route) = route {
            request.extensions_mut().insert(route);
        }
        rpc!(
            self,
            auth.verify_digest(request),
            "flexiapi.v1.AuthService/VerifyDigest"
        )
    }

    /// Which account a key authenticates as, for a route of `scope` (empty:
    /// the API); `pending`: what a key of a pending account gets.
    pub async fn verify_api_key(
        &self,
        key: &str,
        client_address: &str,
        scope: &str,
        pending: pb::PendingAccess,
    ) -> Result<pb::VerifyApiKeyResponse, ApiError> {
        let request = pb::VerifyApiKeyRequest {
            key: key.to_owned(),
            client_address: client_address.to_owned(),
            scope: scope.to_owned(),
            pending: pending.into(),
        };
        self.verify_api_key_request(request).await
    }

    /// [`Self::verify_api_key`], of a request already made.
    pub async fn verify_api_key_request(
        &self,
        request: pb::VerifyApiKeyRequest,
    ) -> Result<pb::VerifyApiKeyResponse, ApiError> {
        rpc!(
            self,
            api_keys.verify_api_key(request),
            "flexiapi.v1.ApiKeyService/VerifyApiKey"
        )
    }

    /// A new user key for the actor; its previous one stops working.
    pub async fn create_user_key(&self, actor: pb::Actor) -> Result<String, ApiError> {
        let request = pb::CreateApiKeyRequest {
            actor: Some(actor),
            ..Default::default()
        };
        let answer = rpc!(
            self,
            api_keys.create_api_key(request),
            "flexiapi.v1.ApiKeyService/CreateApiKey"
        )?;
        Ok(answer.key)
    }
}
