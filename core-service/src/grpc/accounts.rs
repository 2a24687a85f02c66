use flexiapi_proto::pb::{
    self, account_service_server::AccountService, get_account_request::Lookup,
};
use tonic::{Request, Response, Status};

use super::{unix_now, Api};
use crate::{accounts, error::CoreError, store::Store};

#[tonic::async_trait]
impl<S: Store> AccountService for Api<S> {
    #[tracing::instrument(skip_all, fields(username = %super::traced(&request.get_ref().username), domain = %super::traced(&request.get_ref().domain)))]
    async fn create_account(
        &self,
        request: Request<pb::CreateAccountRequest>,
    ) -> Result<Response<pb::CreateAccountResponse>, Status> {
        let request = request.into_inner();
        let new = accounts::CreateAccount {
            username: &request.username,
            domain: &request.domain,
            password: &request.password,
            algorithm: &request.algorithm,
            admin: request.admin,
        };
        let account =
            accounts::create(&self.store, &self.settings.default_domain, new, unix_now()).await?;
        tracing::info!(account_id = account.id, "account created");
        Ok(Response::new(pb::CreateAccountResponse {
            account: Some(account.into()),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn get_account(
        &self,
        request: Request<pb::GetAccountRequest>,
    ) -> Result<Response<pb::GetAccountResponse>, Status> {
        let account = match request.into_inner().lookup {
            Some(Lookup::Id(id)) => accounts::by_id(&self.store, id).await?,
            Some(Lookup::Address(address)) => {
                let address = self.address(&address.username, &address.domain)?;
                accounts::by_address(&self.store, &address).await?
            }
            None => return Err(CoreError::invalid("lookup", "give an id or an address").into()),
        };
        Ok(Response::new(pb::GetAccountResponse {
            account: Some(account.into()),
        }))
    }
}
