//! The REST gateway: the documented `/api` JSON contract for external
//! clients, protected by HTTP Digest. It owns no state: every decision about
//! accounts, passwords, nonces and devices is a gRPC call to the core, so any
//! replica can serve any request.
//!
//! A connection is accepted with its limits ([`transport`]: head size and
//! time, keep-alive, HTTP/2 streams) over plain HTTP/1.1 and h2c, or HTTPS
//! with HTTP/2 ([`tls`]); each request travels: [`startup`]'s layers
//! ([`request_id`], [`layers`]' CORS and compression, trace, metrics,
//! [`request_limits`]) → [`routes`] → for restricted routes,
//! [`auth::middleware`] (From +
//! Authorization → `AuthService.VerifyDigest`) → the handler → [`core_client`].
//! Every failure is an [`error::ApiError`], turned into the contract's JSON in
//! one place. No two files or top-level modules import each other (the test
//! of `checks/`): `error` and `core_client` sit below `auth` and `routes`,
//! and [`web`] (public URL, captcha, HTML) below `state` and `routes`.

pub mod auth;
pub mod body;
pub mod config;
pub mod core_client;
pub mod error;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
pub mod layers;
pub mod metrics;
pub mod openapi;
pub mod panel;
pub mod request_id;
pub mod request_limits;
pub mod routes;
pub mod startup;
pub mod state;
pub mod tls;
pub mod transport;
pub mod web;
