//! Active accounts kept in memory, so that checking a Digest answer with a
//! reused nonce costs one statement (the nonce's compare-and-set) instead of
//! a read of the account and its passwords first.
//!
//! A copy is never trusted on its own: each carries the account epoch it was
//! read at (see the `account_epoch` migration), and the nonce statements that
//! decide anything require that epoch unchanged. When any change to accounts
//! or passwords has moved the epoch on, by this replica, another one or an
//! operator's SQL, those statements refuse, and the caller reads the account
//! again. A stale copy can cost a read; it can never let anyone in.
//!
//! `GetCredentials` runs no such statement: it answers from memory only
//! while [`AccountCache::follow_epoch`] has read the epoch in the last
//! [`CONFIRMED_WITHIN`], so a change reaches it within about that long.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicI64, AtomicU64, Ordering},
        Arc, Mutex, PoisonError,
    },
    time::{Duration, Instant},
};

use tokio::sync::watch;

use crate::{
    domain::{model::ActiveAccount, AccountAddress},
    error::{CoreError, Result},
    rules::accounts::store::AccountStore,
};

/// How often [`AccountCache::follow_epoch`] reads the epoch.
const FOLLOW_EVERY: Duration = Duration::from_millis(100);
/// How recent the last read of the epoch must be for `GetCredentials` to
/// answer from memory: a missed read or two, then every call reads again
/// (and the database being down shows as UNAVAILABLE, not as old data).
const CONFIRMED_WITHIN: Duration = Duration::from_millis(250);

#[derive(Debug)]
pub struct AccountCache {
    entries: Mutex<Entries>,
    /// Bound on the number of accounts held; 0 keeps none.
    capacity: usize,
    /// The newest epoch any read has shown: copies older than it are stale.
    newest_epoch: AtomicI64,
    /// When a read last showed the epoch, in milliseconds since `started`.
    confirmed_at: AtomicU64,
    started: Instant,
}

#[derive(Debug, Default)]
struct Entries {
    /// Keyed by the address itself, so a lookup allocates nothing.
    by_address: HashMap<AccountAddress, Arc<ActiveAccount>>,
    /// The epoch of the last sweep of stale copies: a full map sweeps
    /// again only once the epoch has moved since.
    swept_at: i64,
}

impl AccountCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(Entries::default()),
            capacity,
            newest_epoch: AtomicI64::new(0),
            confirmed_at: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    /// For an answer that no statement checks afterwards: the copy in memory
    /// only while the epoch is known to be current (see [`CONFIRMED_WITHIN`]).
    pub async fn confirmed(
        &self,
        store: &impl AccountStore,
        address: &AccountAddress,
    ) -> Result<Arc<ActiveAccount>> {
        let confirmed_at = Duration::from_millis(self.confirmed_at.load(Ordering::Relaxed));
        if self.started.elapsed().saturating_sub(confirmed_at) < CONFIRMED_WITHIN {
            if let Some(active) = self.cached(address) {
                return Ok(active);
            }
        }
        self.reload(store, address).await
    }

    /// Reads the epoch every [`FOLLOW_EVERY`] until `stopped` closes.
    pub async fn follow_epoch(&self, store: impl AccountStore, mut stopped: watch::Receiver<()>) {
        let mut ticker = tokio::time::interval(FOLLOW_EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = stopped.changed() => return,
            }
            match tokio::time::timeout(CONFIRMED_WITHIN, store.account_epoch()).await {
                Ok(Ok(epoch)) => self.observe(epoch),
                Ok(Err(error)) => tracing::debug!(%error, "cannot read the account epoch"),
                Err(_) => tracing::debug!("reading the account epoch timed out"),
            }
        }
    }

    fn observe(&self, epoch: i64) {
        self.newest_epoch.fetch_max(epoch, Ordering::Relaxed);
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.confirmed_at.fetch_max(now, Ordering::Relaxed);
    }

    /// The account at this address: the copy in memory unless it is known
    /// to be stale, else a fresh read. NOT_FOUND for no such activated account.
    pub async fn active(
        &self,
        store: &impl AccountStore,
        address: &AccountAddress,
    ) -> Result<Arc<ActiveAccount>> {
        match self.cached(address) {
            Some(active) => Ok(active),
            None => self.reload(store, address).await,
        }
    }

    /// A fresh read of the account, which replaces the copy in memory.
    pub async fn reload(
        &self,
        store: &impl AccountStore,
        address: &AccountAddress,
    ) -> Result<Arc<ActiveAccount>> {
        match store
            .active_account(&address.username, &address.domain)
            .await?
        {
            Some(active) => {
                let active = Arc::new(active);
                self.observe(active.epoch);
                self.insert(address, active.clone());
                Ok(active)
            }
            None => {
                self.lock().by_address.remove(address);
                Err(CoreError::NotFound("account"))
            }
        }
    }

    fn cached(&self, address: &AccountAddress) -> Option<Arc<ActiveAccount>> {
        let newest = self.newest_epoch.load(Ordering::Relaxed);
        self.lock()
            .by_address
            .get(address)
            .filter(|active| active.epoch >= newest)
            .cloned()
    }

    fn insert(&self, address: &AccountAddress, active: Arc<ActiveAccount>) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.lock();
        let full = entries.by_address.len() >= self.capacity;
        if full && !entries.by_address.contains_key(address) {
            let newest = self.newest_epoch.load(Ordering::Relaxed);
            if entries.swept_at < newest {
                entries
                    .by_address
                    .retain(|_, active| active.epoch >= newest);
                entries.swept_at = newest;
            }
            // Still full of current accounts: drop an arbitrary one (the
            // map's order is random), which needs no bookkeeping per hit.
            if entries.by_address.len() >= self.capacity {
                if let Some(victim) = entries.by_address.keys().next().cloned() {
                    entries.by_address.remove(&victim);
                }
            }
        }
        entries.by_address.insert(address.clone(), active);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // The map holds no invariant a panicking holder could break halfway.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
