//! The storage provisioning needs: the rules define it, an adapter
//! ([`crate::adapters::sql`]) implements it. Times are Unix seconds; tokens
//! are only ever given as their SHA-256.

use std::future::Future;

use crate::{error::Result, rules::onboarding::store::Requester};

/// A token as stored; which columns mean something depends on its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub id: i64,
    /// Always set for a provisioning token; an auth token's once attached.
    pub account_id: Option<i64>,
    pub expires_at: Option<i64>,
    pub used_at: Option<i64>,
}

impl StoredToken {
    pub fn expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }
}

pub struct NewToken<'a> {
    pub token_sha256: &'a str,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub requester: &'a Requester,
}

pub trait ProvisioningStore {
    /// Stores the account's provisioning token in place of its previous
    /// one, used or not: an account has one current token.
    fn replace_provisioning_token(
        &self,
        account_id: i64,
        new: NewToken<'_>,
    ) -> impl Future<Output = Result<()>> + Send;
    fn provisioning_token(
        &self,
        token_sha256: &str,
    ) -> impl Future<Output = Result<Option<StoredToken>>> + Send;
    /// Uses the token: one statement, so of two concurrent uses one wins.
    fn use_provisioning_token(
        &self,
        id: i64,
        now: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Makes a used token usable again: the request that used it failed.
    fn release_provisioning_token(&self, id: i64) -> impl Future<Output = Result<()>> + Send;

    fn insert_auth_token(&self, new: NewToken<'_>) -> impl Future<Output = Result<()>> + Send;
    fn auth_token(
        &self,
        token_sha256: &str,
    ) -> impl Future<Output = Result<Option<StoredToken>>> + Send;
    /// Attaches an unattached, unused token to the account: false when
    /// another attach or a use came first.
    fn attach_auth_token(
        &self,
        id: i64,
        account_id: i64,
        now: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Uses an attached token once.
    fn use_auth_token(&self, id: i64, now: i64) -> impl Future<Output = Result<bool>> + Send;
    /// Makes a used auth token usable again: the request that used it failed.
    fn release_auth_token(&self, id: i64) -> impl Future<Output = Result<()>> + Send;

    /// Voids every token of the account (its deactivation).
    fn void_tokens(&self, account_id: i64) -> impl Future<Output = Result<()>> + Send;
    /// Deletes the tokens that can serve no more: used, or expired before
    /// `horizon`; how many.
    fn purge_provisioning(&self, horizon: i64) -> impl Future<Output = Result<u64>> + Send;
}
