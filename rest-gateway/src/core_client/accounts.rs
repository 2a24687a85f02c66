//! `AccountService`: every call names the acting account; the core decides
//! what it may do.

use flexiapi_proto::pb;

use super::{account_in, CoreClient};
use crate::error::ApiError;

impl CoreClient {
    pub async fn create_account(
        &self,
        request: pb::CreateAccountRequest,
    ) -> Result<pb::Account, ApiError> {
        let answer = rpc!(
            self,
            accounts.create_account(request),
            "flexiapi.v1.AccountService/CreateAccount"
        )?;
        account_in(answer.account, "CreateAccount")
    }

    /// Account `id` as the actor's role allows; `None`: the actor's own.
    pub async fn get_account(
        &self,
        actor: pb::Actor,
        id: Option<i64>,
    ) -> Result<pb::Account, ApiError> {
        let request = pb::GetAccountRequest {
            lookup: id.map(pb::get_account_request::Lookup::Id),
            actor: Some(actor),
        };
        let answer = rpc!(
            self,
            accounts.get_account(request),
            "flexiapi.v1.AccountService/GetAccount"
        )?;
        account_in(answer.account, "GetAccount")
    }

    pub async fn list_accounts(
        &self,
        request: pb::ListAccountsRequest,
    ) -> Result<pb::ListAccountsResponse, ApiError> {
        rpc!(
            self,
            accounts.list_accounts(request),
            "flexiapi.v1.AccountService/ListAccounts"
        )
    }

    pub async fn update_account(
        &self,
        request: pb::UpdateAccountRequest,
    ) -> Result<pb::Account, ApiError> {
        let answer = rpc!(
            self,
            accounts.update_account(request),
            "flexiapi.v1.AccountService/UpdateAccount"
        )?;
        account_in(answer.account, "UpdateAccount")
    }

    /// `id` 0: the actor's own account.
    pub async fn delete_account(&self, actor: pb::Actor, id: i64) -> Result<(), ApiError> {
        let request = pb::DeleteAccountRequest {
            actor: Some(actor),
            id,
        };
        rpc!(
            self,
            accounts.delete_account(request),
            "flexiapi.v1.AccountService/DeleteAccount"
        )?;
        Ok(())
    }

    pub async fn set_account_state(
        &self,
        actor: pb::Actor,
        id: i64,
        state: pb::AccountState,
    ) -> Result<pb::Account, ApiError> {
        let request = pb::SetAccountStateRequest {
            actor: Some(actor),
            id,
            state: state.into(),
        };
        let answer = rpc!(
            self,
            accounts.set_account_state(request),
            "flexiapi.v1.AccountService/SetAccountState"
        )?;
        account_in(answer.account, "SetAccountState")
    }

    pub async fn change_password(
        &self,
        request: pb::ChangePasswordRequest,
    ) -> Result<pb::Account, ApiError> {
        let answer = rpc!(
            self,
            accounts.change_password(request),
            "flexiapi.v1.AccountService/ChangePassword"
        )?;
        account_in(answer.account, "ChangePassword")
    }

    /// The account found and its call forwardings (newest first).
    pub async fn search_account(
        &self,
        actor: pb::Actor,
        by: pb::search_account_request::By,
    ) -> Result<(pb::Account, Vec<pb::CallForwarding>), ApiError> {
        let request = pb::SearchAccountRequest {
            actor: Some(actor),
            by: Some(by),
        };
        let answer = rpc!(
            self,
            accounts.search_account(request),
            "flexiapi.v1.AccountService/SearchAccount"
        )?;
        let account = account_in(answer.account, "SearchAccount")?;
        Ok((account, answer.call_forwardings))
    }
}
