//! API keys in memory (`rules/api_keys/cache.rs`): a key found once is
//! judged from memory while the account epoch is known current. Whatever
//! may refuse a key moves the epoch, by the API or by an operator's SQL
//! (moving a key's last use back included); recording a use does not, or
//! every busy key would empty the caches.

use flexiapi_proto::pb;

use crate::helpers::{spawn_app, Backend, TestApp, DOMAIN};

core_service::on_every_backend!(
    recording_a_use_moves_no_epoch_but_a_change_does,
    a_key_changed_by_sql_is_judged_anew,
);

const EPOCH: &str = "SELECT epoch FROM account_epoch WHERE id = $1";

async fn named_key(app: &TestApp, name: &str) -> String {
    app.api_keys()
        .create_api_key(pb::CreateApiKeyRequest {
            owner: Some(pb::AccountAddress {
                username: "alice01".into(),
                domain: DOMAIN.into(),
            }),
            name: name.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .key
}

async fn judged(app: &TestApp, key: &str) -> pb::VerifyApiKeyResponse {
    app.api_keys()
        .verify_api_key(pb::VerifyApiKeyRequest {
            key: key.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

/// The key is right and its owner may act.
async fn verified(app: &TestApp, key: &str) -> bool {
    let answer = judged(app, key).await;
    answer.ok && answer.forbidden.is_empty()
}

async fn recording_a_use_moves_no_epoch_but_a_change_does(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let alice = app.create_account("alice01", "alice-pw", "MD5").await;
    let key = named_key(&app, "proxy").await;
    let before = app.count(EPOCH, 1).await;
    // Moving its last use back may expire a key: that moves the epoch...
    let aged = "UPDATE api_keys SET last_used_at = 0 WHERE name = $1";
    app.execute(aged, &["proxy"]).await;
    let aged_at = app.count(EPOCH, 1).await;
    assert!(aged_at > before, "last use moved back");
    // ...and this check records a use, forward, which moves nothing.
    assert!(verified(&app, &key).await);
    let used = "SELECT COUNT(*) FROM api_keys WHERE account_id = $1 AND last_used_at > 0";
    assert_eq!(app.count(used, alice.id).await, 1, "the use is recorded");
    assert_eq!(app.count(EPOCH, 1).await, aged_at, "a use moves nothing");
    // A change of what a key may do moves it, as a revocation does.
    let rescoped = "UPDATE api_keys SET scope = 'external-auth' WHERE name = $1";
    app.execute(rescoped, &["proxy"]).await;
    let rescoped_at = app.count(EPOCH, 1).await;
    assert!(rescoped_at > aged_at, "scope");
    app.api_keys()
        .revoke_api_key(pb::RevokeApiKeyRequest {
            owner: Some(pb::AccountAddress {
                username: "alice01".into(),
                domain: DOMAIN.into(),
            }),
            name: "proxy".into(),
        })
        .await
        .unwrap();
    assert!(app.count(EPOCH, 1).await > rescoped_at, "revocation");
}

async fn a_key_changed_by_sql_is_judged_anew(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_account("alice01", "alice-pw", "MD5").await;
    let key = named_key(&app, "proxy").await;
    // Found once, then judged from memory.
    for _ in 0..3 {
        assert!(verified(&app, &key).await);
    }
    // An operator's SQL, seen by the next check (execute waits the fence).
    let rescoped = "UPDATE api_keys SET scope = 'external-auth' WHERE name = $1";
    app.execute(rescoped, &["proxy"]).await;
    assert!(!verified(&app, &key).await, "a key of another scope");
    app.execute("UPDATE api_keys SET scope = '' WHERE name = $1", &["proxy"])
        .await;
    assert!(verified(&app, &key).await, "back in scope");
    let block = "UPDATE accounts SET blocked = TRUE WHERE username = $1";
    app.execute(block, &["alice01"]).await;
    let answer = judged(&app, &key).await;
    assert_eq!(answer.forbidden, "Account blocked", "its owner blocked");
    let unblock = "UPDATE accounts SET blocked = FALSE WHERE username = $1";
    app.execute(unblock, &["alice01"]).await;
    assert!(verified(&app, &key).await, "unblocked");
    app.execute("DELETE FROM api_keys WHERE name = $1", &["proxy"])
        .await;
    assert!(!verified(&app, &key).await, "deleted");
}
