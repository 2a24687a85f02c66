//! The self-service password change: the old password first, checked in
//! constant time against every stored HA1, then new HA1s for the chosen
//! algorithm or, when none is given, for each algorithm the account had.

use super::Actor;
use crate::{
    domain::{model::Account, random::fingerprint, Algorithm},
    error::{CoreError, Result},
    rules::{
        accounts::{
            passwords::{self, Password},
            store::{AccountChanges, AccountStore},
        },
        spaces::{self, store::SpaceStore},
    },
};

pub struct PasswordChange<'a> {
    pub old_password: &'a str,
    pub password: &'a str,
    /// Empty keeps the account's algorithms.
    pub algorithm: &'a str,
    /// The web panel session making the change, which stays open (every
    /// other one of the account ends); empty: they all end.
    pub session_token: &'a str,
}

pub async fn change(
    store: &(impl AccountStore + SpaceStore),
    actor: &Actor,
    change: PasswordChange<'_>,
    now: i64,
) -> Result<Account> {
    let account = &actor.account;
    let parsed = (
        Password::parse(change.password),
        algorithms_for(store, change.algorithm, account).await,
    );
    let (password, algorithms) = match parsed {
        (Ok(p), Ok(a)) => (p, a),
        (p, a) => return Err(CoreError::merge([p.err(), a.err()])),
    };
    let stored = store.credentials(account.id).await?;
    if change.old_password.is_empty() {
        return Err(CoreError::invalid("old_password", "field is required"));
    }
    if !passwords::matches(
        change.old_password,
        &stored,
        &account.username,
        &account.realm,
    ) {
        // A whole sentence: the contract's words, shown as they are.
        return Err(CoreError::invalid("old_password", INCORRECT_OLD_PASSWORD));
    }
    let changes = AccountChanges {
        credentials: Some(password.credentials(&algorithms, &account.username, &account.realm)),
        keep_session: (!change.session_token.is_empty()).then(|| fingerprint(change.session_token)),
        updated_at: now,
        ..AccountChanges::default()
    };
    store
        .update_account(account.id, changes)
        .await?
        .ok_or(CoreError::NotFound("account"))
}

/// The algorithm asked for, else the account's, else its space's default.
pub async fn algorithms_for(
    store: &impl SpaceStore,
    raw: &str,
    account: &Account,
) -> Result<Vec<Algorithm>> {
    if !raw.is_empty() {
        return Ok(vec![Algorithm::parse(raw, "algorithm")?]);
    }
    if !account.password_algorithms.is_empty() {
        return Ok(account.password_algorithms.clone());
    }
    Ok(vec![
        spaces::default_algorithm(store, &account.domain).await?,
    ])
}

const INCORRECT_OLD_PASSWORD: &str = "Incorrect old password";

/// Whether `error` is a wrong old password (a guess, counted like a wrong
/// Digest answer), not some other refusal.
pub fn is_wrong_old_password(error: &CoreError) -> bool {
    matches!(error, CoreError::InvalidArgument(violations)
        if violations.iter().any(|v| v.message == INCORRECT_OLD_PASSWORD))
}
