//! The API key phase: each key hashed on the way in, owned by the account
//! imported for its FlexiAPI owner.

use super::{
    convert,
    report::Report,
    schema::KeyColumns,
    source::{KeyRow, Source},
};
use crate::{
    adapters::SqlStore,
    grpc::unix_now,
    rules::{
        accounts::store::AccountStore,
        api_keys::{
            fingerprint,
            store::{ApiKeyStore, NewApiKey},
        },
    },
};

/// The API key phase.
pub(super) struct Keys<'a> {
    pub(super) store: &'a SqlStore,
    pub(super) user_key_minutes: i64,
    pub(super) dry_run: bool,
}

impl Keys<'_> {
    pub(super) async fn import(
        &self,
        source: &Source,
        columns: &KeyColumns,
        batch: i64,
        report: &mut Report,
    ) -> anyhow::Result<()> {
        let mut after = 0;
        loop {
            let rows = source.api_keys(columns, after, batch).await?;
            let Some(last) = rows.last() else {
                return Ok(());
            };
            after = last.id;
            for row in &rows {
                self.one(row, report).await?;
            }
        }
    }

    async fn one(&self, row: &KeyRow, report: &mut Report) -> anyhow::Result<()> {
        let label = format!("api key {} of {}@{}", row.id, row.username, row.domain);
        if let Some(ip) = row.ip.as_deref().filter(|ip| !ip.is_empty()) {
            report.note(format!(
                "{label}: not copied: it only works from {ip}, a restriction this project \
                 cannot keep (it would work from anywhere); create a new key"
            ));
            return Ok(());
        }
        let fingerprint = fingerprint(&row.key);
        if self.store.api_key_with_owner(&fingerprint).await?.is_some() {
            report.keys_present += 1;
            return Ok(());
        }
        let Ok(address) = convert::address(&row.username, &row.domain) else {
            return Ok(()); // its owner was refused, and said so
        };
        let Some(owner) = self
            .store
            .account_by_address(&address.username, &address.domain)
            .await?
        else {
            // A dry run rolled its accounts back: the owner is one of them.
            if self.dry_run {
                report.keys_copied += 1;
            } else {
                report.note(format!("{label}: not copied: its owner was not"));
            }
            return Ok(());
        };
        let name = convert::key_name(row.id, row.name.as_deref(), row.expiry_minutes);
        let owned = self.store.api_keys(Some(owner.id)).await?;
        if owned.iter().any(|k| k.name == name) {
            let kind = if name.is_empty() {
                "a user key".to_owned()
            } else {
                format!("a key named {name}")
            };
            report.note(format!(
                "{label}: not copied: the account already has {kind} here"
            ));
            return Ok(());
        }
        report.keys_copied += 1;
        if self.dry_run {
            return Ok(());
        }
        let used = if row.last_used_at > 0 {
            row.last_used_at
        } else {
            row.created_at
        };
        self.store
            .insert_api_key(NewApiKey {
                account_id: owner.id,
                name: &name,
                key_sha256: &fingerprint,
                idle_expiry_seconds: convert::key_idle_seconds(
                    row.expiry_minutes,
                    self.user_key_minutes,
                ),
                now: if used > 0 { used } else { unix_now() },
                // FlexiAPI's keys are all keys of its API.
                scope: "",
            })
            .await?;
        Ok(())
    }
}
