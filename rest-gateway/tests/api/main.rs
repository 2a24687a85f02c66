//! Integration tests: the real core (SQLite in a temp dir, or PostgreSQL
//! when `FLEXIAPI_TEST_POSTGRES_URL` is set) and the real gateway, both on
//! port 0, driven over HTTP by a Digest client written here and by curl and
//! Python `requests`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod digest_client;
mod helpers;
mod processes;
mod servers;
mod test_ca;

mod accounts;
mod accounts_admin;
mod accounts_lifecycle;
mod accounts_me;
mod binary;
mod bodies;
mod call_forwardings;
mod clients;
mod devices;
mod digest;
mod docs;
mod external_auth;
mod faults;
mod flexisip;
mod guessing;
mod http;
mod identity;
mod import;
mod import_2020;
mod internal_plane;
mod internal_tls;
mod onboarding;
mod openapi;
mod operations;
mod panel;
mod provisioning;
mod registrar;
mod replicas;
mod resilience;
mod rolling_restart;
mod spaces;
mod statistics;
mod tls_diagnosis;
mod tracing;
mod unix_socket;
mod voicemails;
