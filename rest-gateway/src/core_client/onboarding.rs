//! `OnboardingService`: the app sign-up, validation and recovery calls of
//! contract part 4. Tokens, codes and passwords travel in `SecretText`.

use flexiapi_proto::pb::{self, SecretText};

use super::{account_in, CoreClient};
use crate::error::ApiError;

/// A token the core made, with its expiry.
pub struct Issued {
    pub token: String,
    pub expire_at: Option<prost_types::Timestamp>,
}

impl From<pb::IssuedToken> for Issued {
    fn from(issued: pb::IssuedToken) -> Self {
        Self {
            token: issued.token.map(|t| t.value).unwrap_or_default(),
            expire_at: issued.expire_at,
        }
    }
}

impl CoreClient {
    pub async fn create_request_token(
        &self,
        client: pb::OnboardingClient,
    ) -> Result<Issued, ApiError> {
        let request = pb::CreateRequestTokenRequest {
            client: Some(client),
        };
        let answer = rpc!(
            self,
            onboarding.create_request_token(request),
            "flexiapi.v1.OnboardingService/CreateRequestToken"
        )?;
        Ok(answer.into())
    }

    pub async fn check_token(
        &self,
        kind: pb::TokenKind,
        token: &str,
    ) -> Result<pb::TokenState, ApiError> {
        let request = pb::CheckTokenRequest {
            kind: kind.into(),
            token: SecretText::new(token),
        };
        let answer = rpc!(
            self,
            onboarding.check_token(request),
            "flexiapi.v1.OnboardingService/CheckToken"
        )?;
        Ok(answer.state())
    }

    pub async fn validate_request_token(&self, token: &str) -> Result<(), ApiError> {
        let request = pb::ValidateRequestTokenRequest {
            token: SecretText::new(token),
        };
        rpc!(
            self,
            onboarding.validate_request_token(request),
            "flexiapi.v1.OnboardingService/ValidateRequestToken"
        )?;
        Ok(())
    }

    pub async fn exchange_request_token(
        &self,
        token: &str,
        client: pb::OnboardingClient,
    ) -> Result<Issued, ApiError> {
        let request = pb::ExchangeRequestTokenRequest {
            request_token: SecretText::new(token),
            client: Some(client),
        };
        let answer = rpc!(
            self,
            onboarding.exchange_request_token(request),
            "flexiapi.v1.OnboardingService/ExchangeRequestToken"
        )?;
        Ok(answer.into())
    }

    pub async fn send_creation_token_by_push(
        &self,
        request: pb::SendTokenByPushRequest,
    ) -> Result<(), ApiError> {
        rpc!(
            self,
            onboarding.send_creation_token_by_push(request),
            "flexiapi.v1.OnboardingService/SendCreationTokenByPush"
        )?;
        Ok(())
    }

    pub async fn send_recovery_token_by_push(
        &self,
        request: pb::SendTokenByPushRequest,
    ) -> Result<(), ApiError> {
        rpc!(
            self,
            onboarding.send_recovery_token_by_push(request),
            "flexiapi.v1.OnboardingService/SendRecoveryTokenByPush"
        )?;
        Ok(())
    }

    pub async fn create_admin_creation_token(
        &self,
        actor: pb::Actor,
        client: pb::OnboardingClient,
    ) -> Result<Issued, ApiError> {
        let request = pb::CreateAdminCreationTokenRequest {
            actor: Some(actor),
            client: Some(client),
        };
        let answer = rpc!(
            self,
            onboarding.create_admin_creation_token(request),
            "flexiapi.v1.OnboardingService/CreateAdminCreationToken"
        )?;
        Ok(answer.into())
    }

    pub async fn consume_creation_token(
        &self,
        actor: pb::Actor,
        token: &str,
    ) -> Result<Issued, ApiError> {
        let request = pb::ConsumeCreationTokenRequest {
            actor: Some(actor),
            token: SecretText::new(token),
        };
        let answer = rpc!(
            self,
            onboarding.consume_creation_token(request),
            "flexiapi.v1.OnboardingService/ConsumeCreationToken"
        )?;
        Ok(answer.into())
    }

    pub async fn create_account_with_token(
        &self,
        request: pb::CreateAccountWithTokenRequest,
    ) -> Result<pb::Account, ApiError> {
        let answer = rpc!(
            self,
            onboarding.create_account_with_token(request),
            "flexiapi.v1.OnboardingService/CreateAccountWithToken"
        )?;
        account_in(answer.account, "CreateAccountWithToken")
    }

    pub async fn request_code(
        &self,
        phone: bool,
        request: pb::RequestCodeRequest,
    ) -> Result<(), ApiError> {
        if phone {
            rpc!(
                self,
                onboarding.request_phone_code(request),
                "flexiapi.v1.OnboardingService/RequestPhoneCode"
            )?;
        } else {
            rpc!(
                self,
                onboarding.request_email_code(request),
                "flexiapi.v1.OnboardingService/RequestEmailCode"
            )?;
        }
        Ok(())
    }

    pub async fn confirm_code(
        &self,
        phone: bool,
        actor: pb::Actor,
        code: &str,
    ) -> Result<pb::Account, ApiError> {
        let request = pb::ConfirmCodeRequest {
            actor: Some(actor),
            code: SecretText::new(code),
        };
        let answer = if phone {
            rpc!(
                self,
                onboarding.confirm_phone_code(request),
                "flexiapi.v1.OnboardingService/ConfirmPhoneCode"
            )?
        } else {
            rpc!(
                self,
                onboarding.confirm_email_code(request),
                "flexiapi.v1.OnboardingService/ConfirmEmailCode"
            )?
        };
        account_in(answer.account, "ConfirmCode")
    }

    /// The opaque id of the code form.
    pub async fn start_recovery(
        &self,
        request: pb::StartRecoveryRequest,
    ) -> Result<String, ApiError> {
        let answer = rpc!(
            self,
            onboarding.start_recovery(request),
            "flexiapi.v1.OnboardingService/StartRecovery"
        )?;
        Ok(answer.recovery_id.map(|id| id.value).unwrap_or_default())
    }

    pub async fn confirm_recovery(
        &self,
        request: pb::ConfirmRecoveryRequest,
    ) -> Result<pb::Account, ApiError> {
        let answer = rpc!(
            self,
            onboarding.confirm_recovery(request),
            "flexiapi.v1.OnboardingService/ConfirmRecovery"
        )?;
        account_in(answer.account, "ConfirmRecovery")
    }
}
