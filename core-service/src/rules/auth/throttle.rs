//! Slowing password guessers down: failures are counted per key (an account
//! and the client's address, or an address alone for API keys); at the
//! limit within the window, the key is refused for the lockout, and a
//! success clears it. A key names an address, never only an account, so an
//! attacker cannot lock the real user out from another address.
//!
//! The counts live in this process: each core replica keeps its own, so
//! behind N replicas a guesser gets at most N × limit tries per window. A
//! shared store would put a database round trip on every Digest check.

use std::{collections::HashMap, hash::BuildHasher as _, net::IpAddr, sync::Mutex};

/// How many failures within `window_seconds` lock a key, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub failures: u32,
    /// Both the window failures are counted in and the lockout.
    pub window_seconds: i64,
}

/// Who is guessing: the client's address, IPv6 cut to its /64 (one host
/// holds a whole /64, so counting each address would count nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Client(IpAddr);

impl Client {
    pub fn new(address: IpAddr) -> Self {
        match address {
            IpAddr::V4(_) => Self(address),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(IpAddr::V4(v4)),
                None => {
                    let prefix = u128::from(v6) & !u128::from(u64::MAX);
                    Self(IpAddr::V6(prefix.into()))
                }
            },
        }
    }

    /// The address counted: IPv4, or the /64 of an IPv6 address.
    pub fn address(&self) -> IpAddr {
        self.0
    }
}

/// What a key's failures are counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// Digest answers and old passwords for one account from one client.
    Account(i64, Client),
    /// API keys presented from one client, whichever account they name.
    ApiKeys(Client),
    /// Provisioning and auth tokens presented from one client.
    Tokens(Client),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    window_start: i64,
    locked_until: i64,
}

/// Shards, so concurrent checks rarely wait on one lock.
const SHARDS: usize = 16;

/// The failure counts of one kind of key.
#[derive(Debug)]
pub struct Throttle {
    limits: Limits,
    /// Most keys held per shard: a flood of distinct addresses cannot grow
    /// memory without bound. Past it, expired keys are dropped; if none is,
    /// the new key goes uncounted (and the refusal is logged).
    shard_capacity: usize,
    shards: [Mutex<HashMap<Key, Entry>>; SHARDS],
    hasher: std::collections::hash_map::RandomState,
}

/// Keys held in all, about 60 bytes each.
const DEFAULT_CAPACITY: usize = 200_000;

impl Throttle {
    pub fn new(limits: Limits) -> Self {
        Self::with_capacity(limits, DEFAULT_CAPACITY)
    }

    pub fn with_capacity(limits: Limits, capacity: usize) -> Self {
        Self {
            limits,
            shard_capacity: capacity.div_ceil(SHARDS).max(1),
            shards: std::array::from_fn(|_| Mutex::new(HashMap::new())),
            hasher: Default::default(),
        }
    }

    fn shard(&self, key: &Key) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        let index = usize::try_from(self.hasher.hash_one(key) % SHARDS as u64).unwrap_or_default();
        // A panic while holding a shard leaves plain counts behind: still usable.
        self.shards[index]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `Err(seconds)`: the key is locked for that much longer.
    pub fn check(&self, key: Key, now: i64) -> Result<(), u32> {
        match self.shard(&key).get(&key) {
            Some(entry) if entry.locked_until > now => Err(retry_after(entry.locked_until - now)),
            _ => Ok(()),
        }
    }

    /// Counts a failure; `Err(seconds)` when it locks the key.
    pub fn failed(&self, key: Key, now: i64) -> Result<(), u32> {
        let limits = self.limits;
        let mut shard = self.shard(&key);
        if !shard.contains_key(&key) && shard.len() >= self.shard_capacity {
            shard.retain(|_, entry| {
                entry.locked_until > now || now - entry.window_start < limits.window_seconds
            });
            if shard.len() >= self.shard_capacity {
                tracing::warn!("too many addresses failing at once: this failure is not counted");
                return Ok(());
            }
        }
        let entry = shard.entry(key).or_insert(Entry {
            failures: 0,
            window_start: now,
            locked_until: 0,
        });
        if now - entry.window_start >= limits.window_seconds {
            entry.failures = 0;
            entry.window_start = now;
        }
        entry.failures += 1;
        if entry.failures >= limits.failures {
            entry.failures = 0;
            entry.window_start = now;
            entry.locked_until = now + limits.window_seconds;
            return Err(retry_after(limits.window_seconds));
        }
        Ok(())
    }

    /// A right answer from the key: its count starts again.
    pub fn succeeded(&self, key: Key) {
        self.shard(&key).remove(&key);
    }

    /// How many keys are held (for tests and metrics).
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| shard.lock().map_or(0, |s| s.len()))
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The counts the core keeps: wrong answers (Digest, old passwords) per
/// account and client, invalid API keys per client, and wrong provisioning
/// or auth tokens per client (as many as keys: contract part 5).
#[derive(Debug)]
pub struct Guards {
    pub answers: Throttle,
    pub api_keys: Throttle,
    pub tokens: Throttle,
}

impl Guards {
    pub fn new(answers: Limits, api_keys: Limits) -> Self {
        Self {
            answers: Throttle::new(answers),
            api_keys: Throttle::new(api_keys),
            tokens: Throttle::new(api_keys),
        }
    }
}

impl Default for Guards {
    /// The contract's: 5 wrong answers, or 20 invalid keys or tokens, in 5
    /// minutes.
    fn default() -> Self {
        Self::new(
            Limits {
                failures: 5,
                window_seconds: 300,
            },
            Limits {
                failures: 20,
                window_seconds: 300,
            },
        )
    }
}

fn retry_after(seconds: i64) -> u32 {
    u32::try_from(seconds.max(1)).unwrap_or(u32::MAX)
}

#[cfg(test)]
#[path = "throttle_tests.rs"]
mod tests;
