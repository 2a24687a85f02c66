//! API keys: 40 characters `[A-Za-z0-9]` from the OS random generator that
//! authenticate as their account. Only a key's SHA-256 is stored, so a
//! database dump yields no usable key; the key is shown once, when made.
//!
//! User keys (from `GET /api/accounts/me/api_key`) replace the account's
//! previous one and expire after `--api-key-idle-minutes` without use.
//! Named keys (from `core-service api-keys create`, for servers) never
//! expire unless given an idle expiry. Expiry is judged at every use; the
//! use itself is recorded at most once a minute per key ([`TOUCH_EVERY`]),
//! so a key's idle time is counted from a use up to a minute before its
//! last one, and a busy key costs no write per request.

use std::sync::Arc;

use crate::{
    domain::{
        model::{Account, ApiKey, Secret},
        random::{random_text, ALPHANUMERIC},
        AccountAddress,
    },
    error::{CoreError, Result},
    rules::{
        accounts::{roles::PendingAccess, store::AccountStore, Actor},
        api_keys::store::{ApiKeyStore, KeyWithOwner, NewApiKey},
    },
};

pub mod cache;
pub mod store;

use cache::KeyCache;

pub use crate::domain::random::fingerprint;

pub const KEY_LENGTH: usize = 40;
/// How stale a recorded use may be before a use writes it again.
pub const TOUCH_EVERY: i64 = 60;
/// The longest idle expiry a named key may have: ten years.
const MAX_IDLE_MINUTES: i64 = 10 * 366 * 24 * 60;
/// The scope of a key for Flexisip's delegated SIP checks and nothing else:
/// it sits in Flexisip's configuration and travels in URLs, so it must open
/// no account management. Keys of the API have the empty scope.
pub const EXTERNAL_AUTH: &str = "external-auth";

/// A scope a caller asks for or a key is made with: the API's ("") or
/// [`EXTERNAL_AUTH`].
pub fn parse_scope(raw: &str) -> Result<&str> {
    match raw {
        "" | EXTERNAL_AUTH => Ok(raw),
        _ => Err(CoreError::invalid(
            "scope",
            format!("must be empty (the API) or {EXTERNAL_AUTH}"),
        )),
    }
}

/// A new key (see [`random_text`]).
pub fn generate() -> Result<Secret> {
    random_text(ALPHANUMERIC, KEY_LENGTH)
}

/// Whether a string could be a key at all: others never reach the database.
fn well_formed(key: &str) -> bool {
    key.len() == KEY_LENGTH && key.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn parse_name(raw: &str) -> Result<&str> {
    let valid = (1..=64).contains(&raw.len())
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if valid {
        Ok(raw)
    } else {
        Err(CoreError::invalid(
            "name",
            "must be 1 to 64 characters among letters, digits, '_', '.' and '-'",
        ))
    }
}

/// A new user key for the actor, replacing its previous one.
pub async fn create_user_key(
    store: &impl ApiKeyStore,
    actor: &Actor,
    idle_minutes: i64,
    now: i64,
) -> Result<(Secret, ApiKey)> {
    let key = generate()?;
    let stored = store
        .insert_api_key(NewApiKey {
            account_id: actor.account.id,
            name: "",
            key_sha256: &fingerprint(key.expose()),
            idle_expiry_seconds: Some(idle_minutes.saturating_mul(60)),
            now,
            scope: "",
        })
        .await?;
    Ok((key, stored))
}

/// What a named key is made of, besides its owner.
pub struct NamedKey<'a> {
    pub name: &'a str,
    /// 0: never expires.
    pub idle_minutes: i64,
    /// "" (the API) or [`EXTERNAL_AUTH`].
    pub scope: &'a str,
}

/// A named key for a server, owned by `owner`. A key of [`EXTERNAL_AUTH`]
/// vouches for SIP identities, so only an admin may own one.
pub async fn create_named_key(
    store: &(impl ApiKeyStore + AccountStore),
    owner: &AccountAddress,
    named: NamedKey<'_>,
    now: i64,
) -> Result<(Secret, ApiKey, Account)> {
    let NamedKey {
        name,
        idle_minutes,
        scope,
    } = named;
    let name = parse_name(name)?;
    let scope = parse_scope(scope)?;
    if !(0..=MAX_IDLE_MINUTES).contains(&idle_minutes) {
        return Err(CoreError::invalid(
            "idle_expiry_minutes",
            format!("must be between 0 (never) and {MAX_IDLE_MINUTES}"),
        ));
    }
    let account = crate::rules::accounts::by_address(store, owner).await?;
    if scope == EXTERNAL_AUTH && !account.admin {
        return Err(CoreError::invalid(
            "scope",
            format!("a key of scope {EXTERNAL_AUTH} must belong to an admin"),
        ));
    }
    let key = generate()?;
    let stored = store
        .insert_api_key(NewApiKey {
            account_id: account.id,
            name,
            key_sha256: &fingerprint(key.expose()),
            idle_expiry_seconds: (idle_minutes > 0).then(|| idle_minutes * 60),
            now,
            scope,
        })
        .await?;
    Ok((key, stored, account))
}

/// The activated account a key authenticates as; `None` for a key that is
/// malformed, unknown, revoked, expired, or of another scope than `scope`
/// (validated by [`parse_scope`]), or of [`EXTERNAL_AUTH`] whose owner is no
/// longer an admin. A key found lately is judged by its copy in `keys`
/// while that is current, with no statement; a refusal is always read
/// again ([`cache`]).
pub async fn verify(
    store: &(impl ApiKeyStore + AccountStore),
    keys: &KeyCache,
    key: &str,
    scope: &str,
    pending: PendingAccess,
    now: i64,
) -> Result<Option<Account>> {
    if !well_formed(key) {
        return Ok(None);
    }
    let key_sha256 = fingerprint(key);
    if let Some(copy) = keys.current(&key_sha256) {
        if admits(&copy, scope, pending, now) {
            return Ok(Some(used(store, keys, &key_sha256, copy, now).await?));
        }
    }
    let start = keys.lease().read_starts();
    let Some(found) = store.api_key_with_owner(&key_sha256).await? else {
        keys.forget(&key_sha256);
        return Ok(None);
    };
    keys.lease().observe(found.epoch, start);
    let found = Arc::new(found);
    keys.insert(&key_sha256, found.clone());
    if !admits(&found, scope, pending, now) {
        return Ok(None);
    }
    Ok(Some(used(store, keys, &key_sha256, found, now).await?))
}

/// Whether the key lets its owner in for `scope` at `now`.
fn admits(found: &KeyWithOwner, scope: &str, pending: PendingAccess, now: i64) -> bool {
    let (stored, account) = (&found.key, &found.account);
    !stored.expired(now)
        && pending.admits(account)
        && stored.scope == scope
        && (scope != EXTERNAL_AUTH || account.admin)
}

/// Records a use of the key when the last one recorded is older than
/// [`TOUCH_EVERY`] (in the database and in the copy), and answers its owner.
async fn used(
    store: &impl ApiKeyStore,
    keys: &KeyCache,
    key_sha256: &str,
    found: Arc<KeyWithOwner>,
    now: i64,
) -> Result<Account> {
    if found.key.last_used_at >= now - TOUCH_EVERY {
        return Ok(found.account.clone());
    }
    store
        .touch_api_key(found.key.id, now, now - TOUCH_EVERY)
        .await?;
    let mut touched = KeyWithOwner::clone(&found);
    touched.key.last_used_at = now;
    let account = touched.account.clone();
    keys.insert(key_sha256, Arc::new(touched));
    Ok(account)
}

/// The keys of `owner`, or of every account; never a key, only what it is.
pub async fn list(
    store: &(impl ApiKeyStore + AccountStore),
    owner: Option<&AccountAddress>,
) -> Result<Vec<(ApiKey, Account)>> {
    let account_id = match owner {
        Some(owner) => Some(crate::rules::accounts::by_address(store, owner).await?.id),
        None => None,
    };
    let mut listed = Vec::new();
    for key in store.api_keys(account_id).await? {
        if let Some(account) = store.account_by_id(key.account_id).await? {
            listed.push((key, account));
        }
    }
    Ok(listed)
}

/// NOT_FOUND (`API key`) when the owner has no key of that name.
pub async fn revoke(
    store: &(impl ApiKeyStore + AccountStore),
    owner: &AccountAddress,
    name: &str,
) -> Result<()> {
    let account = crate::rules::accounts::by_address(store, owner).await?;
    if store.delete_api_key(account.id, name).await? {
        Ok(())
    } else {
        Err(CoreError::NotFound("API key"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_40_alphanumerics_and_differ() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_eq!(a.expose().len(), KEY_LENGTH);
        assert!(well_formed(a.expose()), "{}", a.expose());
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn every_character_of_the_alphabet_is_drawn() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            seen.extend(generate().unwrap().expose().bytes());
        }
        assert_eq!(seen.len(), ALPHANUMERIC.len());
    }

    #[test]
    fn only_the_fingerprint_is_kept_and_malformed_keys_are_refused_early() {
        // echo -n 'abc' | sha256sum
        assert_eq!(
            fingerprint("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        for bad in [
            "",
            "short",
            &"a".repeat(41),
            &format!("{}!", "a".repeat(39)),
        ] {
            assert!(!well_formed(bad), "{bad}");
        }
        assert!(parse_name("flexisip-proxy.1").is_ok());
        assert!(parse_name("").is_err());
        assert!(parse_name("has space").is_err());
        assert!(parse_name(&"n".repeat(65)).is_err());
    }

    #[test]
    fn only_the_api_and_external_auth_are_scopes() {
        assert_eq!(parse_scope("").unwrap(), "");
        assert_eq!(parse_scope("external-auth").unwrap(), EXTERNAL_AUTH);
        for bad in ["External-Auth", "admin", "external-auth "] {
            assert!(parse_scope(bad).is_err(), "{bad}");
        }
    }
}
