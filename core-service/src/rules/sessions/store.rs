//! The storage sessions need: the rules define it, an adapter
//! ([`crate::adapters::sql`]) implements it. Times are Unix seconds.

use std::future::Future;

use crate::error::Result;

/// A session to store: only its token's SHA-256.
pub struct NewSession<'a> {
    pub account_id: i64,
    pub token_sha256: &'a str,
    pub csrf_token: &'a str,
    pub user_agent: &'a str,
    pub now: i64,
}

/// A session as stored (never its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub id: i64,
    pub account_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_used_at: i64,
    /// Its account was blocked while it was open: it ended then, and its
    /// next use says so (once).
    pub blocked: bool,
}

pub trait SessionStore {
    fn insert_session(&self, session: NewSession<'_>) -> impl Future<Output = Result<()>> + Send;
    fn session(
        &self,
        token_sha256: &str,
    ) -> impl Future<Output = Result<Option<StoredSession>>> + Send;
    /// Records a use at `now`, unless one was recorded since `since`: at
    /// most one write per session in that span.
    fn touch_session(
        &self,
        id: i64,
        now: i64,
        since: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// False when there was no such session.
    fn delete_session(&self, token_sha256: &str) -> impl Future<Output = Result<bool>> + Send;
    /// Deletes the sessions unused since `idle_before` or opened before
    /// `opened_before`; how many.
    fn purge_sessions(
        &self,
        idle_before: i64,
        opened_before: i64,
    ) -> impl Future<Output = Result<u64>> + Send;
}
