//! The panel in a real Chromium, driven by Playwright (Python) through
//! `executable_path`: the Debian package's browser, nothing downloaded.
//! `scripts/test` installs both; under `FLEXIAPI_REQUIRE_CLIENTS` a
//! missing one fails the test. Screenshots land in
//! `target/panel-screenshots/` (the README's come from there).

use std::path::PathBuf;

use core_service::testing::Backend;
use tokio::process::Command;

use crate::{
    clients::available,
    helpers::{spawn_system, ADMIN, ADMIN_PASSWORD, DOMAIN},
};

/// On SQLite and PostgreSQL, as the issue asks: the pages do not depend
/// on the database, and a browser run is the slowest test there is.
mod login_and_logout_in_chromium {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::login_and_logout_in_chromium(super::Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::login_and_logout_in_chromium(super::Backend::Postgres).await
    }
}

mod admin_pages_in_chromium {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::admin_pages_in_chromium(super::Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::admin_pages_in_chromium(super::Backend::Postgres).await
    }
}

mod operator_tasks_in_chromium {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::operator_tasks_in_chromium(super::Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::operator_tasks_in_chromium(super::Backend::Postgres).await
    }
}

/// Where the browser scripts are.
fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser")
        .join(name)
}

/// Whether Playwright and Chromium are here (else skipped, or failed
/// under CI).
pub async fn browser_available() -> bool {
    let chromium = std::env::var("FLEXIAPI_CHROMIUM").unwrap_or("/usr/bin/chromium".into());
    let modules = "import playwright.sync_api, axe_playwright_python";
    available("python3", &["-c", modules]).await && available(&chromium, &["--version"]).await
}

/// Runs a browser script with these arguments; its output must be `ok`.
pub async fn run_script(name: &str, args: &[&str]) {
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/panel-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let output = Command::new("python3")
        .arg(script(name))
        .args(args)
        .arg(&shots)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.trim_end().ends_with("ok"),
        "{name}: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn login_and_logout_in_chromium(backend: Backend) {
    if !browser_available().await {
        return;
    }
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    system
        .grpc_create_account("carol01", "carol pw 2026!", "SHA-256", false)
        .await;
    let sip_address = format!("sip:carol01@{DOMAIN}");
    run_script(
        "panel_login.py",
        &[&system.base, "carol01", "carol pw 2026!", &sip_address],
    )
    .await;
}

async fn admin_pages_in_chromium(backend: Backend) {
    if !browser_available().await {
        return;
    }
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    system
        .grpc_create_account("dave01", "dave pw 2026!", "MD5", false)
        .await;
    let admin = format!("{ADMIN}@{DOMAIN}");
    let user = format!("sip:dave01@{DOMAIN}");
    run_script(
        "panel_admin.py",
        &[&system.base, &admin, ADMIN_PASSWORD, &user],
    )
    .await;
}

async fn operator_tasks_in_chromium(backend: Backend) {
    if !browser_available().await {
        return;
    }
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    // An account with a device, as Flexisip's registrar reports it.
    system
        .grpc_create_account("frank01", "frank pw 2026!", "SHA-256", false)
        .await;
    system
        .register_device(
            "frank01",
            "urn:uuid:6c1b2f4e-93a0-4d8e-b7c2-5f0e1a9d3c77",
            "LinphoneAndroid/5.2.1 (Fairphone 5) LinphoneSDK/5.3.4",
            3600,
        )
        .await;
    let admin = format!("{ADMIN}@{DOMAIN}");
    run_script(
        "panel_manage.py",
        &[&system.base, &admin, ADMIN_PASSWORD, DOMAIN, "frank01"],
    )
    .await;
}
