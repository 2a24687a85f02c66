//! Voicemails (contract part 6 §2): Flexisip's voicemail server reserves a
//! slot for a callee, then uploads the recording into it; the callee, or an
//! admin of its domain, lists, reads and deletes them. What is decided
//! here: who reaches which slot, what a slot and an upload must be (type
//! judged from the bytes, the size limit), and the stored file name. The
//! bytes themselves go to disk through the gRPC edge, which streams them.

use crate::{
    domain::model::Account,
    error::{CoreError, Result},
    rules::accounts::{roles::Actor, store::AccountStore},
};
use store::{StoredVoicemail, VoicemailStore};

pub mod store;

pub const NOT_FOUND: &str = "Voicemail not found";
pub const FILE_NOT_FOUND: &str = "File not found";
pub const ALREADY_UPLOADED: &str = "The file was already uploaded";
pub const TOO_LARGE: &str = "The file is too large";
/// FlexiAPI's words, on the `file` field.
pub const WRONG_TYPE: &str = "The file should have the declared mime-type";
/// The largest chunk of an upload or a download.
pub const CHUNK_BYTES: usize = 64 * 1024;
/// What a content check may need: an Ogg page header with its longest
/// segment table, then `OpusHead`.
pub const HEAD_BYTES: usize = 27 + 255 + 8;

/// `--voicemail-max-bytes`: the `max_upload_size` of every slot.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub max_bytes: u64,
}

/// The two types a recording may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentType {
    Wav,
    Opus,
}

/// What the first bytes of a file say of its declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Matches,
    Differs,
    /// Too few bytes yet to tell.
    NeedMore,
}

impl ContentType {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "audio/wav" => Some(Self::Wav),
            "audio/opus" => Some(Self::Opus),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wav => "audio/wav",
            Self::Opus => "audio/opus",
        }
    }

    /// Judges `head`, the first bytes of a file (at most [`HEAD_BYTES`]
    /// are looked at): WAV is `RIFF????WAVE`; Opus an Ogg page (`OggS`)
    /// whose first packet opens with `OpusHead`.
    pub fn judge(self, head: &[u8]) -> Verdict {
        let at = |start: usize, expected: &[u8]| match head.get(start..start + expected.len()) {
            Some(found) if found == expected => Verdict::Matches,
            Some(_) => Verdict::Differs,
            None => Verdict::NeedMore,
        };
        let both = |a: Verdict, b: Verdict| match (a, b) {
            (Verdict::Differs, _) | (_, Verdict::Differs) => Verdict::Differs,
            (Verdict::Matches, Verdict::Matches) => Verdict::Matches,
            _ => Verdict::NeedMore,
        };
        match self {
            Self::Wav => both(at(0, b"RIFF"), at(8, b"WAVE")),
            Self::Opus => {
                let page = at(0, b"OggS");
                match (page, head.get(26)) {
                    (Verdict::Matches, Some(segments)) => {
                        at(27 + usize::from(*segments), b"OpusHead")
                    }
                    (Verdict::Matches, None) => Verdict::NeedMore,
                    (other, _) => other,
                }
            }
        }
    }
}

/// The caller's address as Flexisip gives it (`asStringUriOnly`): a
/// `sip:` or `sips:` URI, at most 255 characters, no blank or control
/// character; an anonymous caller may have no user part, so none is
/// required.
fn valid_caller(raw: &str) -> bool {
    let (scheme, rest) = raw.split_once(':').unwrap_or_default();
    let scheme = scheme.to_ascii_lowercase();
    (scheme == "sip" || scheme == "sips")
        && !rest.is_empty()
        && raw.chars().count() <= 255
        && !raw.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// A new empty slot for `owner`.
pub async fn create(
    store: &impl VoicemailStore,
    owner: &Account,
    sip_from: Option<&str>,
    content_type: Option<&str>,
    now: i64,
) -> Result<StoredVoicemail> {
    let content_type = match content_type.map(ContentType::parse) {
        None => Err(CoreError::invalid(
            "content_type",
            "The content type field is required.",
        )),
        Some(None) => Err(CoreError::invalid(
            "content_type",
            "The selected content type is invalid.",
        )),
        Some(Some(parsed)) => Ok(parsed),
    };
    let sip_from = match sip_from {
        Some(raw) if !valid_caller(raw) => Err(CoreError::invalid(
            "sip_from",
            "The sip from must be a valid SIP URI.",
        )),
        other => Ok(other.map(str::to_owned)),
    };
    let (content_type, sip_from) = match (content_type, sip_from) {
        (Ok(content_type), Ok(sip_from)) => (content_type, sip_from),
        (content_type, sip_from) => {
            return Err(CoreError::merge([content_type.err(), sip_from.err()]))
        }
    };
    let voicemail = StoredVoicemail {
        uuid: uuid::Uuid::new_v4().to_string(),
        account_id: owner.id,
        sip_from,
        content_type,
        name: None,
        size: None,
        uploaded_at: None,
        created_at: now,
    };
    store.create_voicemail(&voicemail).await?;
    Ok(voicemail)
}

pub async fn list(store: &impl VoicemailStore, owner: &Account) -> Result<Vec<StoredVoicemail>> {
    store.voicemails(owner.id).await
}

/// A UUID as stored (lowercase, hyphenated), or nothing: a malformed id
/// is a voicemail that does not exist, never a database error.
fn canonical(uuid: &str) -> Option<String> {
    uuid::Uuid::try_parse(uuid).ok().map(|u| u.to_string())
}

pub async fn get(
    store: &impl VoicemailStore,
    owner: &Account,
    uuid: &str,
) -> Result<StoredVoicemail> {
    let Some(uuid) = canonical(uuid) else {
        return Err(CoreError::Missing(NOT_FOUND));
    };
    store
        .voicemail(&uuid)
        .await?
        .filter(|found| found.account_id == owner.id)
        .ok_or(CoreError::Missing(NOT_FOUND))
}

/// Deletes the row; the caller removes the file it names.
pub async fn delete(
    store: &impl VoicemailStore,
    owner: &Account,
    uuid: &str,
) -> Result<StoredVoicemail> {
    let Some(uuid) = canonical(uuid) else {
        return Err(CoreError::Missing(NOT_FOUND));
    };
    store
        .delete_voicemail(owner.id, &uuid)
        .await?
        .ok_or(CoreError::Missing(NOT_FOUND))
}

/// The empty slot an upload fills: the actor's own, or one of an account
/// it administers. A slot out of reach is not found, as an unknown one.
pub async fn upload_target(
    store: &(impl VoicemailStore + AccountStore),
    actor: &Actor,
    uuid: &str,
) -> Result<StoredVoicemail> {
    let missing = || CoreError::Missing(FILE_NOT_FOUND);
    let uuid = canonical(uuid).ok_or_else(missing)?;
    let slot = store.voicemail(&uuid).await?.ok_or_else(missing)?;
    if slot.account_id != actor.account.id {
        let account = store.account_by_id(slot.account_id).await?;
        if !account.is_some_and(|account| actor.reaches(&account)) {
            return Err(missing());
        }
    }
    if slot.name.is_some() {
        return Err(CoreError::FailedPrecondition(ALREADY_UPLOADED));
    }
    Ok(slot)
}

/// The stored name of an upload: `<random>_<client name>`, where the
/// client name is the last segment of the path the client gave (Flexisip
/// sends its full local path), with anything but letters, digits, `.`,
/// `-` and `_` made `_`, so the name is safe in a URL and on disk; at most
/// 128 characters. The random part (20 letters and digits, 119 bits) makes
/// the download URL unguessable.
pub fn stored_name(client_name: &str) -> Result<String> {
    let last = client_name.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut safe: String = last
        .chars()
        .take(128)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.trim_matches('.').is_empty() {
        safe = "voicemail".into();
    }
    let random = crate::domain::random::random_text(crate::domain::random::ALPHANUMERIC, 20)?;
    Ok(format!("{}_{safe}", random.expose()))
}

/// The random part of a stored name: what names the file on disk.
pub fn random_part(name: &str) -> &str {
    name.split('_').next().unwrap_or_default()
}

/// The bytes received so far are over the limit.
pub fn too_large(settings: Settings, received: u64) -> Result<()> {
    if received > settings.max_bytes {
        Err(CoreError::TooLarge(TOO_LARGE))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
