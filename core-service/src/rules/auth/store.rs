//! The storage Digest authentication (nonces) needs: the rules define it, an adapter
//! ([`crate::adapters::sql`]) implements it. Times are Unix seconds.

use std::future::Future;

use crate::{error::Result, rules::auth::nonces::NonceRecord};

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
    /// Stores a nonce the caller issued, at its first right answer, unless
    /// one of that value is stored or the account epoch has moved on from
    /// `epoch` (then false, and nothing was stored). Never evicts.
    fn insert_caller_nonce(
        &self,
        record: &NonceRecord,
        epoch: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// How many caller-issued nonces of the account expire after `now`.
    fn live_caller_nonces(
        &self,
        account_id: i64,
        now: i64,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Deletes nonces that expired before `horizon`; returns how many.
    fn purge_nonces(&self, horizon: i64) -> impl Future<Output = Result<u64>> + Send;
}
