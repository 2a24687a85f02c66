use flexiapi_proto::pb::{self, auth_service_server::AuthService, VerifyOutcome};
use tonic::{Request, Response, Status};

use super::{unix_now_ms, Api};
use crate::{
    domain::model::Account,
    rules::{
        auth::{
            self,
            digest::{DigestFields, Rejection},
            nonces::Lifetimes,
            Answer, Challenge,
        },
        Store,
    },
};

#[tonic::async_trait]
impl<S: Store> AuthService for Api<S> {
    #[tracing::instrument(skip_all, fields(username = %super::traced(&request.get_ref().username), domain = %super::traced(&request.get_ref().domain)))]
    async fn challenge(
        &self,
        request: Request<pb::ChallengeRequest>,
    ) -> Result<Response<pb::ChallengeResponse>, Status> {
        let request = request.into_inner();
        let address = self.address(&request.username, &request.domain)?;
        let challenges = auth::challenge(
            &self.store,
            &self.accounts,
            &self.nonces,
            &address,
            super::pending_access(request.pending),
            unix_now_ms(),
        )
        .await?;
        Ok(Response::new(pb::ChallengeResponse {
            challenges: challenges.into_iter().map(Into::into).collect(),
        }))
    }

    #[tracing::instrument(
        skip_all,
        fields(username = %super::traced(&request.get_ref().username), domain = %super::traced(&request.get_ref().domain), outcome)
    )]
    async fn verify_digest(
        &self,
        request: Request<pb::VerifyDigestRequest>,
    ) -> Result<Response<pb::VerifyDigestResponse>, Status> {
        let peer = request.remote_addr();
        let (mut response, account) = self.judge_digest(request.into_inner(), peer).await?;
        response.account = Some(account.into());
        Ok(Response::new(response))
    }

    #[tracing::instrument(skip_all, fields(username = %super::traced(&request.get_ref().username), domain = %super::traced(&request.get_ref().domain)))]
    async fn get_credentials(
        &self,
        request: Request<pb::GetCredentialsRequest>,
    ) -> Result<Response<pb::GetCredentialsResponse>, Status> {
        let request = request.into_inner();
        let address = self.address(&request.username, &request.domain)?;
        let active = auth::credentials(&self.store, &self.accounts, &address).await?;
        Ok(Response::new(pb::GetCredentialsResponse {
            realm: active.account.realm.clone(),
            credentials: active
                .credentials
                .iter()
                .map(|c| pb::Credential {
                    algorithm: c.algorithm.as_str().into(),
                    ha1: c.ha1.expose().into(),
                })
                .collect(),
        }))
    }
}

impl<S: Store> Api<S> {
    /// VerifyDigest's judgement: the answer (without its `account`) and,
    /// whatever it says, the account it is about (ProvisionMe serves it
    /// only when the answer is ok and `forbidden` empty).
    pub(super) async fn judge_digest(
        &self,
        request: pb::VerifyDigestRequest,
        peer: Option<std::net::SocketAddr>,
    ) -> Result<(pb::VerifyDigestResponse, Account), Status> {
        let address = self.address(&request.username, &request.domain)?;
        let guard = auth::Guard {
            throttle: &self.guards.answers,
            client: super::client(&request.client_address, peer)?,
        };
        let fields = DigestFields::from(request.digest.unwrap_or_default());
        let pending = super::pending_access(request.pending);
        let answer = Answer {
            method: &request.method,
            request_uri: &request.request_uri,
            fields: &fields,
            nonce_from_caller: request.nonce_from_caller,
            pending,
        };
        let verdict = auth::verify(
            &self.store,
            &self.accounts,
            &self.nonces,
            &address,
            answer,
            guard,
            Lifetimes {
                ttl_seconds: self.settings.nonce_ttl_seconds,
                proxy_retention_seconds: self.settings.proxy_nonce_retention_seconds,
            },
            unix_now_ms(),
        )
        .await?;
        let (outcome, message, field) = match &verdict.outcome {
            Ok(()) => (VerifyOutcome::Ok, String::new(), ""),
            Err(rejection) => (
                outcome_of(rejection),
                rejection.message(),
                field_of(rejection),
            ),
        };
        tracing::Span::current().record("outcome", outcome.as_str_name());
        count_outcome(outcome.as_str_name());
        // Blocking closes the API, not SIP, and a pending account reaches
        // only its own routes: the caller refuses the request.
        let forbidden = match &verdict.outcome {
            Ok(()) => pending.refusal(&verdict.account).unwrap_or_default(),
            Err(_) => "",
        }
        .to_owned();
        let retry_after_seconds = match &verdict.outcome {
            Err(Rejection::Throttled {
                retry_after_seconds,
            }) => *retry_after_seconds,
            _ => 0,
        };
        let response = pb::VerifyDigestResponse {
            retry_after_seconds,
            forbidden,
            ok: verdict.outcome.is_ok(),
            outcome: outcome.into(),
            message,
            field: field.into(),
            // The caller puts it in: moved, not cloned, on the hot path.
            account: None,
            challenges: verdict.challenges.into_iter().map(Into::into).collect(),
        };
        Ok((response, verdict.account))
    }
}

fn outcome_of(rejection: &Rejection) -> VerifyOutcome {
    match rejection {
        Rejection::NonceInvalid => VerifyOutcome::NonceInvalid,
        Rejection::NonceReplayed => VerifyOutcome::NonceReplayed,
        Rejection::NonceExpired => VerifyOutcome::NonceExpired,
        Rejection::Field { .. } => VerifyOutcome::InvalidField,
        Rejection::Unauthorized => VerifyOutcome::Unauthorized,
        Rejection::Throttled { .. } => VerifyOutcome::Throttled,
        Rejection::NonceQuota => VerifyOutcome::NonceQuota,
    }
}

fn field_of(rejection: &Rejection) -> &'static str {
    match rejection {
        Rejection::Field { field, .. } => field,
        _ => "",
    }
}

impl From<pb::DigestFields> for DigestFields {
    fn from(f: pb::DigestFields) -> Self {
        Self {
            username: f.username,
            realm: f.realm,
            nonce: f.nonce,
            uri: f.uri,
            nc: f.nc,
            cnonce: f.cnonce,
            qop: f.qop,
            response: f.response,
            opaque: f.opaque,
            algorithm: f.algorithm,
            userhash: f.userhash,
        }
    }
}

impl From<Challenge> for pb::DigestChallenge {
    fn from(c: Challenge) -> Self {
        Self {
            realm: c.realm,
            nonce: c.nonce,
            opaque: c.opaque,
            algorithm: c.algorithm.as_str().into(),
            qop: "auth".into(),
            stale: c.stale,
        }
    }
}

/// Counts one Digest verification by its outcome (`OK`, `NONCE_REPLAYED`…),
/// the core's `flexiapi_core_digest_verifications_total`.
fn count_outcome(outcome: &'static str) {
    metrics::counter!("flexiapi_core_digest_verifications_total", "outcome" => outcome)
        .increment(1);
}
