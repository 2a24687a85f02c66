//! The core service: the one owner of Flexisip accounts, their Digest
//! credentials, the nonces that protect them and the devices registered to
//! them. Everything else (the REST gateway, Flexisip's proxy and registrar)
//! asks it over gRPC.
//!
//! A request travels: [`grpc`] (messages → domain inputs) → the rules
//! ([`accounts`], [`spaces`], [`auth`], [`devices`], with the pure checks of [`nonces`] and
//! [`digest`]) → [`store`] (all SQL, SQLite or PostgreSQL). Errors are one
//! type, [`error::CoreError`], mapped to a gRPC status in one place.
//! [`health`] and [`metrics`] tell Kubernetes and Prometheus how it fares;
//! logs and traces are set up by `flexiapi-telemetry`.

pub mod account_cache;
pub mod accounts;
pub mod api_keys;
pub mod auth;
pub mod caller_nonces;
pub mod callers;
pub mod commands;
pub mod config;
pub mod devices;
pub mod digest;
pub mod domain;
pub mod error;
pub mod grpc;
pub mod health;
pub mod import;
pub mod metrics;
pub mod model;
pub mod nonces;
pub mod passwords;
pub mod registrar;
pub mod spaces;
pub mod startup;
pub mod store;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod throttle;
pub mod tls;
