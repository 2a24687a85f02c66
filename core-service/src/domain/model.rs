//! The records every layer shares: what an account, a password, a device or
//! an API key is once read. They sit at the bottom of the crate, so the pure
//! checks (`digest`, `nonces`), the rules and the store can all use them
//! without importing each other.

use std::{collections::BTreeMap, fmt};

use crate::domain::{app_settings::AppSettings, AccountAddress, Algorithm, Domain};

/// A string that never prints itself: passwords, HA1s, API keys.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The one way to read the value: grep for it to audit where secrets go.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub domain: String,
    pub activated: bool,
    pub admin: bool,
    pub blocked: bool,
    pub email: Option<String>,
    pub display_name: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    /// Made with a creation token and not yet validated by a code (contract
    /// part 4): not activated, yet it authenticates over REST on the routes
    /// a pending account may call.
    pub pending: bool,
    pub dictionary: BTreeMap<String, String>,
    /// The algorithms it has a password for, MD5 first.
    pub password_algorithms: Vec<Algorithm>,
    /// An admin of a space whose `super` is set: acts on every domain.
    pub super_admin: bool,
    /// The Digest realm of its space (its domain unless the space says
    /// otherwise): what challenges carry and what its HA1s bind.
    pub realm: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Account {
    /// Its address, for lookups that go by username and domain.
    pub fn address(&self) -> Option<AccountAddress> {
        Some(AccountAddress {
            username: self.username.clone(),
            domain: Domain::parse(&self.domain).ok()?,
        })
    }
}

/// The configuration of one SIP domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Space {
    pub domain: String,
    pub name: String,
    pub realm: String,
    /// Its admins are super admins: they act on every domain and the spaces.
    pub is_super: bool,
    /// 0: no limit.
    pub max_accounts: i64,
    pub default_password_algorithm: Algorithm,
    pub accounts_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// What its Linphone apps are provisioned with (contract part 5).
    pub app: AppSettings,
}

/// One stored password: the HA1 for one algorithm.
#[derive(Debug, Clone)]
pub struct Credential {
    pub algorithm: Algorithm,
    pub ha1: Secret,
}

/// An activated account with its passwords, as read at one account epoch.
#[derive(Debug, Clone)]
pub struct ActiveAccount {
    pub account: Account,
    /// MD5 first; empty for an account without a password.
    pub credentials: Vec<Credential>,
    /// The `account_epoch` counter at the time of the read. Every change to
    /// accounts or passwords moves it on, so a statement that requires it
    /// unchanged cannot act on a stale copy of this account.
    pub epoch: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub uuid: String,
    pub contact: String,
    pub user_agent: String,
    pub expires_at: i64,
    pub updated_at: i64,
}

/// What is kept of an API key: never the key, only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: i64,
    pub account_id: i64,
    /// Empty for the account's user key.
    pub name: String,
    /// `None`: never expires.
    pub idle_expiry_seconds: Option<i64>,
    pub created_at: i64,
    pub last_used_at: i64,
    /// Empty for the API; else the one use it serves
    /// ([`crate::rules::api_keys::EXTERNAL_AUTH`]).
    pub scope: String,
}

impl ApiKey {
    /// Unused for longer than its idle expiry at `now`.
    pub fn expired(&self, now: i64) -> bool {
        self.idle_expiry_seconds
            .is_some_and(|idle| now.saturating_sub(self.last_used_at) > idle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let printed = format!("{:?}", Secret::new("abc-secret".into()));
        assert!(!printed.contains("abc-secret"), "{printed}");
    }

    #[test]
    fn keys_expire_only_after_their_idle_time() {
        let key = ApiKey {
            id: 1,
            account_id: 1,
            name: String::new(),
            idle_expiry_seconds: Some(60),
            created_at: 0,
            last_used_at: 100,
            scope: String::new(),
        };
        assert!(!key.expired(160));
        assert!(key.expired(161));
        let forever = ApiKey {
            idle_expiry_seconds: None,
            ..key
        };
        assert!(!forever.expired(i64::MAX));
    }
}
