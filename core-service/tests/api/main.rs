//! Integration tests: the real core-service on port 0, called with the
//! generated gRPC clients, against a SQLite file and (when
//! `FLEXIAPI_TEST_POSTGRES_URL` is set, as `.ci/run` does) PostgreSQL.
//! One binary, so the helpers and the build are shared.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod digest_client;
mod helpers;
mod relay;

mod accounts;
mod caller_nonces;
mod callers;
mod cli;
mod cli_security;
mod database_link;
mod devices;
mod digest_flow;
mod discovery;
mod guessing;
mod import_cli;
mod key_cache;
mod management;
mod nonce_flood;
mod onboarding_store;
mod raw_grpc;
mod realms;
mod registrar;
mod replicas;
mod sessions;
mod spaces;
mod statistics_store;
mod storage;
mod upgrade;
