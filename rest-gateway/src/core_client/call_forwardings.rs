//! `CallForwardingService`: contract part 6's call forwardings.

use flexiapi_proto::pb;

use super::CoreClient;
use crate::error::ApiError;

/// Whose forwardings: the actor's own (`None`) or account `id`'s.
pub fn owner(actor: pb::Actor, id: Option<i64>) -> Option<pb::CallForwardingOwner> {
    Some(pb::CallForwardingOwner {
        actor: Some(actor),
        account_id: id.unwrap_or(0),
    })
}

impl CoreClient {
    pub async fn list_call_forwardings(
        &self,
        owner: Option<pb::CallForwardingOwner>,
    ) -> Result<Vec<pb::CallForwarding>, ApiError> {
        let request = owner.unwrap_or_default();
        let answer = rpc!(
            self,
            call_forwardings.list_call_forwardings(request),
            "flexiapi.v1.CallForwardingService/ListCallForwardings"
        )?;
        Ok(answer.call_forwardings)
    }

    pub async fn get_call_forwarding(
        &self,
        owner: Option<pb::CallForwardingOwner>,
        id: i64,
    ) -> Result<pb::CallForwarding, ApiError> {
        let request = pb::CallForwardingRef { owner, id };
        rpc!(
            self,
            call_forwardings.get_call_forwarding(request),
            "flexiapi.v1.CallForwardingService/GetCallForwarding"
        )
    }

    pub async fn create_call_forwarding(
        &self,
        request: pb::WriteCallForwardingRequest,
    ) -> Result<pb::CallForwarding, ApiError> {
        rpc!(
            self,
            call_forwardings.create_call_forwarding(request),
            "flexiapi.v1.CallForwardingService/CreateCallForwarding"
        )
    }

    pub async fn update_call_forwarding(
        &self,
        request: pb::WriteCallForwardingRequest,
    ) -> Result<pb::CallForwarding, ApiError> {
        rpc!(
            self,
            call_forwardings.update_call_forwarding(request),
            "flexiapi.v1.CallForwardingService/UpdateCallForwarding"
        )
    }

    pub async fn delete_call_forwarding(
        &self,
        owner: Option<pb::CallForwardingOwner>,
        id: i64,
    ) -> Result<(), ApiError> {
        let request = pb::CallForwardingRef { owner, id };
        rpc!(
            self,
            call_forwardings.delete_call_forwarding(request),
            "flexiapi.v1.CallForwardingService/DeleteCallForwarding"
        )?;
        Ok(())
    }
}
