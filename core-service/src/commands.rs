//! What each subcommand does: `serve` (the default), `migrate`,
//! `accounts create`.

use std::process::ExitCode;

use chrono::{DateTime, SecondsFormat};

use crate::{
    accounts,
    config::{AccountsCommand, Cli, Command, CreateAccountArgs},
    error::CoreError,
    grpc::unix_now,
    startup::{shutdown_signal, Application, ServeConfig},
    store::{Account, AccountStore, SqlStore},
};

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        None | Some(Command::Serve) => {
            let config = ServeConfig {
                listen: cli.serve.listen,
                database_url: cli.database.database_url,
                database_max_connections: cli.database.database_max_connections,
                sip_domain: cli.database.sip_domain,
                nonce_ttl_seconds: cli.serve.nonce_ttl_seconds,
                metrics_listen: cli.serve.metrics_listen,
                account_cache_entries: cli.serve.account_cache_entries,
            };
            let app = Application::build(&config).await?;
            app.run_until_stopped(shutdown_signal()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Migrate) => {
            let store = SqlStore::connect(&cli.database.database_url).await?;
            store.migrate().await?;
            store.close().await;
            tracing::info!("migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Accounts {
            command: AccountsCommand::Create(args),
        }) => create_account(&cli.database.database_url, &cli.database.sip_domain, args).await,
    }
}

async fn create_account(
    database_url: &str,
    default_domain: &crate::domain::Domain,
    args: CreateAccountArgs,
) -> anyhow::Result<ExitCode> {
    let store = SqlStore::connect(database_url).await?;
    store.migrate().await?;
    if args.if_no_admin && store.has_admin().await? {
        store.close().await;
        eprintln!("an admin account exists already; nothing created");
        return Ok(ExitCode::SUCCESS);
    }
    let request = accounts::CreateAccount {
        username: &args.username,
        domain: args.domain.as_deref().unwrap_or_default(),
        password: &args.password,
        algorithm: &args.algorithm,
        admin: args.admin,
    };
    let created = accounts::create(&store, default_domain, request, unix_now()).await;
    store.close().await;
    match created {
        Ok(account) => {
            println!("{}", account_json(&account));
            Ok(ExitCode::SUCCESS)
        }
        Err(error @ (CoreError::InvalidArgument(_) | CoreError::AlreadyExists { .. })) => {
            eprintln!("error: {error}");
            Ok(ExitCode::FAILURE)
        }
        Err(error) => Err(error.into()),
    }
}

/// The account as the REST API shows it.
fn account_json(account: &Account) -> serde_json::Value {
    serde_json::json!({
        "id": account.id,
        "username": account.username,
        "domain": account.domain,
        "activated": account.activated,
        "admin": account.admin,
        "created_at": rfc3339(account.created_at),
    })
}

fn rfc3339(unix_seconds: i64) -> String {
    DateTime::from_timestamp(unix_seconds, 0)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}
