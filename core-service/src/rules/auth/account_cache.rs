//! Active accounts kept in memory, so that a Digest check with a known
//! nonce costs no statement at all.
//!
//! Each copy carries the account epoch it was read at (see the
//! `account_epoch` migration): every change to accounts or passwords moves
//! it on, by this replica, another one or an operator's SQL. A copy is used
//! only while it is current: its epoch is the newest seen, and the epoch
//! was read by a statement that *started* within the last [`TRUSTED_FOR`]
//! ([`AccountCache::follow_epoch`] reads it every [`FOLLOW_EVERY`]). Past
//! that, the account is read again.
//!
//! That makes a change seen at once by every replica, without a statement
//! per check, because whoever makes a change waits [`CHANGE_FENCE`] after
//! its commit before saying it is done (`grpc::fence`, and the CLI): a read
//! that missed the change started before the commit, so every replica has
//! stopped trusting it by the time anyone hears of the change. This is a
//! lease: it assumes only that the replicas' clocks run at about the same
//! rate, never that they agree on the time.

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

/// How often [`AccountCache::follow_epoch`] reads the epoch: 50 one-row
/// reads a second per replica.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(20);
/// How long after the start of a read of the epoch a copy that read showed
/// current is trusted: a late read or two, then every check reads its
/// account again (and the database being down shows as UNAVAILABLE, not
/// as old data).
pub const TRUSTED_FOR: Duration = Duration::from_millis(50);
/// How long a change waits after its commit before it is answered: the
/// trust above, and a margin for clocks that run at slightly different rates.
pub const CHANGE_FENCE: Duration = Duration::from_millis(55);

#[derive(Debug)]
pub struct AccountCache {
    entries: Mutex<Entries>,
    /// Bound on the number of accounts held; 0 keeps none.
    capacity: usize,
    /// The newest epoch any read has shown: copies older than it are stale.
    newest_epoch: AtomicI64,
    /// When the latest read that showed the epoch started, in microseconds
    /// since `started`.
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

    /// The account as it stands now: the copy in memory while the epoch is
    /// known to be current (see [`TRUSTED_FOR`]), else a fresh read.
    pub async fn confirmed(
        &self,
        store: &impl AccountStore,
        address: &AccountAddress,
    ) -> Result<Arc<ActiveAccount>> {
        if self.trusted() {
            if let Some(active) = self.cached(address) {
                return Ok(active);
            }
        }
        self.reload(store, address).await
    }

    /// How many accounts it holds at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Whether the latest read of the epoch started recently enough.
    pub fn trusted(&self) -> bool {
        let confirmed_at = Duration::from_micros(self.confirmed_at.load(Ordering::Relaxed));
        self.started.elapsed().saturating_sub(confirmed_at) < TRUSTED_FOR
    }

    /// The newest epoch seen (a change made after it moves it on).
    pub fn newest_epoch(&self) -> i64 {
        self.newest_epoch.load(Ordering::Relaxed)
    }

    /// The time a read starting now is counted from.
    pub fn read_starts(&self) -> Duration {
        self.started.elapsed()
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
            let start = self.read_starts();
            match tokio::time::timeout(TRUSTED_FOR, store.account_epoch()).await {
                Ok(Ok(epoch)) => self.observe(epoch, start),
                Ok(Err(error)) => tracing::debug!(%error, "cannot read the account epoch"),
                Err(_) => tracing::debug!("reading the account epoch timed out"),
            }
        }
    }

    /// Records the epoch a read that started at `start` ([`Self::read_starts`]) showed.
    pub fn observe(&self, epoch: i64, start: Duration) {
        self.newest_epoch.fetch_max(epoch, Ordering::Relaxed);
        let start = u64::try_from(start.as_micros()).unwrap_or(u64::MAX);
        self.confirmed_at.fetch_max(start, Ordering::Relaxed);
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
        let start = self.read_starts();
        match store
            .active_account(&address.username, &address.domain)
            .await?
        {
            Some(active) => {
                let active = Arc::new(active);
                self.observe(active.epoch, start);
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
