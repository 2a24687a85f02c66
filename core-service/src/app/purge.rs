//! The background sweep: expired nonces and devices often (every nonce
//! TTL, at most a minute); hourly, used and expired onboarding and
//! provisioning tokens and codes, files no voicemail names, and statistics
//! past their retention (part 6).

use std::time::Duration;

use tokio::sync::watch;

use crate::{
    adapters::{files::FilesDir, SqlStore},
    grpc::unix_now,
    rules::{
        auth::{nonces, store::NonceStore},
        devices::store::DeviceStore,
        onboarding::store::OnboardingStore,
        provisioning::store::ProvisioningStore,
        sessions, statistics,
        voicemails::{random_part, store::VoicemailStore},
    },
};

/// What the sweep removes, and when.
pub struct Plan {
    pub nonce_ttl_seconds: i64,
    pub onboarding_retention_seconds: i64,
    pub files: FilesDir,
    /// `--statistics-retention-days`; 0 keeps every record.
    pub statistics_retention_days: u32,
    /// The web panel's session lifetimes.
    pub sessions: sessions::Lifetimes,
}

/// Deletes expired nonces (after their grace TTL) and expired devices, often
/// enough that the tables stay small, until `stopped` closes.
pub async fn purge_expired(store: SqlStore, plan: Plan, mut stopped: watch::Receiver<()>) {
    let ttl_seconds = plan.nonce_ttl_seconds;
    let every = Duration::from_secs(ttl_seconds.clamp(1, 60).unsigned_abs());
    let mut ticker = tokio::time::interval(every);
    // Tokens and codes age in hours, not seconds: an hourly sweep will do.
    let mut onboarding_swept: Option<std::time::Instant> = None;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stopped.changed() => return,
        }
        let now = unix_now();
        match store
            .purge_nonces(nonces::purge_horizon(now, ttl_seconds))
            .await
        {
            Ok(0) => {}
            Ok(count) => tracing::debug!(count, "purged expired nonces"),
            Err(error) => tracing::warn!(%error, "could not purge nonces"),
        }
        match store.purge_devices(now).await {
            Ok(0) => {}
            Ok(count) => tracing::debug!(count, "purged expired devices"),
            Err(error) => tracing::warn!(%error, "could not purge devices"),
        }
        if onboarding_swept.is_none_or(|at| at.elapsed() >= Duration::from_secs(3600)) {
            onboarding_swept = Some(std::time::Instant::now());
            let horizon = now - plan.onboarding_retention_seconds;
            match store.purge_onboarding(now, horizon).await {
                Ok(0) => {}
                Ok(count) => {
                    tracing::debug!(count, "purged used and expired onboarding tokens and codes")
                }
                Err(error) => tracing::warn!(%error, "could not purge onboarding tokens and codes"),
            }
            match store.purge_provisioning(horizon).await {
                Ok(0) => {}
                Ok(count) => tracing::debug!(count, "purged used and expired provisioning tokens"),
                Err(error) => tracing::warn!(%error, "could not purge provisioning tokens"),
            }
            match sessions::purge(&store, plan.sessions, now).await {
                Ok(0) => {}
                Ok(count) => tracing::debug!(count, "purged expired panel sessions"),
                Err(error) => tracing::warn!(%error, "could not purge panel sessions"),
            }
            sweep_files(&store, &plan.files).await;
            purge_statistics(&store, plan.statistics_retention_days).await;
        }
    }
}

/// Removes the files a deletion left behind (an account deleted with its
/// voicemails while a file was being removed, a crash mid-upload).
async fn sweep_files(store: &SqlStore, files: &FilesDir) {
    let known = |uuid: String, random: String| async move {
        let found = store.voicemail(&uuid).await?;
        Ok(found
            .and_then(|v| v.name)
            .is_some_and(|name| random_part(&name) == random))
    };
    match files.sweep(known).await {
        Ok(0) => {}
        Ok(count) => tracing::info!(count, "removed files no voicemail names"),
        Err(error) => tracing::warn!(%error, "could not sweep the files directory"),
    }
}

/// Deletes the statistics older than the retention, when there is one.
async fn purge_statistics(store: &SqlStore, days: u32) {
    if days == 0 {
        return;
    }
    match statistics::purge(store, days, statistics::now_micros()).await {
        Ok((0, 0)) => {}
        Ok((calls, messages)) => tracing::info!(calls, messages, days, "purged old statistics"),
        Err(error) => tracing::warn!(%error, "could not purge statistics"),
    }
}
