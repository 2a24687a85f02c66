//! The async runtime and memory allocator both services run on.
//!
//! Both are chosen for the machine a user has, measured with `bench/run.sh`
//! and `bench/cpu-per-request.sh` (BENCHMARKS.md, "Defaults"), not for a
//! tuned benchmark.

use std::time::Duration;

/// The allocator of both binaries: mimalloc, with per-thread heaps. glibc's
/// malloc spent about a tenth of each service's CPU under load in its arena
/// locks and free-list consolidation.
pub type Allocator = mimalloc::MiMalloc;

/// How the runtime runs tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// One thread runs every task, in the order they were woken.
    OneThread,
    /// Work-stealing workers.
    Workers(usize),
}

/// The flavor for `cpus` usable CPUs, unless `worker_threads` says.
///
/// On 1 or 2 CPUs a process of ours shares them with its peer (the gateway
/// with the core, the core with its database) and the clients' load, so a
/// second worker mostly wakes the first: on 2 cores it cost the gateway 30 %
/// more CPU per request. One thread that runs woken tasks in order also
/// lets the many answers of a busy moment leave in one write (an HTTP/2
/// connection task runs after every stream that woke it, not after each),
/// where tokio's workers run a woken task at once. Measured: 22,000
/// against 14,000 Digest checks/s through gateway and core on SQLite, 2
/// cores. Above 2 CPUs, one worker per CPU (tokio's default; not measured
/// on this 2-core machine).
pub fn flavor(worker_threads: Option<u16>, cpus: usize) -> Flavor {
    match worker_threads {
        Some(1) => Flavor::OneThread,
        Some(threads) => Flavor::Workers(usize::from(threads)),
        None if cpus <= 2 => Flavor::OneThread,
        None => Flavor::Workers(cpus),
    }
}

/// The runtime for [`flavor`], with the CPUs this process may use (its
/// affinity and cgroup quota, as in a pod with a CPU limit).
pub fn build(worker_threads: Option<u16>) -> std::io::Result<tokio::runtime::Runtime> {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let mut builder = match flavor(worker_threads, cpus) {
        Flavor::OneThread => tokio::runtime::Builder::new_current_thread(),
        Flavor::Workers(workers) => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(workers);
            builder
        }
    };
    let runtime = builder.enable_all().build()?;
    runtime.spawn(beat());
    Ok(runtime)
}

/// How often [`beat`] wakes the runtime.
const BEAT: Duration = Duration::from_millis(500);

/// Keeps a timer due within [`BEAT`] at all times.
///
/// tokio wakes its own I/O driver (an eventfd write, then an `epoll_wait`
/// that returns at once) whenever a timer is set earlier than the driver's
/// next planned wake-up, even when the thread setting it is the one running
/// the driver (tokio issue 5207). The gateway sets a deadline of seconds on
/// every call to the core; with no timer due sooner, that was every call:
/// two system calls a request, seen with strace. With a timer always due
/// within half a second, a later deadline wakes nothing. Costs two
/// wake-ups a second.
async fn beat() {
    let mut beat = tokio::time::interval(BEAT);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        beat.tick().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_machines_run_on_one_thread_unless_told() {
        assert_eq!(flavor(None, 1), Flavor::OneThread);
        assert_eq!(flavor(None, 2), Flavor::OneThread);
        assert_eq!(flavor(Some(2), 2), Flavor::Workers(2));
        assert_eq!(flavor(Some(1), 8), Flavor::OneThread);
    }

    #[test]
    fn larger_machines_get_a_worker_per_cpu() {
        assert_eq!(flavor(None, 3), Flavor::Workers(3));
        assert_eq!(flavor(None, 16), Flavor::Workers(16));
        assert_eq!(flavor(Some(4), 16), Flavor::Workers(4));
    }

    #[test]
    fn every_runtime_keeps_its_beat() {
        for threads in [1, 2] {
            let runtime = build(Some(threads)).unwrap();
            assert_eq!(runtime.metrics().num_alive_tasks(), 1, "the beat runs");
        }
    }

    #[test]
    fn both_flavors_run_tasks() {
        for threads in [1, 2] {
            let runtime = build(Some(threads)).unwrap();
            let answer = runtime.block_on(async { tokio::spawn(async { 42 }).await.unwrap() });
            assert_eq!(answer, 42);
        }
    }
}
