//! Device rules: the SIP bindings a registrar records for an account.
//!
//! A binding lives until `expires_at`; an expired one is never listed and is
//! purged in the background. As in a SIP REGISTER, an expiry of 0 removes it.

use std::future::Future;

use crate::{
    domain::{
        model::{Account, Device},
        AccountAddress, Contact, DeviceUuid, UserAgent,
    },
    error::{CoreError, Result},
    rules::{
        accounts::{self, store::AccountStore},
        devices::store::{DeviceStore, NewDevice},
    },
};

pub mod store;

/// Flexisip's registrar, where a deployment keeps its bindings in Redis
/// (implemented by [`crate::adapters::registrar`]).
pub trait Registrar {
    /// Removes the live binding of `aor` whose uuid is `uuid`; false when
    /// there is none (absent, expired, or removed meanwhile).
    fn remove(&self, aor: &str, uuid: &str, now: i64) -> impl Future<Output = Result<bool>> + Send;
}

/// Flexisip's address of record of an account, its registrar key without `fs:`.
pub fn aor(account: &Account) -> String {
    format!("{}@{}", account.username, account.domain)
}

/// The longest binding accepted: registrars ask for hours or days; a year
/// bounds the arithmetic and any mistake.
pub const MAX_EXPIRES_SECONDS: i64 = 366 * 24 * 3600;

pub struct Registration<'a> {
    pub uuid: &'a str,
    pub contact: &'a str,
    pub user_agent: &'a str,
    pub expires_seconds: i64,
}

/// Creates or refreshes the binding of the account at `address`; returns
/// that account's id (whose watchers to tell) and the binding, `None` when
/// `expires_seconds` is 0 and the binding was removed.
pub async fn upsert(
    store: &(impl AccountStore + DeviceStore),
    address: &AccountAddress,
    registration: Registration<'_>,
    now: i64,
) -> Result<(i64, Option<Device>)> {
    let parsed = (
        DeviceUuid::parse(registration.uuid),
        Contact::parse(registration.contact),
        UserAgent::parse(registration.user_agent),
        parse_expires(registration.expires_seconds),
    );
    let (uuid, contact, user_agent, expires_seconds) = match parsed {
        (Ok(u), Ok(c), Ok(a), Ok(e)) => (u, c, a, e),
        (u, c, a, e) => return Err(CoreError::merge([u.err(), c.err(), a.err(), e.err()])),
    };
    let account = accounts::by_address(store, address).await?;
    if expires_seconds == 0 {
        store.remove_device(account.id, &uuid, now).await?;
        return Ok((account.id, None));
    }
    let device = NewDevice {
        uuid: &uuid,
        contact: contact.as_str(),
        user_agent: user_agent.as_str(),
        expires_at: now + expires_seconds,
        updated_at: now,
    };
    Ok((
        account.id,
        Some(store.upsert_device(account.id, device).await?),
    ))
}

fn parse_expires(seconds: i64) -> Result<i64> {
    if (0..=MAX_EXPIRES_SECONDS).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(CoreError::invalid(
            "expires_seconds",
            format!("must be between 0 and {MAX_EXPIRES_SECONDS}"),
        ))
    }
}

/// The live bindings of account `account_id` (whose access the caller
/// has checked).
pub async fn list(store: &impl DeviceStore, account_id: i64, now: i64) -> Result<Vec<Device>> {
    store.live_devices(account_id, now).await
}

/// The same from Flexisip's registrar: NOT_FOUND (`device`) when the
/// address has no such live binding.
pub async fn remove_from_registrar(
    registrar: &impl Registrar,
    aor: &str,
    uuid: &str,
    now: i64,
) -> Result<()> {
    let uuid = DeviceUuid::parse(uuid)?;
    if registrar.remove(aor, uuid.as_str(), now).await? {
        Ok(())
    } else {
        Err(CoreError::NotFound("device"))
    }
}

/// NOT_FOUND (`device`) when the account has no such live binding.
pub async fn remove(store: &impl DeviceStore, account_id: i64, uuid: &str, now: i64) -> Result<()> {
    let uuid = DeviceUuid::parse(uuid)?;
    if store.remove_device(account_id, &uuid, now).await? {
        Ok(())
    } else {
        Err(CoreError::NotFound("device"))
    }
}
