use std::process::ExitCode;

use clap::Parser;
use core_service::app::{commands, config::Cli};

/// The variables that carry secrets; each may come from `VAR_FILE` instead.
const SECRET_VARIABLES: &[&str] = &[
    "DATABASE_URL",
    "FLEXIAPI_REGISTRAR_REDIS_URL",
    "FLEXIAPI_IMPORT_FROM",
    "FLEXIAPI_ACCOUNT_PASSWORD",
    "FLEXIAPI_SMTP_URL",
    "FLEXIAPI_SMS_TOKEN",
];

#[global_allocator]
static ALLOCATOR: flexiapi_process::runtime::Allocator = flexiapi_process::runtime::Allocator {};

fn main() -> ExitCode {
    if let Err(error) = flexiapi_process::load_file_variables(SECRET_VARIABLES) {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    let cli = Cli::parse();
    let runtime = match flexiapi_process::runtime::build(cli.serve.worker_threads) {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        // Dropped last: flushes the spans of the final requests.
        let _telemetry = flexiapi_telemetry::init("core-service");
        match commands::run(cli).await {
            Ok(code) => code,
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        }
    })
}
