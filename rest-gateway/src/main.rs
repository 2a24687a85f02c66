//! The REST gateway is not built yet (issue 3): this skeleton only keeps the
//! workspace shape of the contract.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!("rest-gateway: not implemented yet; see the README");
    ExitCode::FAILURE
}
