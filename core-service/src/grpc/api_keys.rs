use flexiapi_proto::pb::{self, api_key_service_server::ApiKeyService};
use tonic::{Request, Response, Status};

use super::{timestamp, unix_now, Api};
use crate::{
    domain::model::{Account, ApiKey},
    rules::{api_keys, auth::throttle::Key, Store},
};

fn info(key: ApiKey, owner: Account) -> pb::ApiKeyInfo {
    pb::ApiKeyInfo {
        name: key.name,
        owner: Some(owner.into()),
        created_at: timestamp(key.created_at),
        last_used_at: timestamp(key.last_used_at),
        idle_expiry_minutes: key.idle_expiry_seconds.map_or(0, |s| s / 60),
        scope: key.scope,
    }
}

#[tonic::async_trait]
impl<S: Store> ApiKeyService for Api<S> {
    #[tracing::instrument(skip_all)]
    async fn create_api_key(
        &self,
        request: Request<pb::CreateApiKeyRequest>,
    ) -> Result<Response<pb::CreateApiKeyResponse>, Status> {
        let request = request.into_inner();
        let now = unix_now();
        let (key, stored, owner) = if request.name.is_empty() {
            if !request.scope.is_empty() {
                let message = "only a named key has a scope";
                return Err(crate::error::CoreError::invalid("scope", message).into());
            }
            let actor = self.actor(request.actor.as_ref()).await?;
            let idle = self.settings.api_key_idle_minutes;
            let (key, stored) = api_keys::create_user_key(&self.store, &actor, idle, now).await?;
            (key, stored, actor.account)
        } else {
            let owner = request.owner.unwrap_or_default();
            let owner = self.address(&owner.username, &owner.domain)?;
            let named = api_keys::NamedKey {
                name: &request.name,
                idle_minutes: request.idle_expiry_minutes,
                scope: &request.scope,
            };
            api_keys::create_named_key(&self.store, &owner, named, now).await?
        };
        tracing::info!(account_id = owner.id, name = %stored.name, "API key created");
        Ok(Response::new(pb::CreateApiKeyResponse {
            key: key.expose().to_owned(),
            info: Some(info(stored, owner)),
        }))
    }

    #[tracing::instrument(skip_all, fields(ok))]
    async fn verify_api_key(
        &self,
        request: Request<pb::VerifyApiKeyRequest>,
    ) -> Result<Response<pb::VerifyApiKeyResponse>, Status> {
        let peer = request.remote_addr();
        let (mut response, account) = self.judge_api_key(request.into_inner(), peer).await?;
        response.account = account.map(Into::into);
        Ok(Response::new(response))
    }

    #[tracing::instrument(skip_all)]
    async fn list_api_keys(
        &self,
        request: Request<pb::ListApiKeysRequest>,
    ) -> Result<Response<pb::ListApiKeysResponse>, Status> {
        let owner = request.into_inner().owner.unwrap_or_default();
        let owner = if owner.username.is_empty() {
            None
        } else {
            Some(self.address(&owner.username, &owner.domain)?)
        };
        let keys = api_keys::list(&self.store, owner.as_ref()).await?;
        Ok(Response::new(pb::ListApiKeysResponse {
            keys: keys
                .into_iter()
                .map(|(key, owner)| info(key, owner))
                .collect(),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn revoke_api_key(
        &self,
        request: Request<pb::RevokeApiKeyRequest>,
    ) -> Result<Response<pb::RevokeApiKeyResponse>, Status> {
        let request = request.into_inner();
        let owner = request.owner.unwrap_or_default();
        let owner = self.address(&owner.username, &owner.domain)?;
        api_keys::revoke(&self.store, &owner, &request.name).await?;
        tracing::info!(name = %request.name, "API key revoked");
        Ok(Response::new(pb::RevokeApiKeyResponse {}))
    }
}

impl<S: Store> Api<S> {
    /// VerifyApiKey's judgement (without its `account`), and the key's
    /// account when it is right (ProvisionMe serves it only when
    /// `forbidden` is empty too).
    pub(super) async fn judge_api_key(
        &self,
        request: pb::VerifyApiKeyRequest,
        peer: Option<std::net::SocketAddr>,
    ) -> Result<(pb::VerifyApiKeyResponse, Option<Account>), Status> {
        let guard = Key::ApiKeys(super::client(&request.client_address, peer)?);
        let scope = api_keys::parse_scope(&request.scope)?;
        let now = unix_now();
        if let Err(retry_after_seconds) = self.guards.api_keys.check(guard, now) {
            let throttled = pb::VerifyApiKeyResponse {
                retry_after_seconds,
                ..Default::default()
            };
            return Ok((throttled, None));
        }
        let pending = super::pending_access(request.pending);
        let account =
            api_keys::verify(&self.store, &self.keys, &request.key, scope, pending, now).await?;
        tracing::Span::current().record("ok", account.is_some());
        // A right key does not clear the count: a guesser holding one key of
        // its own could otherwise try without end.
        if account.is_none() && self.guards.api_keys.failed(guard, now).is_err() {
            tracing::warn!(
                "invalid API key limit reached: the client address is refused for a while"
            );
        }
        let forbidden = account
            .as_ref()
            .and_then(|account| pending.refusal(account))
            .unwrap_or_default()
            .to_owned();
        let response = pb::VerifyApiKeyResponse {
            ok: account.is_some(),
            // The caller puts it in: moved, not cloned, on the hot path.
            account: None,
            forbidden,
            retry_after_seconds: 0,
        };
        Ok((response, account))
    }
}
