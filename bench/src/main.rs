//! `flexiapi-bench`: see `bench/run.sh` for how the figures of BENCHMARKS.md
//! are produced with it.

use std::{process::ExitCode, time::Duration};

use clap::{Parser, Subcommand};
use flexiapi_bench::{external_auth, grpc, http, run, Report};

#[derive(Debug, Parser)]
#[command(
    name = "flexiapi-bench",
    about = "Closed-loop load: HTTP Digest, or the core's gRPC hot paths"
)]
struct Cli {
    /// Concurrent connections, each a closed loop.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// How long to run, in seconds.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    #[arg(long)]
    username: String,
    #[arg(long)]
    password: String,
    #[arg(long, default_value = "sip.example.org")]
    domain: String,
    /// Total requests per second to pace the connections at; unset: as fast
    /// as answers come.
    #[arg(long)]
    rate: Option<f64>,
    /// Print the report as one JSON object instead of a line of text.
    #[arg(long)]
    json: bool,
    /// Threads the load runs on. One by default, as an independent client
    /// (`wrk -t1`) would: every server measured shares the machine with the
    /// load, and a second load thread only adds wake-ups to what they pay.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: u16,
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// HTTP GET with Digest against ADDR (host:port) and PATH.
    Http {
        #[arg(long)]
        addr: String,
        #[arg(long, default_value = "/api/ping")]
        path: String,
        /// MD5 or SHA-256.
        #[arg(long, default_value = "MD5")]
        algorithm: String,
        /// A new challenge before every request instead of nc+1 on one nonce.
        #[arg(long)]
        fresh_challenge: bool,
        /// Plain GETs without credentials (for a server that asks for none).
        #[arg(long, conflicts_with = "fresh_challenge")]
        anonymous: bool,
        /// Authenticate every request with this API key instead of Digest.
        #[arg(long, conflicts_with_all = ["fresh_challenge", "anonymous"])]
        api_key: Option<String>,
    },
    /// Flexisip's ExternalAuthentication GETs (SIP REGISTER answers, nc + 1
    /// on one nonce per connection) against the gateway at ADDR. One
    /// connection is one Flexisip proxy: it waits for each answer.
    ExternalAuth {
        #[arg(long)]
        addr: String,
        /// A key of scope external-auth.
        #[arg(long)]
        key: String,
        /// MD5 or SHA-256.
        #[arg(long, default_value = "MD5")]
        algorithm: String,
    },
    /// gRPC AuthService.VerifyDigest against the core at URL.
    Verify {
        #[arg(long, default_value = "http://127.0.0.1:50051")]
        url: String,
    },
    /// gRPC AuthService.GetCredentials against the core at URL.
    Credentials {
        #[arg(long, default_value = "http://127.0.0.1:50051")]
        url: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = if cli.threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(usize::from(cli.threads))
            .enable_all()
            .build()
    };
    match runtime {
        Ok(runtime) => runtime.block_on(load(cli)),
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn load(cli: Cli) -> ExitCode {
    let duration = Duration::from_secs_f64(cli.seconds.max(0.1));
    let report = match cli.mode {
        Mode::Http {
            addr,
            path,
            algorithm,
            fresh_challenge,
            anonymous,
            api_key,
        } => {
            let target = http::Target {
                addr,
                path,
                username: cli.username,
                password: cli.password,
                domain: cli.domain,
                algorithm,
                fresh_challenge,
                anonymous,
                api_key,
            };
            run(cli.connections, duration, cli.rate, move |schedule| {
                http::client(target.clone(), schedule)
            })
            .await
        }
        Mode::ExternalAuth {
            addr,
            key,
            algorithm,
        } => {
            let target = external_auth::Target {
                addr,
                key,
                username: cli.username,
                password: cli.password,
                domain: cli.domain,
                algorithm,
            };
            run(cli.connections, duration, cli.rate, move |schedule| {
                external_auth::client(target.clone(), schedule)
            })
            .await
        }
        Mode::Verify { url } => {
            let target = grpc_target(url, cli.username, cli.password, cli.domain);
            run(cli.connections, duration, cli.rate, move |schedule| {
                grpc::verify_client(target.clone(), schedule)
            })
            .await
        }
        Mode::Credentials { url } => {
            let target = grpc_target(url, cli.username, cli.password, cli.domain);
            run(cli.connections, duration, cli.rate, move |schedule| {
                grpc::credentials_client(target.clone(), schedule)
            })
            .await
        }
    };
    print(&report, cli.json);
    if report.successes == 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn grpc_target(url: String, username: String, password: String, domain: String) -> grpc::Target {
    grpc::Target {
        url,
        username,
        password,
        domain,
    }
}

fn print(report: &Report, json: bool) {
    if json {
        println!("{}", serde_json::to_string(report).unwrap_or_default());
        return;
    }
    println!(
        "{:.0} req/s  ok {}  errors {}  p50 {:.3} ms  p90 {:.3} ms  p99 {:.3} ms  max {:.3} ms",
        report.requests_per_second,
        report.successes,
        report.errors,
        report.p50_ms,
        report.p90_ms,
        report.p99_ms,
        report.max_ms
    );
    if let Some(error) = &report.first_error {
        eprintln!("first error: {error}");
    }
}
