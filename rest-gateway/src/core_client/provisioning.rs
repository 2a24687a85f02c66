//! `ProvisioningService`: contract part 5. Documents, tokens and keys
//! travel in `SecretText`.

use flexiapi_proto::pb::{self, SecretText};

use super::{account_in, onboarding::Issued, CoreClient};
use crate::error::ApiError;

/// A provisioning token and the account it opens.
pub struct ProvisioningToken {
    pub account: pb::Account,
    pub issued: Issued,
}

fn by_token(token: &str, context: pb::ProvisioningContext) -> pb::ProvisionByTokenRequest {
    pb::ProvisionByTokenRequest {
        token: SecretText::new(token),
        context: Some(context),
    }
}

fn xml_of(document: pb::ProvisioningDocument) -> String {
    document.xml.map(|x| x.value).unwrap_or_default()
}

impl CoreClient {
    pub async fn create_provisioning_token(
        &self,
        actor: pb::Actor,
        account_id: i64,
        client: pb::OnboardingClient,
    ) -> Result<ProvisioningToken, ApiError> {
        let request = pb::CreateProvisioningTokenRequest {
            actor: Some(actor),
            account_id,
            client: Some(client),
        };
        let answer = rpc!(
            self,
            provisioning.create_provisioning_token(request),
            "flexiapi.v1.ProvisioningService/CreateProvisioningToken"
        )?;
        Ok(ProvisioningToken {
            account: account_in(answer.account, "CreateProvisioningToken")?,
            issued: Issued {
                token: answer.token.map(|t| t.value).unwrap_or_default(),
                expire_at: answer.expire_at,
            },
        })
    }

    pub async fn send_provisioning_email(
        &self,
        actor: pb::Actor,
        account_id: i64,
        context: pb::ProvisioningContext,
    ) -> Result<(), ApiError> {
        let request = pb::SendProvisioningEmailRequest {
            actor: Some(actor),
            account_id,
            context: Some(context),
        };
        rpc!(
            self,
            provisioning.send_provisioning_email(request),
            "flexiapi.v1.ProvisioningService/SendProvisioningEmail"
        )?;
        Ok(())
    }

    pub async fn check_provisioning_token(
        &self,
        token: &str,
        context: pb::ProvisioningContext,
    ) -> Result<(), ApiError> {
        let request = by_token(token, context);
        rpc!(
            self,
            provisioning.check_provisioning_token(request),
            "flexiapi.v1.ProvisioningService/CheckProvisioningToken"
        )?;
        Ok(())
    }

    pub async fn provision_by_token(
        &self,
        token: &str,
        context: pb::ProvisioningContext,
    ) -> Result<String, ApiError> {
        let request = by_token(token, context);
        let answer = rpc!(
            self,
            provisioning.provision_by_token(request),
            "flexiapi.v1.ProvisioningService/ProvisionByToken"
        )?;
        Ok(xml_of(answer))
    }

    pub async fn provision_me(
        &self,
        request: pb::ProvisionMeRequest,
    ) -> Result<pb::ProvisionMeResponse, ApiError> {
        rpc!(
            self,
            provisioning.provision_me(request),
            "flexiapi.v1.ProvisioningService/ProvisionMe"
        )
    }

    pub async fn provision_anonymous(&self) -> Result<String, ApiError> {
        let answer = rpc!(
            self,
            provisioning.provision_anonymous(pb::ProvisionAnonymousRequest {}),
            "flexiapi.v1.ProvisioningService/ProvisionAnonymous"
        )?;
        Ok(xml_of(answer))
    }

    pub async fn create_auth_token(
        &self,
        client: pb::OnboardingClient,
    ) -> Result<Issued, ApiError> {
        let request = pb::CreateAuthTokenRequest {
            client: Some(client),
        };
        let answer = rpc!(
            self,
            provisioning.create_auth_token(request),
            "flexiapi.v1.ProvisioningService/CreateAuthToken"
        )?;
        Ok(answer.into())
    }

    pub async fn attach_auth_token(
        &self,
        actor: pb::Actor,
        token: &str,
        client: pb::OnboardingClient,
    ) -> Result<(), ApiError> {
        let request = pb::AttachAuthTokenRequest {
            actor: Some(actor),
            token: SecretText::new(token),
            client: Some(client),
        };
        rpc!(
            self,
            provisioning.attach_auth_token(request),
            "flexiapi.v1.ProvisioningService/AttachAuthToken"
        )?;
        Ok(())
    }

    pub async fn provision_by_auth_token(
        &self,
        token: &str,
        context: pb::ProvisioningContext,
    ) -> Result<String, ApiError> {
        let request = by_token(token, context);
        let answer = rpc!(
            self,
            provisioning.provision_by_auth_token(request),
            "flexiapi.v1.ProvisioningService/ProvisionByAuthToken"
        )?;
        Ok(xml_of(answer))
    }

    pub async fn api_key_from_auth_token(
        &self,
        token: &str,
        context: pb::ProvisioningContext,
    ) -> Result<String, ApiError> {
        let request = by_token(token, context);
        let answer = rpc!(
            self,
            provisioning.api_key_from_auth_token(request),
            "flexiapi.v1.ProvisioningService/ApiKeyFromAuthToken"
        )?;
        Ok(answer.api_key.map(|k| k.value).unwrap_or_default())
    }
}
