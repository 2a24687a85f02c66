//! The account lifecycle as admins run it: list, show, update, activate,
//! deactivate, block, unblock, delete and search, each within the actor's
//! reach (see [`super::roles`]).

use super::{password::algorithms_for, Actor, ProfileInput};
use crate::{
    domain::{model::Account, AccountAddress, Domain, Username},
    error::{CoreError, Result},
    rules::{
        accounts::{
            passwords::Password,
            store::{AccountChanges, AccountFilter, AccountStore},
        },
        provisioning::store::ProvisioningStore,
        spaces::store::SpaceStore,
    },
};

pub const DEFAULT_PER_PAGE: i64 = 20;
pub const MAX_PER_PAGE: i64 = 100;

/// A page request as received; `None` means the default.
pub struct ListQuery<'a> {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    pub search: &'a str,
    pub domain: &'a str,
}

pub struct Page {
    pub accounts: Vec<Account>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A page request's number (from 1) and size (1 to 100; `default` when
/// absent), or INVALID_ARGUMENT naming the one out of bounds.
pub fn page_bounds(page: Option<i64>, per_page: Option<i64>, default: i64) -> Result<(i64, i64)> {
    let page = match page {
        None => 1,
        Some(p) if (1..=1_000_000_000).contains(&p) => p,
        Some(_) => {
            return Err(CoreError::invalid(
                "page",
                "must be between 1 and 1000000000",
            ))
        }
    };
    let per_page = match per_page {
        None => default,
        Some(n) if (1..=MAX_PER_PAGE).contains(&n) => n,
        Some(_) => return Err(CoreError::invalid("per_page", "must be between 1 and 100")),
    };
    Ok((page, per_page))
}

pub async fn list(store: &impl AccountStore, actor: &Actor, query: ListQuery<'_>) -> Result<Page> {
    actor.require_admin()?;
    let (page, per_page) = page_bounds(query.page, query.per_page, DEFAULT_PER_PAGE)?;
    if query.search.chars().count() > 255 || query.search.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            "search",
            "must be at most 255 characters, without control characters",
        ));
    }
    let domain = match query.domain {
        "" if actor.account.super_admin => None,
        "" => Some(own_domain(actor)?),
        raw => {
            let domain = Domain::parse(raw)?;
            actor.may_act_in(&domain)?;
            Some(domain)
        }
    };
    let filter = AccountFilter {
        domain: domain.as_ref(),
        search: Some(query.search).filter(|s| !s.is_empty()),
        offset: (page - 1) * per_page,
        limit: per_page,
    };
    let (accounts, total) = store.list_accounts(filter).await?;
    Ok(Page {
        accounts,
        total,
        page,
        per_page,
    })
}

fn own_domain(actor: &Actor) -> Result<Domain> {
    own_domain_of(&actor.account)
}

/// The domain of a stored account (valid, as every stored one is).
pub(crate) fn own_domain_of(account: &Account) -> Result<Domain> {
    Ok(Domain::parse(&account.domain)
        .map_err(|_| anyhow::anyhow!("account {} has an invalid domain", account.id))?)
}

/// A PUT as received: `None` leaves a field as it is, except the profile,
/// which is replaced.
pub struct Update<'a> {
    pub profile: ProfileInput<'a>,
    pub username: Option<&'a str>,
    pub password: Option<&'a str>,
    pub algorithm: Option<&'a str>,
    pub activated: Option<bool>,
    pub blocked: Option<bool>,
    pub admin: Option<bool>,
}

pub async fn update(
    store: &(impl AccountStore + SpaceStore + ProvisioningStore),
    actor: &Actor,
    id: i64,
    update: Update<'_>,
    now: i64,
) -> Result<Account> {
    let target = actor.administered(store, id).await?;
    let locks_itself_out = update.activated == Some(false)
        || update.blocked == Some(true)
        || update.admin == Some(false);
    if locks_itself_out {
        actor.not_itself(&target)?;
    }
    let username = update.username.map(Username::parse).transpose();
    let password = update.password.map(Password::parse).transpose();
    let algorithms = algorithms_for(store, update.algorithm.unwrap_or_default(), &target).await;
    let (username, password, algorithms, profile) =
        match (username, password, algorithms, update.profile.parse()) {
            (Ok(u), Ok(p), Ok(a), Ok(profile)) => (u, p, a, profile),
            (u, p, a, profile) => {
                return Err(CoreError::merge([u.err(), p.err(), a.err(), profile.err()]))
            }
        };
    let domain = own_domain_of(&target)?;
    super::phone_free(store, profile.phone.as_ref(), &domain, target.id).await?;
    let new_name = username
        .as_ref()
        .map(|u| u.as_str())
        .filter(|name| *name != target.username);
    // An HA1 binds the username: a rename without a password would leave
    // every stored hash unusable.
    if new_name.is_some() && password.is_none() {
        return Err(CoreError::invalid(
            "password",
            "is required when the username changes",
        ));
    }
    let hashed_for = new_name.unwrap_or(&target.username);
    let changes = AccountChanges {
        profile: Some(profile),
        username: new_name.map(str::to_owned),
        credentials: password.map(|p| p.credentials(&algorithms, hashed_for, &target.realm)),
        activated: update.activated,
        blocked: update.blocked,
        admin: update.admin,
        // An admin deciding the state ends pending (contract part 4).
        pending: update.activated.map(|_| false),
        // An admin's new password ends every session of the account.
        keep_session: None,
        updated_at: now,
    };
    let updated = store
        .update_account(id, changes)
        .await?
        .ok_or(CoreError::NotFound("account"))?;
    void_tokens_if_deactivated(store, id, update.activated).await?;
    Ok(updated)
}

/// A deactivation voids the account's provisioning and auth tokens (contract
/// part 5): an admin's deactivation is never undone by an old link.
async fn void_tokens_if_deactivated(
    store: &impl ProvisioningStore,
    id: i64,
    activated: Option<bool>,
) -> Result<()> {
    if activated == Some(false) {
        store.void_tokens(id).await?;
    }
    Ok(())
}

/// One of the four state changes of the admin routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateChange {
    Activate,
    Deactivate,
    Block,
    Unblock,
}

pub async fn set_state(
    store: &(impl AccountStore + ProvisioningStore),
    actor: &Actor,
    id: i64,
    state: StateChange,
    now: i64,
) -> Result<Account> {
    let target = actor.administered(store, id).await?;
    let (activated, blocked) = match state {
        StateChange::Activate => (Some(true), None),
        StateChange::Deactivate => (Some(false), None),
        StateChange::Block => (None, Some(true)),
        StateChange::Unblock => (None, Some(false)),
    };
    if matches!(state, StateChange::Deactivate | StateChange::Block) {
        actor.not_itself(&target)?;
    }
    let changes = AccountChanges {
        activated,
        blocked,
        pending: activated.map(|_| false),
        updated_at: now,
        ..AccountChanges::default()
    };
    let updated = store
        .update_account(id, changes)
        .await?
        .ok_or(CoreError::NotFound("account"))?;
    void_tokens_if_deactivated(store, id, activated).await?;
    Ok(updated)
}

/// Deletes account `id` as an admin, or the actor's own account (`None`).
pub async fn delete(
    store: &impl AccountStore,
    actor: &Actor,
    id: Option<i64>,
    now: i64,
) -> Result<()> {
    let target = match id {
        None => actor.account.clone(),
        Some(id) => {
            let target = actor.administered(store, id).await?;
            actor.not_itself(&target)?;
            target
        }
    };
    if store.delete_account(target.id, now).await? {
        Ok(())
    } else {
        Err(CoreError::NotFound("account"))
    }
}

/// What a search names.
pub enum Search<'a> {
    Sip(&'a str),
    Email(&'a str),
}

pub async fn search(
    store: &impl AccountStore,
    actor: &Actor,
    default_domain: &Domain,
    by: Search<'_>,
) -> Result<Account> {
    actor.require_admin()?;
    match by {
        Search::Sip(sip) => {
            let address = AccountAddress::parse_sip(sip, default_domain)?;
            store
                .account_by_address(&address.username, &address.domain)
                .await?
                .filter(|account| actor.reaches(account))
                .ok_or(CoreError::NotFound("SIP address"))
        }
        Search::Email(email) => {
            if email.is_empty() || email.chars().count() > 255 {
                return Err(CoreError::invalid("email", "must be 1 to 255 characters"));
            }
            let found = store.accounts_by_email(email).await?;
            found
                .into_iter()
                .find(|account| actor.reaches(account))
                .ok_or(CoreError::NotFound("Email address"))
        }
    }
}
