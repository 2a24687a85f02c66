//! Account rules: who may be created, and how an account is found.

use crate::{
    domain::{AccountAddress, Algorithm, Domain, Username},
    error::{CoreError, Result},
    passwords::Password,
    store::{Account, AccountStore, Credential, NewAccount},
};

/// A request to create an account, as received (gRPC or the CLI).
pub struct CreateAccount<'a> {
    pub username: &'a str,
    /// Empty means the default domain.
    pub domain: &'a str,
    pub password: &'a str,
    pub algorithm: &'a str,
    pub admin: bool,
}

/// Validates every field (reporting all broken ones at once), hashes the
/// password into the HA1 of the chosen algorithm and stores the account.
pub async fn create(
    store: &impl AccountStore,
    default_domain: &Domain,
    request: CreateAccount<'_>,
    now: i64,
) -> Result<Account> {
    let parsed = (
        Username::parse(request.username),
        Password::parse(request.password),
        Algorithm::parse(request.algorithm, "algorithm"),
        Domain::parse_or(request.domain, default_domain),
    );
    let (username, password, algorithm, domain) = match parsed {
        (Ok(u), Ok(p), Ok(a), Ok(d)) => (u, p, a, d),
        (u, p, a, d) => return Err(CoreError::merge([u.err(), p.err(), a.err(), d.err()])),
    };
    let ha1 = password.ha1(algorithm, &username, &domain);
    store
        .create_account(NewAccount {
            username: &username,
            domain: &domain,
            admin: request.admin,
            credential: Credential { algorithm, ha1 },
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
