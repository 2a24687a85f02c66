//! `core-service import flexiapi` as an operator runs it: the exit status,
//! the report, a SQLite FlexiAPI database, a source only ever read.

use std::process::Command;

use core_service::testing::{TestSource, FIXTURES};

const BIN: &str = env!("CARGO_BIN_EXE_core-service");

fn import(target_url: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(BIN)
        .args(["import", "flexiapi"])
        .args(args)
        .env("DATABASE_URL", target_url)
        .env("FLEXIAPI_SIP_DOMAIN", "sip.example.org")
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn target() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("t.sqlite").display()
    );
    (dir, url)
}

#[tokio::test]
async fn a_row_it_cannot_take_is_named_and_the_others_are_copied() {
    let Some(source) = TestSource::load("flexiapi-2026.sql").await.unwrap() else {
        return;
    };
    source
        .execute("UPDATE passwords SET algorithm = 'SHA-512' WHERE account_id = 3")
        .await
        .unwrap();
    let (_dir, url) = target();
    let (code, stdout, stderr) = import(&url, &["--from", &source.url]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("the first: account 3 (bob@sip.example.org)") && stderr.contains("SHA-512"),
        "{stderr}"
    );
    assert!(
        stdout.contains("copied 7") && stdout.contains("1 refused"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("alice-secret") && !stderr.contains("yUmEtji"),
        "no secret shown"
    );
    // Fixed at the source, a second run takes the row and leaves the rest.
    source
        .execute("UPDATE passwords SET algorithm = 'SHA-256' WHERE account_id = 3")
        .await
        .unwrap();
    let (code, stdout, _) = import(&url, &["--from", &source.url]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("copied 1, 7 already here"), "{stdout}");
}

/// A FlexiAPI 2020 database in SQLite, with the fixture's own rows.
fn sqlite_source(dir: &std::path::Path) -> std::path::PathBuf {
    let fixture = std::fs::read_to_string(format!("{FIXTURES}/flexiapi-2020.sql")).unwrap();
    let rows: Vec<&str> = fixture
        .lines()
        .filter(|l| l.starts_with("INSERT INTO accounts") || l.starts_with("INSERT INTO passwords"))
        .map(|l| l.split("  --").next().unwrap())
        .collect();
    let script = format!(
        "CREATE TABLE accounts (id integer primary key autoincrement, username varchar not null, \
         domain varchar not null, email varchar, activated varchar not null default '0', \
         confirmation_key varchar, ip_address varchar not null, user_agent varchar not null, \
         creation_time datetime not null, expire_time datetime);\n\
         CREATE TABLE passwords (id integer primary key autoincrement, account_id integer not null, \
         password varchar not null, algorithm varchar not null default 'MD5');\n{}",
        rows.join("\n")
    );
    let path = dir.join("flexiapi.sqlite");
    let status = Command::new("python3")
        .args(["-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.stdin.read()); c.commit()"])
        .arg(&path)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child.stdin.take().unwrap().write_all(script.as_bytes())?;
            child.wait()
        })
        .unwrap();
    assert!(status.success());
    path
}

#[tokio::test]
async fn a_sqlite_flexiapi_database_is_read_and_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let source = sqlite_source(dir.path());
    let before = std::fs::read(&source).unwrap();
    let (_target_dir, url) = target();
    let (code, stdout, stderr) = import(&url, &["--from", source.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("FlexiAPI 2020-1.3"), "{stdout}");
    assert!(
        stdout.contains("copied 8") && stdout.contains("2 clear-text"),
        "{stdout}"
    );
    assert!(
        stderr.contains("--local-db"),
        "the admins' file is asked for: {stderr}"
    );
    assert_eq!(
        std::fs::read(&source).unwrap(),
        before,
        "the source is unchanged"
    );
    let store = core_service::adapters::SqlStore::connect(&url)
        .await
        .unwrap();
    let carol = core_service::testing::flexisip_query(&store, "carol", "sip.example.org")
        .await
        .unwrap();
    let algorithms: Vec<&str> = carol.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(
        algorithms.len(),
        2,
        "MD5 and SHA-256 from the clear text: {carol:?}"
    );
    assert!(carol.iter().all(|(ha1, _)| ha1 != "carol-clear-3"));
    store.close().await;
}

#[test]
fn a_dry_run_into_a_sqlite_file_not_made_yet_reports_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let source = sqlite_source(dir.path());
    let (target_dir, url) = target();
    let (code, stdout, stderr) = import(&url, &["--from", source.to_str().unwrap(), "--dry-run"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("would copy 8"), "{stdout}");
    assert!(stderr.contains("no tables yet"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(target_dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.is_empty(),
        "neither the file nor its -nonces: {left:?}"
    );
}

#[test]
fn bad_sources_and_realms_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let source = sqlite_source(dir.path());
    let (_target_dir, url) = target();
    let (code, _, stderr) = import(&url, &["--from", "/nowhere/flexiapi.sqlite"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("no FlexiAPI database at"), "{stderr}");
    let (code, _, stderr) = import(
        &url,
        &["--from", source.to_str().unwrap(), "--realm", "nodomain"],
    );
    assert_eq!(code, Some(1));
    assert!(stderr.contains("DOMAIN=REALM"), "{stderr}");
}
