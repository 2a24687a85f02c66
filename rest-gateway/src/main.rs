use std::process::ExitCode;

use clap::Parser;
use rest_gateway::{
    config::Config,
    startup::{shutdown_signal, Application},
};

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    // Dropped last: flushes the spans of the final requests.
    let _telemetry = flexiapi_telemetry::init("rest-gateway");
    let run = async {
        let app = Application::build(&config).await?;
        app.run_until_stopped(shutdown_signal()).await
    };
    match run.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
