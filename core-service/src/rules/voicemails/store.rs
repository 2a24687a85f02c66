//! The storage voicemails need: the rules define it, an adapter
//! ([`crate::adapters::sql`]) implements it. Times are Unix seconds.

use std::future::Future;

use super::ContentType;
use crate::error::Result;

/// A voicemail row: an empty slot until `name` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVoicemail {
    /// The v4 UUID, lowercase.
    pub uuid: String,
    pub account_id: i64,
    pub sip_from: Option<String>,
    pub content_type: ContentType,
    /// `<random>_<client file name>`.
    pub name: Option<String>,
    pub size: Option<i64>,
    pub uploaded_at: Option<i64>,
    pub created_at: i64,
}

pub trait VoicemailStore {
    fn create_voicemail(
        &self,
        voicemail: &StoredVoicemail,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The account's voicemails, newest first.
    fn voicemails(
        &self,
        account_id: i64,
    ) -> impl Future<Output = Result<Vec<StoredVoicemail>>> + Send;
    fn voicemail(&self, uuid: &str)
        -> impl Future<Output = Result<Option<StoredVoicemail>>> + Send;
    /// Records the upload of an empty slot; false when it was filled
    /// meanwhile (or deleted), so one upload wins.
    fn fill_voicemail(
        &self,
        uuid: &str,
        name: &str,
        size: i64,
        now: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// The deleted row, if the account had it.
    fn delete_voicemail(
        &self,
        account_id: i64,
        uuid: &str,
    ) -> impl Future<Output = Result<Option<StoredVoicemail>>> + Send;
}
