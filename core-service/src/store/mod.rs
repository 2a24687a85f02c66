//! The storage interface: one trait per thing the core owns. All SQL lives
//! behind it, in [`sql`]; the rules above it (`accounts`, `api_keys`,
//! `auth`, `devices`) only see these records.
//!
//! Times are Unix seconds (`BIGINT`) on every backend: comparisons for expiry
//! are then plain integer comparisons that SQLite and PostgreSQL agree on.

use std::future::Future;

use crate::{
    domain::{
        Algorithm, DeviceUuid, Dictionary, DisplayName, Domain, Email, MaxAccounts, Realm,
        SpaceName,
    },
    error::Result,
    model::{Account, ActiveAccount, ApiKey, Credential, Device, Space},
    nonces::NonceRecord,
};

mod grouped;
mod pg_nonces;
pub mod sql;
mod sqlite_nonces;

pub use sql::SqlStore;

/// The optional fields of an account, as validated.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub email: Option<Email>,
    pub display_name: Option<DisplayName>,
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
    /// Replaces every stored password.
    pub credentials: Option<Vec<Credential>>,
    pub activated: Option<bool>,
    pub blocked: Option<bool>,
    pub admin: Option<bool>,
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

/// A space to create, as validated.
pub struct NewSpace<'a> {
    pub domain: &'a Domain,
    pub name: &'a SpaceName,
    pub realm: &'a Realm,
    pub is_super: bool,
    pub max_accounts: MaxAccounts,
    pub default_password_algorithm: Algorithm,
    pub now: i64,
}

/// What a space update writes: each field only when `Some`.
#[derive(Default)]
pub struct SpaceChanges {
    pub name: Option<SpaceName>,
    pub realm: Option<Realm>,
    pub is_super: Option<bool>,
    pub max_accounts: Option<MaxAccounts>,
    pub default_password_algorithm: Option<Algorithm>,
    pub updated_at: i64,
}

/// How a space deletion ended.
#[derive(Debug, PartialEq, Eq)]
pub enum SpaceDeletion {
    Deleted,
    Missing,
    HasAccounts,
}

pub trait SpaceStore {
    /// Creates the space of `default` as a super space unless it exists,
    /// and decides the spaces the migration made for the domains in use
    /// (the default domain's is super). Cheap at any number of accounts.
    fn ensure_spaces(&self, default: &Domain, now: i64) -> impl Future<Output = Result<()>> + Send;
    /// Every space, by domain.
    fn spaces(&self) -> impl Future<Output = Result<Vec<Space>>> + Send;
    fn space(&self, domain: &Domain) -> impl Future<Output = Result<Option<Space>>> + Send;
    /// `AlreadyExists` (field `domain`) when the domain has one.
    fn create_space(&self, new: NewSpace<'_>) -> impl Future<Output = Result<Space>> + Send;
    /// Applies the changes in one transaction. A new realm while the space
    /// has accounts is INVALID_ARGUMENT on `realm` (their HA1s bind the old
    /// one), decided under the same lock account creation takes. `None`
    /// when there is no such space.
    fn update_space(
        &self,
        domain: &Domain,
        changes: SpaceChanges,
    ) -> impl Future<Output = Result<Option<Space>>> + Send;
    /// Deletes the space only while it has no account.
    fn delete_space(&self, domain: &Domain) -> impl Future<Output = Result<SpaceDeletion>> + Send;
}

/// A use of a nonce to accept, if and only if every stored fact still holds.
pub struct NonceUse<'a> {
    pub nonce: &'a str,
    pub opaque: &'a str,
    pub account_id: i64,
    pub nc: u32,
    pub now: i64,
    /// The epoch the caller's copy of the account was read at.
    pub epoch: i64,
}

pub trait NonceStore {
    fn nonce(&self, nonce: &str) -> impl Future<Output = Result<Option<NonceRecord>>> + Send;
    /// Stores the nonce unless the account epoch has moved on from `epoch`
    /// (then false: the caller's account is stale, and nothing was stored).
    fn insert_nonce(
        &self,
        record: &NonceRecord,
        epoch: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Accepts the use in one atomic statement: the nonce is the account's,
    /// with this opaque, unexpired, its last `nc` below this one, and the
    /// epoch unchanged. Of concurrent callers with the same `nc`, on any
    /// replica, at most one gets true.
    fn accept_nonce(&self, used: &NonceUse<'_>) -> impl Future<Output = Result<bool>> + Send;
    fn delete_nonce(&self, nonce: &str) -> impl Future<Output = Result<()>> + Send;
    /// Stores a nonce the caller issued, at its first right answer, unless
    /// one of that value is stored or the account epoch has moved on from
    /// `epoch` (then false, and nothing was stored). Never evicts.
    fn insert_caller_nonce(
        &self,
        record: &NonceRecord,
        epoch: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// How many caller-issued nonces of the account expire after `now`.
    fn live_caller_nonces(
        &self,
        account_id: i64,
        now: i64,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Deletes nonces that expired before `horizon`; returns how many.
    fn purge_nonces(&self, horizon: i64) -> impl Future<Output = Result<u64>> + Send;
}

/// A key to store: only its SHA-256.
pub struct NewApiKey<'a> {
    pub account_id: i64,
    /// Empty: the account's user key, which replaces the previous one.
    pub name: &'a str,
    pub key_sha256: &'a str,
    pub idle_expiry_seconds: Option<i64>,
    pub now: i64,
    /// Empty: the API ([`crate::model::ApiKey::scope`]).
    pub scope: &'a str,
}

pub trait ApiKeyStore {
    /// `AlreadyExists` (field `name`) for a named key the account has.
    fn insert_api_key(&self, key: NewApiKey<'_>) -> impl Future<Output = Result<ApiKey>> + Send;
    /// The key with this SHA-256 and its owner, in one read.
    fn api_key_with_owner(
        &self,
        key_sha256: &str,
    ) -> impl Future<Output = Result<Option<(ApiKey, Account)>>> + Send;
    /// Records a use at `now`, unless one was recorded since `since`: at
    /// most one write per key in that span, however busy the key.
    fn touch_api_key(
        &self,
        id: i64,
        now: i64,
        since: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The keys of one account, or of all (`None`), by owner then name.
    fn api_keys(&self, account_id: Option<i64>)
        -> impl Future<Output = Result<Vec<ApiKey>>> + Send;
    /// False when the account has no key of that name.
    fn delete_api_key(
        &self,
        account_id: i64,
        name: &str,
    ) -> impl Future<Output = Result<bool>> + Send;
}

pub struct NewDevice<'a> {
    pub uuid: &'a DeviceUuid,
    pub contact: &'a str,
    pub user_agent: &'a str,
    pub expires_at: i64,
    pub updated_at: i64,
}

pub trait DeviceStore {
    /// Creates or refreshes the binding (account, uuid).
    fn upsert_device(
        &self,
        account_id: i64,
        device: NewDevice<'_>,
    ) -> impl Future<Output = Result<Device>> + Send;
    /// Bindings that expire after `now`, by uuid.
    fn live_devices(
        &self,
        account_id: i64,
        now: i64,
    ) -> impl Future<Output = Result<Vec<Device>>> + Send;
    /// Deletes the binding; true if it existed and was still live at `now`.
    fn remove_device(
        &self,
        account_id: i64,
        uuid: &DeviceUuid,
        now: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Deletes bindings expired at `now`; returns how many.
    fn purge_devices(&self, now: i64) -> impl Future<Output = Result<u64>> + Send;
}

/// Everything the core needs from storage, as one bound.
pub trait Store:
    AccountStore + SpaceStore + NonceStore + ApiKeyStore + DeviceStore + Clone + Send + Sync + 'static
{
}

impl<T> Store for T where
    T: AccountStore
        + SpaceStore
        + NonceStore
        + ApiKeyStore
        + DeviceStore
        + Clone
        + Send
        + Sync
        + 'static
{
}
