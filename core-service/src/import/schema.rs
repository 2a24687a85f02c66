//! What a FlexiAPI schema holds, as far as the import cares: the facts
//! [`super::detect`] reads from a source's tables and columns, which the
//! source's queries then follow.

/// What the schema holds, as far as the import cares: FlexiAPI changed it
/// release by release, so each fact is read, never assumed from a version.
#[derive(Debug, Default)]
pub struct Schema {
    /// `created_at` since 1.4.0, `creation_time` before.
    pub created_column: &'static str,
    pub has_updated_at: bool,
    pub has_display_name: bool,
    pub has_blocked: bool,
    /// `accounts.phone` since 1.5; before, the first of the account's
    /// `aliases` (phone numbers).
    pub has_phone: bool,
    pub has_aliases: bool,
    /// `accounts.admin` since 1.5; an `admins` table before.
    pub has_admin_column: bool,
    pub has_admins_table: bool,
    pub has_spaces: bool,
    /// `spaces.account_realm`, 2.0.x.
    pub has_space_account_realm: bool,
    pub has_space_max_accounts: bool,
    /// `space_digest_authentication_configurations`, 2026.
    pub has_digest_configurations: bool,
    /// The `spaces` columns of contract part 5's app settings it has.
    pub space_app_columns: Vec<&'static str>,
    pub api_keys: Option<KeyColumns>,
    pub has_tombstones: bool,
}

#[derive(Debug, Default)]
pub struct KeyColumns {
    pub name: bool,
    pub expiry: bool,
    pub ip: bool,
    pub last_used_at: bool,
    pub created_at: bool,
}

impl Schema {
    /// In words, for the report.
    pub fn describe(&self) -> String {
        let era = if self.has_digest_configurations {
            "FlexiAPI 2026 (spaces, digest realms per space)"
        } else if self.has_spaces {
            "FlexiAPI 1.5-2.0 (spaces)"
        } else if self.created_column == "created_at" {
            "FlexiAPI 1.4 (no spaces)"
        } else {
            "FlexiAPI 2020-1.3 (no spaces, creation_time)"
        };
        let admins = if self.has_admin_column {
            "admin column"
        } else if self.has_admins_table {
            "admins table"
        } else {
            "no admins table"
        };
        format!("{era}; {admins}")
    }
}
