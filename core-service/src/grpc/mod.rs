//! The gRPC surface `flexiapi.v1`: thin handlers that turn messages into
//! domain inputs, call the rules, and map [`crate::error::CoreError`] once
//! (through `From<CoreError> for Status`).

use std::{
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use flexiapi_proto::pb;

use crate::{
    account_cache::AccountCache,
    domain::{AccountAddress, Domain},
    error::Result,
    store::{Account, Device},
};

mod accounts;
mod auth;
mod devices;

/// What every handler needs besides the store.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `--sip-domain`: the domain of requests that name none, and its realm.
    pub default_domain: Domain,
    pub nonce_ttl_seconds: i64,
    pub account_cache_entries: usize,
}

/// The three `flexiapi.v1` services, over one store.
#[derive(Debug)]
pub struct Api<S> {
    store: S,
    accounts: Arc<AccountCache>,
    settings: Arc<Settings>,
}

impl<S: Clone> Clone for Api<S> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            accounts: self.accounts.clone(),
            settings: self.settings.clone(),
        }
    }
}

impl<S> Api<S> {
    pub fn new(store: S, accounts: Arc<AccountCache>, settings: Settings) -> Self {
        Self {
            store,
            accounts,
            settings: Arc::new(settings),
        }
    }

    fn address(&self, username: &str, domain: &str) -> Result<AccountAddress> {
        AccountAddress::parse(username, domain, &self.settings.default_domain)
    }
}

/// A request field as a span records it, before validation: at most the
/// longest valid value (255 bytes, cut at a character boundary), since a
/// message may carry megabytes there.
fn traced(value: &str) -> &str {
    const LONGEST: usize = 255;
    let mut end = value.len().min(LONGEST);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    &value[..end]
}

/// The clock, read once per request at the edge so every rule below takes
/// `now` as an argument.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
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
        }
    }
}

impl From<Device> for pb::Device {
    fn from(device: Device) -> Self {
        Self {
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
