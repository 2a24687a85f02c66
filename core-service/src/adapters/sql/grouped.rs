//! Rows queued by concurrent callers and written together: the grouping
//! both the PostgreSQL and the SQLite nonce statements use.
//!
//! A caller queues its row and waits; a dispatcher keeps at most `in_flight`
//! groups running, and whenever one finishes, everything queued meanwhile
//! goes into the next. An idle core runs each row at once, alone: no timer,
//! no added wait. What a group costs is mostly per statement or per
//! transaction (a round trip, a commit's locks and write), not per row, so a
//! busy core pays it once for many checks. Each row keeps its own
//! conditions: the outcome of every caller is the one its own statement
//! would have had.

use std::{future::Future, sync::Arc};

use tokio::sync::{mpsc, oneshot, Semaphore};

use crate::error::{CoreError, Result};
use crate::rules::auth::store::NonceUse;

/// Rows per group at most: bounds a statement's size and a group's time.
const MAX_GROUP: usize = 256;

/// The queue of one kind of row.
#[derive(Debug)]
pub(super) struct Grouped<T> {
    queue: mpsc::UnboundedSender<Queued<T>>,
}

// Derived Clone would ask T: Clone; only the sender is cloned.
impl<T> Clone for Grouped<T> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
        }
    }
}

#[derive(Debug)]
struct Queued<T> {
    row: T,
    done: oneshot::Sender<Result<bool>>,
}

impl<T: Send + 'static> Grouped<T> {
    /// Starts the dispatcher (on the current runtime): `run` writes a group
    /// and answers, in order, whether each row took effect. It stops when
    /// every clone of the returned queue is gone.
    pub fn start<F, Fut>(in_flight: usize, run: F) -> Self
    where
        F: Fn(Vec<T>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Vec<bool>>> + Send + 'static,
    {
        let (queue, queued) = mpsc::unbounded_channel();
        tokio::spawn(dispatch(in_flight, queued, run));
        Self { queue }
    }

    /// Queues `row` and waits for its group's outcome.
    pub async fn submit(&self, row: T) -> Result<bool> {
        let (done, outcome) = oneshot::channel();
        self.queue
            .send(Queued { row, done })
            .map_err(|_| anyhow::anyhow!("the nonce dispatcher has stopped"))?;
        outcome
            .await
            .map_err(|_| anyhow::anyhow!("the nonce dispatcher dropped a statement"))?
    }
}

/// Takes what is queued whenever a slot is free, until every sender is gone.
async fn dispatch<T, F, Fut>(
    in_flight: usize,
    mut queue: mpsc::UnboundedReceiver<Queued<T>>,
    run: F,
) where
    T: Send + 'static,
    F: Fn(Vec<T>) -> Fut,
    Fut: Future<Output = Result<Vec<bool>>> + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(in_flight.max(1)));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let Some(first) = queue.recv().await else {
            return;
        };
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(queued) => group.push(queued),
                Err(_) => break,
            }
        }
        let (rows, waiters): (Vec<T>, Vec<_>) = group.into_iter().map(|q| (q.row, q.done)).unzip();
        let written = run(rows);
        tokio::spawn(async move {
            match written.await {
                Ok(outcomes) => {
                    for (done, outcome) in waiters.into_iter().zip(outcomes) {
                        let _ = done.send(Ok(outcome));
                    }
                }
                Err(error) => {
                    let error = Arc::new(error);
                    for done in waiters {
                        let _ = done.send(Err(shared(&error)));
                    }
                }
            }
            drop(slot);
        });
    }
}

/// One group's failure, told to each of its callers.
fn shared(error: &Arc<CoreError>) -> CoreError {
    match error.as_ref() {
        CoreError::Unavailable(_) => CoreError::Unavailable(error.to_string().into()),
        _ => anyhow::anyhow!("nonce statement failed: {error}").into(),
    }
}

/// A [`NonceUse`] as a queued row owns it.
#[derive(Debug)]
pub(super) struct Accept {
    pub nonce: String,
    pub opaque: String,
    pub account_id: i64,
    pub nc: i64,
    pub now: i64,
    pub epoch: i64,
}

impl From<&NonceUse<'_>> for Accept {
    fn from(used: &NonceUse<'_>) -> Self {
        Self {
            nonce: used.nonce.to_owned(),
            opaque: used.opaque.to_owned(),
            account_id: used.account_id,
            nc: i64::from(used.nc),
            now: used.now,
            epoch: used.epoch,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rows_queued_together_share_a_group_and_keep_their_own_outcome() {
        let (groups, mut seen) = mpsc::unbounded_channel();
        let grouped = Grouped::start(1, move |rows: Vec<u32>| {
            let _ = groups.send(rows.len());
            async move { Ok(rows.iter().map(|r| r % 2 == 0).collect()) }
        });
        let waiting: Vec<_> = (0..10u32)
            .map(|row| {
                let grouped = grouped.clone();
                tokio::spawn(async move { grouped.submit(row).await })
            })
            .collect();
        let mut outcomes = Vec::new();
        for waiter in waiting {
            outcomes.push(waiter.await.unwrap().unwrap());
        }
        assert_eq!(outcomes, (0..10).map(|r| r % 2 == 0).collect::<Vec<_>>());
        drop(grouped);
        let mut sizes = Vec::new();
        while let Some(size) = seen.recv().await {
            sizes.push(size);
        }
        assert_eq!(sizes.iter().sum::<usize>(), 10);
        assert!(sizes.len() < 10, "no grouping: {sizes:?}");
    }

    #[tokio::test]
    async fn a_failed_group_fails_each_of_its_callers() {
        let grouped = Grouped::start(1, |_rows: Vec<u32>| async {
            Err(CoreError::Unavailable("database unavailable".into()))
        });
        let outcome = grouped.submit(1).await;
        assert!(
            matches!(outcome, Err(CoreError::Unavailable(_))),
            "{outcome:?}"
        );
    }
}
