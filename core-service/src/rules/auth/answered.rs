//! The state of answered nonces, in this replica's memory: the last `nc`
//! accepted for each, so a replayed answer is refused exactly. A nonce gets
//! state only at its first right answer (a guesser stores nothing), and an
//! account holds at most [`PER_ACCOUNT`]: past that, the least recently
//! used is forgotten.
//!
//! Forgetting must not make a nonce new again, or a captured answer to it
//! could be replayed. So each account keeps a watermark, the latest issue
//! time among the nonces it forgot, and an unknown nonce issued at or
//! before it is refused as stale (the client takes a new challenge). Only
//! unexpired nonces raise it: an expired one is refused by its own time.
//!
//! Every entry lives until one TTL after its nonce expired (a late replay
//! is still told `Nonce replayed`), then [`Answered::sweep`] drops it.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex, PoisonError,
    },
};

/// Answered nonces kept per account.
pub const PER_ACCOUNT: usize = 256;

/// Shards of the table: concurrent checks of different accounts rarely
/// wait on each other.
const SHARDS: usize = 16;

/// A nonce, as the table knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonceRef {
    pub account_id: i64,
    /// The nonce's random part (or a digest of a proxy's nonce).
    pub id: [u8; 16],
    pub issued_ms: u64,
    pub expires_ms: u64,
}

/// What the table says of an answer that is otherwise right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// The `nc` is accepted (and recorded).
    Accepted,
    /// Not above the last accepted: the nonce is discarded from now on.
    Replayed,
    /// Discarded by an earlier replay.
    Discarded,
    /// Past its expiry.
    Expired,
    /// Unknown here, and possibly forgotten: the client must re-challenge.
    Forgotten,
    /// Unknown here (only [`Answered::peek`] says so).
    Unknown,
}

#[derive(Debug)]
pub struct Answered {
    shards: Vec<Mutex<HashMap<i64, AccountNonces>>>,
    /// Orders uses for the least-recently-used choice.
    clock: AtomicU64,
    /// Whether a replay discards the nonce (the core's own) or only is
    /// refused (a proxy's, whose UDP retransmissions repeat an `nc`).
    discards: bool,
}

#[derive(Debug, Default)]
struct AccountNonces {
    entries: HashMap<[u8; 16], Entry>,
    /// The latest issue time among the unexpired nonces forgotten.
    forgotten_up_to_ms: u64,
    /// When the watermark stops mattering: the last forgotten one's expiry.
    forgotten_until_ms: u64,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    nc: u32,
    issued_ms: u64,
    expires_ms: u64,
    used: u64,
    discarded: bool,
}

impl Default for Answered {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            clock: AtomicU64::new(0),
            discards: true,
        }
    }
}

impl Answered {
    /// A table where a replay refuses the answer but keeps the nonce.
    pub fn keeping_replayed() -> Self {
        Self {
            discards: false,
            ..Self::default()
        }
    }

    /// What [`Self::take`] would say, recording nothing but a replay (the
    /// contract discards a replayed nonce); an unknown nonce is `Unknown`.
    pub fn peek(&self, nonce: NonceRef, nc: u32, now_ms: u64) -> Taken {
        self.judge(nonce, nc, now_ms, false)
    }

    /// Judges `nc` for the nonce and records it, a first answer included:
    /// one critical section, so of concurrent answers with the same `nc`,
    /// exactly one is accepted.
    pub fn take(&self, nonce: NonceRef, nc: u32, now_ms: u64) -> Taken {
        self.judge(nonce, nc, now_ms, true)
    }

    fn judge(&self, nonce: NonceRef, nc: u32, now_ms: u64, record: bool) -> Taken {
        let used = self.clock.fetch_add(1, Ordering::Relaxed);
        let mut shard = self.shard(nonce.account_id);
        let account = shard.entry(nonce.account_id).or_default();
        if let Some(entry) = account.entries.get_mut(&nonce.id) {
            if entry.discarded {
                return Taken::Discarded;
            }
            if nc <= entry.nc {
                entry.discarded = self.discards;
                return Taken::Replayed;
            }
            if now_ms >= entry.expires_ms {
                return Taken::Expired;
            }
            if record {
                entry.nc = nc;
                entry.used = used;
            }
            return Taken::Accepted;
        }
        if now_ms >= nonce.expires_ms {
            return Taken::Expired;
        }
        if nonce.issued_ms <= account.forgotten_up_to_ms && now_ms < account.forgotten_until_ms {
            return Taken::Forgotten;
        }
        if !record {
            return Taken::Unknown;
        }
        if account.entries.len() >= PER_ACCOUNT {
            account.forget_one(now_ms);
        }
        account.entries.insert(
            nonce.id,
            Entry {
                nc,
                issued_ms: nonce.issued_ms,
                expires_ms: nonce.expires_ms,
                used,
                discarded: false,
            },
        );
        Taken::Accepted
    }

    /// Drops what no answer can need any more: entries one `grace_ms` past
    /// their expiry, and accounts left with nothing to remember.
    pub fn sweep(&self, grace_ms: u64, now_ms: u64) -> usize {
        let mut dropped = 0;
        for shard in &self.shards {
            let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            shard.retain(|_, account| {
                let before = account.entries.len();
                account
                    .entries
                    .retain(|_, entry| entry.expires_ms.saturating_add(grace_ms) > now_ms);
                dropped += before - account.entries.len();
                !account.entries.is_empty() || now_ms < account.forgotten_until_ms
            });
        }
        dropped
    }

    /// Answered nonces held, over every account.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| {
                let shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
                shard.values().map(|a| a.entries.len()).sum::<usize>()
            })
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn shard(&self, account_id: i64) -> std::sync::MutexGuard<'_, HashMap<i64, AccountNonces>> {
        let index = usize::try_from(account_id.rem_euclid(SHARDS as i64)).unwrap_or(0);
        // The map holds no invariant a panicking holder could break halfway.
        self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl AccountNonces {
    /// Forgets an expired entry if there is one (nothing to remember: its
    /// own time refuses it), else the least recently used, raising the
    /// watermark to its issue time.
    fn forget_one(&mut self, now_ms: u64) {
        let expired = self
            .entries
            .iter()
            .find(|(_, entry)| entry.expires_ms <= now_ms)
            .map(|(id, _)| *id);
        if let Some(id) = expired {
            self.entries.remove(&id);
            return;
        }
        let oldest = self
            .entries
            .iter()
            .min_by_key(|(_, entry)| entry.used)
            .map(|(id, entry)| (*id, *entry));
        if let Some((id, entry)) = oldest {
            self.entries.remove(&id);
            self.forgotten_up_to_ms = self.forgotten_up_to_ms.max(entry.issued_ms);
            self.forgotten_until_ms = self.forgotten_until_ms.max(entry.expires_ms);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nonce `n` of the account; the tests' other nonces are `[x; 16]`,
    /// never of this form.
    fn nonce(account_id: i64, n: u8, issued_ms: u64) -> NonceRef {
        let mut id = [0u8; 16];
        id[0] = n;
        NonceRef {
            account_id,
            id,
            issued_ms,
            expires_ms: issued_ms + 300_000,
        }
    }

    #[test]
    fn counts_must_grow_and_a_replay_discards_the_nonce() {
        let table = Answered::default();
        let a = nonce(7, 1, 1_000);
        assert_eq!(table.take(a, 1, 2_000), Taken::Accepted);
        assert_eq!(table.take(a, 2, 2_000), Taken::Accepted);
        assert_eq!(table.take(a, 2, 2_000), Taken::Replayed);
        assert_eq!(table.take(a, 3, 2_000), Taken::Discarded);
        assert_eq!(table.take(nonce(7, 2, 1_000), 1, 2_000), Taken::Accepted);
        assert_eq!(
            table.take(nonce(8, 1, 1_000), 1, 2_000),
            Taken::Accepted,
            "per account"
        );
    }

    #[test]
    fn a_proxy_table_keeps_a_replayed_nonce() {
        let table = Answered::keeping_replayed();
        let a = nonce(7, 1, 1_000);
        assert_eq!(table.take(a, 2, 2_000), Taken::Accepted);
        assert_eq!(table.take(a, 2, 2_000), Taken::Replayed);
        assert_eq!(table.take(a, 3, 2_000), Taken::Accepted);
    }

    #[test]
    fn unknown_nonces_are_recorded_only_when_asked() {
        let table = Answered::default();
        let a = nonce(7, 1, 1_000);
        assert_eq!(table.peek(a, 1, 2_000), Taken::Unknown);
        assert!(table.is_empty());
        assert_eq!(table.take(a, 1, 2_000), Taken::Accepted);
        assert_eq!(table.peek(a, 1, 2_000), Taken::Replayed);
    }

    #[test]
    fn a_replay_is_told_before_expiry_and_expiry_is_exact() {
        let table = Answered::default();
        let a = nonce(7, 1, 1_000);
        assert_eq!(table.take(a, 1, a.expires_ms - 1), Taken::Accepted);
        assert_eq!(table.take(a, 2, a.expires_ms), Taken::Expired);
        assert_eq!(table.take(a, 1, a.expires_ms + 5), Taken::Replayed);
        assert_eq!(
            table.take(nonce(7, 2, 1_000), 1, a.expires_ms),
            Taken::Expired
        );
    }

    #[test]
    fn an_account_keeps_256_and_a_forgotten_nonce_never_becomes_new() {
        let table = Answered::default();
        for n in 0..=255u8 {
            assert_eq!(
                table.take(nonce(7, n, 1_000 + u64::from(n)), 1, 2_000),
                Taken::Accepted
            );
        }
        // Nonce 0 is used again: nonce 1 is now the least recently used.
        assert_eq!(table.take(nonce(7, 0, 1_000), 2, 2_000), Taken::Accepted);
        let newer = NonceRef {
            id: [0xaa; 16],
            ..nonce(7, 0, 1_500)
        };
        assert_eq!(table.take(newer, 1, 2_000), Taken::Accepted);
        assert_eq!(table.len(), PER_ACCOUNT);
        // Nonce 1 was forgotten: its captured answer is not taken again,
        // nor is any unknown nonce issued before it.
        assert_eq!(table.take(nonce(7, 1, 1_001), 1, 2_000), Taken::Forgotten);
        let older = NonceRef {
            id: [0xbb; 16],
            ..nonce(7, 0, 900)
        };
        assert_eq!(table.take(older, 1, 2_000), Taken::Forgotten);
        // Nonce 0, used recently, was kept; a nonce issued later is new.
        assert_eq!(table.take(nonce(7, 0, 1_000), 3, 2_000), Taken::Accepted);
        let later = NonceRef {
            id: [0xcc; 16],
            ..nonce(7, 0, 1_900)
        };
        assert_eq!(table.take(later, 1, 2_000), Taken::Accepted);
    }

    #[test]
    fn expired_entries_go_first_and_raise_nothing() {
        let table = Answered::default();
        table.take(nonce(7, 0, 0), 1, 1);
        for n in 1..=255u8 {
            table.take(nonce(7, n, 400_000), 1, 400_001);
        }
        let fresh = NonceRef {
            id: [0xdd; 16],
            ..nonce(7, 0, 400_000)
        };
        assert_eq!(table.take(fresh, 1, 400_001), Taken::Accepted);
        // Nothing unexpired was forgotten: an unknown recent nonce is new.
        let other = NonceRef {
            id: [0xee; 16],
            ..nonce(7, 0, 399_000)
        };
        assert_eq!(table.take(other, 1, 400_001), Taken::Accepted);
    }

    #[test]
    fn the_sweep_drops_entries_a_grace_after_expiry_and_empty_accounts() {
        let table = Answered::default();
        let a = nonce(7, 1, 0);
        table.take(a, 1, 1);
        assert_eq!(table.sweep(300_000, a.expires_ms + 299_999), 0);
        assert_eq!(table.sweep(300_000, a.expires_ms + 300_000), 1);
        assert!(table.is_empty());
        assert!(table.shards.iter().all(|s| s.lock().unwrap().is_empty()));
    }
}
