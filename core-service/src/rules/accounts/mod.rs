//! Account rules: who may be created, found, listed, changed and deleted, and
//! by whom. [`roles`] decides who may act; [`manage`] holds the lifecycle
//! (list, update, state, delete, search); [`password`] the self-service
//! password change.

use std::collections::HashMap;

use crate::{
    domain::{
        model::Account, AccountAddress, Algorithm, Dictionary, DisplayName, Domain, Email, Username,
    },
    error::{CoreError, Result},
    rules::{
        accounts::{
            passwords::Password,
            store::{AccountStore, NewAccount, Profile},
        },
        spaces::{self, store::SpaceStore},
    },
};

pub mod manage;
pub mod password;
pub mod passwords;
pub mod roles;
pub mod store;

pub use roles::Actor;

/// The optional fields of an account as received.
#[derive(Default)]
pub struct ProfileInput<'a> {
    pub email: Option<&'a str>,
    pub display_name: Option<&'a str>,
    pub dictionary: Option<&'a HashMap<String, String>>,
}

impl ProfileInput<'_> {
    /// Each field's errors, to merge with the other fields' ones.
    fn parse(
        &self,
    ) -> (
        Result<Option<Email>>,
        Result<Option<DisplayName>>,
        Result<Dictionary>,
    ) {
        (
            Email::parse_optional(self.email),
            DisplayName::parse_optional(self.display_name),
            self.dictionary
                .map_or_else(|| Ok(Dictionary::default()), Dictionary::parse),
        )
    }
}

/// A request to create an account, as received (gRPC or the CLI).
pub struct CreateAccount<'a> {
    pub username: &'a str,
    /// Empty means the default domain.
    pub domain: &'a str,
    pub password: &'a str,
    pub algorithm: &'a str,
    pub admin: bool,
    pub activated: bool,
    pub blocked: bool,
    pub profile: ProfileInput<'a>,
}

/// Validates every field (reporting all broken ones at once), checks that
/// the actor (if any) may create in that domain, hashes the password into
/// the HA1 of the chosen algorithm with the space's realm and stores the
/// account (the store enforces the space's limit).
pub async fn create(
    store: &(impl AccountStore + SpaceStore),
    default_domain: &Domain,
    actor: Option<&Actor>,
    request: CreateAccount<'_>,
    now: i64,
) -> Result<Account> {
    // Who may call comes before what was sent: a non-admin learns nothing
    // of the field rules.
    if let Some(actor) = actor {
        actor.require_admin()?;
    }
    let (email, display_name, dictionary) = request.profile.parse();
    let parsed = (
        Username::parse(request.username),
        Password::parse(request.password),
        Algorithm::parse(request.algorithm, "algorithm"),
        Domain::parse_or(request.domain, default_domain),
    );
    let (username, password, algorithm, domain, email, display_name, dictionary) =
        match (parsed, email, display_name, dictionary) {
            ((Ok(u), Ok(p), Ok(a), Ok(d)), Ok(e), Ok(n), Ok(k)) => (u, p, a, d, e, n, k),
            ((u, p, a, d), e, n, k) => {
                return Err(CoreError::merge([
                    u.err(),
                    p.err(),
                    a.err(),
                    d.err(),
                    e.err(),
                    n.err(),
                    k.err(),
                ]))
            }
        };
    if let Some(actor) = actor {
        actor.may_act_in(&domain)?;
    }
    let realm = spaces::realm_of(store, &domain).await?;
    let credentials = password.credentials(&[algorithm], username.as_str(), &realm);
    store
        .create_account(NewAccount {
            username: username.as_str(),
            domain: &domain,
            realm: &realm,
            admin: request.admin,
            activated: request.activated,
            blocked: request.blocked,
            profile: Profile {
                email,
                display_name,
                dictionary,
            },
            credentials,
            created_at: now,
        })
        .await
}

pub async fn by_id(store: &impl AccountStore, id: i64) -> Result<Account> {
    store
        .account_by_id(id)
        .await?
        .ok_or(CoreError::NotFound("account"))
}

pub async fn by_address(store: &impl AccountStore, address: &AccountAddress) -> Result<Account> {
    store
        .account_by_address(&address.username, &address.domain)
        .await?
        .ok_or(CoreError::NotFound("account"))
}
