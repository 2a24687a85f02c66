//! The rows of an import batch and the choice of which to write, shared by
//! the statements of every backend ([`super::import`]) and PostgreSQL's own
//! ([`super::import_pg`]).

use std::collections::HashSet;

use crate::domain::{model::Credential, Domain};

/// An account as the import writes it.
pub struct ImportedAccount {
    pub username: String,
    pub domain: Domain,
    pub email: Option<String>,
    /// E.164, checked by the import.
    pub phone: Option<String>,
    pub display_name: Option<String>,
    pub activated: bool,
    pub blocked: bool,
    pub admin: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub credentials: Vec<Credential>,
}

/// What became of one account of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    /// Written; without its email or phone where another account of the
    /// domain already has it (both are unique per domain here).
    Copied {
        email_dropped: bool,
        phone_dropped: bool,
    },
    /// An account with this address exists: left as it is.
    AlreadyPresent,
    /// The username was deleted from the domain here: it stays taken.
    NameDeleted,
}

/// What the database already holds of one domain's part of a batch.
pub(super) struct Found {
    pub(super) taken: HashSet<String>,
    pub(super) deleted: HashSet<String>,
    pub(super) used_emails: HashSet<String>,
    /// The phones of the domain's accounts, and its usernames that read as
    /// the batch's phones (a phone is someone's username too).
    pub(super) used_phones: HashSet<String>,
}

/// An account of a batch to write, with the email and phone it keeps.
pub(super) struct Fresh<'a> {
    pub(super) index: usize,
    pub(super) email: Option<&'a str>,
    pub(super) phone: Option<&'a str>,
}

/// The accounts of `indexes` to write, each with the email and phone it
/// keeps; the others' outcomes set. An address taken here (or earlier in the
/// batch) is left alone; a deleted username is refused; an email or a phone
/// already used in the domain is dropped.
pub(super) fn choose<'a>(
    batch: &'a [ImportedAccount],
    indexes: &[usize],
    mut found: Found,
    outcomes: &mut [Imported],
) -> Vec<Fresh<'a>> {
    let mut fresh = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for &index in indexes {
        let account = &batch[index];
        let name = account.username.as_str();
        if found.deleted.contains(name) {
            outcomes[index] = Imported::NameDeleted;
            continue;
        }
        if found.taken.contains(name) || !seen.insert(name) {
            continue;
        }
        let email = account
            .email
            .as_deref()
            .filter(|e| found.used_emails.insert((*e).to_owned()));
        let phone = account
            .phone
            .as_deref()
            .filter(|p| found.used_phones.insert((*p).to_owned()));
        outcomes[index] = Imported::Copied {
            email_dropped: account.email.is_some() && email.is_none(),
            phone_dropped: account.phone.is_some() && phone.is_none(),
        };
        fresh.push(Fresh {
            index,
            email,
            phone,
        });
    }
    fresh
}
