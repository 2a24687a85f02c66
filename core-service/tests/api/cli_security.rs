//! The binary's security defaults: no unauthenticated core off loopback, a
//! bad clients file stops the start, and secrets may come from files.

use std::{
    io::{BufRead as _, BufReader},
    process::{Command, Stdio},
    time::Duration,
};

const BIN: &str = env!("CARGO_BIN_EXE_core-service");

fn temp_sqlite(dir: &tempfile::TempDir) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("core.sqlite").display()
    )
}

fn serve(database_url: &str, args: &[&str], envs: &[(&str, &str)]) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("serve")
        .args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("FLEXIAPI_CORE_CLIENTS_FILE")
        .env_remove("FLEXIAPI_CORE_LISTEN")
        .env_remove("DATABASE_URL_FILE");
    for (name, value) in envs {
        command.env(name, value);
    }
    command
}

/// Starts `command` and waits for its "listening" line; kills it after.
fn starts_and_listens(mut command: Command) {
    let mut child = command
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    let listening = loop {
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(line) if line.contains("core-service listening") => break true,
            Ok(line) => seen.push(line),
            Err(_) => break false,
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(listening, "did not start: {seen:#?}");
}

#[test]
fn without_a_clients_file_the_core_listens_on_loopback_only() {
    let dir = tempfile::tempdir().unwrap();
    let url = temp_sqlite(&dir);
    for listen in ["0.0.0.0:0", "[::]:0"] {
        let output = serve(&url, &["--listen", listen], &[]).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{listen}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("refusing to serve unauthenticated callers")
                && stderr.contains("--clients-file"),
            "{stderr}"
        );
    }
    starts_and_listens(serve(&url, &["--listen", "127.0.0.1:0"], &[]));

    let clients = dir.path().join("clients");
    std::fs::write(&clients, format!("gateway gateway {}\n", "ab".repeat(32))).unwrap();
    let clients = clients.to_str().unwrap();
    starts_and_listens(serve(
        &url,
        &["--listen", "0.0.0.0:0"],
        &[("FLEXIAPI_CORE_CLIENTS_FILE", clients)],
    ));
}

#[test]
fn a_bad_or_missing_clients_file_stops_the_start_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = temp_sqlite(&dir);
    let broken = dir.path().join("broken");
    std::fs::write(&broken, "# ok\ngateway gateway not-a-hash\n").unwrap();
    let missing = dir.path().join("missing");
    for (file, expected) in [
        (&broken, "line 2: the third field must be the SHA-256"),
        (&missing, "cannot read the clients file"),
    ] {
        let output = serve(&url, &["--clients-file", file.to_str().unwrap()], &[])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{stderr}");
        assert!(stderr.contains(file.to_str().unwrap()), "{stderr}");
    }
}

#[test]
fn the_database_url_may_come_from_a_file_but_not_from_both() {
    let dir = tempfile::tempdir().unwrap();
    let url_file = dir.path().join("database-url");
    std::fs::write(&url_file, format!("{}\n", temp_sqlite(&dir))).unwrap();
    let output = Command::new(BIN)
        .args(["spaces", "list"])
        .env_remove("DATABASE_URL")
        .env("DATABASE_URL_FILE", &url_file)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("sip.example.org"));
    assert!(
        dir.path().join("core.sqlite").exists(),
        "the file's URL was used"
    );

    let output = Command::new(BIN)
        .args(["spaces", "list"])
        .env("DATABASE_URL", "sqlite::memory:")
        .env("DATABASE_URL_FILE", &url_file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("both DATABASE_URL and DATABASE_URL_FILE are set"),
        "{stderr}"
    );
}
