//! The web panel's sessions over gRPC (contract panel.md "Sessions"): a
//! login judged as a Digest answer, a token stored only as its hash, and
//! every way a session ends.

use flexiapi_proto::pb::{self, session_service_client::SessionServiceClient, AccountState};
use tonic::{transport::Channel, Code};

use crate::{
    digest_client::{hash, DigestClient},
    helpers::{actor, spawn_app, Backend, TestApp},
};

core_service::on_every_backend!(
    a_login_opens_a_session_only_its_token_opens,
    a_wrong_password_opens_nothing_and_counts_as_a_guess,
    a_session_ends_with_its_account,
    a_session_ends_when_idle_or_old,
);

fn sessions(app: &TestApp) -> SessionServiceClient<Channel> {
    SessionServiceClient::new(app.channel())
}

/// The login a gateway would send for `password`: a Digest answer to the
/// account's first challenge, for `POST /login`.
async fn login(app: &TestApp, username: &str, password: &str) -> pb::OpenSessionResponse {
    let challenge = app.challenge(username).await.remove(0);
    let client = DigestClient {
        method: "POST",
        uri: "/login",
        ..DigestClient::new(username, password)
    };
    sessions(app)
        .open_session(pb::OpenSessionRequest {
            login: Some(client.answer(&challenge, 1)),
            user_agent: "Mozilla/5.0 (X11; Linux x86_64) Chromium".into(),
        })
        .await
        .unwrap()
        .into_inner()
}

async fn get(app: &TestApp, token: &str) -> Result<pb::GetSessionResponse, tonic::Status> {
    sessions(app)
        .get_session(pb::GetSessionRequest {
            token: token.into(),
        })
        .await
        .map(tonic::Response::into_inner)
}

async fn a_login_opens_a_session_only_its_token_opens(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let alice = app.create_account("alice01", "alice-pw", "MD5").await;
    let opened = login(&app, "alice01", "alice-pw").await;
    let verdict = opened.verdict.clone().unwrap();
    assert!(verdict.ok, "{verdict:?}");
    assert_eq!(verdict.account.unwrap().id, alice.id);
    for token in [&opened.token, &opened.csrf_token] {
        assert_eq!(token.len(), 43, "{token}");
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }
    assert_ne!(opened.token, opened.csrf_token);
    let max = opened.expires_at.unwrap().seconds - core_service::grpc::unix_now();
    assert!((12 * 3600 - 5..=12 * 3600).contains(&max), "{max}");

    let current = get(&app, &opened.token).await.unwrap();
    assert_eq!(current.account.unwrap().id, alice.id);
    assert_eq!(current.csrf_token, opened.csrf_token);

    // Only the token's SHA-256 is stored; a second login is another session.
    let stored = "SELECT COUNT(*) FROM panel_sessions WHERE account_id = $1";
    assert_eq!(app.count(stored, alice.id).await, 1);
    let by_hash = format!(
        "SELECT COUNT(*) FROM panel_sessions WHERE token_sha256 = '{}' AND account_id = $1",
        hash("SHA-256", &opened.token)
    );
    assert_eq!(app.count(&by_hash, alice.id).await, 1);
    let in_clear = format!(
        "SELECT COUNT(*) FROM panel_sessions WHERE token_sha256 = '{}' AND account_id = $1",
        opened.token
    );
    assert_eq!(app.count(&in_clear, alice.id).await, 0);
    let again = login(&app, "alice01", "alice-pw").await;
    assert_ne!(again.token, opened.token, "a login never reuses a token");
    assert_eq!(app.count(stored, alice.id).await, 2);

    // Another token, a malformed one, the CSRF token: no session.
    let mut forged = opened.token.clone();
    forged.replace_range(0..1, if forged.starts_with('A') { "B" } else { "A" });
    let accented = "é".repeat(43);
    for token in [
        forged.as_str(),
        "",
        "short",
        opened.csrf_token.as_str(),
        accented.as_str(),
    ] {
        let status = get(&app, token).await.unwrap_err();
        assert_eq!(status.code(), Code::NotFound, "{token}");
        assert_eq!(status.message(), "Session not found");
    }

    // Logout: the token is dead, the other session lives; closing twice is fine.
    for _ in 0..2 {
        sessions(&app)
            .close_session(pb::CloseSessionRequest {
                token: opened.token.clone(),
            })
            .await
            .unwrap();
    }
    assert_eq!(
        get(&app, &opened.token).await.unwrap_err().code(),
        Code::NotFound
    );
    assert!(get(&app, &again.token).await.is_ok());
}

async fn a_wrong_password_opens_nothing_and_counts_as_a_guess(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let bob = app.create_account("bobby01", "bob-pw", "SHA-256").await;
    for _ in 0..5 {
        let opened = login(&app, "bobby01", "wrong-pw").await;
        let verdict = opened.verdict.unwrap();
        assert!(!verdict.ok);
        assert_eq!(verdict.outcome(), pb::VerifyOutcome::Unauthorized);
        assert!(opened.token.is_empty() && opened.csrf_token.is_empty());
        assert!(verdict.account.is_none());
    }
    // The guessing limit is VerifyDigest's: the right password is refused now.
    let opened = login(&app, "bobby01", "bob-pw").await;
    assert_eq!(
        opened.verdict.unwrap().outcome(),
        pb::VerifyOutcome::Throttled
    );
    assert!(opened.token.is_empty());
    let stored = "SELECT COUNT(*) FROM panel_sessions WHERE account_id = $1";
    assert_eq!(app.count(stored, bob.id).await, 0);

    // A blocked account proves its password but gets no session.
    let carol = app.create_account("carol01", "carol-pw", "MD5").await;
    let admin = app
        .create_account_in("admin001", "", "admin-pw", "SHA-256", true)
        .await;
    set_state(&app, &admin, carol.id, AccountState::Block).await;
    let opened = login(&app, "carol01", "carol-pw").await;
    let verdict = opened.verdict.unwrap();
    assert!(verdict.ok);
    assert_eq!(verdict.forbidden, "Account blocked");
    assert!(opened.token.is_empty());
    assert_eq!(app.count(stored, carol.id).await, 0);
}

async fn set_state(app: &TestApp, admin: &pb::Account, id: i64, state: AccountState) {
    app.accounts
        .clone()
        .set_account_state(pb::SetAccountStateRequest {
            actor: actor(admin),
            id,
            state: state.into(),
        })
        .await
        .unwrap();
}

async fn a_session_ends_with_its_account(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app
        .create_account_in("admin001", "", "admin-pw", "SHA-256", true)
        .await;
    let dave = app.create_account("dave01", "dave-pw", "MD5").await;

    // Blocked: the next use says so, once; unblocking revives nothing.
    let token = login(&app, "dave01", "dave-pw").await.token;
    set_state(&app, &admin, dave.id, AccountState::Block).await;
    let status = get(&app, &token).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    assert_eq!(status.message(), "Account blocked");
    set_state(&app, &admin, dave.id, AccountState::Unblock).await;
    assert_eq!(get(&app, &token).await.unwrap_err().code(), Code::NotFound);

    // Deactivated.
    let token = login(&app, "dave01", "dave-pw").await.token;
    set_state(&app, &admin, dave.id, AccountState::Deactivate).await;
    assert_eq!(get(&app, &token).await.unwrap_err().code(), Code::NotFound);
    set_state(&app, &admin, dave.id, AccountState::Activate).await;
    assert_eq!(get(&app, &token).await.unwrap_err().code(), Code::NotFound);

    // A password change ends every session of the account, not others'.
    let first = login(&app, "dave01", "dave-pw").await.token;
    let second = login(&app, "dave01", "dave-pw").await.token;
    let admins = login(&app, "admin001", "admin-pw").await.token;
    app.accounts
        .clone()
        .change_password(pb::ChangePasswordRequest {
            actor: actor(&dave),
            old_password: "dave-pw".into(),
            password: "dave-new-pw".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    for token in [&first, &second] {
        assert_eq!(get(&app, token).await.unwrap_err().code(), Code::NotFound);
    }
    assert!(get(&app, &admins).await.is_ok());

    // Changed from a panel session: that one stays, the others end.
    let current = login(&app, "dave01", "dave-new-pw").await.token;
    let other = login(&app, "dave01", "dave-new-pw").await.token;
    app.accounts
        .clone()
        .change_password(pb::ChangePasswordRequest {
            actor: actor(&dave),
            old_password: "dave-new-pw".into(),
            password: "dave-newer-pw".into(),
            session_token: current.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        get(&app, &current).await.is_ok(),
        "the changing session stays"
    );
    assert_eq!(get(&app, &other).await.unwrap_err().code(), Code::NotFound);

    // Blocked behind the core's back (an operator's SQL): caught at the next use.
    let token = login(&app, "dave01", "dave-newer-pw").await.token;
    app.execute(
        "UPDATE accounts SET blocked = TRUE WHERE username = $1",
        &["dave01"],
    )
    .await;
    let status = get(&app, &token).await.unwrap_err();
    assert_eq!(status.message(), "Account blocked");
    app.execute(
        "UPDATE accounts SET blocked = FALSE WHERE username = $1",
        &["dave01"],
    )
    .await;

    // Deleted: its sessions go with it.
    let token = login(&app, "dave01", "dave-newer-pw").await.token;
    app.accounts
        .clone()
        .delete_account(pb::DeleteAccountRequest {
            actor: actor(&admin),
            id: dave.id,
        })
        .await
        .unwrap();
    assert_eq!(get(&app, &token).await.unwrap_err().code(), Code::NotFound);
    let stored = "SELECT COUNT(*) FROM panel_sessions WHERE account_id = $1";
    assert_eq!(app.count(stored, dave.id).await, 0);
}

async fn a_session_ends_when_idle_or_old(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let erin = app.create_account("erin01", "erin-pw", "MD5").await;
    let now = core_service::grpc::unix_now();

    // Used 29 minutes ago: alive, and its use recorded again.
    let token = login(&app, "erin01", "erin-pw").await.token;
    let hashed = hash("SHA-256", &token);
    let set = |column: &str, seconds_ago: i64| {
        format!(
            "UPDATE panel_sessions SET {column} = {} WHERE token_sha256 = $1",
            now - seconds_ago
        )
    };
    app.execute_now(&set("last_used_at", 29 * 60), &[&hashed])
        .await;
    assert!(get(&app, &token).await.is_ok());
    let used = format!(
        "SELECT COUNT(*) FROM panel_sessions WHERE last_used_at >= {now} AND account_id = $1"
    );
    assert_eq!(app.count(&used, erin.id).await, 1, "the use is recorded");

    // Unused for 31 minutes: gone, and deleted.
    app.execute_now(&set("last_used_at", 31 * 60), &[&hashed])
        .await;
    assert_eq!(get(&app, &token).await.unwrap_err().code(), Code::NotFound);
    let stored = "SELECT COUNT(*) FROM panel_sessions WHERE account_id = $1";
    assert_eq!(app.count(stored, erin.id).await, 0);

    // Opened 12 hours and a minute ago, used a second ago: gone too.
    let token = login(&app, "erin01", "erin-pw").await.token;
    let hashed = hash("SHA-256", &token);
    app.execute_now(&set("created_at", 12 * 3600 + 60), &[&hashed])
        .await;
    assert_eq!(get(&app, &token).await.unwrap_err().code(), Code::NotFound);
}
