//! The storage API keys needs: the rules define it, an adapter
//! ([`crate::adapters::sql`]) implements it. Times are Unix seconds.

use std::future::Future;

use crate::{
    domain::model::{Account, ApiKey},
    error::Result,
};

/// A stored key, its owner, and the account epoch of the read that found
/// them (what [`super::cache::KeyCache`] judges a copy by).
#[derive(Debug, Clone)]
pub struct KeyWithOwner {
    pub key: ApiKey,
    pub account: Account,
    pub epoch: i64,
}

/// A key to store: only its SHA-256.
pub struct NewApiKey<'a> {
    pub account_id: i64,
    /// Empty: the account's user key, which replaces the previous one.
    pub name: &'a str,
    pub key_sha256: &'a str,
    pub idle_expiry_seconds: Option<i64>,
    pub now: i64,
    /// Empty: the API ([`crate::domain::model::ApiKey::scope`]).
    pub scope: &'a str,
}

pub trait ApiKeyStore {
    /// `AlreadyExists` (field `name`) for a named key the account has.
    fn insert_api_key(&self, key: NewApiKey<'_>) -> impl Future<Output = Result<ApiKey>> + Send;
    /// The key with this SHA-256, its owner and the account epoch, in one read.
    fn api_key_with_owner(
        &self,
        key_sha256: &str,
    ) -> impl Future<Output = Result<Option<KeyWithOwner>>> + Send;
    /// Records a use at `now`, unless one was recorded since `since`: at
    /// most one write per key in that span, however busy the key.
    fn touch_api_key(
        &self,
        id: i64,
        now: i64,
        since: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The keys of one account, or of all (`None`), by owner then name.
    fn api_keys(&self, account_id: Option<i64>)
        -> impl Future<Output = Result<Vec<ApiKey>>> + Send;
    /// False when the account has no key of that name.
    fn delete_api_key(
        &self,
        account_id: i64,
        name: &str,
    ) -> impl Future<Output = Result<bool>> + Send;
}
