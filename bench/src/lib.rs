//! The project's load tool: closed-loop clients (each sends its next request
//! when the previous answer is in) for a fixed duration, reporting successful
//! requests per second, errors and latency percentiles.
//!
//! - [`http`]: HTTP Digest as a real client speaks it (challenge once, then
//!   `nc` = 1, 2, 3 … on the same nonce per connection; or a fresh challenge
//!   for every request), against our gateway or any Digest server (Apache).
//! - [`grpc`]: the core's `VerifyDigest` and `GetCredentials` directly.
//! - [`external_auth`]: Flexisip's delegated checks, as one proxy sends them.

use std::time::{Duration, Instant};

use serde::Serialize;

pub mod external_auth;
pub mod grpc;
pub mod http;

/// What one client task saw.
#[derive(Debug, Default)]
pub struct Tally {
    pub latencies_us: Vec<u32>,
    pub errors: u64,
    pub first_error: Option<String>,
}

impl Tally {
    pub fn ok(&mut self, started: Instant) {
        let micros = started.elapsed().as_micros();
        self.latencies_us
            .push(u32::try_from(micros).unwrap_or(u32::MAX));
    }

    pub fn error(&mut self, why: impl FnOnce() -> String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(why());
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub requests_per_second: f64,
    pub successes: u64,
    pub errors: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub first_error: Option<String>,
}

impl Report {
    pub fn from_tallies(tallies: Vec<Tally>, elapsed: Duration) -> Self {
        let errors = tallies.iter().map(|t| t.errors).sum();
        let first_error = tallies.iter().find_map(|t| t.first_error.clone());
        let mut latencies: Vec<u32> = tallies.into_iter().flat_map(|t| t.latencies_us).collect();
        latencies.sort_unstable();
        let percentile = |p: f64| -> f64 {
            if latencies.is_empty() {
                return 0.0;
            }
            let rank = ((p / 100.0) * latencies.len() as f64).ceil() as usize;
            f64::from(latencies[rank.clamp(1, latencies.len()) - 1]) / 1000.0
        };
        Self {
            requests_per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
            successes: latencies.len() as u64,
            errors,
            p50_ms: percentile(50.0),
            p90_ms: percentile(90.0),
            p99_ms: percentile(99.0),
            max_ms: percentile(100.0),
            first_error,
        }
    }
}

/// When a client may send: until the deadline, and with a rate, at most one
/// request per `interval` (paced closed loop: a slow answer delays the next).
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    deadline: Instant,
    interval: Option<Duration>,
    next: Instant,
}

impl Schedule {
    /// Waits for the next slot; false once the run is over.
    pub async fn next(&mut self) -> bool {
        if let Some(interval) = self.interval {
            tokio::time::sleep_until(self.next.into()).await;
            self.next = self.next.max(Instant::now() - interval) + interval;
        }
        Instant::now() < self.deadline
    }
}

/// Runs `connections` copies of `client` until `duration` has passed;
/// `rate` (requests/s, all connections together) paces them.
pub async fn run<F, Fut>(
    connections: usize,
    duration: Duration,
    rate: Option<f64>,
    client: F,
) -> Report
where
    F: Fn(Schedule) -> Fut,
    Fut: std::future::Future<Output = Tally> + Send + 'static,
{
    let started = Instant::now();
    let interval = rate
        .filter(|r| *r > 0.0)
        .map(|r| Duration::from_secs_f64(connections as f64 / r));
    let tasks: Vec<_> = (0..connections)
        .map(|i| {
            // Spread the connections' first slots over one interval.
            let offset = interval.map_or(Duration::ZERO, |iv| {
                iv.mul_f64(i as f64 / connections as f64)
            });
            tokio::spawn(client(Schedule {
                deadline: started + duration,
                interval,
                next: started + offset,
            }))
        })
        .collect();
    let mut tallies = Vec::with_capacity(connections);
    for task in tasks {
        match task.await {
            Ok(tally) => tallies.push(tally),
            Err(error) => {
                let mut tally = Tally::default();
                tally.error(|| format!("client task failed: {error}"));
                tallies.push(tally);
            }
        }
    }
    Report::from_tallies(tallies, started.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let tally = Tally {
            latencies_us: (1..=100).map(|ms| ms * 1000).collect(),
            ..Default::default()
        };
        let report = Report::from_tallies(vec![tally], Duration::from_secs(2));
        assert_eq!(report.successes, 100);
        assert_eq!(report.requests_per_second, 50.0);
        assert_eq!(
            (report.p50_ms, report.p90_ms, report.p99_ms, report.max_ms),
            (50.0, 90.0, 99.0, 100.0)
        );
    }
}
