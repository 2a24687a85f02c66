//! The core's Digest nonces, signed instead of stored: a challenge costs no
//! statement and no memory, and any replica tells a genuine nonce from a
//! forged one, or one issued to another account, without I/O.
//!
//! A nonce is hex of the layout in [`flexiapi_proto::routing`]: a version,
//! the id of the key that signed it, the instance id of the replica that
//! issued it, the issue time (milliseconds), 16 random bytes, and an
//! HMAC-SHA-256 (first 16 bytes) over all of that and the account's id and
//! realm. Only the issuing replica keeps the counts of its answered nonces
//! ([`super::answered`]): another replica that gets one answers `stale=true`
//! and the client takes a new challenge; the gateway routes each answer to
//! its issuer, so that happens only when the issuer is gone.
//!
//! The keys live in the database (`nonce_keys`): the first is made at
//! migrate, `core-service nonce-keys rotate` adds one. Every replica reads
//! them at start and every [`KEY_REFRESH`]. A new key signs only once
//! [`KEY_ACTIVATION_SECONDS`] have passed, so every replica knows it before
//! any nonce it signed arrives; the key it replaces still verifies for one
//! nonce TTL after that.

use std::{sync::Arc, time::Duration};

use arc_swap::ArcSwap;
use flexiapi_proto::routing::{
    NONCE_BYTES, NONCE_INSTANCE, NONCE_ISSUED_MS, NONCE_KEY_ID, NONCE_MAC, NONCE_RANDOM,
    NONCE_VERSION,
};
use hmac::{Hmac, Mac as _};
use sha2::{Digest as _, Sha256};

use crate::{
    error::Result,
    rules::auth::{digest::Rejection, store::NonceStore},
};

type HmacSha256 = Hmac<Sha256>;

/// How often a replica reads the keys again.
pub const KEY_REFRESH: Duration = Duration::from_secs(10);
/// How old a key must be before it signs: three refreshes, so every replica
/// has read it by then.
pub const KEY_ACTIVATION_SECONDS: i64 = 30;
/// Keys kept at a rotation: the new one, the one signing, the one before.
const KEYS_KEPT: i64 = 3;

/// One signing key, as stored.
#[derive(Clone)]
pub struct NonceKey {
    pub id: u16,
    /// HMAC keyed with the secret, cloned for each nonce: keying hashes two
    /// blocks, a third of what signing or opening a nonce costs.
    keyed: HmacSha256,
    /// Unix seconds.
    pub created_at: i64,
}

impl std::fmt::Debug for NonceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("NonceKey")
            .field("id", &self.id)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

impl NonceKey {
    /// A stored row; `None` (logged) for one this version cannot use.
    pub fn from_row(id: i64, secret_hex: &str, created_at: i64) -> Option<Self> {
        let id = u16::try_from(id).ok();
        let mut secret = [0u8; 32];
        let decoded = hex::decode_to_slice(secret_hex, &mut secret).is_ok();
        match id {
            Some(id) if decoded => Some(Self {
                id,
                // HMAC takes a key of any length: this cannot fail.
                keyed: <HmacSha256 as hmac::Mac>::new_from_slice(&secret)
                    .unwrap_or_else(|_| unreachable!("HMAC accepts any key length")),
                created_at,
            }),
            _ => {
                tracing::warn!(created_at, "a nonce key row is malformed; it is ignored");
                None
            }
        }
    }

    fn mac(&self) -> HmacSha256 {
        self.keyed.clone()
    }
}

/// A new nonce and the opaque that goes with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub nonce: String,
    pub opaque: String,
}

/// A genuine nonce of this replica, for this account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// Its random part: what its answered state is kept under.
    pub id: [u8; 16],
    pub issued_ms: u64,
    pub expires_ms: u64,
    /// The opaque its challenge carried, which the answer must echo.
    pub opaque: String,
}

/// The keys in force and this replica's instance id.
#[derive(Debug)]
pub struct Keyring {
    /// Sorted by id; never empty once loaded.
    keys: ArcSwap<Vec<NonceKey>>,
    instance: u64,
}

impl Keyring {
    /// A keyring with these keys, for a replica with a random instance id.
    pub fn new(keys: Vec<NonceKey>) -> Result<Self> {
        let mut instance = [0u8; 8];
        getrandom::fill(&mut instance)
            .map_err(|e| anyhow::anyhow!("the operating system gave no random bytes: {e}"))?;
        let ring = Self {
            keys: ArcSwap::from_pointee(Vec::new()),
            instance: u64::from_be_bytes(instance),
        };
        ring.replace(keys)?;
        Ok(ring)
    }

    /// The keys as stored now (at least one: see [`ensure_key`]).
    pub async fn load(store: &impl NonceStore) -> Result<Self> {
        Self::new(stored_keys(store).await?)
    }

    pub fn instance(&self) -> u64 {
        self.instance
    }

    fn replace(&self, mut keys: Vec<NonceKey>) -> Result<()> {
        if keys.is_empty() {
            return Err(anyhow::anyhow!(
                "no nonce key is stored: run `core-service migrate` (or start the core once)"
            )
            .into());
        }
        keys.sort_by_key(|key| key.id);
        self.keys.store(Arc::new(keys));
        Ok(())
    }

    /// Reads the keys again (see [`KEY_REFRESH`]).
    pub async fn refresh(&self, store: &impl NonceStore) -> Result<()> {
        self.replace(stored_keys(store).await?)
    }

    /// A new nonce for the account, signed by the key in force at `now_ms`.
    pub fn issue(&self, account_id: i64, realm: &str, now_ms: u64) -> Result<Issued> {
        let keys = self.keys.load();
        let key = signing_key(&keys, seconds(now_ms));
        let mut bytes = [0u8; NONCE_BYTES];
        bytes[0] = NONCE_VERSION;
        bytes[NONCE_KEY_ID..NONCE_INSTANCE].copy_from_slice(&key.id.to_be_bytes());
        bytes[NONCE_INSTANCE..NONCE_ISSUED_MS].copy_from_slice(&self.instance.to_be_bytes());
        bytes[NONCE_ISSUED_MS..NONCE_RANDOM].copy_from_slice(&now_ms.to_be_bytes()[2..]);
        getrandom::fill(&mut bytes[NONCE_RANDOM..NONCE_MAC])
            .map_err(|e| anyhow::anyhow!("the operating system gave no random bytes: {e}"))?;
        let mac = signature(key, &bytes[..NONCE_MAC], account_id, realm);
        bytes[NONCE_MAC..].copy_from_slice(&mac);
        Ok(Issued {
            nonce: hex::encode(bytes),
            opaque: opaque_of(&mac),
        })
    }

    /// Opens a nonce answered for this account: `Nonce invalid` unless this
    /// core signed it for this account (and realm) with a key still in
    /// force; `stale` ([`Rejection::NonceExpired`]) when another replica
    /// issued it. Expiry is the caller's to judge, after the nonce's state.
    pub fn open(
        &self,
        nonce: &str,
        account_id: i64,
        realm: &str,
        ttl_ms: u64,
        now_ms: u64,
    ) -> Result<Opened, Rejection> {
        let mut bytes = [0u8; NONCE_BYTES];
        if hex::decode_to_slice(nonce, &mut bytes).is_err() || bytes[0] != NONCE_VERSION {
            return Err(Rejection::NonceInvalid);
        }
        let key_id = u16::from_be_bytes([bytes[NONCE_KEY_ID], bytes[NONCE_KEY_ID + 1]]);
        let keys = self.keys.load();
        let key =
            accepted_key(&keys, key_id, seconds(now_ms), ttl_ms).ok_or(Rejection::NonceInvalid)?;
        let mut mac = key.mac();
        feed(&mut mac, &bytes[..NONCE_MAC], account_id, realm);
        // Constant time, on the first 16 bytes.
        mac.verify_truncated_left(&bytes[NONCE_MAC..])
            .map_err(|_| Rejection::NonceInvalid)?;
        let mut instance = [0u8; 8];
        instance.copy_from_slice(&bytes[NONCE_INSTANCE..NONCE_ISSUED_MS]);
        if u64::from_be_bytes(instance) != self.instance {
            return Err(Rejection::NonceExpired);
        }
        let mut issued = [0u8; 8];
        issued[2..].copy_from_slice(&bytes[NONCE_ISSUED_MS..NONCE_RANDOM]);
        let issued_ms = u64::from_be_bytes(issued);
        let mut id = [0u8; 16];
        id.copy_from_slice(&bytes[NONCE_RANDOM..NONCE_MAC]);
        Ok(Opened {
            id,
            issued_ms,
            expires_ms: issued_ms.saturating_add(ttl_ms),
            opaque: opaque_of(&bytes[NONCE_MAC..]),
        })
    }
}

fn seconds(ms: u64) -> i64 {
    i64::try_from(ms / 1_000).unwrap_or(i64::MAX)
}

/// The newest key old enough to sign, else the oldest (a new database's
/// first key, which every replica reads at start).
fn signing_key(keys: &[NonceKey], now: i64) -> &NonceKey {
    keys.iter()
        .rev()
        .find(|key| key.created_at.saturating_add(KEY_ACTIVATION_SECONDS) <= now)
        .unwrap_or(&keys[0])
}

/// The key `id` if a nonce it signed may still be answered: the signing
/// key, a newer one, or an older one for one TTL after it stopped signing.
fn accepted_key(keys: &[NonceKey], id: u16, now: i64, ttl_ms: u64) -> Option<&NonceKey> {
    let signing = signing_key(keys, now);
    let key = keys.iter().find(|key| key.id == id)?;
    if key.id >= signing.id {
        return Some(key);
    }
    let successor = keys.iter().find(|k| k.id > key.id)?;
    let retired_at = successor.created_at.saturating_add(KEY_ACTIVATION_SECONDS);
    let ttl = i64::try_from(ttl_ms / 1_000).unwrap_or(i64::MAX);
    (now < retired_at.saturating_add(ttl)).then_some(key)
}

fn feed(mac: &mut HmacSha256, header: &[u8], account_id: i64, realm: &str) {
    mac.update(header);
    mac.update(&account_id.to_be_bytes());
    mac.update(realm.as_bytes());
}

fn signature(key: &NonceKey, header: &[u8], account_id: i64, realm: &str) -> [u8; 16] {
    let mut mac = key.mac();
    feed(&mut mac, header, account_id, realm);
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

/// The opaque of a nonce: a digest of its MAC, so it needs no storage
/// either (the opaque is the server's data echoed back, not a secret).
fn opaque_of(mac: &[u8]) -> String {
    let digest = Sha256::new()
        .chain_update(b"flexiapi opaque")
        .chain_update(mac)
        .finalize();
    hex::encode(&digest[..16])
}

async fn stored_keys(store: &impl NonceStore) -> Result<Vec<NonceKey>> {
    let rows = store.nonce_keys().await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, secret, created_at)| NonceKey::from_row(id, &secret, created_at))
        .collect())
}

fn random_secret() -> Result<String> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| anyhow::anyhow!("the operating system gave no random bytes: {e}"))?;
    Ok(hex::encode(secret))
}

/// Makes the first key if none is stored (at migrate and at start: two
/// replicas starting together make one).
pub async fn ensure_key(store: &impl NonceStore, now: i64) -> Result<()> {
    store.add_first_nonce_key(&random_secret()?, now).await
}

/// Adds a key, which signs from [`KEY_ACTIVATION_SECONDS`] on, and drops
/// the keys no nonce can use any more. Returns the new key's id.
pub async fn rotate(store: &impl NonceStore, now: i64) -> Result<i64> {
    let id = store.add_nonce_key(&random_secret()?, now).await?;
    store.delete_nonce_keys_before(id - (KEYS_KEPT - 1)).await?;
    Ok(id)
}

#[cfg(test)]
mod tests;
