//! The flags of contract part 5: how long provisioning and auth tokens live.

use clap::Args;

use crate::rules::provisioning::Settings;

#[derive(Debug, Args)]
pub struct ProvisioningArgs {
    /// Lifetime of a provisioning token, the one-use link (and QR code) to
    /// an account's app configuration (0: never expires).
    #[arg(
        long,
        env = "FLEXIAPI_PROVISIONING_TOKEN_TTL_SECONDS",
        default_value_t = 604_800,
        global = true
    )]
    pub provisioning_token_ttl_seconds: u32,

    /// Lifetime of an auth token, by which a new device is provisioned from
    /// one already logged in (0: never expires).
    #[arg(
        long,
        env = "FLEXIAPI_AUTH_TOKEN_TTL_SECONDS",
        default_value_t = 300,
        global = true
    )]
    pub auth_token_ttl_seconds: u32,
}

impl ProvisioningArgs {
    pub fn settings(&self) -> Settings {
        Settings {
            provisioning_token_ttl_seconds: i64::from(self.provisioning_token_ttl_seconds),
            auth_token_ttl_seconds: i64::from(self.auth_token_ttl_seconds),
        }
    }
}
