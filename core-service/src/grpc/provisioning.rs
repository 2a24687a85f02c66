//! `ProvisioningService`: contract part 5. The document leaves the core only
//! after a credential checked here: a token, or ProvisionMe's Digest answer
//! or API key, judged exactly as VerifyDigest and VerifyApiKey judge them.

use flexiapi_proto::pb::{self, provisioning_service_server::ProvisioningService};
use tonic::{Request, Response, Status};

use super::{onboarding::requester, unix_now, Api};
use crate::{
    domain::model::{Account, Secret},
    error::Result,
    rules::{
        accounts::roles::Actor,
        provisioning::{self, email, tokens, Context, Guarded},
        Store,
    },
};

fn document(xml: &Secret) -> pb::ProvisioningDocument {
    pb::ProvisioningDocument {
        xml: pb::SecretText::new(xml.expose()),
    }
}

fn context(
    context: Option<&pb::ProvisioningContext>,
    peer: Option<std::net::SocketAddr>,
) -> Result<Context> {
    let context = context.cloned().unwrap_or_default();
    let client = super::client(
        context.client.as_ref().map_or("", |c| c.address.as_str()),
        peer,
    )?;
    Ok(Context {
        requester: requester(context.client.as_ref(), peer)?,
        client,
        public_url: context.public_url.trim_end_matches('/').to_owned(),
        reset_password: context.reset_password,
    })
}

/// A token call's token and context.
fn token_call(request: Request<pb::ProvisionByTokenRequest>) -> Result<(String, Context)> {
    let peer = request.remote_addr();
    let request = request.into_inner();
    let context = context(request.context.as_ref(), peer)?;
    Ok((pb::secret(&request.token).to_owned(), context))
}

impl<S: Store> Api<S> {
    fn guarded(&self) -> Guarded<'_> {
        Guarded {
            settings: &self.settings.provisioning,
            throttle: &self.guards.tokens,
        }
    }

    /// The document of an account whose holder ProvisionMe just verified.
    async fn document_of(&self, account: &Account, context: &Context) -> Result<Secret> {
        provisioning::for_account(&self.store, account, context, unix_now()).await
    }
}

#[tonic::async_trait]
impl<S: Store> ProvisioningService for Api<S> {
    #[tracing::instrument(skip_all, fields(account_id = request.get_ref().account_id))]
    async fn create_provisioning_token(
        &self,
        request: Request<pb::CreateProvisioningTokenRequest>,
    ) -> Result<Response<pb::CreateProvisioningTokenResponse>, Status> {
        let peer = request.remote_addr();
        let request = request.into_inner();
        let actor = self.actor(request.actor.as_ref()).await?;
        let context = Context {
            requester: requester(request.client.as_ref(), peer)?,
            ..context(None, peer)?
        };
        let now = unix_now();
        let (account, issued) = tokens::issue(
            &self.store,
            self.guarded(),
            &actor,
            request.account_id,
            &context,
            now,
        )
        .await?;
        Ok(Response::new(pb::CreateProvisioningTokenResponse {
            account: Some(account.into()),
            token: pb::SecretText::new(issued.token.expose()),
            expire_at: issued.expires_at.and_then(super::timestamp),
        }))
    }

    #[tracing::instrument(skip_all, fields(account_id = request.get_ref().account_id))]
    async fn send_provisioning_email(
        &self,
        request: Request<pb::SendProvisioningEmailRequest>,
    ) -> Result<Response<pb::SendProvisioningEmailResponse>, Status> {
        let peer = request.remote_addr();
        let request = request.into_inner();
        let actor = self.actor(request.actor.as_ref()).await?;
        let context = context(request.context.as_ref(), peer)?;
        email::send(
            &self.store,
            self.onboarding.delivery.as_ref(),
            self.guarded(),
            &actor,
            request.account_id,
            &context,
            unix_now(),
        )
        .await?;
        Ok(Response::new(pb::SendProvisioningEmailResponse {}))
    }

    #[tracing::instrument(skip_all)]
    async fn check_provisioning_token(
        &self,
        request: Request<pb::ProvisionByTokenRequest>,
    ) -> Result<Response<pb::CheckProvisioningTokenResponse>, Status> {
        let (token, context) = token_call(request)?;
        let token = token.as_str();
        tokens::usable(
            &self.store,
            self.guarded(),
            token,
            context.client,
            unix_now(),
        )
        .await?;
        Ok(Response::new(pb::CheckProvisioningTokenResponse {}))
    }

    #[tracing::instrument(skip_all)]
    async fn provision_by_token(
        &self,
        request: Request<pb::ProvisionByTokenRequest>,
    ) -> Result<Response<pb::ProvisioningDocument>, Status> {
        let (token, context) = token_call(request)?;
        let token = token.as_str();
        let xml =
            tokens::provision(&self.store, self.guarded(), token, &context, unix_now()).await?;
        Ok(Response::new(document(&xml)))
    }

    #[tracing::instrument(skip_all)]
    async fn provision_me(
        &self,
        request: Request<pb::ProvisionMeRequest>,
    ) -> Result<Response<pb::ProvisionMeResponse>, Status> {
        let peer = request.remote_addr();
        let request = request.into_inner();
        let context = context(request.context.as_ref(), peer)?;
        // A pending account is told so, whatever the caller asked.
        let forbidden = pb::PendingAccess::Forbidden as i32;
        let mut response = pb::ProvisionMeResponse::default();
        let account = match request.credential {
            Some(pb::provision_me_request::Credential::Digest(mut digest)) => {
                digest.pending = forbidden;
                digest.nonce_from_caller = false;
                let (mut verdict, account) = self.judge_digest(*digest, peer).await?;
                verdict.account = Some(account.clone().into());
                let admitted = verdict.ok && verdict.forbidden.is_empty();
                response.digest = Some(verdict);
                admitted.then_some(account)
            }
            Some(pb::provision_me_request::Credential::ApiKey(mut key)) => {
                key.pending = forbidden;
                key.scope.clear();
                let (mut verdict, account) = self.judge_api_key(key, peer).await?;
                verdict.account = account.clone().map(Into::into);
                let admitted = verdict.ok && verdict.forbidden.is_empty();
                response.api_key = Some(verdict);
                account.filter(|_| admitted)
            }
            None => {
                return Err(crate::error::CoreError::invalid("credential", "is required").into())
            }
        };
        if let Some(account) = account {
            let xml = self.document_of(&account, &context).await?;
            response.document = Some(document(&xml));
        }
        Ok(Response::new(response))
    }

    #[tracing::instrument(skip_all)]
    async fn provision_anonymous(
        &self,
        _request: Request<pb::ProvisionAnonymousRequest>,
    ) -> Result<Response<pb::ProvisioningDocument>, Status> {
        let xml = provisioning::anonymous(&self.store, &self.settings.default_domain).await?;
        Ok(Response::new(document(&xml)))
    }

    #[tracing::instrument(skip_all)]
    async fn create_auth_token(
        &self,
        request: Request<pb::CreateAuthTokenRequest>,
    ) -> Result<Response<pb::IssuedToken>, Status> {
        let peer = request.remote_addr();
        let request = request.into_inner();
        let context = Context {
            requester: requester(request.client.as_ref(), peer)?,
            ..context(None, peer)?
        };
        let issued = tokens::issue_auth_token(
            &self.store,
            self.guarded(),
            &self.onboarding.settings,
            &context,
            unix_now(),
        )
        .await?;
        Ok(Response::new(pb::IssuedToken {
            token: pb::SecretText::new(issued.token.expose()),
            expire_at: issued.expires_at.and_then(super::timestamp),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn attach_auth_token(
        &self,
        request: Request<pb::AttachAuthTokenRequest>,
    ) -> Result<Response<pb::AttachAuthTokenResponse>, Status> {
        let peer = request.remote_addr();
        let request = request.into_inner();
        let actor: Actor = self.actor(request.actor.as_ref()).await?;
        let client = super::client(
            request.client.as_ref().map_or("", |c| c.address.as_str()),
            peer,
        )?;
        let token = pb::secret(&request.token);
        tokens::attach(
            &self.store,
            self.guarded(),
            &actor,
            token,
            client,
            unix_now(),
        )
        .await?;
        Ok(Response::new(pb::AttachAuthTokenResponse {}))
    }

    #[tracing::instrument(skip_all)]
    async fn provision_by_auth_token(
        &self,
        request: Request<pb::ProvisionByTokenRequest>,
    ) -> Result<Response<pb::ProvisioningDocument>, Status> {
        let (token, context) = token_call(request)?;
        let token = token.as_str();
        let xml = tokens::provision_by_auth_token(
            &self.store,
            self.guarded(),
            token,
            &context,
            unix_now(),
        )
        .await?;
        Ok(Response::new(document(&xml)))
    }

    #[tracing::instrument(skip_all)]
    async fn api_key_from_auth_token(
        &self,
        request: Request<pb::ProvisionByTokenRequest>,
    ) -> Result<Response<pb::ApiKeyFromAuthTokenResponse>, Status> {
        let (token, context) = token_call(request)?;
        let token = token.as_str();
        let key = tokens::api_key_from_auth_token(
            &self.store,
            self.guarded(),
            token,
            &context,
            self.settings.api_key_idle_minutes,
            unix_now(),
        )
        .await?;
        Ok(Response::new(pb::ApiKeyFromAuthTokenResponse {
            api_key: pb::SecretText::new(key.expose()),
        }))
    }
}
