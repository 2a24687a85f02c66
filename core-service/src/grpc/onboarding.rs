//! `OnboardingService`: the calls of contract part 4, each a thin turn of a
//! message into [`crate::rules::onboarding`]. Tokens and codes only travel
//! in `SecretText`, whose Debug prints nothing.

use flexiapi_proto::pb::{self, onboarding_service_server::OnboardingService, secret};
use tonic::{Request, Response, Status};

use super::{timestamp, unix_now, Api};
use crate::{
    error::{CoreError, Result},
    rules::{
        onboarding::{
            codes::{self, Proof},
            push::{self, PushRequest},
            recovery::{self, Recover},
            signup::{self, SignUp},
            store::{Requester, TokenKind},
            tokens::{self, TokenState},
            Issued,
        },
        Store,
    },
};

type Answer<T> = Result<Response<T>, Status>;

fn issued(issued: Issued) -> pb::IssuedToken {
    pb::IssuedToken {
        token: pb::SecretText::new(issued.token.expose()),
        expire_at: issued.expires_at.and_then(timestamp),
    }
}

/// Who asked: the address the caller gave (else its own) and the agent.
pub(super) fn requester(
    client: Option<&pb::OnboardingClient>,
    peer: Option<std::net::SocketAddr>,
) -> Result<Requester> {
    let client = client.cloned().unwrap_or_default();
    let address = super::client(&client.address, peer)?;
    Ok(Requester {
        address: address.address().to_string(),
        user_agent: client.user_agent,
    })
}

fn token_kind(raw: i32) -> Result<TokenKind> {
    match pb::TokenKind::try_from(raw) {
        Ok(pb::TokenKind::Request) => Ok(TokenKind::Request),
        Ok(pb::TokenKind::Creation) => Ok(TokenKind::Creation),
        Ok(pb::TokenKind::Recovery) => Ok(TokenKind::Recovery),
        _ => Err(CoreError::invalid("kind", "must be a token kind")),
    }
}

impl<S: Store> Api<S> {
    async fn send_by_push(
        &self,
        kind: TokenKind,
        request: Request<pb::SendTokenByPushRequest>,
    ) -> Answer<pb::SendTokenByPushResponse> {
        let peer = request.remote_addr();
        let request = request.into_inner();
        let requester = requester(request.client.as_ref(), peer)?;
        let push = PushRequest {
            provider: &request.pn_provider,
            param: &request.pn_param,
            prid: &request.pn_prid,
        };
        push::send(
            &self.store,
            &self.onboarding,
            kind,
            push,
            &requester,
            unix_now(),
        )
        .await?;
        Ok(Response::new(pb::SendTokenByPushResponse {}))
    }

    async fn request_code(
        &self,
        proof: Proof,
        request: Request<pb::RequestCodeRequest>,
    ) -> Answer<pb::RequestCodeResponse> {
        let peer = request.remote_addr();
        let request = request.into_inner();
        let requester = requester(request.client.as_ref(), peer)?;
        let actor = self.pending_actor(request.actor.as_ref()).await?;
        let destination = &request.destination;
        let now = unix_now();
        codes::request(
            &self.store,
            &self.onboarding,
            &actor,
            proof,
            destination,
            &requester,
            now,
        )
        .await?;
        Ok(Response::new(pb::RequestCodeResponse {}))
    }

    async fn confirm_code(
        &self,
        proof: Proof,
        request: pb::ConfirmCodeRequest,
    ) -> Answer<pb::ConfirmCodeResponse> {
        let actor = self.pending_actor(request.actor.as_ref()).await?;
        let code = secret(&request.code);
        let account = codes::confirm(&self.store, &actor, proof, code, unix_now()).await?;
        Ok(Response::new(pb::ConfirmCodeResponse {
            account: Some(account.into()),
        }))
    }
}

#[tonic::async_trait]
impl<S: Store> OnboardingService for Api<S> {
    #[tracing::instrument(skip_all)]
    async fn create_request_token(
        &self,
        request: Request<pb::CreateRequestTokenRequest>,
    ) -> Answer<pb::IssuedToken> {
        let peer = request.remote_addr();
        let requester = requester(request.get_ref().client.as_ref(), peer)?;
        let made =
            tokens::create_request_token(&self.store, &self.onboarding, &requester, unix_now())
                .await?;
        Ok(Response::new(issued(made)))
    }

    #[tracing::instrument(skip_all)]
    async fn check_token(
        &self,
        request: Request<pb::CheckTokenRequest>,
    ) -> Answer<pb::CheckTokenResponse> {
        let request = request.into_inner();
        let kind = token_kind(request.kind)?;
        let state = tokens::check(&self.store, kind, secret(&request.token), unix_now()).await?;
        let state = match state {
            TokenState::Unknown => pb::TokenState::Unknown,
            TokenState::Expired => pb::TokenState::Expired,
            TokenState::Usable => pb::TokenState::Usable,
        };
        Ok(Response::new(pb::CheckTokenResponse {
            state: state.into(),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn validate_request_token(
        &self,
        request: Request<pb::ValidateRequestTokenRequest>,
    ) -> Answer<pb::ValidateRequestTokenResponse> {
        let token = secret(&request.get_ref().token);
        tokens::validate_request_token(&self.store, token, unix_now()).await?;
        Ok(Response::new(pb::ValidateRequestTokenResponse {}))
    }

    #[tracing::instrument(skip_all)]
    async fn exchange_request_token(
        &self,
        request: Request<pb::ExchangeRequestTokenRequest>,
    ) -> Answer<pb::IssuedToken> {
        let peer = request.remote_addr();
        let request = request.into_inner();
        let requester = requester(request.client.as_ref(), peer)?;
        let token = secret(&request.request_token);
        let made =
            tokens::exchange(&self.store, &self.onboarding, token, &requester, unix_now()).await?;
        Ok(Response::new(issued(made)))
    }

    #[tracing::instrument(skip_all)]
    async fn send_creation_token_by_push(
        &self,
        request: Request<pb::SendTokenByPushRequest>,
    ) -> Answer<pb::SendTokenByPushResponse> {
        self.send_by_push(TokenKind::Creation, request).await
    }

    #[tracing::instrument(skip_all)]
    async fn send_recovery_token_by_push(
        &self,
        request: Request<pb::SendTokenByPushRequest>,
    ) -> Answer<pb::SendTokenByPushResponse> {
        self.send_by_push(TokenKind::Recovery, request).await
    }

    #[tracing::instrument(skip_all)]
    async fn create_admin_creation_token(
        &self,
        request: Request<pb::CreateAdminCreationTokenRequest>,
    ) -> Answer<pb::IssuedToken> {
        let peer = request.remote_addr();
        let request = request.into_inner();
        let requester = requester(request.client.as_ref(), peer)?;
        let actor = self.actor(request.actor.as_ref()).await?;
        let made = tokens::create_admin_token(
            &self.store,
            &self.onboarding,
            &actor,
            &requester,
            unix_now(),
        )
        .await?;
        Ok(Response::new(issued(made)))
    }

    #[tracing::instrument(skip_all)]
    async fn consume_creation_token(
        &self,
        request: Request<pb::ConsumeCreationTokenRequest>,
    ) -> Answer<pb::IssuedToken> {
        let request = request.into_inner();
        let actor = self.pending_actor(request.actor.as_ref()).await?;
        let token = secret(&request.token);
        let spent = tokens::consume(&self.store, &actor, token, unix_now()).await?;
        tracing::info!(account_id = actor.account.id, "creation token consumed");
        Ok(Response::new(issued(spent)))
    }

    #[tracing::instrument(skip_all, fields(username = %super::traced(&request.get_ref().username)))]
    async fn create_account_with_token(
        &self,
        request: Request<pb::CreateAccountWithTokenRequest>,
    ) -> Answer<pb::CreateAccountWithTokenResponse> {
        let peer = request.remote_addr();
        let request = request.into_inner();
        let requester = requester(request.client.as_ref(), peer)?;
        let sign_up = SignUp {
            token: secret(&request.token),
            username: &request.username,
            password: secret(&request.password),
            algorithm: &request.algorithm,
            email: request.email.as_deref(),
            phone: request.phone.as_deref(),
            display_name: request.display_name.as_deref(),
            dictionary: &request.dictionary,
        };
        let account = signup::create_with_token(
            &self.store,
            &self.onboarding,
            &self.settings.default_domain,
            sign_up,
            &requester,
            unix_now(),
        )
        .await?;
        Ok(Response::new(pb::CreateAccountWithTokenResponse {
            account: Some(account.into()),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn request_email_code(
        &self,
        request: Request<pb::RequestCodeRequest>,
    ) -> Answer<pb::RequestCodeResponse> {
        self.request_code(Proof::Email, request).await
    }

    #[tracing::instrument(skip_all)]
    async fn confirm_email_code(
        &self,
        request: Request<pb::ConfirmCodeRequest>,
    ) -> Answer<pb::ConfirmCodeResponse> {
        self.confirm_code(Proof::Email, request.into_inner()).await
    }

    #[tracing::instrument(skip_all)]
    async fn request_phone_code(
        &self,
        request: Request<pb::RequestCodeRequest>,
    ) -> Answer<pb::RequestCodeResponse> {
        self.request_code(Proof::Phone, request).await
    }

    #[tracing::instrument(skip_all)]
    async fn confirm_phone_code(
        &self,
        request: Request<pb::ConfirmCodeRequest>,
    ) -> Answer<pb::ConfirmCodeResponse> {
        self.confirm_code(Proof::Phone, request.into_inner()).await
    }

    #[tracing::instrument(skip_all)]
    async fn start_recovery(
        &self,
        request: Request<pb::StartRecoveryRequest>,
    ) -> Answer<pb::StartRecoveryResponse> {
        let peer = request.remote_addr();
        let request = request.into_inner();
        let requester = requester(request.client.as_ref(), peer)?;
        let who = match (request.phone.as_str(), request.email.as_str()) {
            ("", "") => {
                return Err(
                    CoreError::invalid("phone", "The phone or the email is required.").into(),
                )
            }
            (phone, "") => Recover::Phone {
                phone,
                token: secret(&request.recovery_token),
            },
            (_, email) => Recover::Email {
                email,
                username: &request.username,
            },
        };
        let id = recovery::start(
            &self.store,
            &self.onboarding,
            &self.settings.default_domain,
            who,
            &requester,
            unix_now(),
        )
        .await?;
        Ok(Response::new(pb::StartRecoveryResponse {
            recovery_id: pb::SecretText::new(id.expose()),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn confirm_recovery(
        &self,
        request: Request<pb::ConfirmRecoveryRequest>,
    ) -> Answer<pb::ConfirmRecoveryResponse> {
        let request = request.into_inner();
        let account = recovery::confirm(
            &self.store,
            secret(&request.recovery_id),
            secret(&request.code),
            secret(&request.password),
            unix_now(),
        )
        .await?;
        Ok(Response::new(pb::ConfirmRecoveryResponse {
            account: Some(account.into()),
        }))
    }
}
