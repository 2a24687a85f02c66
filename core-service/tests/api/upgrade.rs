//! A database made before part 2 (migrations 0001-0003, with accounts in it)
//! keeps working once the core that brings 0004 starts on it.

use std::path::Path;

use flexiapi_proto::pb;
use sqlx::migrate::Migrator;

use crate::helpers::{spawn_on, AppOptions, Backend, DigestClient, TestDatabase, DOMAIN};

// SQLite and PostgreSQL only: MariaDB support began with the current schema,
// so no older MariaDB database exists.
mod an_older_database_keeps_its_accounts_and_gains_spaces {
    use super::Backend;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::an_older_database_keeps_its_accounts_and_gains_spaces(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::an_older_database_keeps_its_accounts_and_gains_spaces(Backend::Postgres).await
    }
}

/// The migrations of `backend` up to `last`, as an older core had them.
async fn older_migrator(backend: Backend, last: i64) -> (tempfile::TempDir, Migrator) {
    let folder = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
        Backend::Mysql => unreachable!("no MariaDB database predates the current schema"),
    };
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(folder);
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let version: i64 = name.split('_').next().unwrap().parse().unwrap();
        if version <= last {
            std::fs::copy(&path, dir.path().join(&name)).unwrap();
        }
    }
    let migrator = Migrator::new(dir.path()).await.unwrap();
    (dir, migrator)
}

async fn an_older_database_keeps_its_accounts_and_gains_spaces(backend: Backend) {
    let Some(database) = TestDatabase::create(backend).await.unwrap() else {
        return;
    };
    let (_dir, older) = older_migrator(backend, 3).await;
    let md5 = crate::helpers::hash("MD5", &format!("legacy01:{DOMAIN}:legacy-pw"));
    let statements = [
        "INSERT INTO accounts (username, domain, activated, admin, created_at, updated_at) \
         VALUES ('legacy01', 'sip.example.org', TRUE, TRUE, 1, 1), \
         ('other001', 'b.example.org', TRUE, FALSE, 1, 1)"
            .to_owned(),
        format!(
            "INSERT INTO passwords (account_id, password, algorithm) \
             SELECT id, '{md5}', 'MD5' FROM accounts WHERE username = 'legacy01'"
        ),
    ];
    match database.connect().await.unwrap() {
        core_service::adapters::SqlStore::Sqlite { write, .. } => {
            older.run(&write).await.unwrap();
            for sql in &statements {
                sqlx::query(sql).execute(&write).await.unwrap();
            }
        }
        core_service::adapters::SqlStore::Postgres { pool, .. } => {
            older.run(&pool).await.unwrap();
            for sql in &statements {
                sqlx::query(sql).execute(&pool).await.unwrap();
            }
        }
        core_service::adapters::SqlStore::Mysql { .. } => {
            unreachable!("SQLite and PostgreSQL only")
        }
    }

    let app = spawn_on(database, AppOptions::default()).await;
    let challenges = app.challenge("legacy01").await;
    let answer = DigestClient::new("legacy01", "legacy-pw").answer(&challenges[0], 1);
    assert!(app.verify(answer).await.ok, "its old password still works");
    let admin = app.account_at("legacy01").await;
    assert!(admin.super_admin, "the default domain's space is super");
    assert!(admin.email.is_none() && admin.dictionary.is_empty() && !admin.blocked);
    let page = app
        .accounts
        .clone()
        .list_accounts(pb::ListAccountsRequest {
            actor: Some(pb::Actor {
                account_id: admin.id,
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        page.total, 2,
        "the backfilled spaces count the older accounts"
    );
    let counted = "SELECT accounts_count FROM spaces WHERE domain = 'b.example.org' AND super = FALSE AND $1 IS NOT NULL";
    assert_eq!(app.count(counted, 0).await, 1);
}
