//! The `core-service` binary itself: subcommands, exit codes, SIGTERM.

use std::{
    process::{Command, Stdio},
    time::Duration,
};

const BIN: &str = env!("CARGO_BIN_EXE_core-service");

fn core_service(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("FLEXIAPI_SIP_DOMAIN")
        .output()
        .unwrap()
}

/// `accounts create` for `username` with a valid password, plus `extra` flags.
fn create_args<'a>(username: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "accounts",
        "create",
        "--username",
        username,
        "--password",
        "admin-pw",
        "--algorithm",
        "SHA-256",
    ];
    args.extend_from_slice(extra);
    args
}

fn temp_sqlite() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("cli.sqlite").display()
    );
    (dir, url)
}

#[test]
fn accounts_create_prints_the_account_and_refuses_duplicates() {
    let (_dir, url) = temp_sqlite();
    let create = create_args("admin01", &["--admin"]);
    let output = core_service(&url, &create);
    assert!(output.status.success(), "{output:?}");
    let account: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(account["username"], "admin01");
    assert_eq!(account["domain"], "sip.example.org");
    assert_eq!(account["admin"], true);
    assert_eq!(account["activated"], true);
    assert!(account["created_at"].as_str().unwrap().ends_with('Z'));
    let printed = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    assert!(
        !printed.contains("admin-pw"),
        "the password is never printed"
    );

    let output = core_service(&url, &create);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("username: has already been taken"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn if_no_admin_creates_only_the_first_admin() {
    let (_dir, url) = temp_sqlite();
    let first = create_args("admin01", &["--if-no-admin", "--admin"]);
    let output = core_service(&url, &first);
    assert!(output.status.success(), "{output:?}");
    let account: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(account["admin"], true);

    let second = create_args("admin02", &["--if-no-admin", "--admin"]);
    let output = core_service(&url, &second);
    assert!(output.status.success(), "{output:?}");
    assert!(output.stdout.is_empty(), "nothing created");
    assert!(String::from_utf8_lossy(&output.stderr).contains("admin account exists already"));
}

#[test]
fn accounts_create_names_invalid_input() {
    let (_dir, url) = temp_sqlite();
    let output = core_service(
        &url,
        &[
            "accounts",
            "create",
            "--username",
            "ab",
            "--password",
            "x",
            "--algorithm",
            "SHA-1",
            "--domain",
            "a b",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for field in ["username:", "password:", "algorithm:", "domain:"] {
        assert!(stderr.contains(field), "{stderr}");
    }
}

#[test]
fn a_bad_database_url_is_a_clear_error() {
    let output = core_service("oracle://nowhere/x", &["migrate"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
    assert!(
        stderr.contains("mysql://"),
        "the accepted schemes are named: {stderr}"
    );
    for url in [
        "postgres://app:hunter2@127.0.0.1:1/x",
        "mysql://app:hunter2@127.0.0.1:1/x",
    ] {
        let output = core_service(url, &["migrate"]);
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains("hunter2") && stderr.contains("cannot connect"),
            "the database password is masked: {stderr}"
        );
    }
}

#[test]
fn migrate_creates_the_flexisip_tables() {
    let (dir, url) = temp_sqlite();
    let output = core_service(&url, &["migrate"]);
    assert!(output.status.success(), "{output:?}");
    assert!(dir.path().join("cli.sqlite").exists());
}

#[test]
fn serve_stops_cleanly_on_sigterm() {
    let (_dir, url) = temp_sqlite();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", &listen])
        .env("DATABASE_URL", &url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(&listen).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "core-service never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "core-service ignored SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}

#[test]
fn api_keys_are_printed_once_listed_without_secrets_and_revoked() {
    let (_dir, url) = temp_sqlite();
    assert!(core_service(&url, &create_args("admin01", &["--admin"]))
        .status
        .success());
    let create = [
        "api-keys",
        "create",
        "--username",
        "admin01",
        "--name",
        "flexisip",
    ];
    let output = core_service(&url, &create);
    assert!(output.status.success(), "{output:?}");
    let key = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert_eq!(key.len(), 40, "{key}");
    assert!(key.bytes().all(|b| b.is_ascii_alphanumeric()));
    let again = core_service(&url, &create);
    assert_eq!(again.status.code(), Some(1), "one name per owner");
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("name"),
        "{again:?}"
    );

    let output = core_service(&url, &["api-keys", "list", "--username", "admin01"]);
    assert!(output.status.success(), "{output:?}");
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listed["name"], "flexisip");
    assert_eq!(listed["owner"], "sip:admin01@sip.example.org");
    assert_eq!(listed["idle_expiry_minutes"], serde_json::Value::Null);
    assert_eq!(listed["scope"], "api");
    let printed = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    assert!(!printed.contains(&key), "a key is shown only when made");

    let revoke = [
        "api-keys",
        "revoke",
        "--username",
        "admin01",
        "--name",
        "flexisip",
    ];
    assert!(core_service(&url, &revoke).status.success());
    let output = core_service(&url, &revoke);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("API key not found"),
        "{output:?}"
    );
    let output = core_service(&url, &["api-keys", "list"]);
    assert!(output.stdout.is_empty(), "{output:?}");
    let unknown = core_service(
        &url,
        &[
            "api-keys",
            "create",
            "--username",
            "nobody01",
            "--name",
            "x",
        ],
    );
    assert_eq!(unknown.status.code(), Some(1));
}

#[test]
fn a_key_of_scope_external_auth_belongs_to_an_admin_and_is_listed_with_its_scope() {
    let (_dir, url) = temp_sqlite();
    for (username, extra) in [("admin01", &["--admin"][..]), ("alice001", &[][..])] {
        assert!(core_service(&url, &create_args(username, extra))
            .status
            .success());
    }
    let create = |username: &str, scope: &str| {
        core_service(
            &url,
            &[
                "api-keys",
                "create",
                "--username",
                username,
                "--name",
                "flexisip-auth",
                "--scope",
                scope,
            ],
        )
    };
    let not_admin = create("alice001", "external-auth");
    assert_eq!(not_admin.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&not_admin.stderr).contains("must belong to an admin"),
        "{not_admin:?}"
    );
    let unknown = create("admin01", "admin");
    assert_eq!(
        unknown.status.code(),
        Some(2),
        "clap refuses it: {unknown:?}"
    );
    let output = create("admin01", "external-auth");
    assert!(output.status.success(), "{output:?}");
    let output = core_service(&url, &["api-keys", "list"]);
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listed["scope"], "external-auth");
}

#[test]
fn spaces_set_gives_the_default_domain_a_realm_before_its_first_account() {
    let (_dir, url) = temp_sqlite();
    let set = |extra: &[&str]| {
        let mut args = vec!["spaces", "set", "--domain", "sip.example.org"];
        args.extend_from_slice(extra);
        core_service(&url, &args)
    };
    let output = set(&["--realm", "example-realm", "--max-accounts", "10"]);
    assert!(output.status.success(), "{output:?}");
    let space: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(space["realm"], "example-realm");
    assert_eq!(space["super"], true, "the default domain's space");
    assert_eq!(space["max_accounts"], 10);

    let output = core_service(&url, &create_args("admin01", &["--admin"]));
    assert!(output.status.success(), "{output:?}");
    let output = set(&["--realm", "other-realm"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("realm: cannot change"), "{stderr}");

    let output = core_service(
        &url,
        &["spaces", "set", "--domain", "b.example.org", "--name", "B"],
    );
    assert!(output.status.success(), "{output:?}");
    let output = core_service(&url, &["spaces", "list"]);
    let listed: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let domains: Vec<_> = listed.iter().map(|s| s["domain"].clone()).collect();
    assert_eq!(domains, ["b.example.org", "sip.example.org"]);
    assert_eq!(listed[0]["name"], "B");
    assert_eq!(listed[1]["accounts_count"], 1);
}

#[test]
fn a_bad_registrar_url_or_url_file_stops_serve_naming_it() {
    let (dir, url) = temp_sqlite();
    let serve = |envs: &[(&str, &str)]| {
        let mut command = Command::new(BIN);
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("DATABASE_URL", &url)
            .env_remove("FLEXIAPI_REGISTRAR_REDIS_URL")
            .env_remove("FLEXIAPI_REGISTRAR_REDIS_URL_FILE");
        for (name, value) in envs {
            command.env(name, value);
        }
        command.output().unwrap()
    };
    let output = serve(&[("FLEXIAPI_REGISTRAR_REDIS_URL", "http://:hunter2@redis:6379")]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--registrar-redis-url"), "{stderr}");
    assert!(
        !stderr.contains("hunter2"),
        "the password is never printed: {stderr}"
    );

    let missing = dir.path().join("no-such-file");
    let output = serve(&[(
        "FLEXIAPI_REGISTRAR_REDIS_URL_FILE",
        missing.to_str().unwrap(),
    )]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("FLEXIAPI_REGISTRAR_REDIS_URL_FILE"),
        "{stderr}"
    );
}
