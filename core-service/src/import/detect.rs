//! Which FlexiAPI schema a source holds, told apart by its tables and
//! columns: FlexiAPI changed it release by release (the schema sheet), so
//! each fact is read, never assumed from a version number.

use std::collections::HashSet;

use super::{
    schema::{KeyColumns, Schema},
    source::Source,
};

impl Source {
    /// The columns of `table`; empty when there is no such table.
    pub async fn columns(&self, table: &str) -> anyhow::Result<HashSet<String>> {
        let names: Vec<String> = match self {
            Self::Mysql(pool) => {
                sqlx::query_scalar(
                    "SELECT CAST(COLUMN_NAME AS CHAR) FROM information_schema.COLUMNS \
                     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
                )
                .bind(table)
                .fetch_all(pool)
                .await?
            }
            Self::Sqlite(pool) => {
                sqlx::query_scalar("SELECT name FROM pragma_table_info(?)")
                    .bind(table)
                    .fetch_all(pool)
                    .await?
            }
        };
        Ok(names.into_iter().map(|n| n.to_ascii_lowercase()).collect())
    }

    pub async fn schema(&self) -> anyhow::Result<Schema> {
        let accounts = self.columns("accounts").await?;
        let passwords = self.columns("passwords").await?;
        anyhow::ensure!(
            accounts.contains("username") && passwords.contains("algorithm"),
            "not a FlexiAPI database: it has no accounts and passwords tables"
        );
        let created_column = if accounts.contains("created_at") {
            "created_at"
        } else if accounts.contains("creation_time") {
            "creation_time"
        } else {
            anyhow::bail!(
                "accounts has neither created_at nor creation_time: not a FlexiAPI schema"
            )
        };
        let spaces = self.columns("spaces").await?;
        let keys = self.columns("api_keys").await?;
        Ok(Schema {
            created_column,
            has_updated_at: accounts.contains("updated_at"),
            has_display_name: accounts.contains("display_name"),
            has_blocked: accounts.contains("blocked"),
            has_phone: accounts.contains("phone"),
            has_aliases: self.columns("aliases").await?.contains("alias"),
            has_admin_column: accounts.contains("admin"),
            has_admins_table: self.columns("admins").await?.contains("account_id"),
            has_spaces: spaces.contains("domain"),
            has_space_account_realm: spaces.contains("account_realm"),
            has_space_max_accounts: spaces.contains("max_accounts"),
            space_app_columns: super::app_settings::columns_of(&spaces),
            has_digest_configurations: self
                .columns("space_digest_authentication_configurations")
                .await?
                .contains("realm"),
            api_keys: keys.contains("key").then(|| KeyColumns {
                name: keys.contains("name"),
                expiry: keys.contains("expires_after_last_used_minutes"),
                ip: keys.contains("ip"),
                last_used_at: keys.contains("last_used_at"),
                created_at: keys.contains("created_at"),
            }),
            has_tombstones: self
                .columns("accounts_tombstones")
                .await?
                .contains("username"),
        })
    }
}
