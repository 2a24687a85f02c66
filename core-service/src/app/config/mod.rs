//! Command line and environment: every flag has an environment variable (the
//! flag wins), and the defaults make a laptop run work with no flag at all.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Args, Parser};

use crate::domain::Domain;

mod flexisip_data;
mod onboarding;
mod provisioning;
mod subcommands;

pub use flexisip_data::FlexisipDataArgs;
pub use onboarding::OnboardingArgs;
pub use provisioning::ProvisioningArgs;
pub use subcommands::*;

#[derive(Debug, Parser)]
#[command(
    name = "core-service",
    version,
    about = "Owns Flexisip accounts, Digest credentials, nonces and devices, and serves them over gRPC.",
    long_about = "Owns Flexisip accounts, Digest credentials (HA1 hashes), nonces and registered \
                  devices in SQLite or PostgreSQL, and serves them over gRPC (flexiapi.v1, plus \
                  grpc.health.v1 and reflection).\n\nWith no subcommand it migrates the database, \
                  then serves. Create the first admin with `core-service accounts create --admin …`."
)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseArgs,

    #[command(flatten)]
    pub serve: ServeArgs,

    #[command(flatten)]
    pub onboarding: OnboardingArgs,

    #[command(flatten)]
    pub provisioning: ProvisioningArgs,

    #[command(flatten)]
    pub flexisip_data: FlexisipDataArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// Where accounts live: sqlite://FILE?mode=rwc (embedded) or
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DB or mysql://… (shared by
    /// replicas). DATABASE_URL_FILE may name a file holding it.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://flexiapi.sqlite?mode=rwc",
        hide_env_values = true,
        global = true
    )]
    pub database_url: String,

    /// Most PostgreSQL connections this process opens for accounts and
    /// devices; API-key lookups take half as many more (at least 2). About twice
    /// the database server's cores in all is a good start; more only adds
    /// switching.
    #[arg(
        long,
        env = "FLEXIAPI_DATABASE_MAX_CONNECTIONS",
        default_value_t = crate::adapters::sql::DEFAULT_POSTGRES_CONNECTIONS,
        value_parser = clap::value_parser!(u32).range(1..=1000),
        global = true
    )]
    pub database_max_connections: u32,

    /// Default registration domain: the domain of accounts created or looked
    /// up without one, and their Digest realm.
    #[arg(
        long,
        env = "FLEXIAPI_SIP_DOMAIN",
        default_value = "sip.example.org",
        value_parser = parse_domain,
        global = true
    )]
    pub sip_domain: Domain,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address the gRPC server listens on.
    #[arg(
        long,
        env = "FLEXIAPI_CORE_LISTEN",
        default_value = "127.0.0.1:50051",
        global = true
    )]
    pub listen: SocketAddr,

    /// Also serve gRPC on this Unix socket (mode 0660), for a gateway on
    /// the same host (`--core-url unix:PATH`): the same services and
    /// callers' rules, without the loopback TCP stack. Not with TLS.
    #[arg(long, env = "FLEXIAPI_CORE_UNIX_SOCKET", global = true)]
    pub unix_socket: Option<PathBuf>,

    /// How long a Digest nonce may be used; an expired nonce is answered
    /// "Nonce expired" (stale=true) for one more such period, then purged.
    #[arg(
        long,
        env = "FLEXIAPI_NONCE_TTL_SECONDS",
        default_value_t = 300,
        value_parser = clap::value_parser!(u32).range(1..=86_400),
        global = true
    )]
    pub nonce_ttl_seconds: u32,

    /// How long the record of a SIP proxy's nonce (Flexisip's delegated
    /// checks) is kept after its first answer: it is usable for the nonce
    /// TTL, then refused as expired until this has passed, so that a
    /// captured answer cannot be replayed as new while the proxy still
    /// takes its nonce. At least Flexisip's `nonce-expires` (3600 s by
    /// default); never less than the TTL.
    #[arg(
        long,
        env = "FLEXIAPI_PROXY_NONCE_RETENTION_SECONDS",
        default_value_t = 3_600,
        value_parser = clap::value_parser!(u32).range(1..=604_800),
        global = true
    )]
    pub proxy_nonce_retention_seconds: u32,

    /// Address of a separate HTTP listener serving Prometheus metrics at
    /// /metrics; none when unset.
    #[arg(long, env = "FLEXIAPI_CORE_METRICS_LISTEN", global = true)]
    pub metrics_listen: Option<SocketAddr>,

    /// Address of a separate plain gRPC listener serving grpc.health.v1
    /// alone (no TLS, no token): for Kubernetes' gRPC probes, which cannot
    /// speak TLS, when the main port does. None when unset.
    #[arg(long, env = "FLEXIAPI_CORE_HEALTH_LISTEN", global = true)]
    pub health_listen: Option<SocketAddr>,

    /// How many active accounts (with their HA1s) are kept in memory, so a
    /// Digest check with a reused nonce is one statement; 0 keeps none. A
    /// copy is checked against the database's account epoch before it is
    /// trusted, so a change made anywhere takes effect at once. As many API
    /// keys are kept the same way.
    #[arg(
        long,
        env = "FLEXIAPI_ACCOUNT_CACHE_ENTRIES",
        default_value_t = 10_000,
        global = true
    )]
    pub account_cache_entries: usize,

    /// How long a user API key (from GET /api/accounts/me/api_key) lives
    /// without use, in minutes; checked at every request.
    #[arg(
        long,
        env = "FLEXIAPI_API_KEY_IDLE_MINUTES",
        default_value_t = 60,
        value_parser = clap::value_parser!(u32).range(1..=525_600),
        global = true
    )]
    pub api_key_idle_minutes: u32,

    /// How long a web panel session lives without a request, in minutes.
    #[arg(
        long,
        env = "FLEXIAPI_PANEL_SESSION_IDLE_MINUTES",
        default_value_t = 30,
        value_parser = clap::value_parser!(u32).range(1..=10_080),
        global = true
    )]
    pub panel_session_idle_minutes: u32,

    /// How long a web panel session lives after its login, in hours,
    /// however busy.
    #[arg(
        long,
        env = "FLEXIAPI_PANEL_SESSION_MAX_HOURS",
        default_value_t = 12,
        value_parser = clap::value_parser!(u32).range(1..=8_760),
        global = true
    )]
    pub panel_session_max_hours: u32,

    /// Flexisip's registrar (`redis://[:PASSWORD@]HOST:6379/DB`, or
    /// `rediss://`) as the source of devices: they are read from and removed
    /// in its `fs:<user>@<domain>` hashes. Unset: devices live in the
    /// database. FLEXIAPI_REGISTRAR_REDIS_URL_FILE may name a file holding it.
    #[arg(
        long,
        env = "FLEXIAPI_REGISTRAR_REDIS_URL",
        hide_env_values = true,
        global = true
    )]
    pub registrar_redis_url: Option<String>,

    /// Open DeviceService.WatchDevices streams this core serves at once
    /// (each holds a Redis subscription with the registrar); past it,
    /// RESOURCE_EXHAUSTED.
    #[arg(
        long,
        env = "FLEXIAPI_MAX_DEVICE_WATCHERS",
        default_value_t = 1000,
        value_parser = clap::value_parser!(u32).range(1..=100_000),
        global = true
    )]
    pub max_device_watchers: u32,

    /// Threads serving requests. Default: one where this process may use
    /// at most 2 CPUs (a container's CPU limit included), else one per CPU;
    /// see `flexiapi_process::runtime::flavor`.
    #[arg(long, env = "FLEXIAPI_WORKER_THREADS", value_parser = clap::value_parser!(u16).range(1..=1024), global = true)]
    pub worker_threads: Option<u16>,

    /// Who may call the core: one caller a line, `NAME ROLE SHA256-HEX`
    /// (role gateway, proxy or admin; the SHA-256 of the caller's bearer
    /// token; `#` starts a comment). Read again every 10 s and at SIGHUP.
    /// Without it, the core serves anyone, and so refuses to listen on any
    /// address but loopback.
    #[arg(long, env = "FLEXIAPI_CORE_CLIENTS_FILE", global = true)]
    pub clients_file: Option<PathBuf>,

    /// Wrong passwords (Digest answers, old passwords) for one account from
    /// one client address, within --auth-lockout-seconds, after which that
    /// pair is refused (HTTP 429, gRPC THROTTLED) for --auth-lockout-seconds.
    /// Counted per core replica.
    #[arg(
        long,
        env = "FLEXIAPI_AUTH_FAILURE_LIMIT",
        default_value_t = 5,
        value_parser = clap::value_parser!(u32).range(1..=1000),
        global = true
    )]
    pub auth_failure_limit: u32,

    /// The window failures are counted in, and how long a pair (or an
    /// address, for API keys) then stays refused.
    #[arg(
        long,
        env = "FLEXIAPI_AUTH_LOCKOUT_SECONDS",
        default_value_t = 300,
        value_parser = clap::value_parser!(u32).range(1..=86_400),
        global = true
    )]
    pub auth_lockout_seconds: u32,

    /// Invalid API keys from one client address, within
    /// --auth-lockout-seconds, after which that address's keys are refused.
    #[arg(
        long,
        env = "FLEXIAPI_API_KEY_FAILURE_LIMIT",
        default_value_t = 20,
        value_parser = clap::value_parser!(u32).range(1..=10_000),
        global = true
    )]
    pub api_key_failure_limit: u32,

    /// PEM certificate chain: serve gRPC over TLS (read at start).
    #[arg(
        long,
        env = "FLEXIAPI_CORE_TLS_CERT_FILE",
        requires = "tls_key_file",
        global = true
    )]
    pub tls_cert_file: Option<PathBuf>,

    /// PEM private key of --tls-cert-file.
    #[arg(
        long,
        env = "FLEXIAPI_CORE_TLS_KEY_FILE",
        requires = "tls_cert_file",
        global = true
    )]
    pub tls_key_file: Option<PathBuf>,

    /// PEM CA certificate(s): callers must present a client certificate it
    /// signed (mutual TLS). Needs --tls-cert-file.
    #[arg(
        long,
        env = "FLEXIAPI_CORE_TLS_CLIENT_CA_FILE",
        requires = "tls_cert_file",
        global = true
    )]
    pub tls_client_ca_file: Option<PathBuf>,
}

fn parse_domain(raw: &str) -> Result<Domain, String> {
    Domain::parse(raw).map_err(|e| format!("{e} (--sip-domain / FLEXIAPI_SIP_DOMAIN)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_command_serves_with_laptop_defaults() {
        let cli = Cli::try_parse_from(["core-service"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.serve.listen.to_string(), "127.0.0.1:50051");
        assert_eq!(cli.serve.nonce_ttl_seconds, 300);
        assert_eq!(cli.serve.proxy_nonce_retention_seconds, 3_600);
        assert_eq!(cli.database.sip_domain.as_str(), "sip.example.org");
    }

    #[test]
    fn flags_are_accepted_after_a_subcommand() {
        let cli = Cli::try_parse_from([
            "core-service",
            "accounts",
            "create",
            "--username",
            "admin1",
            "--password",
            "secret1",
            "--algorithm",
            "SHA-256",
            "--admin",
            "--database-url",
            "sqlite::memory:",
        ])
        .unwrap();
        assert_eq!(cli.database.database_url, "sqlite::memory:");
        let Some(Command::Accounts {
            command: AccountsCommand::Create(args),
        }) = cli.command
        else {
            panic!("expected accounts create");
        };
        assert!(args.admin);
    }

    #[test]
    fn bad_flags_are_refused_with_their_name() {
        for args in [
            vec!["core-service", "--nonce-ttl-seconds", "0"],
            vec!["core-service", "--proxy-nonce-retention-seconds", "0"],
            vec!["core-service", "--nonce-ttl-seconds", "abc"],
            vec!["core-service", "--listen", "nowhere"],
            vec!["core-service", "--sip-domain", "bad domain"],
            vec!["core-service", "--database-max-connections", "0"],
            vec!["core-service", "--account-cache-entries", "lots"],
            vec!["core-service", "--worker-threads", "0"],
            vec!["core-service", "--api-key-idle-minutes", "0"],
            vec!["core-service", "--auth-failure-limit", "0"],
            vec!["core-service", "--auth-lockout-seconds", "0"],
            vec!["core-service", "--api-key-failure-limit", "none"],
        ] {
            let error = Cli::try_parse_from(&args).unwrap_err().to_string();
            assert!(error.contains(args[1]), "{error}");
        }
    }

    /// docs/configuration.md is where operators look a flag up.
    #[test]
    fn every_serve_flag_is_documented() {
        use clap::CommandFactory as _;
        let docs = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/configuration.md"),
        )
        .unwrap();
        let missing = flexiapi_process::flags::undocumented(&Cli::command(), &docs);
        assert!(
            missing.is_empty(),
            "not in docs/configuration.md: {missing:?}"
        );
    }
}
