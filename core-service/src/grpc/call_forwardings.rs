//! `CallForwardingService`: contract part 6's call forwardings, the
//! user's own or an administered account's.

use flexiapi_proto::pb::{self, call_forwarding_service_server::CallForwardingService};
use tonic::{Request, Response, Status};

use super::{timestamp, unix_now, Api};
use crate::{
    domain::model::Account,
    error::Result,
    rules::{
        call_forwardings::{self as rules, store::StoredForwarding, ForwardingInput},
        Store,
    },
};

pub(super) fn forwarding(stored: StoredForwarding) -> pb::CallForwarding {
    pb::CallForwarding {
        id: stored.id,
        r#type: stored.kind.as_str().into(),
        forward_to: stored.forward_to.as_str().into(),
        sip_uri: stored.sip_uri,
        enabled: stored.enabled,
        contact_id: stored.contact_id,
        created_at: timestamp(stored.created_at),
        updated_at: timestamp(stored.updated_at),
        contact_sip_uri: stored.contact_sip_uri,
    }
}

impl<S: Store> Api<S> {
    /// The account a call is about, within the actor's reach.
    async fn forwarding_owner(&self, owner: Option<&pb::CallForwardingOwner>) -> Result<Account> {
        let owner = owner.cloned().unwrap_or_default();
        let actor = self.actor(owner.actor.as_ref()).await?;
        actor
            .own_or_administered(&self.store, owner.account_id)
            .await
    }

    async fn write_forwarding(
        &self,
        request: pb::WriteCallForwardingRequest,
        id: Option<i64>,
    ) -> Result<pb::CallForwarding> {
        let owner = self.forwarding_owner(request.owner.as_ref()).await?;
        let input = ForwardingInput {
            kind: request.r#type.as_deref(),
            forward_to: request.forward_to.as_deref(),
            sip_uri: request.sip_uri.as_deref(),
            enabled: request.enabled,
            contact_id: request.contact_id,
        };
        let written = rules::write(&self.store, &owner, id, input, unix_now()).await?;
        Ok(forwarding(written))
    }
}

#[tonic::async_trait]
impl<S: Store> CallForwardingService for Api<S> {
    #[tracing::instrument(skip_all, fields(account_id = request.get_ref().account_id))]
    async fn list_call_forwardings(
        &self,
        request: Request<pb::CallForwardingOwner>,
    ) -> Result<Response<pb::ListCallForwardingsResponse>, Status> {
        let owner = self.forwarding_owner(Some(request.get_ref())).await?;
        let found = rules::list(&self.store, &owner).await?;
        Ok(Response::new(pb::ListCallForwardingsResponse {
            call_forwardings: found.into_iter().map(forwarding).collect(),
        }))
    }

    #[tracing::instrument(skip_all, fields(id = request.get_ref().id))]
    async fn get_call_forwarding(
        &self,
        request: Request<pb::CallForwardingRef>,
    ) -> Result<Response<pb::CallForwarding>, Status> {
        let request = request.into_inner();
        let owner = self.forwarding_owner(request.owner.as_ref()).await?;
        let found = rules::get(&self.store, &owner, request.id).await?;
        Ok(Response::new(forwarding(found)))
    }

    #[tracing::instrument(skip_all)]
    async fn create_call_forwarding(
        &self,
        request: Request<pb::WriteCallForwardingRequest>,
    ) -> Result<Response<pb::CallForwarding>, Status> {
        let written = self.write_forwarding(request.into_inner(), None).await?;
        Ok(Response::new(written))
    }

    #[tracing::instrument(skip_all, fields(id = request.get_ref().id))]
    async fn update_call_forwarding(
        &self,
        request: Request<pb::WriteCallForwardingRequest>,
    ) -> Result<Response<pb::CallForwarding>, Status> {
        let request = request.into_inner();
        let id = request.id;
        let written = self.write_forwarding(request, Some(id)).await?;
        Ok(Response::new(written))
    }

    #[tracing::instrument(skip_all, fields(id = request.get_ref().id))]
    async fn delete_call_forwarding(
        &self,
        request: Request<pb::CallForwardingRef>,
    ) -> Result<Response<pb::DeleteCallForwardingResponse>, Status> {
        let request = request.into_inner();
        let owner = self.forwarding_owner(request.owner.as_ref()).await?;
        rules::delete(&self.store, &owner, request.id).await?;
        Ok(Response::new(pb::DeleteCallForwardingResponse {}))
    }
}
