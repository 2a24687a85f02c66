//! The subcommands and their flags: `serve`, `migrate`, `accounts`,
//! `api-keys`, `spaces` and `import` (what each does is in `commands`).

use clap::{Args, Subcommand};

use crate::import::ImportFlexiapiArgs;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations, then serve gRPC (what a bare `core-service` does).
    Serve,
    /// Apply migrations and exit.
    Migrate,
    /// Manage accounts directly in the database.
    Accounts {
        #[command(subcommand)]
        command: AccountsCommand,
    },
    /// Manage named API keys (for servers such as Flexisip) in the database.
    ApiKeys {
        #[command(subcommand)]
        command: ApiKeysCommand,
    },
    /// Manage spaces (each SIP domain's realm, limit and default algorithm)
    /// in the database.
    Spaces {
        #[command(subcommand)]
        command: SpacesCommand,
    },
    /// Call and message statistics (what Flexisip's event logs report).
    Statistics {
        #[command(subcommand)]
        command: StatisticsCommand,
    },
    /// Copy accounts from another account manager into this database.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// The keys the core signs its Digest nonces with.
    NonceKeys {
        #[command(subcommand)]
        command: NonceKeysCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum NonceKeysCommand {
    /// Add a new key: every replica reads it within 10 s and signs with it
    /// 30 s after this command; nonces signed with the key it replaces stay
    /// valid for one nonce TTL more. Prints the new key's id.
    Rotate,
}

#[derive(Debug, Subcommand)]
pub enum StatisticsCommand {
    /// Delete the calls initiated and messages sent more than N days ago,
    /// once, and print how many (what serve's
    /// --statistics-retention-days does hourly).
    Purge {
        #[arg(long, value_parser = clap::value_parser!(u32).range(0..=36_500))]
        older_than_days: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Copy a FlexiAPI installation (2020 to 2026): spaces and realms,
    /// accounts, password hashes (clear-text ones as HA1s), admins, API keys
    /// (hashed) and deleted usernames. Accounts already here are left as
    /// they are, so running it twice changes nothing.
    Flexiapi(ImportFlexiapiArgs),
}

#[derive(Debug, Subcommand)]
pub enum SpacesCommand {
    /// One JSON object per space.
    List,
    /// Create the space of --domain, or change the fields given if it
    /// exists, and print it. A realm can change only while the space has
    /// no account: set it before creating the first one.
    Set(SetSpaceArgs),
}

#[derive(Debug, Args)]
pub struct SetSpaceArgs {
    /// The SIP domain.
    #[arg(long)]
    pub domain: String,
    #[arg(long)]
    pub name: Option<String>,
    /// The Digest realm of the domain's accounts (default: the domain).
    #[arg(long)]
    pub realm: Option<String>,
    /// Whether the space's admins are super admins.
    #[arg(long = "super")]
    pub is_super: Option<bool>,
    /// The most accounts the space may hold; 0 for no limit.
    #[arg(long)]
    pub max_accounts: Option<i64>,
    /// MD5 or SHA-256.
    #[arg(long)]
    pub default_password_algorithm: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ApiKeysCommand {
    /// Create a named key and print it, once: only its SHA-256 is kept.
    Create(CreateApiKeyArgs),
    /// One JSON object per key: name, owner, created, last used; never a key.
    List(ListApiKeysArgs),
    /// Revoke a named key.
    Revoke(RevokeApiKeyArgs),
}

#[derive(Debug, Args)]
pub struct KeyOwnerArgs {
    /// The owner's SIP user part.
    #[arg(long)]
    pub username: String,
    /// The owner's domain; defaults to --sip-domain.
    #[arg(long)]
    pub domain: Option<String>,
}

#[derive(Debug, Args)]
pub struct CreateApiKeyArgs {
    #[command(flatten)]
    pub owner: KeyOwnerArgs,
    /// 1 to 64 characters among letters, digits, '_', '.' and '-'; unique per owner.
    #[arg(long)]
    pub name: String,
    /// Minutes without use after which the key expires; never when unset.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub idle_expiry_minutes: Option<u32>,
    /// `external-auth`: a key for Flexisip's delegated SIP checks
    /// (`GET /api/flexisip/external-auth`) and nothing else; its owner must
    /// be an admin. Unset: a key of the API.
    #[arg(long, value_parser = ["external-auth"])]
    pub scope: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListApiKeysArgs {
    /// Only this owner's keys.
    #[arg(long)]
    pub username: Option<String>,
    #[arg(long, requires = "username")]
    pub domain: Option<String>,
}

#[derive(Debug, Args)]
pub struct RevokeApiKeyArgs {
    #[command(flatten)]
    pub owner: KeyOwnerArgs,
    #[arg(long)]
    pub name: String,
}

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Create an account (for instance the first admin) and print it as JSON.
    Create(CreateAccountArgs),
}

#[derive(Debug, Args)]
pub struct CreateAccountArgs {
    /// SIP user part: 6 to 64 characters, no spaces.
    #[arg(long)]
    pub username: String,

    /// At least 6 characters. Stored only as H(username:domain:password).
    #[arg(long, env = "FLEXIAPI_ACCOUNT_PASSWORD", hide_env_values = true)]
    pub password: String,

    /// Hash stored for the password: SHA-256 or MD5.
    #[arg(long)]
    pub algorithm: String,

    /// Domain of the account; defaults to --sip-domain.
    #[arg(long)]
    pub domain: Option<String>,

    /// Make the account an administrator (may create accounts through the API).
    #[arg(long)]
    pub admin: bool,

    /// Create the account only if the database has no admin yet (exit 0
    /// either way): bootstraps the first admin of a new deployment.
    #[arg(long, requires = "admin")]
    pub if_no_admin: bool,
}
