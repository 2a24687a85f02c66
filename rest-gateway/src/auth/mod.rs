//! Authentication for the `/api` routes (an API key or HTTP Digest): the
//! `From` header's grammar in [`from_header`], Digest's in [`digest_header`],
//! the request flow (challenge, verify through the core, echo the nonce) in
//! [`middleware`]. The gateway never sees a password or an HA1.

pub mod digest_header;
pub mod from_header;
pub mod middleware;

pub use middleware::{authenticate, Authenticated};
