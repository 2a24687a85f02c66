//! The storage spaces needs: the rules define it, an adapter
//! ([`crate::adapters::sql`]) implements it. Times are Unix seconds.

use std::future::Future;

use crate::{
    domain::{
        app_settings::{AppChanges, AppSettings},
        model::Space,
        Algorithm, Domain, MaxAccounts, Realm, SpaceName,
    },
    error::Result,
};

/// A space to create, as validated.
pub struct NewSpace<'a> {
    pub domain: &'a Domain,
    pub name: &'a SpaceName,
    pub realm: &'a Realm,
    pub is_super: bool,
    pub max_accounts: MaxAccounts,
    pub default_password_algorithm: Algorithm,
    pub app: &'a AppSettings,
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
    /// Applied to the stored settings within the update's transaction.
    pub app: Option<AppChanges>,
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
