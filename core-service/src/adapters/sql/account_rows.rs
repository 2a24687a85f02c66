//! The rows the account statements read, and how they become records.

use std::collections::BTreeMap;

use sqlx::FromRow;

use super::text::Text;
use crate::{
    domain::{
        model::{Account, ApiKey, Credential, Secret},
        Algorithm,
    },
    error::{CoreError, Result},
    rules::api_keys::store::KeyWithOwner,
};

/// The stored columns, read from `accounts a`, as a literal so that
/// [`COLUMNS`] can extend it.
macro_rules! fields {
    () => {
        "a.id, a.username, a.domain, a.activated, a.admin, a.blocked, a.email, \
         a.display_name, a.phone, a.pending, a.dictionary, a.created_at, a.updated_at, \
         (a.admin AND COALESCE((SELECT s.super FROM spaces s WHERE s.domain = a.domain), FALSE)) \
         AS super_admin, \
         COALESCE((SELECT s.realm FROM spaces s WHERE s.domain = a.domain), a.domain) AS realm"
    };
}

pub(super) const FIELDS: &str = fields!();

/// [`FIELDS`] and which passwords the account has (never a hash), as bits
/// (1: MD5, 2: SHA-256) of one correlated subquery over the account's
/// passwords. Not `EXISTS`: PostgreSQL may turn an `EXISTS` on a constant
/// it has no statistics for into a hashed subplan that scans every
/// password (78 ms per page of accounts at 1,000,000).
macro_rules! columns {
    () => {
        concat!(
            fields!(),
            ", (SELECT CAST(COALESCE(SUM(CASE p.algorithm WHEN 'MD5' THEN 1 \
             WHEN 'SHA-256' THEN 2 ELSE 0 END), 0) AS BIGINT) \
             FROM passwords p WHERE p.account_id = a.id) AS password_kinds"
        )
    };
}

pub(super) const COLUMNS: &str = columns!();

/// An API key, its owner and the account epoch they were read at, in one
/// statement: the only read of a request by a key not in memory. (On SQLite
/// it runs inline, see `sqlite_nonces`.)
pub(in crate::adapters) const KEY_WITH_OWNER: &str = concat!(
    "SELECT k.id AS key_id, k.name AS key_name, k.idle_expiry_seconds, \
     k.created_at AS key_created_at, k.last_used_at, k.scope AS key_scope, ",
    columns!(),
    ", (SELECT epoch FROM account_epoch WHERE id = 1) AS epoch \
     FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.key_sha256 = $1"
);

/// A row of [`KEY_WITH_OWNER`].
#[derive(FromRow)]
pub(in crate::adapters) struct KeyOwnerRow {
    pub(in crate::adapters) key_id: i64,
    pub(in crate::adapters) key_name: Text,
    pub(in crate::adapters) idle_expiry_seconds: Option<i64>,
    pub(in crate::adapters) key_created_at: i64,
    pub(in crate::adapters) last_used_at: i64,
    pub(in crate::adapters) key_scope: Text,
    #[sqlx(flatten)]
    pub(in crate::adapters) account: AccountRow,
    pub(in crate::adapters) epoch: i64,
}

impl From<KeyOwnerRow> for KeyWithOwner {
    fn from(row: KeyOwnerRow) -> Self {
        let key = ApiKey {
            id: row.key_id,
            account_id: row.account.id,
            name: row.key_name.0,
            idle_expiry_seconds: row.idle_expiry_seconds,
            created_at: row.key_created_at,
            last_used_at: row.last_used_at,
            scope: row.key_scope.0,
        };
        KeyWithOwner {
            key,
            account: row.account.into(),
            epoch: row.epoch,
        }
    }
}

#[derive(FromRow)]
pub(in crate::adapters) struct AccountRow {
    pub(in crate::adapters) id: i64,
    pub(in crate::adapters) username: Text,
    pub(in crate::adapters) domain: Text,
    pub(in crate::adapters) activated: bool,
    pub(in crate::adapters) admin: bool,
    pub(in crate::adapters) blocked: bool,
    pub(in crate::adapters) email: Option<Text>,
    pub(in crate::adapters) display_name: Option<Text>,
    pub(in crate::adapters) phone: Option<Text>,
    pub(in crate::adapters) pending: bool,
    pub(in crate::adapters) dictionary: Text,
    pub(in crate::adapters) created_at: i64,
    pub(in crate::adapters) updated_at: i64,
    pub(in crate::adapters) super_admin: bool,
    pub(in crate::adapters) realm: Text,
    /// Bits of [`COLUMNS`]' `password_kinds`; 0 where not selected.
    #[sqlx(default)]
    pub(in crate::adapters) password_kinds: i64,
}

impl From<AccountRow> for Account {
    fn from(row: AccountRow) -> Self {
        // Written by this service as a JSON object of strings; anything else
        // (an operator's hand edit) shows as empty rather than failing reads.
        let dictionary: BTreeMap<String, String> = serde_json::from_str(&row.dictionary.0)
            .unwrap_or_else(|_| {
                tracing::warn!(
                    account_id = row.id,
                    "accounts.dictionary is not an object of strings"
                );
                BTreeMap::new()
            });
        let mut password_algorithms = Vec::new();
        if row.password_kinds & 1 != 0 {
            password_algorithms.push(Algorithm::Md5);
        }
        if row.password_kinds & 2 != 0 {
            password_algorithms.push(Algorithm::Sha256);
        }
        Self {
            id: row.id,
            username: row.username.0,
            domain: row.domain.0,
            activated: row.activated,
            admin: row.admin,
            blocked: row.blocked,
            email: row.email.map(String::from),
            display_name: row.display_name.map(String::from),
            phone: row.phone.map(String::from),
            pending: row.pending,
            dictionary,
            password_algorithms,
            super_admin: row.super_admin,
            realm: row.realm.0,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(FromRow)]
pub(super) struct CredentialRow {
    pub(super) algorithm: Text,
    pub(super) password: Text,
}

impl TryFrom<CredentialRow> for Credential {
    type Error = CoreError;

    fn try_from(row: CredentialRow) -> Result<Self> {
        let algorithm = Algorithm::parse(&row.algorithm.0, "algorithm").map_err(|_| {
            anyhow::anyhow!(
                "passwords.algorithm holds {:?}, not MD5 or SHA-256",
                row.algorithm.0
            )
        })?;
        Ok(Self {
            algorithm,
            ha1: Secret::new(row.password.0),
        })
    }
}

pub(super) fn sorted_credentials(rows: Vec<CredentialRow>) -> Result<Vec<Credential>> {
    let mut credentials = rows
        .into_iter()
        .map(Credential::try_from)
        .collect::<Result<Vec<_>>>()?;
    credentials.sort_by_key(|c| c.algorithm);
    Ok(credentials)
}

#[derive(FromRow)]
pub(super) struct ActiveAccountRow {
    #[sqlx(flatten)]
    pub(super) account: AccountRow,
    pub(super) algorithm: Option<Text>,
    pub(super) password: Option<Text>,
    pub(super) epoch: i64,
}
