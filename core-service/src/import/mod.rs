//! `core-service import flexiapi`: copies a FlexiAPI installation (its
//! MariaDB/MySQL database or SQLite file, a 2020 or a 2026 schema) into this
//! project's database, whatever its backend, so that every phone and every
//! Flexisip proxy keeps working with the same credentials.
//!
//! In order: spaces with their realms (so HA1s and realms agree before any
//! account lands), accounts with their passwords in batches, API keys
//! (hashed on the way in), deleted usernames. An address already here is
//! left as it is, so a second run changes nothing; a row that cannot be
//! taken is reported and the run goes on, then exits 1 naming the first.

mod accounts;
mod app_settings;
mod convert;
mod detect;
mod keys;
mod report;
mod schema;
mod source;

use std::collections::{HashMap, HashSet};

use anyhow::Context as _;

pub use self::report::Report;
use self::{schema::Schema, source::Source};
use crate::{
    adapters::{sql::redact_url, SqlStore},
    domain::{app_settings::AppSettings, Algorithm, Domain, MaxAccounts, Realm, SpaceName},
    grpc::unix_now,
    rules::spaces::store::{NewSpace, SpaceChanges, SpaceStore},
};

/// The flags of `core-service import flexiapi`.
#[derive(Debug, clap::Args)]
pub struct ImportFlexiapiArgs {
    /// FlexiAPI's database, only ever read: mysql://USER[:PASSWORD]@HOST[:PORT]/DB
    /// (MariaDB or MySQL) or its SQLite file.
    #[arg(long, env = "FLEXIAPI_IMPORT_FROM", hide_env_values = true)]
    pub from: String,
    /// Read and check everything, write nothing: into a target without
    /// tables yet, the check runs against a throwaway schema.
    #[arg(long)]
    pub dry_run: bool,
    /// FlexiAPI 2020's SQLite file (its `DB_DATABASE`), which held the `admins` table.
    #[arg(long, value_name = "PATH")]
    pub local_db: Option<String>,
    /// The realm a domain's passwords were hashed with, where FlexiAPI kept
    /// it outside its database (1.x: `ACCOUNT_REALM` in its .env); repeatable.
    #[arg(long = "realm", value_name = "DOMAIN=REALM")]
    pub realms: Vec<String>,
    /// Accounts per transaction.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=2000))]
    pub batch_size: u32,
}

/// What the import needs besides its own flags.
pub struct Target<'a> {
    pub database_url: &'a str,
    pub connections: u32,
    pub default_domain: &'a Domain,
    /// `--api-key-idle-minutes`: what FlexiAPI user keys expire after.
    pub user_key_minutes: i64,
}

/// Runs the import and prints its summary; the report says what was
/// refused (the caller's exit status). An error is one that stops it all
/// (a database that cannot be read or written, a realm conflict).
pub async fn flexiapi(target: Target<'_>, args: &ImportFlexiapiArgs) -> anyhow::Result<Report> {
    let overrides = parse_realms(&args.realms)?;
    let source = Source::open(&args.from).await?;
    let schema = source.schema().await?;
    println!("source: {} ({})", redact_url(&args.from), schema.describe());
    let mut report = Report::new(source.count_accounts().await?);
    let admins = admin_ids(&source, &schema, args.local_db.as_deref(), &mut report).await?;
    let (store, _scratch) = open_target(&target, args.dry_run, &mut report).await?;
    let realms = import_spaces(
        &source,
        &schema,
        &store,
        &overrides,
        &target,
        args,
        &mut report,
    )
    .await?;
    let batch = i64::from(args.batch_size);
    let accounts = accounts::Accounts {
        source: &source,
        schema: &schema,
        store: &store,
        realms: &realms,
        admins: &admins,
        dry_run: args.dry_run,
    };
    accounts.import(batch, &mut report).await?;
    if let Some(columns) = &schema.api_keys {
        let keys = keys::Keys {
            store: &store,
            user_key_minutes: target.user_key_minutes,
            dry_run: args.dry_run,
        };
        keys.import(&source, columns, batch, &mut report).await?;
    }
    if schema.has_tombstones {
        import_tombstones(&source, &store, batch, args.dry_run, &mut report).await?;
    }
    if !args.dry_run {
        store.import_durable().await?;
    }
    source.close().await;
    store.close().await;
    report.print(args.dry_run);
    Ok(report)
}

/// `--realm DOMAIN=REALM`, each checked.
fn parse_realms(given: &[String]) -> anyhow::Result<HashMap<String, Realm>> {
    given
        .iter()
        .map(|pair| {
            let (domain, realm) = pair
                .split_once('=')
                .with_context(|| format!("--realm {pair:?}: expected DOMAIN=REALM"))?;
            let domain =
                Domain::parse(domain).map_err(|e| anyhow::anyhow!("--realm {pair:?}: {e}"))?;
            let realm =
                Realm::parse(realm).map_err(|e| anyhow::anyhow!("--realm {pair:?}: {e}"))?;
            Ok((domain.as_str().to_owned(), realm))
        })
        .collect()
}

/// The admins' source ids, from an `admins` table in the database or in
/// FlexiAPI 2020's SQLite file (`--local-db`).
async fn admin_ids(
    source: &Source,
    schema: &Schema,
    local_db: Option<&str>,
    report: &mut Report,
) -> anyhow::Result<HashSet<i64>> {
    let mut ids = HashSet::new();
    if schema.has_admins_table {
        ids.extend(source.admin_ids().await?);
    }
    if let Some(path) = local_db {
        let local = Source::open_sqlite(path)
            .await
            .with_context(|| format!("--local-db: cannot open {path}"))?;
        anyhow::ensure!(
            local.columns("admins").await?.contains("account_id"),
            "--local-db {path} has no admins table: not FlexiAPI's local database"
        );
        ids.extend(local.admin_ids().await?);
        local.close().await;
    } else if !schema.has_admin_column && !schema.has_admins_table {
        report.note(
            "no admins: FlexiAPI 2020 kept them in its SQLite file (DB_DATABASE); \
             give it with --local-db PATH to keep them"
                .into(),
        );
    }
    Ok(ids)
}

/// The database written to, migrated; or, for a dry run, which writes
/// nothing at all, the target as it is. A target without tables yet (a new
/// database, a SQLite file not made yet) is what a dry run checks an import
/// before: it runs against a throwaway schema of this version in a
/// temporary directory instead, removed when the returned guard drops.
async fn open_target(
    target: &Target<'_>,
    dry_run: bool,
    report: &mut Report,
) -> anyhow::Result<(SqlStore, Option<tempfile::TempDir>)> {
    let scratch = if !dry_run || SqlStore::has_tables(target.database_url).await? {
        None
    } else {
        report.note(
            "the target has no tables yet: checked against an empty schema, then thrown \
             away (`core-service migrate` creates the real one)"
                .into(),
        );
        Some(tempfile::tempdir().context("cannot make a temporary directory for the dry run")?)
    };
    let url = match &scratch {
        Some(dir) => format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("dry-run.sqlite").display()
        ),
        None => target.database_url.to_owned(),
    };
    let store = SqlStore::connect_with(&url, target.connections).await?;
    if !dry_run || scratch.is_some() {
        store.migrate().await?;
        store
            .ensure_spaces(target.default_domain, unix_now())
            .await?;
    }
    Ok((store, scratch))
}

/// Creates each domain's space with its realm (or checks the one here), and
/// returns every domain's realm, which the HA1s of its accounts bind.
async fn import_spaces(
    source: &Source,
    schema: &Schema,
    store: &SqlStore,
    overrides: &HashMap<String, Realm>,
    target: &Target<'_>,
    args: &ImportFlexiapiArgs,
    report: &mut Report,
) -> anyhow::Result<HashMap<String, String>> {
    let mut realms = HashMap::new();
    for row in source.spaces(schema).await? {
        let Ok(domain) = Domain::parse(&row.domain) else {
            continue; // its accounts are refused one by one, naming the domain
        };
        let realm = match overrides.get(domain.as_str()) {
            Some(realm) => realm.clone(),
            None => {
                let raw = row.realm.as_deref().unwrap_or(domain.as_str());
                Realm::parse(raw)
                    .map_err(|e| anyhow::anyhow!("space {domain}: realm {raw:?}: {e}"))?
            }
        };
        realms.insert(domain.as_str().to_owned(), realm.as_str().to_owned());
        let now = unix_now();
        let columns = &schema.space_app_columns;
        match store.space(&domain).await? {
            Some(here) if here.accounts_count > 0 && here.realm == realm.as_str() => {
                report.spaces_present += 1;
            }
            Some(here) if here.accounts_count > 0 => anyhow::bail!(
                "space {domain} here has realm {:?} and {} account(s), but its FlexiAPI realm \
                 is {:?}: the imported HA1s would not match. Import into a database where it \
                 is empty, or give --realm {domain}={} if that realm is the right one",
                here.realm,
                here.accounts_count,
                realm.as_str(),
                here.realm
            ),
            // Empty here (the default domain's, made at start): it takes
            // FlexiAPI's settings, app settings included; a super space
            // stays super. One with accounts keeps its own.
            Some(here) => {
                report.spaces_present += 1;
                let app = app_settings::changes_of(source, columns, &row.domain, report).await?;
                if !args.dry_run {
                    let changes = SpaceChanges {
                        name: SpaceName::parse(&row.name).ok(),
                        realm: Some(realm.clone()),
                        is_super: Some(here.is_super || row.is_super == 1),
                        max_accounts: MaxAccounts::parse(row.max_accounts).ok(),
                        default_password_algorithm: default_algorithm(&row),
                        app: Some(app),
                        updated_at: now,
                    };
                    store.update_space(&domain, changes).await?;
                }
            }
            None => {
                report.spaces_created += 1;
                let app = app_settings::changes_of(source, columns, &row.domain, report).await?;
                if !args.dry_run {
                    let name = SpaceName::parse(&row.name)
                        .or_else(|_| SpaceName::parse(domain.as_str()))?;
                    // Before spaces (2020-1.4) one FlexiAPI served one domain,
                    // whose admins managed it: the default domain's are super.
                    let is_super = row.is_super == 1
                        || (!schema.has_spaces && &domain == target.default_domain);
                    let mut settings = AppSettings::default();
                    app.apply(&mut settings);
                    store
                        .create_space(NewSpace {
                            domain: &domain,
                            name: &name,
                            realm: &realm,
                            is_super,
                            max_accounts: MaxAccounts::parse(row.max_accounts)
                                .unwrap_or(MaxAccounts::parse(0)?),
                            default_password_algorithm: default_algorithm(&row)
                                .unwrap_or(Algorithm::Sha256),
                            app: &settings,
                            now,
                        })
                        .await?;
                }
            }
        }
    }
    if let Some(unknown) = overrides.keys().find(|d| !realms.contains_key(*d)) {
        anyhow::bail!("--realm names {unknown}, which has no account in the FlexiAPI database");
    }
    Ok(realms)
}

/// The space's default algorithm for new passwords, where FlexiAPI says.
fn default_algorithm(row: &source::SpaceRow) -> Option<Algorithm> {
    row.default_password_algorithm
        .as_deref()
        .and_then(|a| Algorithm::parse(a, "algorithm").ok())
}

async fn import_tombstones(
    source: &Source,
    store: &SqlStore,
    batch: i64,
    dry_run: bool,
    report: &mut Report,
) -> anyhow::Result<()> {
    let mut after = 0;
    loop {
        let rows = source.tombstones(after, batch).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.id;
        let mut names = Vec::with_capacity(rows.len());
        for row in &rows {
            match convert::address(&row.username, &row.domain) {
                Ok(address) => names.push((address.username, address.domain, row.created_at)),
                Err(reason) => report.refuse(format!(
                    "deleted username {} ({}@{}): {reason}",
                    row.id, row.username, row.domain
                )),
            }
        }
        let added = store.import_deleted_usernames(&names, dry_run).await?;
        report.deleted_copied += added;
        report.deleted_present += names.len() as u64 - added;
    }
}
