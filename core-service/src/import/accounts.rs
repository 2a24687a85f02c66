//! The account phase: batches of accounts with their passwords, the next
//! batch read from FlexiAPI while the current one is written.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{
    convert,
    report::Report,
    schema::Schema,
    source::{AccountRow, Source},
};
use crate::{
    adapters::{
        sql::{Imported, ImportedAccount},
        SqlStore,
    },
    domain::Phone,
};

pub(super) struct Accounts<'a> {
    pub(super) source: &'a Source,
    pub(super) schema: &'a Schema,
    pub(super) store: &'a SqlStore,
    /// Each domain's realm, which its HA1s bind.
    pub(super) realms: &'a HashMap<String, String>,
    /// The admins' source ids, where an `admins` table held them.
    pub(super) admins: &'a HashSet<i64>,
    pub(super) dry_run: bool,
}

/// A batch as read: the accounts and each one's password rows.
struct Read {
    rows: Vec<AccountRow>,
    passwords: BTreeMap<i64, Vec<(String, String)>>,
}

impl Accounts<'_> {
    pub(super) async fn import(&self, batch_size: i64, report: &mut Report) -> anyhow::Result<()> {
        let mut next = self.read(0, batch_size).await?;
        loop {
            let Some(last) = next.rows.last().map(|r| r.id) else {
                return Ok(());
            };
            let (batch, converted) = self.convert(&next, report);
            // The source and the target work at once: reading the next
            // batch costs about a quarter of writing one.
            let (outcomes, read) = tokio::join!(
                self.store.import_accounts(&batch, self.dry_run),
                self.read(last, batch_size)
            );
            for (outcome, done) in outcomes?.into_iter().zip(converted) {
                tally(outcome, done, report);
            }
            report.progress();
            next = read?;
        }
    }

    async fn read(&self, after: i64, limit: i64) -> anyhow::Result<Read> {
        let rows = self.source.accounts(self.schema, after, limit).await?;
        let mut passwords: BTreeMap<i64, Vec<(String, String)>> = BTreeMap::new();
        if let (Some(first), Some(last)) = (rows.first(), rows.last()) {
            for row in self.source.passwords(first.id, last.id).await? {
                passwords
                    .entry(row.account_id)
                    .or_default()
                    .push((row.algorithm, row.password));
            }
        }
        Ok(Read { rows, passwords })
    }

    fn convert(&self, read: &Read, report: &mut Report) -> (Vec<ImportedAccount>, Vec<Converted>) {
        let mut batch = Vec::with_capacity(read.rows.len());
        let mut converted = Vec::with_capacity(read.rows.len());
        for row in &read.rows {
            report.accounts_read += 1;
            let label = format!("account {} ({}@{})", row.id, row.username, row.domain);
            let rows_of = read.passwords.get(&row.id).map_or(&[][..], Vec::as_slice);
            match account(row, rows_of, self.realms, self.admins) {
                Ok((account, passwords)) => {
                    let mut dropped = passwords.dropped;
                    dropped.extend(phone_left_out(row, &account));
                    batch.push(account);
                    converted.push(Converted {
                        label,
                        hashes: passwords.hashes,
                        from_clear_text: passwords.from_clear_text,
                        dropped,
                    });
                }
                Err(reason) => report.refuse(format!("{label}: {reason}")),
            }
        }
        (batch, converted)
    }
}

/// One account's row and what its passwords became, for the report.
struct Converted {
    label: String,
    hashes: usize,
    from_clear_text: bool,
    dropped: Vec<String>,
}

fn tally(outcome: Imported, done: Converted, report: &mut Report) {
    match outcome {
        Imported::Copied {
            email_dropped,
            phone_dropped,
        } => {
            report.accounts_copied += 1;
            report.hashes += done.hashes;
            report.from_clear_text += usize::from(done.from_clear_text);
            for dropped in done.dropped {
                report.note(format!("{}: {dropped} left out", done.label));
            }
            if email_dropped {
                report.note(format!(
                    "{}: copied without its email, which another account of the domain has \
                     (emails are unique per domain here)",
                    done.label
                ));
            }
            if phone_dropped {
                report.note(format!(
                    "{}: copied without its phone, which another account of the domain has as \
                     its phone or username (phones are unique per domain here)",
                    done.label
                ));
            }
        }
        Imported::AlreadyPresent => report.accounts_present += 1,
        Imported::NameDeleted => report.refuse(format!(
            "{}: its username was deleted here, and a deleted username stays taken",
            done.label
        )),
    }
}

/// The note for a phone the source has that is not E.164.
fn phone_left_out(row: &AccountRow, account: &ImportedAccount) -> Option<String> {
    let raw = row.phone.as_deref().filter(|p| !p.is_empty())?;
    account
        .phone
        .is_none()
        .then(|| format!("its phone {raw:?}, not an E.164 number (+, then 6 to 15 digits),"))
}

/// A source row as the account to write, or why it cannot be taken.
fn account(
    row: &AccountRow,
    passwords: &[(String, String)],
    realms: &HashMap<String, String>,
    admins: &HashSet<i64>,
) -> Result<(ImportedAccount, convert::Passwords), String> {
    let address = convert::address(&row.username, &row.domain)?;
    let realm = realms
        .get(address.domain.as_str())
        .map_or(address.domain.as_str(), String::as_str);
    let activated = convert::activated(&row.activated)?;
    let converted = convert::passwords(passwords, &address.username, realm)?;
    let email = row.email.clone().filter(|e| !e.is_empty());
    if email.as_ref().is_some_and(|e| e.chars().count() > 255) {
        return Err("its email is longer than 255 characters".into());
    }
    // FlexiAPI kept any text; only an E.164 number is a phone here (the
    // report says which were left out).
    let phone = row
        .phone
        .as_deref()
        .and_then(|raw| Phone::parse(raw).ok())
        .map(|phone| phone.as_str().to_owned());
    let account = ImportedAccount {
        username: address.username,
        domain: address.domain,
        email,
        phone,
        display_name: row.display_name.clone().filter(|d| !d.is_empty()),
        activated,
        blocked: row.blocked != 0,
        admin: row.admin != 0 || admins.contains(&row.id),
        created_at: row.created_at,
        updated_at: row.updated_at,
        credentials: converted.credentials.clone(),
    };
    Ok((account, converted))
}
