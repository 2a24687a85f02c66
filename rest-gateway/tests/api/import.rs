//! `core-service import flexiapi` from FlexiAPI 2026's sample database (a
//! MariaDB database of the test's own) into each backend: every account
//! then logs in over REST with its old password, Flexisip's query returns
//! the HA1s it did before, the imported key works, the deleted username
//! stays taken, a second run changes nothing and a dry run writes nothing.

use core_service::{
    adapters::SqlStore,
    import::{self, ImportFlexiapiArgs, Report, Target},
    rules::accounts::store::AccountStore as _,
    testing::{Backend, TestDatabase, TestSource},
};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{json, spawn_system, TestSystem, ADMIN};

core_service::on_every_backend!(
    flexiapi_2026_moves_in_with_every_credential,
    a_dry_run_writes_nothing,
    a_dry_run_into_a_database_without_tables_writes_nothing_there_either,
);

/// A sample account: username, domain, password, algorithms, realm.
pub type Sample = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
);
pub const ORG: &str = "sip.example.org";
pub const COM: &str = "sip.example.com";
pub const MD5: &[&str] = &["MD5"];
pub const SHA: &[&str] = &["SHA-256"];
pub const BOTH: &[&str] = &["MD5", "SHA-256"];

/// The 2026 sample accounts.
pub const ACCOUNTS_2026: [Sample; 8] = [
    ("admin", ORG, "Adm1n-Pass-2026", SHA, ORG),
    ("alice", ORG, "alice-secret-1", BOTH, ORG),
    ("bob", ORG, "bob-secret-2", SHA, ORG),
    ("carol", ORG, "carol-secret-3", SHA, ORG),
    ("dave", ORG, "dave-secret-4", SHA, ORG),
    ("erin", COM, "erin-secret-5", MD5, "example-realm"),
    ("frank", COM, "frank-secret-6", BOTH, "example-realm"),
    ("grace", COM, "grace-secret-7", SHA, "example-realm"),
];

/// The admin key of the 2026 sample (stored in clear there).
const ADMIN_KEY: &str = "yUmEtjigiFkQo5Ak4uTn7pE2xgcnZwWmPGviC3Gv";
/// Alice's user key, restricted to one IP address there.
const USER_KEY: &str = "j8fcAPpxTc113wtdI4IHVMWz9ZdjBj9D0af3msQZ";

pub fn args(source: &TestSource) -> ImportFlexiapiArgs {
    ImportFlexiapiArgs {
        from: source.url.clone(),
        dry_run: false,
        local_db: None,
        realms: Vec::new(),
        batch_size: 3, // several batches even for 8 accounts
    }
}

pub async fn run_import(system: &TestSystem, args: &ImportFlexiapiArgs) -> Report {
    let target = Target {
        database_url: &system.database.url,
        connections: 2,
        default_domain: &core_service::domain::Domain::parse("sip.example.org").unwrap(),
        user_key_minutes: 60,
    };
    import::flexiapi(target, args).await.unwrap()
}

/// Logs in with each algorithm over REST; the challenge names `realm`.
pub async fn logs_in(system: &TestSystem, account: Sample) -> StatusCode {
    let (username, domain, password, algorithms, realm) = account;
    let mut last = StatusCode::OK;
    for algorithm in algorithms {
        let mut client = system.client_in(username, domain, password);
        if client.fetch_challenge_status().await == StatusCode::NOT_FOUND {
            return StatusCode::NOT_FOUND;
        }
        client.fetch_challenge(algorithm).await;
        let challenge = client
            .challenge
            .as_ref()
            .unwrap_or_else(|| panic!("{username}@{domain} is challenged with {algorithm}"));
        assert_eq!(challenge.get("realm"), realm, "{username}@{domain}");
        last = client.get("/api/ping").await.status();
        if last != StatusCode::OK {
            return last;
        }
    }
    last
}

async fn flexiapi_2026_moves_in_with_every_credential(backend: Backend) {
    let Some(source) = TestSource::load("flexiapi-2026.sql").await.unwrap() else {
        return;
    };
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let report = run_import(&system, &args(&source)).await;
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    assert_eq!(
        (
            report.accounts_copied,
            report.keys_copied,
            report.deleted_copied
        ),
        (8, 1, 1)
    );
    assert_eq!(report.spaces_created + report.spaces_present, 2);
    // accounts.phone moves in, for the recovery by phone.
    assert_eq!(
        phone_of(&system, "alice", "sip.example.org")
            .await
            .as_deref(),
        Some("+33600000001")
    );
    assert_eq!(phone_of(&system, "bob", "sip.example.org").await, None);

    for account in ACCOUNTS_2026 {
        let (username, domain, ..) = account;
        let expected = match username {
            "carol" => StatusCode::FORBIDDEN, // blocked: SIP yes, the API no
            "dave" => StatusCode::NOT_FOUND,  // not activated
            _ => StatusCode::OK,
        };
        assert_eq!(
            logs_in(&system, account).await,
            expected,
            "{username}@{domain}"
        );
        let store = system.database.connect().await.unwrap();
        let ours = core_service::testing::flexisip_query(&store, username, domain)
            .await
            .unwrap();
        let before = source.flexisip_query(username, domain).await.unwrap();
        assert_eq!(sorted(ours), sorted(before), "{username}@{domain}");
        store.close().await;
    }
    // curl, as a user types it, in the space whose realm is not its domain.
    if crate::clients::available("curl", &["--version"]).await {
        let url = system.url("/api/ping");
        let answer = crate::clients::curl_digest(&url, "erin", "sip.example.com", "erin-secret-5");
        assert_eq!(answer.await, "pong 200");
    }
    // The admin key works as x-api-key; the IP-bound user key was left out.
    let me = system
        .with_key(ADMIN_KEY, Method::GET, "/api/accounts/me", None)
        .await;
    assert_eq!(json(me, StatusCode::OK).await["username"], "admin");
    let refused = system
        .with_key(USER_KEY, Method::GET, "/api/ping", None)
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    // The deleted username stays taken.
    let mut admin = system.client(ADMIN, crate::helpers::ADMIN_PASSWORD);
    let body = json!({"username": "mallory", "password": "mallory-pw", "algorithm": "SHA-256"});
    let answer = admin
        .json(
            Method::POST,
            "/api/accounts",
            Some(body),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(
        answer["errors"]["username"][0],
        "The username has already been taken."
    );

    // A second run changes nothing: not an account, a password or a key.
    let store = system.database.connect().await.unwrap();
    let epoch = store.account_epoch().await.unwrap();
    let again = run_import(&system, &args(&source)).await;
    assert_eq!(
        (
            again.accounts_copied,
            again.accounts_present,
            again.keys_copied,
            again.keys_present
        ),
        (0, 8, 0, 1)
    );
    assert_eq!((again.deleted_copied, again.deleted_present), (0, 1));
    assert_eq!(store.account_epoch().await.unwrap(), epoch);
    store.close().await;
}

fn sorted(mut rows: Vec<(String, String)>) -> Vec<(String, String)> {
    rows.sort();
    rows
}

async fn a_dry_run_writes_nothing(backend: Backend) {
    let Some(source) = TestSource::load("flexiapi-2026.sql").await.unwrap() else {
        return;
    };
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let store = system.database.connect().await.unwrap();
    let epoch = store.account_epoch().await.unwrap();
    let mut dry = args(&source);
    dry.dry_run = true;
    let report = run_import(&system, &dry).await;
    assert_eq!(
        (report.accounts_copied, report.deleted_copied),
        (8, 1),
        "what it would copy"
    );
    assert_eq!(store.account_epoch().await.unwrap(), epoch);
    let address = core_service::domain::Domain::parse("sip.example.org").unwrap();
    assert!(store
        .account_by_address("alice", &address)
        .await
        .unwrap()
        .is_none());
    let spaces = core_service::rules::spaces::store::SpaceStore::spaces(&store)
        .await
        .unwrap();
    assert_eq!(
        spaces.len(),
        1,
        "only the default domain's space: {spaces:?}"
    );
    assert_eq!(
        logs_in(&system, ACCOUNTS_2026[1]).await,
        StatusCode::NOT_FOUND
    );
    store.close().await;
}

/// Checking an import before creating its target is what a dry run is
/// for: a new database (SQLite: a file not made yet) is reported on as it
/// would be filled, and is left as it was, without tables or files.
async fn a_dry_run_into_a_database_without_tables_writes_nothing_there_either(backend: Backend) {
    let Some(source) = TestSource::load("flexiapi-2026.sql").await.unwrap() else {
        return;
    };
    let Some(database) = TestDatabase::create(backend).await.unwrap() else {
        return;
    };
    let mut dry = args(&source);
    dry.dry_run = true;
    let target = Target {
        database_url: &database.url,
        connections: 2,
        default_domain: &core_service::domain::Domain::parse(ORG).unwrap(),
        user_key_minutes: 60,
    };
    let report = import::flexiapi(target, &dry).await.unwrap();
    assert_eq!(
        (
            report.accounts_copied,
            report.keys_copied,
            report.deleted_copied
        ),
        (8, 1, 1),
        "what it would copy"
    );
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    assert!(
        report.notes.iter().any(|n| n.contains("no tables yet")),
        "the report says what it checked against: {:?}",
        report.notes
    );
    assert!(!SqlStore::has_tables(&database.url).await.unwrap());
    if backend == Backend::Sqlite {
        let file = database.url.trim_start_matches("sqlite://");
        let file = std::path::Path::new(file.split('?').next().unwrap());
        let left: Vec<_> = std::fs::read_dir(file.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "no file is made: {left:?}");
    }
}

/// The phone of an imported account.
pub async fn phone_of(
    system: &crate::helpers::TestSystem,
    username: &str,
    domain: &str,
) -> Option<String> {
    let store = system.database.connect().await.unwrap();
    let domain = core_service::domain::Domain::parse(domain).unwrap();
    let account = core_service::rules::accounts::store::AccountStore::account_by_address(
        &store, username, &domain,
    )
    .await
    .unwrap()
    .unwrap();
    store.close().await;
    account.phone
}
