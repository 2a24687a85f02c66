//! The storage call forwardings need: the rules define it, an adapter
//! ([`crate::adapters::sql`]) implements it. Times are Unix seconds.

use std::future::Future;

use super::{ForwardTo, ForwardType};
use crate::error::Result;

/// A forwarding as stored, with its contact's address when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredForwarding {
    pub id: i64,
    pub kind: ForwardType,
    pub forward_to: ForwardTo,
    pub sip_uri: Option<String>,
    pub contact_id: Option<i64>,
    /// `sip:user@domain` of the contact account.
    pub contact_sip_uri: Option<String>,
    pub enabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a creation (`id` `None`) or an update writes.
#[derive(Debug, Clone)]
pub struct ForwardingWrite {
    pub account_id: i64,
    pub id: Option<i64>,
    pub kind: ForwardType,
    pub forward_to: ForwardTo,
    pub sip_uri: Option<String>,
    pub contact_id: Option<i64>,
    pub enabled: bool,
    pub now: i64,
}

/// Why a write was refused by what is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteRefusal {
    /// The account has a forwarding of this type already.
    TypeTaken,
    /// An enabled `always` beside an enabled `no_answer` or `busy`.
    Exclusive,
    /// The forwarding to update is not the account's.
    Missing,
}

pub trait CallForwardingStore {
    /// The account's forwardings, newest first.
    fn call_forwardings(
        &self,
        account_id: i64,
    ) -> impl Future<Output = Result<Vec<StoredForwarding>>> + Send;
    /// Writes under the account's lock, deciding the refusals in the same
    /// transaction, so two concurrent writes cannot both enable an
    /// `always` and a `busy`. The forwarding's id.
    fn write_call_forwarding(
        &self,
        write: ForwardingWrite,
    ) -> impl Future<Output = Result<std::result::Result<i64, WriteRefusal>>> + Send;
    /// False when the account has no such forwarding.
    fn delete_call_forwarding(
        &self,
        account_id: i64,
        id: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
}
