//! The self-service password change: the old password first, checked in
//! constant time against every stored HA1, then new HA1s for the chosen
//! algorithm or, when none is given, for each algorithm the account had.

use super::Actor;
use crate::{
    domain::{Algorithm, Domain},
    error::{CoreError, Result},
    model::Account,
    passwords::{self, Password},
    store::{AccountChanges, AccountStore},
};

/// What an account gets when it had no password and names no algorithm
/// (the space's default once spaces are configurable).
const DEFAULT_ALGORITHM: Algorithm = Algorithm::Sha256;

pub struct PasswordChange<'a> {
    pub old_password: &'a str,
    pub password: &'a str,
    /// Empty keeps the account's algorithms.
    pub algorithm: &'a str,
}

pub async fn change(
    store: &impl AccountStore,
    actor: &Actor,
    change: PasswordChange<'_>,
    now: i64,
) -> Result<Account> {
    let account = &actor.account;
    let parsed = (
        Password::parse(change.password),
        parse_algorithm(change.algorithm, &account.password_algorithms),
    );
    let (password, algorithms) = match parsed {
        (Ok(p), Ok(a)) => (p, a),
        (p, a) => return Err(CoreError::merge([p.err(), a.err()])),
    };
    let domain = Domain::parse(&account.domain)
        .map_err(|_| anyhow::anyhow!("account {} has an invalid domain", account.id))?;
    let stored = store.credentials(account.id).await?;
    if change.old_password.is_empty() {
        return Err(CoreError::invalid("old_password", "field is required"));
    }
    if !passwords::matches(change.old_password, &stored, &account.username, &domain) {
        // A whole sentence: the contract's words, shown as they are.
        return Err(CoreError::invalid("old_password", "Incorrect old password"));
    }
    let changes = AccountChanges {
        credentials: Some(password.credentials(&algorithms, &account.username, &domain)),
        updated_at: now,
        ..AccountChanges::default()
    };
    store
        .update_account(account.id, changes)
        .await?
        .ok_or(CoreError::NotFound("account"))
}

/// The algorithm asked for, else the account's, else the default.
pub fn parse_algorithm(raw: &str, current: &[Algorithm]) -> Result<Vec<Algorithm>> {
    if !raw.is_empty() {
        return Ok(vec![Algorithm::parse(raw, "algorithm")?]);
    }
    if current.is_empty() {
        Ok(vec![DEFAULT_ALGORITHM])
    } else {
        Ok(current.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_algorithm_keeps_the_accounts_own() {
        let both = [Algorithm::Md5, Algorithm::Sha256];
        assert_eq!(parse_algorithm("", &both).unwrap(), both);
        assert_eq!(parse_algorithm("", &[]).unwrap(), [Algorithm::Sha256]);
        assert_eq!(parse_algorithm("md5", &both).unwrap(), [Algorithm::Md5]);
        assert!(parse_algorithm("SHA-512", &both).is_err());
    }
}
