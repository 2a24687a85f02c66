//! The storage statistics need: the rules define it, an adapter
//! ([`crate::adapters::sql`]) implements it. Times are Unix microseconds.

use std::future::Future;

use super::fields::{Address, TerminatedState};
use crate::error::Result;

/// A device a call was forked to. In a write, `None` keeps what is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallDevice {
    pub device_id: String,
    pub rang_at: Option<i64>,
    /// When and how its INVITE ended: both or neither.
    pub terminated: Option<(i64, TerminatedState)>,
}

/// A call's own fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub id: String,
    pub sip_call_id: Option<String>,
    pub from: Address,
    pub to: Address,
    pub initiated_at: i64,
    pub ended_at: Option<i64>,
    pub conference_id: Option<String>,
}

/// A call as Flexisip posts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCall {
    pub call: Call,
    pub devices: Vec<CallDevice>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCallDevice {
    pub device: CallDevice,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCall {
    pub call: Call,
    pub devices: Vec<StoredCallDevice>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A recipient's device and its answer; in a write, `None` keeps what is
/// stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageDevice {
    pub to: Address,
    pub device_id: String,
    /// The SIP status and when it came: both or neither.
    pub answer: Option<(i64, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub id: String,
    pub from: Address,
    pub sent_at: i64,
    pub encrypted: bool,
    pub conference_id: Option<String>,
    pub devices: Vec<MessageDevice>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// With its devices as stored.
    pub message: NewMessage,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One page of a query, and how many records it has in all.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub offset: i64,
    pub limit: i64,
}

pub trait StatisticsStore {
    /// Inserts the call, or replaces the fields of the one with its id;
    /// its devices are merged. The call as stored after.
    fn record_call(
        &self,
        call: &NewCall,
        now: i64,
    ) -> impl Future<Output = Result<StoredCall>> + Send;
    /// `None` when no call has this id.
    fn end_call(
        &self,
        id: &str,
        ended_at: i64,
        now: i64,
    ) -> impl Future<Output = Result<Option<StoredCall>>> + Send;
    /// Creates or merges one device entry; `None` when no call has this id.
    fn record_call_device(
        &self,
        call_id: &str,
        device: &CallDevice,
        now: i64,
    ) -> impl Future<Output = Result<Option<StoredCall>>> + Send;
    fn record_message(
        &self,
        message: &NewMessage,
        now: i64,
    ) -> impl Future<Output = Result<StoredMessage>> + Send;
    fn record_message_device(
        &self,
        message_id: &str,
        device: &MessageDevice,
        now: i64,
    ) -> impl Future<Output = Result<Option<StoredMessage>>> + Send;
    /// The calls from or to `address`, newest `initiated_at` first, and
    /// their number.
    fn calls_of(
        &self,
        address: &Address,
        window: Window,
    ) -> impl Future<Output = Result<(Vec<StoredCall>, i64)>> + Send;
    /// The messages `address` sent or received, newest `sent_at` first.
    fn messages_of(
        &self,
        address: &Address,
        window: Window,
    ) -> impl Future<Output = Result<(Vec<StoredMessage>, i64)>> + Send;
    /// Deletes the calls initiated and messages sent before `before`;
    /// their numbers.
    fn purge_statistics(&self, before: i64) -> impl Future<Output = Result<(u64, u64)>> + Send;
}
