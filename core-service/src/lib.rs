//! The core service: the one owner of Flexisip accounts, their Digest
//! credentials, the nonces that protect them and the devices registered to
//! them. Everything else (the REST gateway, Flexisip's proxy and registrar)
//! asks it over gRPC.
//!
//! A request travels: [`grpc`] (messages → domain inputs) → [`rules`] (one
//! folder per domain decides) → the store traits each domain defines, which
//! [`adapters`] implement (all SQL, on SQLite, PostgreSQL or MariaDB; Redis
//! for Flexisip's registrar). Errors are one type, [`error::CoreError`],
//! mapped to a gRPC status in one place.
//!
//! Where each kind of code lives, lowest layer first; a module never names
//! one above it (the test of `checks/` fails when one does):
//!
//! | module | what it holds |
//! |---|---|
//! | [`error`] | `CoreError`, `Result`, the one mapping to `tonic::Status` |
//! | [`domain`] | the vocabulary: validated newtypes, and the records ([`domain::model`]) |
//! | [`rules`] | one folder per domain (`accounts`, `spaces`, `api_keys`, `devices`, `auth`): its rules, its tests, and in `store.rs` the storage trait it needs |
//! | [`adapters`] | the traits' implementations: `sql/` (three backends), `registrar.rs` (Redis) |
//! | [`grpc`] | the edge: one file per service, the caller table and the gate that applies it |
//! | [`import`] | `core-service import flexiapi`: a FlexiAPI database copied in |
//! | [`app`] | the process: config, subcommands, startup, health, metrics, TLS |
//! | `testing` | helpers for this crate's and the gateway's tests (feature `test-support`) |
//! | `fuzzing` | entry points of `fuzz/` (feature `fuzzing`): parsers of operators' input |
//!
//! A new domain (onboarding tokens, outbound messages, provisioning, call
//! forwarding, voicemail, statistics) gets a folder under [`rules`] with its
//! `mod.rs`, its `store.rs` trait and its tests; its SQL goes in
//! `adapters/sql/`, a new outside service (SMTP, push, SMS, files) in
//! `adapters/`, its gRPC service in `grpc/`, and its flags in `app/config/`.
//! Logs and traces are set up by `flexiapi-telemetry`.

pub mod adapters;
pub mod app;
pub mod domain;
pub mod error;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub mod grpc;
pub mod import;
pub mod rules;
#[cfg(feature = "test-support")]
pub mod testing;
