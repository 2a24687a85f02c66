//! `SpaceService`: super admins' calls; the core refuses everyone else.

use flexiapi_proto::pb;

use super::CoreClient;
use crate::error::ApiError;

/// An answer that must hold a space but does not is a core bug.
fn space_in(space: Option<pb::Space>, rpc: &str) -> Result<pb::Space, ApiError> {
    space.ok_or_else(|| ApiError::Internal(format!("{rpc} answered without a space")))
}

impl CoreClient {
    pub async fn list_spaces(&self, actor: pb::Actor) -> Result<Vec<pb::Space>, ApiError> {
        let request = pb::ListSpacesRequest { actor: Some(actor) };
        let answer = rpc!(
            self,
            spaces.list_spaces(request),
            "flexiapi.v1.SpaceService/ListSpaces"
        )?;
        Ok(answer.spaces)
    }

    pub async fn get_space(&self, actor: pb::Actor, domain: String) -> Result<pb::Space, ApiError> {
        let request = pb::GetSpaceRequest {
            actor: Some(actor),
            domain,
        };
        let answer = rpc!(
            self,
            spaces.get_space(request),
            "flexiapi.v1.SpaceService/GetSpace"
        )?;
        space_in(answer.space, "GetSpace")
    }

    pub async fn create_space(
        &self,
        request: pb::CreateSpaceRequest,
    ) -> Result<pb::Space, ApiError> {
        let answer = rpc!(
            self,
            spaces.create_space(request),
            "flexiapi.v1.SpaceService/CreateSpace"
        )?;
        space_in(answer.space, "CreateSpace")
    }

    pub async fn update_space(
        &self,
        request: pb::UpdateSpaceRequest,
    ) -> Result<pb::Space, ApiError> {
        let answer = rpc!(
            self,
            spaces.update_space(request),
            "flexiapi.v1.SpaceService/UpdateSpace"
        )?;
        space_in(answer.space, "UpdateSpace")
    }

    pub async fn delete_space(&self, actor: pb::Actor, domain: String) -> Result<(), ApiError> {
        let request = pb::DeleteSpaceRequest {
            actor: Some(actor),
            domain,
        };
        rpc!(
            self,
            spaces.delete_space(request),
            "flexiapi.v1.SpaceService/DeleteSpace"
        )?;
        Ok(())
    }
}
