use flexiapi_proto::pb::{self, device_service_server::DeviceService};
use tonic::{Request, Response, Status};

use super::{unix_now, Api};
use crate::{
    domain::model::Account,
    error::CoreError,
    rules::{devices, Store},
};

/// The requests that name whose devices they are about.
trait NamesOwner {
    fn owner(&self) -> (&str, &str, Option<&pb::Actor>, i64);
}

macro_rules! names_owner {
    ($($request:ty),*) => {$(
        impl NamesOwner for $request {
            fn owner(&self) -> (&str, &str, Option<&pb::Actor>, i64) {
                (&self.username, &self.domain, self.actor.as_ref(), self.account_id)
            }
        }
    )*};
}

names_owner!(
    pb::ListDevicesRequest,
    pb::RemoveDeviceRequest,
    pb::WatchDevicesRequest
);

impl<S: Store> Api<S> {
    async fn owner_of(&self, request: &impl NamesOwner) -> crate::error::Result<Account> {
        let (username, domain, actor, account_id) = request.owner();
        self.device_owner(username, domain, actor, account_id).await
    }
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
        let (owner, device) =
            devices::upsert(&self.store, &address, registration, unix_now()).await?;
        self.watchers.database_changed(owner);
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
        let owner = self.owner_of(&request).await?;
        let devices = self.current_devices(&owner).await?;
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
        let owner = self.owner_of(&request).await?;
        match &self.registrar {
            Some(registrar) => {
                devices::remove_from_registrar(
                    registrar,
                    &devices::aor(&owner),
                    &request.uuid,
                    unix_now(),
                )
                .await?
            }
            None => {
                devices::remove(&self.store, owner.id, &request.uuid, unix_now()).await?;
                self.watchers.database_changed(owner.id);
            }
        }
        Ok(Response::new(pb::RemoveDeviceResponse {}))
    }

    type WatchDevicesStream = super::watch::DeviceStream;

    #[tracing::instrument(skip_all, fields(username = %super::traced(&request.get_ref().username), domain = %super::traced(&request.get_ref().domain)))]
    async fn watch_devices(
        &self,
        request: Request<pb::WatchDevicesRequest>,
    ) -> Result<Response<Self::WatchDevicesStream>, Status> {
        let request = request.into_inner();
        let owner = self.owner_of(&request).await?;
        Ok(Response::new(self.watch(owner).await?))
    }
}
