//! Part 2 over gRPC: the roles decided in the core, deletion leaving nothing
//! behind, spaces, and API keys stored only as hashes.

use flexiapi_proto::pb::{self, AccountState};
use sha2::{Digest, Sha256};
use tonic::Code;

use crate::helpers::{actor, spawn_app, Backend, DOMAIN};

core_service::on_every_backend!(
    deleting_an_account_leaves_nothing_of_it,
    the_default_space_is_super_and_every_domain_gets_one,
    the_core_decides_who_may_act,
    api_keys_are_stored_only_as_hashes,
);

async fn deleting_an_account_leaves_nothing_of_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app
        .create_account_in("admin001", "", "admin-pw", "SHA-256", true)
        .await;
    let alice = app.create_account("alice01", "alice-pw", "MD5").await;
    // A proxy's nonce, recorded at its first answer (the core's own are
    // signed, never stored).
    let client = crate::caller_nonces::register("alice-pw");
    let answer = crate::caller_nonces::sip_answer(&client, "proxy-nonce", 1);
    assert!(app.verify(answer).await.ok);
    app.devices
        .clone()
        .upsert_device(pb::UpsertDeviceRequest {
            username: "alice01".into(),
            uuid: "urn:uuid:1".into(),
            contact: "sip:alice01@10.0.0.2".into(),
            expires_seconds: 3600,
            ..Default::default()
        })
        .await
        .unwrap();
    app.api_keys()
        .create_api_key(pb::CreateApiKeyRequest {
            actor: actor(&alice),
            ..Default::default()
        })
        .await
        .unwrap();
    let owned = [
        "SELECT COUNT(*) FROM passwords WHERE account_id = $1",
        "SELECT COUNT(*) FROM devices WHERE account_id = $1",
        "SELECT COUNT(*) FROM api_keys WHERE account_id = $1",
    ];
    for sql in owned {
        assert_eq!(app.count(sql, alice.id).await, 1, "{sql}");
    }
    assert_eq!(app.nonces_of(alice.id).await, 1);

    app.accounts
        .clone()
        .delete_account(pb::DeleteAccountRequest {
            actor: actor(&admin),
            id: alice.id,
        })
        .await
        .unwrap();
    for sql in owned {
        assert_eq!(app.count(sql, alice.id).await, 0, "{sql}");
    }
    assert_eq!(app.nonces_of(alice.id).await, 0, "nonces go too");
    let remembered =
        "SELECT COUNT(*) FROM deleted_accounts WHERE username = 'alice01' AND $1 IS NOT NULL";
    assert_eq!(app.count(remembered, 0).await, 1);
    let status = app
        .accounts
        .clone()
        .create_account(pb::CreateAccountRequest {
            username: "alice01".into(),
            password: "alice-pw".into(),
            algorithm: "MD5".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists, "the name stays taken");
}

async fn the_default_space_is_super_and_every_domain_gets_one(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let spaces =
        "SELECT COUNT(*) FROM spaces WHERE domain = 'sip.example.org' AND super = TRUE AND $1 IS NOT NULL";
    assert_eq!(app.count(spaces, 0).await, 1, "created at start");
    let a = app
        .create_account_in("alice01", "b.example.org", "alice-pw", "MD5", false)
        .await;
    app.create_account_in("bobby001", "b.example.org", "bob-pw-1", "MD5", false)
        .await;
    let counted = "SELECT accounts_count FROM spaces WHERE domain = 'b.example.org' AND super = FALSE AND $1 IS NOT NULL";
    assert_eq!(app.count(counted, 0).await, 2, "kept by the insert trigger");
    let root = app
        .create_account_in("admin001", "", "admin-pw", "SHA-256", true)
        .await;
    assert!(
        root.super_admin,
        "an admin of the default space is a super admin"
    );
    app.accounts
        .clone()
        .delete_account(pb::DeleteAccountRequest {
            actor: actor(&root),
            id: a.id,
        })
        .await
        .unwrap();
    assert_eq!(app.count(counted, 0).await, 1, "and by the delete trigger");
    let b_admin = app
        .create_account_in("badmin01", "b.example.org", "admin-pw", "MD5", true)
        .await;
    assert!(!b_admin.super_admin);
}

async fn the_core_decides_who_may_act(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let user = app.create_account("alice01", "alice-pw", "MD5").await;
    let mut accounts = app.accounts.clone();
    let status = accounts
        .list_accounts(pb::ListAccountsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "an actor is required");
    let status = accounts
        .list_accounts(pb::ListAccountsRequest {
            actor: actor(&user),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    assert_eq!(status.message(), "Unauthorized area");
    let status = accounts
        .set_account_state(pb::SetAccountStateRequest {
            actor: actor(&user),
            id: user.id,
            state: AccountState::Block.into(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let status = accounts
        .list_accounts(pb::ListAccountsRequest {
            actor: Some(pb::Actor {
                account_id: 999_999,
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        Code::PermissionDenied,
        "an unknown actor may do nothing"
    );
    let own = accounts
        .get_account(pb::GetAccountRequest {
            lookup: None,
            actor: actor(&user),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        own.account.unwrap().id,
        user.id,
        "its own account, for anyone"
    );
    let status = accounts
        .get_account(pb::GetAccountRequest {
            lookup: Some(pb::get_account_request::Lookup::Id(user.id)),
            actor: actor(&user),
        })
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        Code::PermissionDenied,
        "a lookup is an admin's, even of itself"
    );
    let admin = app
        .create_account_in("admin001", "", "admin-pw", "SHA-256", true)
        .await;
    let status = accounts
        .get_account(pb::GetAccountRequest {
            lookup: Some(pb::get_account_request::Lookup::Id(admin.id)),
            actor: actor(&user),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let status = accounts
        .set_account_state(pb::SetAccountStateRequest {
            actor: actor(&admin),
            id: user.id,
            state: AccountState::Unspecified.into(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
}

async fn api_keys_are_stored_only_as_hashes(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let alice = app.create_account("alice01", "alice-pw", "MD5").await;
    let mut keys = app.api_keys();
    let created = keys
        .create_api_key(pb::CreateApiKeyRequest {
            owner: Some(pb::AccountAddress {
                username: "alice01".into(),
                domain: DOMAIN.into(),
            }),
            name: "flexisip-proxy".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.key.len(), 40);
    assert_eq!(
        created.info.as_ref().unwrap().idle_expiry_minutes,
        0,
        "never expires"
    );
    let fingerprint = hex::encode(Sha256::digest(created.key.as_bytes()));
    let stored = "SELECT COUNT(*) FROM api_keys WHERE account_id = $1 AND key_sha256 = '";
    assert_eq!(
        app.count(&format!("{stored}{fingerprint}'"), alice.id)
            .await,
        1
    );
    assert_eq!(
        app.count(&format!("{stored}{}'", created.key), alice.id)
            .await,
        0
    );
    let verified = keys
        .verify_api_key(pb::VerifyApiKeyRequest {
            key: created.key.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(verified.ok);
    assert_eq!(verified.account.unwrap().id, alice.id);
    let listed = keys
        .list_api_keys(pb::ListApiKeysRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.keys.len(), 1);
    assert_eq!(listed.keys[0].name, "flexisip-proxy");
    let duplicate = keys
        .create_api_key(pb::CreateApiKeyRequest {
            owner: Some(pb::AccountAddress {
                username: "alice01".into(),
                domain: DOMAIN.into(),
            }),
            name: "flexisip-proxy".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(duplicate.code(), Code::AlreadyExists);
    keys.revoke_api_key(pb::RevokeApiKeyRequest {
        owner: Some(pb::AccountAddress {
            username: "alice01".into(),
            domain: DOMAIN.into(),
        }),
        name: "flexisip-proxy".into(),
    })
    .await
    .unwrap();
    let verified = keys
        .verify_api_key(pb::VerifyApiKeyRequest {
            key: created.key,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!verified.ok, "revoked");
}
