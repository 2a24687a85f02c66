use flexiapi_proto::pb::{self, device_service_server::DeviceService};
use tonic::{Request, Response, Status};

use super::{unix_now, Api};
use crate::{devices, error::CoreError, model::Account, store::Store};

/// Flexisip's address of record of an account, its registrar key without `fs:`.
fn aor(account: &Account) -> String {
    format!("{}@{}", account.username, account.domain)
}

#[tonic::async_trait]
impl<S: Store> DeviceService for Api<S> {
    #[tracing::instrument(skip_all, fields(username = %super::traced(&request.get_ref().username), domain = %super::traced(&request.get_ref().domain)))]
    async fn upsert_device(
        &self,
        request: Request<pb::UpsertDeviceRequest>,
    ) -> Result<Response<pb::UpsertDeviceResponse>, Status> {
        if self.registrar.is_some() {
            return Err(CoreError::FailedPrecondition(
                "Flexisip's registrar records the bindings itself (--registrar-redis-url)",
            )
            .into());
        }
        let request = request.into_inner();
        let address = self.address(&request.username, &request.domain)?;
        let registration = devices::Registration {
            uuid: &request.uuid,
            contact: &request.contact,
            user_agent: &request.user_agent,
            expires_seconds: request.expires_seconds,
        };
        let device = devices::upsert(&self.store, &address, registration, unix_now()).await?;
        Ok(Response::new(pb::UpsertDeviceResponse {
            device: device.map(Into::into),
        }))
    }

    #[tracing::instrument(skip_all, fields(username = %super::traced(&request.get_ref().username), domain = %super::traced(&request.get_ref().domain)))]
    async fn list_devices(
        &self,
        request: Request<pb::ListDevicesRequest>,
    ) -> Result<Response<pb::ListDevicesResponse>, Status> {
        let request = request.into_inner();
        let owner = self
            .device_owner(
                &request.username,
                &request.domain,
                request.actor.as_ref(),
                request.account_id,
            )
            .await?;
        let devices = match &self.registrar {
            Some(registrar) => registrar.devices(&aor(&owner), unix_now()).await?,
            None => devices::list(&self.store, owner.id, unix_now()).await?,
        };
        Ok(Response::new(pb::ListDevicesResponse {
            devices: devices.into_iter().map(Into::into).collect(),
        }))
    }

    #[tracing::instrument(skip_all, fields(username = %super::traced(&request.get_ref().username), domain = %super::traced(&request.get_ref().domain)))]
    async fn remove_device(
        &self,
        request: Request<pb::RemoveDeviceRequest>,
    ) -> Result<Response<pb::RemoveDeviceResponse>, Status> {
        let request = request.into_inner();
        let owner = self
            .device_owner(
                &request.username,
                &request.domain,
                request.actor.as_ref(),
                request.account_id,
            )
            .await?;
        match &self.registrar {
            Some(registrar) => {
                devices::remove_from_registrar(registrar, &aor(&owner), &request.uuid, unix_now())
                    .await?
            }
            None => devices::remove(&self.store, owner.id, &request.uuid, unix_now()).await?,
        }
        Ok(Response::new(pb::RemoveDeviceResponse {}))
    }
}
