//! The storage interface: one trait per thing the core owns. All SQL lives
//! behind it, in [`sql`]; the rules above it (`accounts`, `auth`, `devices`)
//! only see these records.
//!
//! Times are Unix seconds (`BIGINT`) on every backend: comparisons for expiry
//! are then plain integer comparisons that SQLite and PostgreSQL agree on.

use std::future::Future;

use crate::{
    domain::{Algorithm, DeviceUuid, Domain, Username},
    error::Result,
    nonces::NonceRecord,
    passwords::Secret,
};

mod pg_nonces;
pub mod sql;
mod sqlite_nonces;

pub use sql::SqlStore;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub domain: String,
    pub activated: bool,
    pub admin: bool,
    pub created_at: i64,
}

/// One stored password: the HA1 for one algorithm.
#[derive(Debug, Clone)]
pub struct Credential {
    pub algorithm: Algorithm,
    pub ha1: Secret,
}

pub struct NewAccount<'a> {
    pub username: &'a Username,
    pub domain: &'a Domain,
    pub admin: bool,
    pub credential: Credential,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub uuid: String,
    pub contact: String,
    pub user_agent: String,
    pub expires_at: i64,
    pub updated_at: i64,
}

pub trait AccountStore {
    /// Inserts the account and its password in one transaction.
    /// `AlreadyExists` (field `username`) when the name is taken in the domain.
    fn create_account(&self, new: NewAccount<'_>) -> impl Future<Output = Result<Account>> + Send;
    fn account_by_id(&self, id: i64) -> impl Future<Output = Result<Option<Account>>> + Send;
    fn account_by_address(
        &self,
        username: &str,
        domain: &Domain,
    ) -> impl Future<Output = Result<Option<Account>>> + Send;
    /// Whether any account is an admin (to bootstrap the first one).
    fn has_admin(&self) -> impl Future<Output = Result<bool>> + Send;
    /// The current `account_epoch` (see [`ActiveAccount::epoch`]).
    fn account_epoch(&self) -> impl Future<Output = Result<i64>> + Send;
    /// The activated account at this address with its passwords, in one
    /// query (Flexisip's own, joined, plus the account epoch); `None` when
    /// there is no such activated account.
    fn active_account(
        &self,
        username: &str,
        domain: &Domain,
    ) -> impl Future<Output = Result<Option<ActiveAccount>>> + Send;
}

/// An activated account with its passwords, as read at one account epoch.
#[derive(Debug, Clone)]
pub struct ActiveAccount {
    pub account: Account,
    /// MD5 first; empty for an account without a password.
    pub credentials: Vec<Credential>,
    /// The `account_epoch` counter at the time of the read. Every change to
    /// accounts or passwords moves it on, so a statement that requires it
    /// unchanged cannot act on a stale copy of this account.
    pub epoch: i64,
}

/// A use of a nonce to accept, if and only if every stored fact still holds.
pub struct NonceUse<'a> {
    pub nonce: &'a str,
    pub opaque: &'a str,
    pub account_id: i64,
    pub nc: u32,
    pub now: i64,
    /// The epoch the caller's copy of the account was read at.
    pub epoch: i64,
}

pub trait NonceStore {
    fn nonce(&self, nonce: &str) -> impl Future<Output = Result<Option<NonceRecord>>> + Send;
    /// Stores the nonce unless the account epoch has moved on from `epoch`
    /// (then false: the caller's account is stale, and nothing was stored).
    fn insert_nonce(
        &self,
        record: &NonceRecord,
        epoch: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Accepts the use in one atomic statement: the nonce is the account's,
    /// with this opaque, unexpired, its last `nc` below this one, and the
    /// epoch unchanged. Of concurrent callers with the same `nc`, on any
    /// replica, at most one gets true.
    fn accept_nonce(&self, used: &NonceUse<'_>) -> impl Future<Output = Result<bool>> + Send;
    fn delete_nonce(&self, nonce: &str) -> impl Future<Output = Result<()>> + Send;
    /// Deletes nonces that expired before `horizon`; returns how many.
    fn purge_nonces(&self, horizon: i64) -> impl Future<Output = Result<u64>> + Send;
}

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

/// Everything the core needs from storage, as one bound.
pub trait Store: AccountStore + NonceStore + DeviceStore + Clone + Send + Sync + 'static {}

impl<T> Store for T where T: AccountStore + NonceStore + DeviceStore + Clone + Send + Sync + 'static {}
