//! The storage Digest authentication needs: the keys its nonces are signed
//! with, and a proxy's nonces recorded at their first answer. The rules
//! define it, an adapter ([`crate::adapters::sql`]) implements it. Times
//! are Unix seconds.

use std::future::Future;

use crate::{error::Result, rules::auth::nonces::NonceRecord};

pub trait NonceStore {
    /// Stores a nonce the caller issued, at its first right answer, unless
    /// one of that value is stored (then false: another replica, or this
    /// one before it forgot it, recorded it first).
    fn insert_caller_nonce(
        &self,
        record: &NonceRecord,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// How many caller-issued nonces of the account expire after `now`.
    fn live_caller_nonces(
        &self,
        account_id: i64,
        now: i64,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Deletes nonces that expired before `horizon`; returns how many.
    fn purge_nonces(&self, horizon: i64) -> impl Future<Output = Result<u64>> + Send;
    /// Every signing key: id, secret (hex), creation time.
    fn nonce_keys(&self) -> impl Future<Output = Result<Vec<(i64, String, i64)>>> + Send;
    /// Stores `secret` as key 1 unless a key exists.
    fn add_first_nonce_key(
        &self,
        secret: &str,
        created_at: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Stores `secret` as the next key; returns its id.
    fn add_nonce_key(
        &self,
        secret: &str,
        created_at: i64,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Deletes the keys with an id below `id`.
    fn delete_nonce_keys_before(&self, id: i64) -> impl Future<Output = Result<()>> + Send;
}
