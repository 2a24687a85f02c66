//! Keys found lately, kept in memory under the account epoch's lease, so
//! that a request by a known key costs no statement, as a Digest answer on
//! a known nonce costs none.
//!
//! Every change that may refuse a key (revoked, replaced, its scope or idle
//! expiry changed, its last use moved back) moves the account epoch (the
//! `api_key_epoch` migration), as every change to its owner does; recording
//! a use (`last_used_at` forward) does not. A copy is used only while the lease of
//! [`AccountCache`] says its epoch is current, and only to let a request
//! in: a copy that would refuse is read again, since another replica may
//! have recorded a use since, and a refusal is never in a hurry.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use super::store::KeyWithOwner;
use crate::rules::auth::account_cache::AccountCache;

#[derive(Debug)]
pub struct KeyCache {
    /// By the key's SHA-256 (hex), never the key.
    entries: Mutex<HashMap<String, Arc<KeyWithOwner>>>,
    /// Bound on the number of keys held; 0 keeps none.
    capacity: usize,
    /// The accounts' cache, whose lease on the epoch the copies are judged by.
    lease: Arc<AccountCache>,
}

impl KeyCache {
    pub fn new(capacity: usize, lease: Arc<AccountCache>) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity,
            lease,
        }
    }

    /// The lease the copies are judged by.
    pub fn lease(&self) -> &AccountCache {
        &self.lease
    }

    /// The copy of the key with this SHA-256, while the lease says it is current.
    pub fn current(&self, key_sha256: &str) -> Option<Arc<KeyWithOwner>> {
        if !self.lease.trusted() {
            return None;
        }
        let newest = self.lease.newest_epoch();
        self.lock()
            .get(key_sha256)
            .filter(|found| found.epoch >= newest)
            .cloned()
    }

    /// Keeps `found`, replacing the copy of the same key. When full of
    /// other keys, stale copies go first, then an arbitrary one.
    pub fn insert(&self, key_sha256: &str, found: Arc<KeyWithOwner>) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(key_sha256) {
            let newest = self.lease.newest_epoch();
            entries.retain(|_, kept| kept.epoch >= newest);
            if entries.len() >= self.capacity {
                if let Some(victim) = entries.keys().next().cloned() {
                    entries.remove(&victim);
                }
            }
        }
        entries.insert(key_sha256.to_owned(), found);
    }

    /// Drops the copy of a key the database no longer has.
    pub fn forget(&self, key_sha256: &str) {
        self.lock().remove(key_sha256);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<KeyWithOwner>>> {
        // The map holds no invariant a panicking holder could break halfway.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::{
        domain::model::{Account, ApiKey},
        rules::auth::account_cache::TRUSTED_FOR,
    };

    fn found(id: i64, epoch: i64) -> Arc<KeyWithOwner> {
        Arc::new(KeyWithOwner {
            key: ApiKey {
                id,
                account_id: 1,
                name: String::new(),
                idle_expiry_seconds: None,
                created_at: 0,
                last_used_at: 0,
                scope: String::new(),
            },
            account: Account::default(),
            epoch,
        })
    }

    fn cache(capacity: usize, confirmed: Option<i64>) -> KeyCache {
        let lease = Arc::new(AccountCache::new(10));
        if let Some(epoch) = confirmed {
            lease.observe(epoch, lease.read_starts());
        }
        KeyCache::new(capacity, lease)
    }

    #[test]
    fn a_copy_serves_while_its_epoch_is_current() {
        let keys = cache(10, Some(5));
        keys.insert("aa", found(1, 5));
        assert_eq!(keys.current("aa").map(|f| f.key.id), Some(1));
        assert!(keys.current("bb").is_none());
        // Any change anywhere moves the epoch: the copy is read again.
        keys.lease().observe(6, keys.lease().read_starts());
        assert!(keys.current("aa").is_none());
    }

    #[test]
    fn no_copy_serves_without_a_recent_read_of_the_epoch() {
        let keys = cache(10, Some(5));
        keys.insert("aa", found(1, 5));
        assert!(keys.current("aa").is_some());
        std::thread::sleep(TRUSTED_FOR + Duration::from_millis(10));
        assert!(keys.current("aa").is_none(), "the lease has run out");
        keys.lease().observe(5, keys.lease().read_starts());
        assert!(keys.current("aa").is_some(), "and is renewed");
    }

    #[test]
    fn the_map_stays_within_its_capacity() {
        let keys = cache(2, Some(5));
        keys.insert("aa", found(1, 4));
        keys.insert("bb", found(2, 5));
        keys.insert("cc", found(3, 5));
        // The stale copy went first.
        assert!(keys.current("bb").is_some());
        assert!(keys.current("cc").is_some());
        keys.insert("dd", found(4, 5));
        assert_eq!(keys.lock().len(), 2);
        assert!(keys.current("dd").is_some());
        keys.forget("dd");
        assert!(keys.current("dd").is_none());
        let none = cache(0, Some(5));
        none.insert("aa", found(1, 5));
        assert!(none.current("aa").is_none());
    }
}
