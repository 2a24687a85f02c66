//! The storage accounts needs: the rules define it, an adapter
//! ([`crate::adapters::sql`]) implements it. Times are Unix seconds.

use std::future::Future;

use crate::{
    domain::{
        model::{Account, ActiveAccount, Credential},
        Dictionary, DisplayName, Domain, Email, Phone,
    },
    error::Result,
};

/// The optional fields of an account, as validated.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub email: Option<Email>,
    pub display_name: Option<DisplayName>,
    pub phone: Option<Phone>,
    pub dictionary: Dictionary,
}

pub struct NewAccount<'a> {
    pub username: &'a str,
    pub domain: &'a Domain,
    /// The realm the credentials were hashed with: the store refuses the
    /// account if its space's realm is no longer this one.
    pub realm: &'a str,
    pub admin: bool,
    pub activated: bool,
    pub blocked: bool,
    /// Made with a creation token: see [`Account::pending`].
    pub pending: bool,
    /// The creation token the account spends: used (and linked to the
    /// account) in the same transaction, so of two creations with one
    /// token one fails, and a refused creation leaves it usable.
    pub spend_token: Option<i64>,
    pub profile: Profile,
    pub credentials: Vec<Credential>,
    pub created_at: i64,
}

/// What an update writes: each field only when `Some` (PUT always gives a
/// profile, which it replaces; a state change gives none).
#[derive(Default)]
pub struct AccountChanges {
    pub profile: Option<Profile>,
    pub username: Option<String>,
    /// Replaces every stored password, and ends the account's web panel
    /// sessions but `keep_session`.
    pub credentials: Option<Vec<Credential>>,
    /// The SHA-256 of the panel session that changes the password, which
    /// stays open.
    pub keep_session: Option<String>,
    pub activated: Option<bool>,
    pub blocked: Option<bool>,
    pub admin: Option<bool>,
    pub pending: Option<bool>,
    pub updated_at: i64,
}

/// Which accounts a list shows, one page of them.
pub struct AccountFilter<'a> {
    /// `None`: every domain.
    pub domain: Option<&'a Domain>,
    /// Usernames or emails starting with it.
    pub search: Option<&'a str>,
    pub offset: i64,
    pub limit: i64,
}

pub trait AccountStore {
    /// Inserts the account and its passwords in one transaction, under the
    /// lock of its space's row: PERMISSION_DENIED `The space is full` at
    /// the space's `max_accounts`, FAILED_PRECONDITION when the space's
    /// realm is not [`NewAccount::realm`]. `AlreadyExists` (field
    /// `username`) when the name is taken in the domain or was deleted from
    /// it; (field `email`) when the email is. A domain without a space gets
    /// one, with the defaults.
    fn create_account(&self, new: NewAccount<'_>) -> impl Future<Output = Result<Account>> + Send;
    fn account_by_id(&self, id: i64) -> impl Future<Output = Result<Option<Account>>> + Send;
    fn account_by_address(
        &self,
        username: &str,
        domain: &Domain,
    ) -> impl Future<Output = Result<Option<Account>>> + Send;
    /// The account of the domain with this phone.
    fn account_by_phone(
        &self,
        phone: &str,
        domain: &Domain,
    ) -> impl Future<Output = Result<Option<Account>>> + Send;
    /// Accounts with this email, in any domain, by id.
    fn accounts_by_email(&self, email: &str) -> impl Future<Output = Result<Vec<Account>>> + Send;
    /// One page, by id, and the number of accounts the filter matches.
    fn list_accounts(
        &self,
        filter: AccountFilter<'_>,
    ) -> impl Future<Output = Result<(Vec<Account>, i64)>> + Send;
    /// Applies the changes in one transaction; a renamed account's old
    /// username is remembered as deleted. `None` when there is no such account.
    fn update_account(
        &self,
        id: i64,
        changes: AccountChanges,
    ) -> impl Future<Output = Result<Option<Account>>> + Send;
    /// Deletes the account with its passwords, devices and keys, and
    /// remembers its username, in one transaction; its nonces go with it.
    /// False when there was no such account.
    fn delete_account(&self, id: i64, now: i64) -> impl Future<Output = Result<bool>> + Send;
    /// The stored passwords of an account, MD5 first.
    fn credentials(&self, account_id: i64) -> impl Future<Output = Result<Vec<Credential>>> + Send;
    /// Whether any account is an admin (to bootstrap the first one).
    fn has_admin(&self) -> impl Future<Output = Result<bool>> + Send;
    /// The current `account_epoch` (see [`ActiveAccount::epoch`]).
    fn account_epoch(&self) -> impl Future<Output = Result<i64>> + Send;
    /// The activated account at this address with its passwords, in one
    /// query (Flexisip's own, joined, plus the account epoch); `None` when
    /// there is no such activated account.
    fn active_account(
        &self,
        username: &str,
        domain: &Domain,
    ) -> impl Future<Output = Result<Option<ActiveAccount>>> + Send;
}
