//! Space rules: only super admins see and change spaces; a realm is fixed
//! once the space has accounts; the default domain's space stays, and stays
//! super, so the deployment always has a super admin's space.

use crate::{
    domain::{
        app_settings::{AppChanges, AppInput, AppSettings},
        model::Space,
        Algorithm, Domain, MaxAccounts, Realm, SpaceName,
    },
    error::{CoreError, Result},
    rules::{
        accounts::roles::{Actor, UNAUTHORIZED_AREA},
        spaces::store::{NewSpace, SpaceChanges, SpaceDeletion, SpaceStore},
    },
};

pub mod store;

pub const SPACE_FULL: &str = "The space is full";
pub const STILL_HAS_ACCOUNTS: &str = "The space still has accounts";
pub const DEFAULT_SPACE_STAYS: &str = "The space of the default domain cannot be deleted";

/// What a new account of a domain without a space (or a password change
/// that names no algorithm, on an account without one) gets.
pub const DEFAULT_ALGORITHM: Algorithm = Algorithm::Sha256;

/// The fields of a space as received; `None` is "not given".
#[derive(Default)]
pub struct SpaceInput<'a> {
    /// On update, a domain the caller gave: it must be the space's own.
    pub new_domain: Option<&'a str>,
    pub name: Option<&'a str>,
    pub realm: Option<&'a str>,
    pub is_super: Option<bool>,
    pub max_accounts: Option<i64>,
    pub default_password_algorithm: Option<&'a str>,
    /// The app settings of contract part 5.
    pub app: AppInput<'a>,
}

/// [`SpaceInput`] parsed, every broken field reported at once.
struct Parsed {
    name: Option<SpaceName>,
    realm: Option<Realm>,
    max_accounts: Option<MaxAccounts>,
    default_password_algorithm: Option<Algorithm>,
    app: AppChanges,
}

impl SpaceInput<'_> {
    fn parse(&self) -> Result<Parsed> {
        let parsed = (
            self.name.map(SpaceName::parse).transpose(),
            self.realm.map(Realm::parse).transpose(),
            self.max_accounts.map(MaxAccounts::parse).transpose(),
            self.default_password_algorithm
                .map(|raw| Algorithm::parse(raw, "default_password_algorithm"))
                .transpose(),
            self.app.parse(),
        );
        match parsed {
            (Ok(name), Ok(realm), Ok(max_accounts), Ok(default_password_algorithm), Ok(app)) => {
                Ok(Parsed {
                    name,
                    realm,
                    max_accounts,
                    default_password_algorithm,
                    app,
                })
            }
            (n, r, m, a, s) => Err(CoreError::merge([
                n.err(),
                r.err(),
                m.err(),
                a.err(),
                s.err(),
            ])),
        }
    }
}

/// Spaces are the deployment's configuration: super admins only. `None`
/// is the operator at the command line.
fn require_super(actor: Option<&Actor>) -> Result<()> {
    match actor {
        Some(actor) => {
            actor.require_admin()?;
            if actor.account.super_admin {
                Ok(())
            } else {
                Err(CoreError::PermissionDenied(UNAUTHORIZED_AREA))
            }
        }
        None => Ok(()),
    }
}

pub async fn list(store: &impl SpaceStore, actor: Option<&Actor>) -> Result<Vec<Space>> {
    require_super(actor)?;
    store.spaces().await
}

pub async fn get(store: &impl SpaceStore, actor: Option<&Actor>, domain: &str) -> Result<Space> {
    require_super(actor)?;
    let domain = Domain::parse(domain)?;
    store
        .space(&domain)
        .await?
        .ok_or(CoreError::NotFound("space"))
}

/// A new space; the name and realm default to the domain.
pub async fn create(
    store: &impl SpaceStore,
    actor: Option<&Actor>,
    domain: &str,
    input: SpaceInput<'_>,
    now: i64,
) -> Result<Space> {
    require_super(actor)?;
    let (domain, parsed) = match (Domain::parse(domain), input.parse()) {
        (Ok(domain), Ok(parsed)) => (domain, parsed),
        (d, p) => return Err(CoreError::merge([d.err(), p.err()])),
    };
    let name = match parsed.name {
        Some(name) => name,
        None => SpaceName::parse(domain.as_str())?,
    };
    let realm = match parsed.realm {
        Some(realm) => realm,
        None => Realm::parse(domain.as_str())?,
    };
    let mut app = AppSettings::default();
    parsed.app.apply(&mut app);
    store
        .create_space(NewSpace {
            domain: &domain,
            name: &name,
            realm: &realm,
            is_super: input.is_super.unwrap_or(false),
            max_accounts: parsed.max_accounts.unwrap_or(MaxAccounts::parse(0)?),
            default_password_algorithm: parsed
                .default_password_algorithm
                .unwrap_or(DEFAULT_ALGORITHM),
            app: &app,
            now,
        })
        .await
}

/// Changes the fields given. The default domain's space cannot stop being
/// super: its admins are the ones who manage every other space.
pub async fn update(
    store: &impl SpaceStore,
    actor: Option<&Actor>,
    default_domain: &Domain,
    domain: &str,
    input: SpaceInput<'_>,
    now: i64,
) -> Result<Space> {
    require_super(actor)?;
    let domain = Domain::parse(domain)?;
    let parsed = input.parse()?;
    let renamed = input
        .new_domain
        .is_some_and(|new| !new.eq_ignore_ascii_case(domain.as_str()));
    if renamed {
        return Err(CoreError::invalid("domain", "cannot change"));
    }
    if input.is_super == Some(false) && domain == *default_domain {
        return Err(CoreError::invalid(
            "super",
            "cannot be turned off for the space of the default domain",
        ));
    }
    let changes = SpaceChanges {
        name: parsed.name,
        realm: parsed.realm,
        is_super: input.is_super,
        max_accounts: parsed.max_accounts,
        default_password_algorithm: parsed.default_password_algorithm,
        app: (!parsed.app.is_empty()).then_some(parsed.app),
        updated_at: now,
    };
    store
        .update_space(&domain, changes)
        .await?
        .ok_or(CoreError::NotFound("space"))
}

pub async fn delete(
    store: &impl SpaceStore,
    actor: Option<&Actor>,
    default_domain: &Domain,
    domain: &str,
) -> Result<()> {
    require_super(actor)?;
    let domain = Domain::parse(domain)?;
    if domain == *default_domain {
        return Err(CoreError::PermissionDenied(DEFAULT_SPACE_STAYS));
    }
    match store.delete_space(&domain).await? {
        SpaceDeletion::Deleted => Ok(()),
        SpaceDeletion::Missing => Err(CoreError::NotFound("space")),
        SpaceDeletion::HasAccounts => Err(CoreError::FailedPrecondition(STILL_HAS_ACCOUNTS)),
    }
}

/// The realm new HA1s of `domain` bind: its space's, else the domain (the
/// space the account's insert creates has it).
pub async fn realm_of(store: &impl SpaceStore, domain: &Domain) -> Result<String> {
    Ok(store
        .space(domain)
        .await?
        .map_or_else(|| domain.as_str().to_owned(), |space| space.realm))
}

/// The algorithm a password gets when none is named and the account has
/// none: its space's default.
pub async fn default_algorithm(store: &impl SpaceStore, domain: &str) -> Result<Algorithm> {
    let Ok(domain) = Domain::parse(domain) else {
        return Ok(DEFAULT_ALGORITHM);
    };
    Ok(store
        .space(&domain)
        .await?
        .map_or(DEFAULT_ALGORITHM, |space| space.default_password_algorithm))
}

/// What a domain's space is called, for mails: its name, else the domain.
pub async fn name_of(store: &impl SpaceStore, domain: &str) -> Result<String> {
    let domain = Domain::parse(domain)?;
    Ok(store
        .space(&domain)
        .await?
        .map_or_else(|| domain.as_str().to_owned(), |space| space.name))
}
