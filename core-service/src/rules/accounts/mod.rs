//! Account rules: who may be created, found, listed, changed and deleted, and
//! by whom. [`roles`] decides who may act; [`manage`] holds the lifecycle
//! (list, update, state, delete, search); [`password`] the self-service
//! password change.

use std::collections::HashMap;

use crate::{
    domain::{
        model::Account, AccountAddress, Algorithm, Dictionary, DisplayName, Domain, Email, Phone,
        Username,
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
    pub phone: Option<&'a str>,
    pub dictionary: Option<&'a HashMap<String, String>>,
}

impl ProfileInput<'_> {
    /// The profile, or every broken field's error.
    fn parse(&self) -> Result<Profile> {
        let email = Email::parse_optional(self.email);
        let display_name = DisplayName::parse_optional(self.display_name);
        let phone = Phone::parse_optional(self.phone);
        let dictionary = self
            .dictionary
            .map_or_else(|| Ok(Dictionary::default()), Dictionary::parse);
        match (email, display_name, phone, dictionary) {
            (Ok(email), Ok(display_name), Ok(phone), Ok(dictionary)) => Ok(Profile {
                email,
                display_name,
                phone,
                dictionary,
            }),
            (e, n, p, k) => Err(CoreError::merge([e.err(), n.err(), p.err(), k.err()])),
        }
    }
}

/// A phone is taken by another account of the domain that has it as its
/// phone (the store's unique key) or as its username (checked here).
pub(crate) async fn phone_free(
    store: &impl AccountStore,
    phone: Option<&Phone>,
    domain: &Domain,
    except: i64,
) -> Result<()> {
    let Some(phone) = phone else { return Ok(()) };
    match store.account_by_address(phone.as_str(), domain).await? {
        Some(holder) if holder.id != except => Err(CoreError::AlreadyExists {
            field: "phone",
            message: "has already been taken".into(),
        }),
        _ => Ok(()),
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
    /// Made with a creation token (contract part 4).
    pub pending: bool,
    /// The creation token it spends, used in the same transaction.
    pub spend_token: Option<i64>,
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
    create_checked(store, default_domain, actor, request, Vec::new(), now).await
}

/// [`create`], reporting `prior` refusals the caller found (a token, an
/// app's username rule) together with the fields' own.
pub(crate) async fn create_checked(
    store: &(impl AccountStore + SpaceStore),
    default_domain: &Domain,
    actor: Option<&Actor>,
    request: CreateAccount<'_>,
    prior: Vec<CoreError>,
    now: i64,
) -> Result<Account> {
    // Who may call comes before what was sent: a non-admin learns nothing
    // of the field rules.
    if let Some(actor) = actor {
        actor.require_admin()?;
    }
    let parsed = (
        Username::parse(request.username),
        Password::parse(request.password),
        Algorithm::parse(request.algorithm, "algorithm"),
        Domain::parse_or(request.domain, default_domain),
        request.profile.parse(),
    );
    let (username, password, algorithm, domain, profile) = match parsed {
        (Ok(u), Ok(p), Ok(a), Ok(d), Ok(profile)) if prior.is_empty() => (u, p, a, d, profile),
        (u, p, a, d, profile) => {
            let found = [u.err(), p.err(), a.err(), d.err(), profile.err()];
            return Err(CoreError::merge(prior.into_iter().map(Some).chain(found)));
        }
    };
    if let Some(actor) = actor {
        actor.may_act_in(&domain)?;
    }
    phone_free(store, profile.phone.as_ref(), &domain, 0).await?;
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
            pending: request.pending,
            spend_token: request.spend_token,
            profile,
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
