//! The storage devices needs: the rules define it, an adapter
//! ([`crate::adapters::sql`]) implements it. Times are Unix seconds.

use std::future::Future;

use crate::{
    domain::{model::Device, DeviceUuid},
    error::Result,
};

pub struct NewDevice<'a> {
    pub uuid: &'a DeviceUuid,
    pub contact: &'a str,
    pub user_agent: &'a str,
    pub expires_at: i64,
    pub updated_at: i64,
}

pub trait DeviceStore {
    /// Creates or refreshes the binding (account, uuid).
    fn upsert_device(
        &self,
        account_id: i64,
        device: NewDevice<'_>,
    ) -> impl Future<Output = Result<Device>> + Send;
    /// Bindings that expire after `now`, by uuid.
    fn live_devices(
        &self,
        account_id: i64,
        now: i64,
    ) -> impl Future<Output = Result<Vec<Device>>> + Send;
    /// Deletes the binding; true if it existed and was still live at `now`.
    fn remove_device(
        &self,
        account_id: i64,
        uuid: &DeviceUuid,
        now: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Deletes bindings expired at `now`; returns how many.
    fn purge_devices(&self, now: i64) -> impl Future<Output = Result<u64>> + Send;
}
