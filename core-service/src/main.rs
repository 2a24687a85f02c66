use std::process::ExitCode;

use clap::Parser;
use core_service::{commands, config::Cli};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Dropped last: flushes the spans of the final requests.
    let _telemetry = flexiapi_telemetry::init("core-service");
    match commands::run(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
