use std::process::ExitCode;

use clap::Parser;
use rest_gateway::{config::Config, startup::Application};

#[global_allocator]
static ALLOCATOR: flexiapi_process::runtime::Allocator = flexiapi_process::runtime::Allocator {};

fn main() -> ExitCode {
    // The gateway's secrets may come from mounted files.
    let secrets = ["FLEXIAPI_CORE_TOKEN", "FLEXIAPI_GATEWAY_HCAPTCHA_SECRET"];
    if let Err(error) = flexiapi_process::load_file_variables(&secrets) {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    let config = Config::parse();
    let runtime = match flexiapi_process::runtime::build(config.worker_threads) {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        // Dropped last: flushes the spans of the final requests.
        let _telemetry = flexiapi_telemetry::init("rest-gateway");
        let run = async {
            // Before the port opens: a SIGTERM during the start is a clean stop.
            let shutdown = flexiapi_process::shutdown_signal();
            let app = Application::build(&config).await?;
            app.run_until_stopped(shutdown).await
        };
        match run.await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        }
    })
}
