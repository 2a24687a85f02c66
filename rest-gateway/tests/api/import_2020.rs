//! `core-service import flexiapi` from FlexiAPI's older schemas: 2020 (both
//! variants; clear-text passwords, `activated` as text, admins in a
//! separate SQLite file) and 1.x (the realm kept outside the database).

use core_service::testing::{Backend, TestSource};
use reqwest::{Method, StatusCode};

use crate::{
    digest_client::hash,
    helpers::{json, spawn_system},
    import::{args, logs_in, run_import, Sample, ACCOUNTS_2026, BOTH, COM, MD5, ORG, SHA},
};

core_service::on_every_backend!(
    flexiapi_2020_moves_in_with_clear_text_passwords_and_admins,
    flexiapi_2020_laravel_variant_moves_in,
    a_realm_kept_outside_the_database_is_given_per_domain,
);

/// The 2020 sample accounts (realm = domain): password, algorithms after
/// the import (a clear-text password becomes both).
const ACCOUNTS_2020: [Sample; 8] = [
    ("admin", ORG, "Adm1n-Pass-2020", BOTH, ORG),
    ("alice", ORG, "alice-secret-1", BOTH, ORG),
    ("bob", ORG, "bob-secret-2", SHA, ORG),
    ("carol", ORG, "carol-clear-3", BOTH, ORG),
    ("dave", ORG, "dave-secret-4", MD5, ORG),
    ("erin", COM, "erin-secret-5", MD5, COM),
    ("frank", COM, "frank-secret-6", BOTH, COM),
    ("grace", COM, "grace-clear-7", BOTH, COM),
];

/// FlexiAPI 2020's `local` SQLite file, holding the `admins` table.
fn local_db(dir: &std::path::Path) -> String {
    let path = dir.join("db.sqlite");
    let status = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); \
             c.execute('CREATE TABLE admins (id integer primary key autoincrement, \
             account_id integer not null, created_at datetime, updated_at datetime)'); \
             c.execute(\"INSERT INTO admins (account_id, created_at, updated_at) \
             VALUES (1, '2020-04-29 13:21:00', '2020-04-29 13:21:00')\"); c.commit()",
        )
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
    path.to_string_lossy().into_owned()
}

async fn check_2020_accounts(system: &crate::helpers::TestSystem, source: &TestSource) {
    // Each account's first alias (a phone number) is its phone now.
    for (username, domain, phone) in [
        ("alice", "sip.example.org", Some("+33600000001")),
        ("erin", "sip.example.com", Some("+33612345678")),
        ("bob", "sip.example.org", None),
    ] {
        let found = crate::import::phone_of(system, username, domain).await;
        assert_eq!(found.as_deref(), phone, "{username}@{domain}");
    }
    for account in ACCOUNTS_2020 {
        let (username, domain, password, ..) = account;
        let expected = if username == "dave" {
            StatusCode::NOT_FOUND // activated = '0'
        } else {
            StatusCode::OK
        };
        assert_eq!(
            logs_in(system, account).await,
            expected,
            "{username}@{domain}"
        );
        let store = system.database.connect().await.unwrap();
        let mut ours = core_service::testing::flexisip_query(&store, username, domain)
            .await
            .unwrap();
        ours.sort();
        store.close().await;
        let before = source.flexisip_query(username, domain).await.unwrap();
        let clear = before.iter().any(|(_, a)| a.eq_ignore_ascii_case("CLRTXT"));
        let mut expected = if clear {
            // What Flexisip computed from the clear text, now stored.
            let text = format!("{username}:{domain}:{password}");
            vec![
                (hash("MD5", &text), "MD5".to_owned()),
                (hash("SHA-256", &text), "SHA-256".to_owned()),
            ]
        } else {
            before
        };
        expected.sort();
        assert_eq!(ours, expected, "{username}@{domain}");
    }
}

async fn flexiapi_2020_moves_in_with_clear_text_passwords_and_admins(backend: Backend) {
    let Some(source) = TestSource::load("flexiapi-2020.sql").await.unwrap() else {
        return;
    };
    // As in 2020: the admins live in FlexiAPI's SQLite file, not here.
    source.execute("DROP TABLE admins").await.unwrap();
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut with_admins = args(&source);
    with_admins.local_db = Some(local_db(dir.path()));
    let report = run_import(&system, &with_admins).await;
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    assert_eq!((report.accounts_copied, report.from_clear_text), (8, 2));
    check_2020_accounts(&system, &source).await;
    // The 2020 admin administers its domain.
    let mut admin = system.client("admin", "Adm1n-Pass-2020");
    let page = admin
        .json(Method::GET, "/api/accounts", None, StatusCode::OK)
        .await;
    assert!(page["total"].as_i64().unwrap() >= 5, "{page}");
    let again = run_import(&system, &with_admins).await;
    assert_eq!((again.accounts_copied, again.accounts_present), (0, 8));
}

async fn flexiapi_2020_laravel_variant_moves_in(backend: Backend) {
    let Some(source) = TestSource::load("flexiapi-2020-laravel.sql").await.unwrap() else {
        return;
    };
    source.execute("DROP TABLE admins").await.unwrap();
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let report = run_import(&system, &args(&source)).await;
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    assert_eq!(report.accounts_copied, 8);
    assert!(
        report.notes.iter().any(|n| n.contains("--local-db")),
        "without the SQLite file, the operator is told where the admins were: {:?}",
        report.notes
    );
    check_2020_accounts(&system, &source).await;
    let mut admin = system.client("admin", "Adm1n-Pass-2020");
    let listed = admin.send(Method::GET, "/api/accounts", None).await;
    assert_eq!(
        listed.status(),
        StatusCode::FORBIDDEN,
        "not an admin without its row"
    );
}

async fn a_realm_kept_outside_the_database_is_given_per_domain(backend: Backend) {
    let Some(source) = TestSource::load("flexiapi-2026.sql").await.unwrap() else {
        return;
    };
    // FlexiAPI 1.x kept the realm in its .env (ACCOUNT_REALM), not here.
    source
        .execute("DROP TABLE space_digest_authentication_configurations")
        .await
        .unwrap();
    let erin = ACCOUNTS_2026[5];
    let Some(without) = spawn_system(backend).await else {
        return;
    };
    run_import(&without, &args(&source)).await;
    let (username, domain, password, ..) = erin;
    let realm_is_domain = (username, domain, password, erin.3, domain);
    assert_eq!(
        logs_in(&without, realm_is_domain).await,
        StatusCode::UNAUTHORIZED,
        "its HA1 binds example-realm, which the database does not say"
    );
    let Some(with) = spawn_system(backend).await else {
        return;
    };
    let mut given = args(&source);
    given.realms = vec!["sip.example.com=example-realm".into()];
    let report = run_import(&with, &given).await;
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    for account in &ACCOUNTS_2026[5..] {
        assert_eq!(
            logs_in(&with, *account).await,
            StatusCode::OK,
            "{account:?}"
        );
    }
    let key = with.named_key(crate::helpers::ADMIN, "spaces-check").await;
    let spaces = with.with_key(&key, Method::GET, "/api/spaces", None).await;
    let spaces = json(spaces, StatusCode::OK).await;
    assert!(spaces.to_string().contains("example-realm"), "{spaces}");
}
