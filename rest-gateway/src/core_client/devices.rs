//! `DeviceService`, on behalf of an account: its own devices, or (an admin)
//! those of account `account_id`.

use flexiapi_proto::pb;

use super::CoreClient;
use crate::error::ApiError;

impl CoreClient {
    /// `account_id` 0: the actor's own devices.
    pub async fn list_devices(
        &self,
        actor: pb::Actor,
        account_id: i64,
    ) -> Result<Vec<pb::Device>, ApiError> {
        let request = pb::ListDevicesRequest {
            actor: Some(actor),
            account_id,
            ..Default::default()
        };
        let answer = rpc!(
            self,
            devices.list_devices(request),
            "flexiapi.v1.DeviceService/ListDevices"
        )?;
        Ok(answer.devices)
    }

    pub async fn remove_device(
        &self,
        actor: pb::Actor,
        account_id: i64,
        uuid: &str,
    ) -> Result<(), ApiError> {
        let request = pb::RemoveDeviceRequest {
            actor: Some(actor),
            account_id,
            uuid: uuid.to_owned(),
            ..Default::default()
        };
        rpc!(
            self,
            devices.remove_device(request),
            "flexiapi.v1.DeviceService/RemoveDevice"
        )?;
        Ok(())
    }
}
