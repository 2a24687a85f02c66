//! The signed tokens the push services take in place of a password: one
//! per provider, cached until shortly before it must be renewed.

use std::time::{Duration, Instant};

use tokio::sync::Mutex;

/// A bearer token kept until `renew_after`.
#[derive(Debug, Default)]
pub struct Cached {
    slot: Mutex<Option<(String, Instant)>>,
}

impl Cached {
    /// The cached token, or a new one from `make` (which tells how long it
    /// may be reused), made by one caller while the others wait.
    pub async fn get<F, Fut, E>(&self, make: F) -> Result<String, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<(String, Duration), E>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some((token, until)) = slot.as_ref() {
            if Instant::now() < *until {
                return Ok(token.clone());
            }
        }
        let (token, reuse_for) = make().await?;
        *slot = Some((token.clone(), Instant::now() + reuse_for));
        Ok(token)
    }

    /// Forgets the token (the provider refused it).
    pub async fn clear(&self) {
        *self.slot.lock().await = None;
    }
}

/// Now, in Unix seconds, for the claims.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
