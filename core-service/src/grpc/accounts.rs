use flexiapi_proto::pb::{
    self, account_service_server::AccountService, get_account_request::Lookup,
    search_account_request::By, AccountState,
};
use tonic::{Request, Response, Status};

use super::{unix_now, Api};
use crate::{
    error::CoreError,
    rules::{
        accounts::{
            self,
            manage::{self, ListQuery, Search, StateChange, Update},
            password::{self, PasswordChange},
            ProfileInput,
        },
        auth::throttle::Key,
        Store,
    },
};

fn answer<T>(
    account: crate::domain::model::Account,
    wrap: impl FnOnce(Option<pb::Account>) -> T,
) -> Response<T> {
    Response::new(wrap(Some(account.into())))
}

#[tonic::async_trait]
impl<S: Store> AccountService for Api<S> {
    #[tracing::instrument(skip_all, fields(username = %super::traced(&request.get_ref().username), domain = %super::traced(&request.get_ref().domain)))]
    async fn create_account(
        &self,
        request: Request<pb::CreateAccountRequest>,
    ) -> Result<Response<pb::CreateAccountResponse>, Status> {
        let request = request.into_inner();
        let actor = match &request.actor {
            Some(actor) => Some(self.actor(Some(actor)).await?),
            None => None,
        };
        let new = accounts::CreateAccount {
            username: &request.username,
            domain: &request.domain,
            password: &request.password,
            algorithm: &request.algorithm,
            admin: request.admin,
            activated: request.activated.unwrap_or(true),
            blocked: request.blocked,
            pending: false,
            spend_token: None,
            profile: ProfileInput {
                email: request.email.as_deref(),
                display_name: request.display_name.as_deref(),
                phone: request.phone.as_deref(),
                dictionary: Some(&request.dictionary),
            },
        };
        let default_domain = &self.settings.default_domain;
        let account =
            accounts::create(&self.store, default_domain, actor.as_ref(), new, unix_now()).await?;
        tracing::info!(account_id = account.id, "account created");
        Ok(answer(account, |account| pb::CreateAccountResponse {
            account,
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn get_account(
        &self,
        request: Request<pb::GetAccountRequest>,
    ) -> Result<Response<pb::GetAccountResponse>, Status> {
        let request = request.into_inner();
        // Its own account is one of the calls a pending account may make.
        let own = request.lookup.is_none();
        let actor = match &request.actor {
            Some(actor) if own => Some(self.pending_actor(Some(actor)).await?),
            Some(actor) => Some(self.actor(Some(actor)).await?),
            None => None,
        };
        let account = match (request.lookup, actor) {
            // Its own account, for anyone.
            (None, Some(actor)) => actor.account,
            (None, None) => {
                return Err(CoreError::invalid("lookup", "give an id or an address").into())
            }
            // On someone's behalf: an admin's, within its reach (itself included).
            (Some(lookup), actor) => {
                if let Some(actor) = &actor {
                    actor.require_admin()?;
                }
                let account = match lookup {
                    Lookup::Id(id) => accounts::by_id(&self.store, id).await?,
                    Lookup::Address(address) => {
                        let address = self.address(&address.username, &address.domain)?;
                        accounts::by_address(&self.store, &address).await?
                    }
                };
                if actor.is_some_and(|actor| !actor.reaches(&account)) {
                    return Err(CoreError::NotFound("account").into());
                }
                account
            }
        };
        Ok(answer(account, |account| pb::GetAccountResponse {
            account,
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn list_accounts(
        &self,
        request: Request<pb::ListAccountsRequest>,
    ) -> Result<Response<pb::ListAccountsResponse>, Status> {
        let request = request.into_inner();
        let actor = self.actor(request.actor.as_ref()).await?;
        let query = ListQuery {
            page: request.page,
            per_page: request.per_page,
            search: &request.search,
            domain: &request.domain,
        };
        let page = manage::list(&self.store, &actor, query).await?;
        Ok(Response::new(pb::ListAccountsResponse {
            accounts: page.accounts.into_iter().map(Into::into).collect(),
            total: page.total,
            page: page.page,
            per_page: page.per_page,
        }))
    }

    #[tracing::instrument(skip_all, fields(account_id = request.get_ref().id))]
    async fn update_account(
        &self,
        request: Request<pb::UpdateAccountRequest>,
    ) -> Result<Response<pb::UpdateAccountResponse>, Status> {
        let request = request.into_inner();
        let actor = self.actor(request.actor.as_ref()).await?;
        let update = Update {
            profile: ProfileInput {
                email: request.email.as_deref(),
                display_name: request.display_name.as_deref(),
                phone: request.phone.as_deref(),
                dictionary: Some(&request.dictionary),
            },
            username: request.username.as_deref(),
            password: request.password.as_deref(),
            algorithm: request.algorithm.as_deref(),
            activated: request.activated,
            blocked: request.blocked,
            admin: request.admin,
        };
        let account = manage::update(&self.store, &actor, request.id, update, unix_now()).await?;
        tracing::info!(account_id = account.id, "account updated");
        Ok(answer(account, |account| pb::UpdateAccountResponse {
            account,
        }))
    }

    #[tracing::instrument(skip_all, fields(account_id = request.get_ref().id))]
    async fn delete_account(
        &self,
        request: Request<pb::DeleteAccountRequest>,
    ) -> Result<Response<pb::DeleteAccountResponse>, Status> {
        let request = request.into_inner();
        let target = (request.id != 0).then_some(request.id);
        // A pending account may delete itself (an app drops an account it
        // could not validate).
        let actor = match target {
            None => self.pending_actor(request.actor.as_ref()).await?,
            Some(_) => self.actor(request.actor.as_ref()).await?,
        };
        // Read before: the rows go with the account, the files after it.
        let files = self
            .voicemail_files(target.unwrap_or(actor.account.id))
            .await?;
        manage::delete(&self.store, &actor, target, unix_now()).await?;
        self.remove_files(&files).await;
        tracing::info!(
            account_id = target.unwrap_or(actor.account.id),
            "account deleted"
        );
        Ok(Response::new(pb::DeleteAccountResponse {}))
    }

    #[tracing::instrument(skip_all, fields(account_id = request.get_ref().id))]
    async fn set_account_state(
        &self,
        request: Request<pb::SetAccountStateRequest>,
    ) -> Result<Response<pb::SetAccountStateResponse>, Status> {
        let request = request.into_inner();
        let state = match request.state() {
            AccountState::Activate => StateChange::Activate,
            AccountState::Deactivate => StateChange::Deactivate,
            AccountState::Block => StateChange::Block,
            AccountState::Unblock => StateChange::Unblock,
            AccountState::Unspecified => {
                return Err(CoreError::invalid(
                    "state",
                    "must be activate, deactivate, block or unblock",
                )
                .into())
            }
        };
        let actor = self.actor(request.actor.as_ref()).await?;
        let account = manage::set_state(&self.store, &actor, request.id, state, unix_now()).await?;
        tracing::info!(account_id = account.id, ?state, "account state changed");
        Ok(answer(account, |account| pb::SetAccountStateResponse {
            account,
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn change_password(
        &self,
        request: Request<pb::ChangePasswordRequest>,
    ) -> Result<Response<pb::ChangePasswordResponse>, Status> {
        let peer = request.remote_addr();
        let request = request.into_inner();
        let client = super::client(&request.client_address, peer)?;
        let actor = self.actor(request.actor.as_ref()).await?;
        let guard = Key::Account(actor.account.id, client);
        let now = unix_now();
        if let Err(retry_after_seconds) = self.guards.answers.check(guard, now) {
            return Err(CoreError::Throttled {
                retry_after_seconds,
            }
            .into());
        }
        let change = PasswordChange {
            old_password: &request.old_password,
            password: &request.password,
            algorithm: &request.algorithm,
            session_token: &request.session_token,
        };
        let account = match password::change(&self.store, &actor, change, now).await {
            Ok(account) => account,
            Err(error) => {
                if password::is_wrong_old_password(&error) {
                    let _ = self.guards.answers.failed(guard, now);
                }
                return Err(error.into());
            }
        };
        tracing::info!(account_id = account.id, "password changed");
        Ok(answer(account, |account| pb::ChangePasswordResponse {
            account,
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn search_account(
        &self,
        request: Request<pb::SearchAccountRequest>,
    ) -> Result<Response<pb::SearchAccountResponse>, Status> {
        let request = request.into_inner();
        let actor = self.actor(request.actor.as_ref()).await?;
        let by = match &request.by {
            Some(By::Sip(sip)) => Search::Sip(sip),
            Some(By::Email(email)) => Search::Email(email),
            None => return Err(CoreError::invalid("by", "give a SIP address or an email").into()),
        };
        let account =
            manage::search(&self.store, &actor, &self.settings.default_domain, by).await?;
        // Flexisip reads an account's forwardings in its search.
        let forwardings = crate::rules::call_forwardings::list(&self.store, &account).await?;
        Ok(answer(account, |account| pb::SearchAccountResponse {
            account,
            call_forwardings: forwardings
                .into_iter()
                .map(super::call_forwardings::forwarding)
                .collect(),
        }))
    }
}
