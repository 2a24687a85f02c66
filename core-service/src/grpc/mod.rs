//! The gRPC surface `flexiapi.v1`: thin handlers that turn messages into
//! domain inputs, call the rules, and map [`crate::error::CoreError`] once
//! (through `From<CoreError> for Status`).

use std::{
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use flexiapi_proto::pb;

use crate::{
    adapters::{files::FilesDir, registrar::RedisRegistrar},
    domain::{
        model::{Account, Device},
        AccountAddress, Domain,
    },
    error::{CoreError, Result},
    rules::{
        accounts::{self as account_rules, roles::PendingAccess, Actor},
        api_keys::cache::KeyCache,
        auth::{
            account_cache::AccountCache,
            throttle::{Client, Guards},
            NonceState,
        },
        onboarding::Onboarding,
        provisioning::Settings as ProvisioningSettings,
        voicemails::Settings as VoicemailSettings,
        Store,
    },
};

mod accounts;
mod api_keys;
mod auth;
mod call_forwardings;
pub mod callers;
pub mod deadline;
mod devices;
pub mod fence;
pub mod gate;
mod onboarding;
mod provisioning;
mod push_notifications;
pub mod replica;
mod sessions;
mod spaces;
mod statistics;
mod voicemails;
mod watch;

pub use watch::Watchers;

/// What every handler needs besides the store.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `--sip-domain`: the domain of requests that name none; its space is
    /// super and stays.
    pub default_domain: Domain,
    pub nonce_ttl_seconds: i64,
    /// `--proxy-nonce-retention-seconds` ([`crate::rules::auth::caller_nonces`]).
    pub proxy_nonce_retention_seconds: i64,
    pub account_cache_entries: usize,
    /// `--api-key-idle-minutes`: how long a user key lives unused.
    pub api_key_idle_minutes: i64,
    /// `--panel-session-idle-minutes` and `--panel-session-max-hours`.
    pub sessions: crate::rules::sessions::Lifetimes,
    /// Part 5's token lifetimes.
    pub provisioning: ProvisioningSettings,
    /// Part 6's upload limit, and where the files are.
    pub voicemails: VoicemailSettings,
    pub files: FilesDir,
}

/// The `flexiapi.v1` services (accounts, spaces, auth, API keys, devices), over one store.
#[derive(Debug)]
pub struct Api<S> {
    store: S,
    accounts: Arc<AccountCache>,
    /// The API keys found lately, under the accounts' lease.
    keys: Arc<KeyCache>,
    /// The nonce keys and answered nonces of this replica.
    nonces: Arc<NonceState>,
    settings: Arc<Settings>,
    /// Flexisip's registrar, when it is the source of devices.
    registrar: Option<RedisRegistrar>,
    watchers: Watchers,
    /// The failure limits (per process: see [`crate::rules::auth::throttle`]).
    guards: Arc<Guards>,
    /// Part 4's lifetimes, limits and message channels.
    onboarding: Arc<Onboarding>,
}

impl<S: Clone> Clone for Api<S> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            accounts: self.accounts.clone(),
            keys: self.keys.clone(),
            nonces: self.nonces.clone(),
            settings: self.settings.clone(),
            registrar: self.registrar.clone(),
            watchers: self.watchers.clone(),
            guards: self.guards.clone(),
            onboarding: self.onboarding.clone(),
        }
    }
}

impl<S> Api<S> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: S,
        accounts: Arc<AccountCache>,
        nonces: Arc<NonceState>,
        settings: Settings,
        registrar: Option<RedisRegistrar>,
        watchers: Watchers,
        guards: Guards,
        onboarding: Onboarding,
    ) -> Self {
        // As many keys as accounts: a key is a few hundred bytes too.
        let keys = Arc::new(KeyCache::new(accounts.capacity(), accounts.clone()));
        Self {
            store,
            accounts,
            keys,
            nonces,
            settings: Arc::new(settings),
            registrar,
            watchers,
            guards: Arc::new(guards),
            onboarding: Arc::new(onboarding),
        }
    }

    fn address(&self, username: &str, domain: &str) -> Result<AccountAddress> {
        AccountAddress::parse(username, domain, &self.settings.default_domain)
    }
}

impl<S: Store> Api<S> {
    /// The acting account a request names, read afresh.
    async fn actor(&self, actor: Option<&pb::Actor>) -> Result<Actor> {
        let actor = actor.ok_or_else(|| CoreError::invalid("actor", "is required"))?;
        Actor::resolve(&self.store, actor.account_id).await
    }

    /// [`Self::actor`], for the calls a pending account may make too.
    async fn pending_actor(&self, actor: Option<&pb::Actor>) -> Result<Actor> {
        let actor = actor.ok_or_else(|| CoreError::invalid("actor", "is required"))?;
        Actor::resolve_pending(&self.store, actor.account_id).await
    }

    /// Whose devices a device call is about: the address (a registrar, no
    /// actor) or, on someone's behalf, `account_id` (0: the actor's own)
    /// within the actor's reach.
    async fn device_owner(
        &self,
        username: &str,
        domain: &str,
        actor: Option<&pb::Actor>,
        account_id: i64,
    ) -> Result<Account> {
        if actor.is_none() {
            let address = self.address(username, domain)?;
            return account_rules::by_address(&self.store, &address).await;
        }
        let actor = self.actor(actor).await?;
        if account_id == 0 {
            Ok(actor.account)
        } else {
            actor.administered(&self.store, account_id).await
        }
    }
}

/// Whose failures a call counts: the client address the caller gave, else
/// the caller's own (a direct client).
fn client(given: &str, peer: Option<std::net::SocketAddr>) -> Result<Client> {
    if given.is_empty() {
        let peer = peer.map_or(std::net::IpAddr::from([0, 0, 0, 0]), |p| p.ip());
        return Ok(Client::new(peer));
    }
    given
        .parse()
        .map(Client::new)
        .map_err(|_| CoreError::invalid("client_address", "must be an IP address"))
}

/// What a pending account gets, as a caller asks (an unknown value: none).
fn pending_access(raw: i32) -> PendingAccess {
    match pb::PendingAccess::try_from(raw) {
        Ok(pb::PendingAccess::Forbidden) => PendingAccess::Forbidden,
        Ok(pb::PendingAccess::Allowed) => PendingAccess::Allowed,
        Ok(pb::PendingAccess::None) | Err(_) => PendingAccess::Refused,
    }
}

/// A request field as a span records it, before validation: at most the
/// longest valid value (255 bytes, cut at a character boundary), since a
/// message may carry megabytes there.
fn traced(value: &str) -> &str {
    crate::domain::at_most(value, 255)
}

/// The clock, read once per request at the edge so every rule below takes
/// `now` as an argument.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// The wall clock in milliseconds, which signed nonces carry.
pub fn unix_now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

fn timestamp(unix_seconds: i64) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: unix_seconds,
        nanos: 0,
    })
}

impl From<Account> for pb::Account {
    fn from(account: Account) -> Self {
        Self {
            id: account.id,
            username: account.username,
            domain: account.domain,
            activated: account.activated,
            admin: account.admin,
            created_at: timestamp(account.created_at),
            email: account.email,
            display_name: account.display_name,
            phone: account.phone,
            pending: account.pending,
            dictionary: account.dictionary.into_iter().collect(),
            blocked: account.blocked,
            updated_at: timestamp(account.updated_at),
            password_algorithms: account
                .password_algorithms
                .iter()
                .map(|a| a.as_str().to_owned())
                .collect(),
            super_admin: account.super_admin,
        }
    }
}

impl From<Device> for pb::Device {
    fn from(device: Device) -> Self {
        let agent = flexisip_registrar::UserAgent::parse(&device.user_agent);
        Self {
            app: agent.app,
            version: agent.version,
            device_name: agent.device_name,
            uuid: device.uuid,
            contact: device.contact,
            user_agent: device.user_agent,
            expires_at: timestamp(device.expires_at),
            updated_at: timestamp(device.updated_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::traced;

    #[test]
    fn spans_record_at_most_255_bytes_of_a_field() {
        assert_eq!(traced("alice01"), "alice01");
        let long = "a".repeat(4 << 20);
        assert_eq!(traced(&long).len(), 255);
        // 254 ASCII bytes then a 2-byte character: cut before it.
        let mixed = format!("{}é", "a".repeat(254));
        assert_eq!(traced(&mixed), "a".repeat(254));
    }
}
