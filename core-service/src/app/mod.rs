//! The process: configuration and subcommands, startup (pool, migrations,
//! the gRPC server), health, metrics and TLS. It wires the adapters into the
//! rules and the gRPC edge; nothing below names it.

pub mod commands;
pub mod config;
pub mod health;
mod incoming;
pub mod metrics;
mod purge;
mod serve_config;
pub mod startup;
pub mod tls;
