//! Authentication for the `/api` routes (an API key or HTTP Digest): the
//! Digest headers' grammar in [`headers`],
//! the request flow (challenge, verify through the core, echo the nonce) in
//! [`middleware`]. The gateway never sees a password or an HA1.

pub mod headers;
pub mod middleware;

pub use middleware::{authenticate, Authenticated};
