use flexiapi_proto::pb::{self, get_account_request::Lookup};
use tonic::Code;
use tonic_types::StatusExt;

use crate::helpers::{spawn_app, Backend, DigestClient, DOMAIN};

core_service::on_every_backend!(
    created_account_is_found_by_id_and_address,
    duplicate_username_in_a_domain_is_already_exists,
    same_username_in_another_domain_is_fine,
    usernames_differing_only_in_case_are_two_accounts,
    invalid_fields_are_all_named,
    unknown_account_is_not_found,
);

fn violated_fields(status: &tonic::Status) -> Vec<String> {
    status
        .get_error_details()
        .bad_request()
        .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
        .unwrap_or_default()
}

async fn created_account_is_found_by_id_and_address(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let created = app.create_account("alice01", "secret-pw", "SHA-256").await;
    assert_eq!(created.username, "alice01");
    assert_eq!(created.domain, DOMAIN, "the default domain applies");
    assert!(created.activated);
    assert!(!created.admin);
    assert!(created.created_at.is_some());

    let mut client = app.accounts.clone();
    let by_id = client
        .get_account(pb::GetAccountRequest {
            lookup: Some(Lookup::Id(created.id)),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .account
        .unwrap();
    assert_eq!(by_id, created);
    let by_address = client
        .get_account(pb::GetAccountRequest {
            lookup: Some(Lookup::Address(pb::AccountAddress {
                username: "alice01".into(),
                domain: "SIP.Example.org".into(),
            })),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .account
        .unwrap();
    assert_eq!(by_address, created, "domains are case-insensitive");

    let admin = app
        .create_account_in("root-admin", "Other.Example.org", "secret-pw", "MD5", true)
        .await;
    assert!(admin.admin);
    assert_eq!(admin.domain, "other.example.org");
}

async fn duplicate_username_in_a_domain_is_already_exists(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_account("alice01", "secret-pw", "MD5").await;
    let status = app
        .accounts
        .clone()
        .create_account(pb::CreateAccountRequest {
            username: "alice01".into(),
            password: "another-pw".into(),
            algorithm: "SHA-256".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists);
    assert_eq!(violated_fields(&status), ["username"]);
}

async fn same_username_in_another_domain_is_fine(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let a = app.create_account("alice01", "secret-pw", "MD5").await;
    let b = app
        .create_account_in("alice01", "b.example.org", "secret-pw", "MD5", false)
        .await;
    assert_ne!(a.id, b.id);
}

async fn invalid_fields_are_all_named(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut client = app.accounts.clone();
    let status = client
        .create_account(pb::CreateAccountRequest {
            username: "bob".into(),
            domain: "not a domain".into(),
            password: "123".into(),
            algorithm: "SHA-1".into(),
            admin: false,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        violated_fields(&status),
        ["username", "password", "algorithm", "domain"]
    );
    assert!(
        status.message().contains("username:"),
        "{}",
        status.message()
    );

    for (username, password, algorithm, field) in [
        ("with space", "secret-pw", "MD5", "username"),
        ("", "secret-pw", "MD5", "username"),
        ("x".repeat(65).as_str(), "secret-pw", "MD5", "username"),
        ("alice01", "", "MD5", "password"),
        ("alice01", &"p".repeat(100_000), "MD5", "password"),
        ("alice01", "secret-pw", "", "algorithm"),
    ] {
        let status = client
            .create_account(pb::CreateAccountRequest {
                username: username.into(),
                password: password.into(),
                algorithm: algorithm.into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{field}");
        assert_eq!(violated_fields(&status), [field]);
    }
    // Nothing was stored by the refused requests.
    let status = client
        .get_account(pb::GetAccountRequest {
            lookup: Some(Lookup::Address(pb::AccountAddress {
                username: "alice01".into(),
                domain: String::new(),
            })),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
}

async fn unknown_account_is_not_found(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut client = app.accounts.clone();
    let status = client
        .get_account(pb::GetAccountRequest {
            lookup: Some(Lookup::Id(42)),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let status = client
        .get_account(pb::GetAccountRequest {
            lookup: None,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["lookup"]);
}

/// User parts are case-sensitive on every backend (MariaDB's default
/// collations would fold case): two accounts, each with its own password.
async fn usernames_differing_only_in_case_are_two_accounts(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let lower = app.create_account("alice01", "lower-pw", "MD5").await;
    let upper = app.create_account("Alice01", "upper-pw", "MD5").await;
    assert_ne!(lower.id, upper.id);
    for (username, password, id) in [
        ("alice01", "lower-pw", lower.id),
        ("Alice01", "upper-pw", upper.id),
    ] {
        let found = app.account_at(username).await;
        assert_eq!((found.id, found.username.as_str()), (id, username));
        let challenge = app.challenge(username).await.remove(0);
        let client = DigestClient::new(username, password);
        assert!(
            app.verify(client.answer(&challenge, 1)).await.ok,
            "{username}"
        );
        assert_eq!(app.flexisip_query(username, DOMAIN).await.len(), 1);
    }
    assert!(app.flexisip_query("ALICE01", DOMAIN).await.is_empty());
}
