//! Provisioning tokens (an account's one current link to its document) and
//! auth tokens (a new device provisioned by one already logged in). Both
//! come from the OS generator and are stored as SHA-256 only; each serves
//! once, claimed by one conditional UPDATE. A wrong token (unknown, used or
//! expired) counts against the client's address; a right one is never
//! spent by a refused request.

use super::{expiry, for_account, Context, Guarded};
use crate::{
    domain::{
        model::{Account, Secret},
        random::{fingerprint, random_text, ALPHANUMERIC},
    },
    error::{CoreError, Result},
    rules::{
        accounts::{
            roles::{Actor, ACCOUNT_BLOCKED},
            store::{AccountChanges, AccountStore},
        },
        api_keys::{self, store::ApiKeyStore},
        onboarding::{self, store::OnboardingStore, Issued},
        provisioning::store::{NewToken, ProvisioningStore, StoredToken},
        spaces::store::SpaceStore,
    },
};

/// FlexiAPI's lengths: 13 and 32 characters of `[A-Za-z0-9]`.
pub const PROVISIONING_TOKEN_LENGTH: usize = 13;
pub const AUTH_TOKEN_LENGTH: usize = 32;
pub const PROVISIONING_NOT_FOUND: &str = "Provisioning token not found";
pub const PROVISIONING_EXPIRED: &str = "Provisioning token expired";
pub const AUTH_NOT_FOUND: &str = "Auth token not found";

fn well_formed(token: &str, length: usize) -> bool {
    token.len() == length && token.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Which of the two tables a token is looked up in.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Provisioning,
    Auth,
}

/// The stored row of a token; one not of its kind's shape never reaches
/// the database.
async fn lookup(
    store: &impl ProvisioningStore,
    kind: Kind,
    token: &str,
) -> Result<Option<StoredToken>> {
    let length = match kind {
        Kind::Provisioning => PROVISIONING_TOKEN_LENGTH,
        Kind::Auth => AUTH_TOKEN_LENGTH,
    };
    if !well_formed(token, length) {
        return Ok(None);
    }
    let sha = fingerprint(token);
    match kind {
        Kind::Provisioning => store.provisioning_token(&sha).await,
        Kind::Auth => store.auth_token(&sha).await,
    }
}

/// A new provisioning token for the actor's own account (`account_id` 0)
/// or one it administers; the previous one stops working.
pub async fn issue(
    store: &(impl AccountStore + ProvisioningStore),
    guarded: Guarded<'_>,
    actor: &Actor,
    account_id: i64,
    context: &Context,
    now: i64,
) -> Result<(Account, Issued)> {
    let account = match account_id {
        0 => actor.account.clone(),
        id => actor.administered(store, id).await?,
    };
    let token = new_provisioning_token()?;
    let expires_at = expiry(now, guarded.settings.provisioning_token_ttl_seconds);
    store
        .replace_provisioning_token(
            account.id,
            NewToken {
                token_sha256: &fingerprint(token.expose()),
                created_at: now,
                expires_at,
                requester: &context.requester,
            },
        )
        .await?;
    // Who made a way to an account's HA1s is on record.
    tracing::info!(
        account_id = account.id,
        actor_id = actor.account.id,
        "provisioning token made"
    );
    Ok((account, Issued { token, expires_at }))
}

/// A provisioning token's text, from the OS generator.
pub fn new_provisioning_token() -> Result<Secret> {
    random_text(ALPHANUMERIC, PROVISIONING_TOKEN_LENGTH)
}

/// The token's row and account, if it would provision now: the contract's
/// refusals in its order (throttled, unknown, expired, blocked).
pub async fn usable(
    store: &(impl AccountStore + ProvisioningStore),
    guarded: Guarded<'_>,
    token: &str,
    client: super::Client,
    now: i64,
) -> Result<(StoredToken, Account)> {
    guarded.check(client, now)?;
    let not_found = || CoreError::Missing(PROVISIONING_NOT_FOUND);
    let stored = lookup(store, Kind::Provisioning, token).await?;
    let Some(stored) = stored.filter(|t| t.used_at.is_none()) else {
        return Err(guarded.failed(client, now, not_found()));
    };
    if stored.expired(now) {
        let expired = CoreError::Expired(PROVISIONING_EXPIRED);
        return Err(guarded.failed(client, now, expired));
    }
    let account = owner(store, &stored).await?.ok_or_else(not_found)?;
    if account.blocked {
        return Err(CoreError::PermissionDenied(ACCOUNT_BLOCKED));
    }
    Ok((stored, account))
}

async fn owner(store: &impl AccountStore, token: &StoredToken) -> Result<Option<Account>> {
    match token.account_id {
        Some(id) => store.account_by_id(id).await,
        None => Ok(None),
    }
}

/// The document of a provisioning token's account; the token is used, and
/// the account activated (a pending one validated) if it was not.
pub async fn provision(
    store: &(impl AccountStore + SpaceStore + ProvisioningStore),
    guarded: Guarded<'_>,
    token: &str,
    context: &Context,
    now: i64,
) -> Result<Secret> {
    let (stored, account) = usable(store, guarded, token, context.client, now).await?;
    if !store.use_provisioning_token(stored.id, now).await? {
        let used = CoreError::Missing(PROVISIONING_NOT_FOUND);
        return Err(guarded.failed(context.client, now, used));
    }
    let served = async {
        let account = activated(store, account, now).await?;
        for_account(store, &account, context, now).await
    }
    .await;
    or_release(served, store.release_provisioning_token(stored.id)).await
}

/// What a claimed token served; on a failure the claim is undone, so a
/// request that got no document spends no token.
async fn or_release<T>(
    served: Result<T>,
    release: impl std::future::Future<Output = Result<()>>,
) -> Result<T> {
    if served.is_err() {
        if let Err(error) = release.await {
            tracing::warn!(%error, "a token used by a failed request stays used");
        }
    }
    served
}

/// FlexiAPI activates an account by its provisioning: a token made while
/// it was deactivated (deactivation voids the older ones) or pending.
async fn activated(store: &impl AccountStore, account: Account, now: i64) -> Result<Account> {
    if account.activated && !account.pending {
        return Ok(account);
    }
    let changes = AccountChanges {
        activated: Some(true),
        pending: Some(false),
        updated_at: now,
        ..AccountChanges::default()
    };
    let account = store
        .update_account(account.id, changes)
        .await?
        .ok_or(CoreError::Missing(PROVISIONING_NOT_FOUND))?;
    tracing::info!(account_id = account.id, "account activated by provisioning");
    Ok(account)
}

/// A new auth token for a device with no account yet; it counts in part
/// 4's per-address budget of public token requests.
pub async fn issue_auth_token(
    store: &(impl OnboardingStore + ProvisioningStore),
    guarded: Guarded<'_>,
    onboarding: &onboarding::Settings,
    context: &Context,
    now: i64,
) -> Result<Issued> {
    onboarding::count_request(store, onboarding, &context.requester, now).await?;
    let token = random_text(ALPHANUMERIC, AUTH_TOKEN_LENGTH)?;
    let expires_at = expiry(now, guarded.settings.auth_token_ttl_seconds);
    store
        .insert_auth_token(NewToken {
            token_sha256: &fingerprint(token.expose()),
            created_at: now,
            expires_at,
            requester: &context.requester,
        })
        .await?;
    Ok(Issued { token, expires_at })
}

/// The actor's device vouches for the token: it now stands for the actor.
pub async fn attach(
    store: &impl ProvisioningStore,
    guarded: Guarded<'_>,
    actor: &Actor,
    token: &str,
    client: super::Client,
    now: i64,
) -> Result<()> {
    guarded.check(client, now)?;
    let stored = lookup(store, Kind::Auth, token).await?;
    let attachable = stored.filter(|t| t.account_id.is_none() && t.used_at.is_none());
    let attached = match attachable {
        Some(t) if !t.expired(now) => store.attach_auth_token(t.id, actor.account.id, now).await?,
        _ => false,
    };
    if attached {
        Ok(())
    } else {
        Err(guarded.failed(client, now, CoreError::Missing(AUTH_NOT_FOUND)))
    }
}

/// The id and account of an attached, unused, unexpired auth token, which
/// is used. A token that is real but not attached yet is refused without
/// counting as a guess: the new device polls until it is.
async fn use_auth_token(
    store: &(impl AccountStore + ProvisioningStore),
    guarded: Guarded<'_>,
    token: &str,
    client: super::Client,
    now: i64,
) -> Result<(i64, Account)> {
    guarded.check(client, now)?;
    let not_found = || CoreError::Missing(AUTH_NOT_FOUND);
    let stored = lookup(store, Kind::Auth, token).await?;
    let Some(stored) = stored.filter(|t| t.used_at.is_none() && !t.expired(now)) else {
        return Err(guarded.failed(client, now, not_found()));
    };
    let Some(account) = owner(store, &stored).await? else {
        return Err(not_found());
    };
    if account.blocked {
        return Err(CoreError::PermissionDenied(ACCOUNT_BLOCKED));
    }
    if !store.use_auth_token(stored.id, now).await? {
        return Err(guarded.failed(client, now, not_found()));
    }
    Ok((stored.id, account))
}

/// The document of an attached auth token's account.
pub async fn provision_by_auth_token(
    store: &(impl AccountStore + SpaceStore + ProvisioningStore),
    guarded: Guarded<'_>,
    token: &str,
    context: &Context,
    now: i64,
) -> Result<Secret> {
    let (id, account) = use_auth_token(store, guarded, token, context.client, now).await?;
    let served = for_account(store, &account, context, now).await;
    or_release(served, store.release_auth_token(id)).await
}

/// A new user API key of an attached auth token's account (replacing its
/// previous one, as part 2's `me/api_key`).
pub async fn api_key_from_auth_token(
    store: &(impl AccountStore + ApiKeyStore + ProvisioningStore),
    guarded: Guarded<'_>,
    token: &str,
    context: &Context,
    idle_minutes: i64,
    now: i64,
) -> Result<Secret> {
    let (id, account) = use_auth_token(store, guarded, token, context.client, now).await?;
    let made = api_keys::create_user_key(store, &Actor { account }, idle_minutes, now).await;
    let (key, _) = or_release(made, store.release_auth_token(id)).await?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tokens_of_the_right_shape_reach_the_database() {
        assert!(well_formed("abcDEF1234567", PROVISIONING_TOKEN_LENGTH));
        assert!(!well_formed("abcDEF123456", PROVISIONING_TOKEN_LENGTH));
        assert!(!well_formed("abcDEF12345é", PROVISIONING_TOKEN_LENGTH));
        assert!(well_formed(&"a".repeat(32), AUTH_TOKEN_LENGTH));
        assert!(!well_formed(&"a".repeat(33), AUTH_TOKEN_LENGTH));
    }
}
