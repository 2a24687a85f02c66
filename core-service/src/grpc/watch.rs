//! `DeviceService.WatchDevices`: a stream of an address's live devices,
//! sent at once and again after each change. Each watcher is a task that
//! lists the devices again when its source says something changed (a
//! registrar publish, this core's own database write) or when the earliest
//! binding expires, and sends the list only when it differs.
//!
//! Watchers are bounded per core (a semaphore of `--max-device-watchers`)
//! and end on the caller's cancel (the channel closes) or the core's
//! shutdown, so a graceful stop never waits on an open stream.

use std::{sync::Arc, time::Duration};

use flexiapi_proto::pb;
use tokio::sync::{broadcast, mpsc, watch, OwnedSemaphorePermit, Semaphore};
use tokio_stream::{wrappers::ReceiverStream, StreamExt as _};
use tonic::Status;

use super::{unix_now, Api};
use crate::{
    domain::model::{Account, Device},
    error::CoreError,
    rules::{devices, Store},
};

pub type DeviceStream = ReceiverStream<Result<pb::WatchDevicesResponse, Status>>;

/// What a watcher needs from the core besides the API: its bound, the
/// database's change signal and the shutdown signal.
#[derive(Debug, Clone)]
pub struct Watchers {
    permits: Arc<Semaphore>,
    /// Account ids whose database devices this core just changed.
    changed: broadcast::Sender<i64>,
    /// Changes (its sender dropped) when the core shuts down.
    stopping: watch::Receiver<()>,
}

impl Watchers {
    pub fn new(limit: usize, stopping: watch::Receiver<()>) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(limit)),
            changed: broadcast::channel(256).0,
            stopping,
        }
    }

    /// Tells the database watchers of `account_id` to look again.
    pub fn database_changed(&self, account_id: i64) {
        // No receiver means no watcher: nothing to tell.
        let _ = self.changed.send(account_id);
    }

    fn permit(&self) -> Result<OwnedSemaphorePermit, CoreError> {
        self.permits
            .clone()
            .try_acquire_owned()
            .map_err(|_| CoreError::ResourceExhausted("too many device watchers on this core"))
    }
}

/// Where the news of a change comes from.
enum Changes {
    Registrar(redis::aio::PubSubStream),
    Database(broadcast::Receiver<i64>, i64),
}

impl Changes {
    /// `Some` when something changed (or may have); `None` when the source
    /// is gone.
    async fn next(&mut self) -> Option<()> {
        match self {
            Self::Registrar(messages) => messages.next().await.map(|_| ()),
            Self::Database(changed, account_id) => loop {
                match changed.recv().await {
                    Ok(id) if id == *account_id => return Some(()),
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => return Some(()),
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            },
        }
    }
}

impl<S: Store> Api<S> {
    /// Starts a watcher of `owner`'s devices.
    pub(super) async fn watch(&self, owner: Account) -> Result<DeviceStream, CoreError> {
        let permit = self.watchers.permit()?;
        let changes = match &self.registrar {
            Some(registrar) => Changes::Registrar(registrar.changes(&devices::aor(&owner)).await?),
            None => Changes::Database(self.watchers.changed.subscribe(), owner.id),
        };
        let first = self.current_devices(&owner).await?;
        let (sender, receiver) = mpsc::channel(4);
        let api = self.clone();
        tokio::spawn(async move {
            api.keep_watching(owner, first, changes, sender, permit)
                .await;
        });
        Ok(ReceiverStream::new(receiver))
    }

    async fn keep_watching(
        self,
        owner: Account,
        mut last: Vec<Device>,
        mut changes: Changes,
        sender: mpsc::Sender<Result<pb::WatchDevicesResponse, Status>>,
        _permit: OwnedSemaphorePermit,
    ) {
        let mut stopping = self.watchers.stopping.clone();
        if !send(&sender, &last).await {
            return;
        }
        loop {
            let expiry = next_expiry(&last);
            tokio::select! {
                _ = sender.closed() => return,
                _ = stopping.changed() => return,
                _ = tokio::time::sleep(expiry) => {}
                change = changes.next() => {
                    if change.is_none() {
                        let _ = sender.send(Err(Status::unavailable("registrar unavailable"))).await;
                        return;
                    }
                }
            }
            let now = match self.current_devices(&owner).await {
                Ok(devices) => devices,
                Err(error) => {
                    let _ = sender.send(Err(error.into())).await;
                    return;
                }
            };
            if now != last {
                last = now;
                if !send(&sender, &last).await {
                    return;
                }
            }
        }
    }

    pub(super) async fn current_devices(&self, owner: &Account) -> Result<Vec<Device>, CoreError> {
        match &self.registrar {
            Some(registrar) => registrar.devices(&devices::aor(owner), unix_now()).await,
            None => crate::rules::devices::list(&self.store, owner.id, unix_now()).await,
        }
    }
}

/// False when the caller has gone.
async fn send(
    sender: &mpsc::Sender<Result<pb::WatchDevicesResponse, Status>>,
    devices: &[Device],
) -> bool {
    let message = pb::WatchDevicesResponse {
        devices: devices.iter().cloned().map(Into::into).collect(),
    };
    sender.send(Ok(message)).await.is_ok()
}

/// How long until the earliest binding expires (then the list changes with
/// no one saying so); a day when there is none.
fn next_expiry(devices: &[Device]) -> Duration {
    let now = unix_now();
    devices
        .iter()
        .map(|d| d.expires_at)
        .min()
        .map_or(Duration::from_secs(86_400), |at| {
            Duration::from_secs(u64::try_from(at - now).unwrap_or(0).clamp(0, 86_400))
        })
}
