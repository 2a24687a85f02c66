//! What each subcommand does: `serve` (the default), `migrate`,
//! `accounts create`, `api-keys create|list|revoke`, `spaces list|set`,
//! `nonce-keys rotate`, `import flexiapi` (in `import`). The one-shot commands work on the
//! database directly, with the same rules as the API.

use std::process::ExitCode;

use flexiapi_proto::{json, pb};

use crate::{
    adapters::SqlStore,
    app::{
        config::{
            AccountsCommand, ApiKeysCommand, Cli, Command, CreateAccountArgs, ImportCommand,
            KeyOwnerArgs, NonceKeysCommand, SetSpaceArgs, SpacesCommand, StatisticsCommand,
        },
        startup::{Application, ServeConfig},
    },
    domain::{
        model::{Account, ApiKey, Space},
        AccountAddress, Domain,
    },
    error::CoreError,
    grpc::unix_now,
    rules::{
        accounts::{self, store::AccountStore},
        api_keys,
        auth::{account_cache::CHANGE_FENCE, signed_nonces},
        spaces::{self, store::SpaceStore, SpaceInput},
        statistics,
    },
};

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let database_url = &cli.database.database_url;
    let default_domain = &cli.database.sip_domain;
    match cli.command {
        None | Some(Command::Serve) => {
            let config = ServeConfig {
                listen: cli.serve.listen,
                unix_socket: cli.serve.unix_socket.clone(),
                database_url: cli.database.database_url.clone(),
                database_max_connections: cli.database.database_max_connections,
                sip_domain: cli.database.sip_domain.clone(),
                nonce_ttl_seconds: cli.serve.nonce_ttl_seconds,
                proxy_nonce_retention_seconds: cli.serve.proxy_nonce_retention_seconds,
                metrics_listen: cli.serve.metrics_listen,
                health_listen: cli.serve.health_listen,
                account_cache_entries: cli.serve.account_cache_entries,
                api_key_idle_minutes: cli.serve.api_key_idle_minutes,
                panel_sessions: crate::rules::sessions::Lifetimes {
                    idle_seconds: i64::from(cli.serve.panel_session_idle_minutes) * 60,
                    max_seconds: i64::from(cli.serve.panel_session_max_hours) * 3600,
                },
                registrar_redis_url: cli.serve.registrar_redis_url.clone(),
                max_device_watchers: cli.serve.max_device_watchers as usize,
                clients_file: cli.serve.clients_file.clone(),
                auth_failure_limit: cli.serve.auth_failure_limit,
                api_key_failure_limit: cli.serve.api_key_failure_limit,
                auth_lockout_seconds: cli.serve.auth_lockout_seconds,
                tls: cli
                    .serve
                    .tls_cert_file
                    .clone()
                    .zip(cli.serve.tls_key_file.clone())
                    .map(|(cert, key)| crate::app::tls::TlsFiles {
                        cert,
                        key,
                        client_ca: cli.serve.tls_client_ca_file.clone(),
                    }),
                onboarding: cli.onboarding.settings(),
                provisioning: cli.provisioning.settings(),
                delivery: cli.onboarding.delivery(),
                files_dir: cli.flexisip_data.files_dir.clone(),
                voicemail_max_bytes: cli.flexisip_data.voicemail_max_bytes,
                statistics_retention_days: cli.flexisip_data.statistics_retention_days,
            };
            // Before the port opens: a SIGTERM during the start is a clean stop.
            let shutdown = flexiapi_process::shutdown_signal();
            let app = Application::build(&config).await?;
            app.run_until_stopped(shutdown).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Migrate) => {
            let store = open(database_url, default_domain).await?;
            store.close().await;
            tracing::info!("migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Accounts {
            command: AccountsCommand::Create(args),
        }) => {
            let store = open(database_url, default_domain).await?;
            let outcome = create_account(&store, default_domain, args).await;
            store.close().await;
            fence().await;
            report(outcome)
        }
        Some(Command::ApiKeys { command }) => {
            let store = open(database_url, default_domain).await?;
            let changes = !matches!(command, ApiKeysCommand::List(_));
            let outcome = api_keys_command(&store, default_domain, command).await;
            store.close().await;
            if changes {
                fence().await;
            }
            report(outcome)
        }
        Some(Command::Spaces { command }) => {
            let store = open(database_url, default_domain).await?;
            let outcome = spaces_command(&store, default_domain, command).await;
            store.close().await;
            fence().await;
            report(outcome)
        }
        Some(Command::Statistics {
            command: StatisticsCommand::Purge { older_than_days },
        }) => {
            let store = open(database_url, default_domain).await?;
            let now = crate::rules::statistics::now_micros();
            let purged = statistics::purge(&store, older_than_days, now).await;
            store.close().await;
            let (calls, messages) = purged?;
            println!(
                "{}",
                serde_json::json!({ "calls": calls, "messages": messages })
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::NonceKeys {
            command: NonceKeysCommand::Rotate,
        }) => {
            let store = open(database_url, default_domain).await?;
            let rotated = signed_nonces::rotate(&store, unix_now()).await;
            store.close().await;
            println!("{}", rotated?);
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Import {
            command: ImportCommand::Flexiapi(args),
        }) => {
            let target = crate::import::Target {
                database_url,
                connections: cli.database.database_max_connections,
                default_domain,
                user_key_minutes: i64::from(cli.serve.api_key_idle_minutes),
            };
            let report = crate::import::flexiapi(target, &args).await?;
            fence().await;
            Ok(match report.refused.first() {
                None => ExitCode::SUCCESS,
                Some(first) => {
                    eprintln!(
                        "error: {} row(s) could not be taken; the first: {first}",
                        report.refused.len()
                    );
                    ExitCode::FAILURE
                }
            })
        }
    }
}

/// The database, migrated, with its spaces and a nonce key: what every
/// command works on.
async fn open(database_url: &str, default_domain: &Domain) -> anyhow::Result<SqlStore> {
    let store = SqlStore::connect(database_url).await?;
    store.migrate().await?;
    store.ensure_spaces(default_domain, unix_now()).await?;
    signed_nonces::ensure_key(&store, unix_now()).await?;
    Ok(store)
}

/// A command that changed accounts returns only once no running core
/// trusts a copy read before the change (`rules::auth::account_cache`).
async fn fence() {
    tokio::time::sleep(CHANGE_FENCE).await;
}

/// A refusal (bad input, a duplicate, no such thing) is exit status 1 with
/// its reason; anything else is an error of the command itself.
fn report(outcome: Result<(), CoreError>) -> anyhow::Result<ExitCode> {
    match outcome {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(
            error @ (CoreError::InvalidArgument(_)
            | CoreError::AlreadyExists { .. }
            | CoreError::NotFound(_)
            | CoreError::PermissionDenied(_)
            | CoreError::FailedPrecondition(_)),
        ) => {
            eprintln!("error: {error}");
            Ok(ExitCode::FAILURE)
        }
        Err(error) => Err(error.into()),
    }
}

async fn create_account(
    store: &SqlStore,
    default_domain: &Domain,
    args: CreateAccountArgs,
) -> Result<(), CoreError> {
    if args.if_no_admin && store.has_admin().await? {
        eprintln!("an admin account exists already; nothing created");
        return Ok(());
    }
    let request = accounts::CreateAccount {
        username: &args.username,
        domain: args.domain.as_deref().unwrap_or_default(),
        password: &args.password,
        algorithm: &args.algorithm,
        admin: args.admin,
        activated: true,
        blocked: false,
        pending: false,
        spend_token: None,
        profile: accounts::ProfileInput::default(),
    };
    let account = accounts::create(store, default_domain, None, request, unix_now()).await?;
    println!("{}", account_json(account));
    Ok(())
}

async fn api_keys_command(
    store: &SqlStore,
    default_domain: &Domain,
    command: ApiKeysCommand,
) -> Result<(), CoreError> {
    let owner_of = |owner: &KeyOwnerArgs| {
        let domain = owner.domain.as_deref().unwrap_or_default();
        AccountAddress::parse(&owner.username, domain, default_domain)
    };
    match command {
        ApiKeysCommand::Create(args) => {
            let owner = owner_of(&args.owner)?;
            let named = api_keys::NamedKey {
                name: &args.name,
                idle_minutes: args.idle_expiry_minutes.map_or(0, i64::from),
                scope: args.scope.as_deref().unwrap_or_default(),
            };
            let (key, stored, account) =
                api_keys::create_named_key(store, &owner, named, unix_now()).await?;
            eprintln!(
                "API key {:?} of {}@{} created; it is shown once, here:",
                stored.name, account.username, account.domain
            );
            println!("{}", key.expose());
        }
        ApiKeysCommand::List(args) => {
            let owner = match &args.username {
                Some(username) => Some(owner_of(&KeyOwnerArgs {
                    username: username.clone(),
                    domain: args.domain.clone(),
                })?),
                None => None,
            };
            for (key, account) in api_keys::list(store, owner.as_ref()).await? {
                println!("{}", key_json(&key, &account));
            }
        }
        ApiKeysCommand::Revoke(args) => {
            let owner = owner_of(&args.owner)?;
            api_keys::revoke(store, &owner, &args.name).await?;
            eprintln!("API key {:?} revoked", args.name);
        }
    }
    Ok(())
}

async fn spaces_command(
    store: &SqlStore,
    default_domain: &Domain,
    command: SpacesCommand,
) -> Result<(), CoreError> {
    match command {
        SpacesCommand::List => {
            for space in spaces::list(store, None).await? {
                println!("{}", space_json(space));
            }
        }
        SpacesCommand::Set(args) => {
            let space = set_space(store, default_domain, &args).await?;
            println!("{}", space_json(space));
        }
    }
    Ok(())
}

/// Creates the space, or updates it when it exists.
async fn set_space(
    store: &SqlStore,
    default_domain: &Domain,
    args: &SetSpaceArgs,
) -> Result<Space, CoreError> {
    let input = || SpaceInput {
        new_domain: None,
        name: args.name.as_deref(),
        realm: args.realm.as_deref(),
        is_super: args.is_super,
        max_accounts: args.max_accounts,
        default_password_algorithm: args.default_password_algorithm.as_deref(),
        app: Default::default(),
    };
    let now = unix_now();
    match spaces::update(store, None, default_domain, &args.domain, input(), now).await {
        Err(CoreError::NotFound(_)) => {
            spaces::create(store, None, &args.domain, input(), now).await
        }
        updated => updated,
    }
}

fn space_json(space: Space) -> serde_json::Value {
    json::space(&pb::Space::from(space))
}

/// The account as the REST API shows it.
fn account_json(account: Account) -> serde_json::Value {
    json::account(&pb::Account::from(account))
}

/// What an operator needs to tell keys apart; never the key or its hash.
fn key_json(key: &ApiKey, owner: &Account) -> serde_json::Value {
    let time = |seconds| json::time(Some(&prost_types::Timestamp { seconds, nanos: 0 }));
    serde_json::json!({
        "name": if key.name.is_empty() { None } else { Some(&key.name) },
        "kind": if key.name.is_empty() { "user" } else { "named" },
        "owner": format!("sip:{}@{}", owner.username, owner.domain),
        "created_at": time(key.created_at),
        "last_used_at": time(key.last_used_at),
        "idle_expiry_minutes": key.idle_expiry_seconds.map(|s| s / 60),
        "scope": if key.scope.is_empty() { "api" } else { &key.scope },
    })
}
