//! The rules: one folder per domain, each deciding what may happen to what
//! it owns and defining, in its `store.rs`, the storage it needs. Nothing
//! here names an adapter, the gRPC edge or the process plumbing.

use crate::rules::{
    accounts::store::AccountStore, api_keys::store::ApiKeyStore, auth::store::NonceStore,
    call_forwardings::store::CallForwardingStore, devices::store::DeviceStore,
    onboarding::store::OnboardingStore, provisioning::store::ProvisioningStore,
    sessions::store::SessionStore, spaces::store::SpaceStore, statistics::store::StatisticsStore,
    voicemails::store::VoicemailStore,
};

pub mod accounts;
pub mod api_keys;
pub mod auth;
pub mod call_forwardings;
pub mod devices;
pub mod onboarding;
pub mod provisioning;
pub mod push_notifications;
pub mod sessions;
pub mod spaces;
pub mod statistics;
pub mod voicemails;

/// Everything the core needs from storage, as one bound.
pub trait Store:
    AccountStore
    + SpaceStore
    + NonceStore
    + ApiKeyStore
    + DeviceStore
    + OnboardingStore
    + ProvisioningStore
    + CallForwardingStore
    + VoicemailStore
    + StatisticsStore
    + SessionStore
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: AccountStore
        + SpaceStore
        + NonceStore
        + ApiKeyStore
        + DeviceStore
        + OnboardingStore
        + ProvisioningStore
        + CallForwardingStore
        + VoicemailStore
        + StatisticsStore
        + SessionStore
        + Clone
        + Send
        + Sync
        + 'static
{
}
