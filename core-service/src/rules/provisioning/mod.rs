//! Remote provisioning (contract part 5): the document a Linphone app
//! configures itself from ([`document`]), built here and only for whoever
//! proved they hold the account (a token, or a credential checked by the
//! caller of [`for_account`]); the tokens that open it ([`tokens`]), with
//! their guessing limit.

use crate::{
    domain::{
        model::{Account, Credential, Secret},
        random::{random_text, ALPHANUMERIC},
        Domain,
    },
    error::{CoreError, Result},
    rules::{
        accounts::{
            password::algorithms_for,
            passwords::Password,
            store::{AccountChanges, AccountStore},
        },
        auth::throttle::{Client, Key, Throttle},
        onboarding::{expiry, store::Requester},
        spaces::store::SpaceStore,
    },
};
use document::{AccountPart, SpacePart};

pub mod document;
pub mod email;
pub mod store;
pub mod tokens;

/// The lifetimes of part 5's tokens, from the core's flags; 0 is never.
#[derive(Debug, Clone)]
pub struct Settings {
    pub provisioning_token_ttl_seconds: i64,
    pub auth_token_ttl_seconds: i64,
}

impl Default for Settings {
    /// FlexiAPI's: 7 days, and 5 minutes for an auth token.
    fn default() -> Self {
        Self {
            provisioning_token_ttl_seconds: 7 * 24 * 3600,
            auth_token_ttl_seconds: 300,
        }
    }
}

/// What a document request carries besides its credential.
#[derive(Debug, Clone)]
pub struct Context {
    pub requester: Requester,
    /// The client counted by the guessing limit.
    pub client: Client,
    /// `scheme://host[:port]`, no trailing `/`.
    pub public_url: String,
    pub reset_password: bool,
}

/// What a token route needs from the core besides the store: the settings
/// and the per-address count of wrong tokens.
#[derive(Debug, Clone, Copy)]
pub struct Guarded<'a> {
    pub settings: &'a Settings,
    pub throttle: &'a Throttle,
}

impl Guarded<'_> {
    /// Refused while the client is locked out, before any token is read.
    fn check(&self, client: Client, now: i64) -> Result<()> {
        self.throttle
            .check(Key::Tokens(client), now)
            .map_err(|retry_after_seconds| CoreError::Throttled {
                retry_after_seconds,
            })
    }

    /// Counts a wrong token (404 or 410) and hands the refusal back.
    fn failed(&self, client: Client, now: i64, refusal: CoreError) -> CoreError {
        if self.throttle.failed(Key::Tokens(client), now).is_err() {
            tracing::warn!(client = %client.address(), "too many wrong provisioning tokens: locked out");
        }
        refusal
    }
}

/// The document of the default domain's space, without an account.
pub async fn anonymous(store: &impl SpaceStore, default_domain: &Domain) -> Result<Secret> {
    let space = store
        .space(default_domain)
        .await?
        .ok_or(CoreError::NotFound("space"))?;
    let xml = document::render(
        &SpacePart {
            is_super: space.is_super,
            app: &space.app,
        },
        None,
    )?;
    Ok(Secret::new(xml))
}

/// The document of `account`, whose holder proved who they are. With
/// `reset_password`, the account first gets a new random password that
/// nobody ever sees, for the algorithms it had: the document carries its
/// HA1s and the old password stops working at once.
pub async fn for_account(
    store: &(impl AccountStore + SpaceStore),
    account: &Account,
    context: &Context,
    now: i64,
) -> Result<Secret> {
    let domain = Domain::parse(&account.domain)
        .map_err(|_| anyhow::anyhow!("account {} has domain {:?}", account.id, account.domain))?;
    let space = store
        .space(&domain)
        .await?
        .ok_or(CoreError::NotFound("space"))?;
    let credentials = if context.reset_password {
        reset_password(store, account, now).await?
    } else {
        store.credentials(account.id).await?
    };
    let part = AccountPart {
        username: &account.username,
        domain: &account.domain,
        display_name: account.display_name.as_deref(),
        realm: &space.realm,
        credentials: &credentials,
        config_uri: format!("{}/provisioning/me", context.public_url),
    };
    let xml = document::render(
        &SpacePart {
            is_super: space.is_super,
            app: &space.app,
        },
        Some(&part),
    )?;
    Ok(Secret::new(xml))
}

/// 22 characters of `[A-Za-z0-9]`: 130 bits.
const RESET_PASSWORD_LENGTH: usize = 22;

async fn reset_password(
    store: &(impl AccountStore + SpaceStore),
    account: &Account,
    now: i64,
) -> Result<Vec<Credential>> {
    let algorithms = algorithms_for(store, "", account).await?;
    let password = Password::parse(random_text(ALPHANUMERIC, RESET_PASSWORD_LENGTH)?.expose())?;
    let credentials = password.credentials(&algorithms, &account.username, &account.realm);
    let changes = AccountChanges {
        credentials: Some(credentials.clone()),
        updated_at: now,
        ..AccountChanges::default()
    };
    store
        .update_account(account.id, changes)
        .await?
        .ok_or(CoreError::NotFound("account"))?;
    tracing::info!(account_id = account.id, "password reset by provisioning");
    Ok(credentials)
}
