//! Log setup: one line per event on stderr, filtered by `RUST_LOG`
//! (default `info`). Request headers are never logged: they carry Digest
//! answers.

use tracing_subscriber::{fmt, EnvFilter};

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // A second init (tests start several servers in one process) is harmless.
    let _ = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
