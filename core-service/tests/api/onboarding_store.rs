//! The onboarding store on each backend: a token is used once even by
//! racing callers, and the hourly sweep deletes only what can serve no
//! more and no limit looks back to.

use core_service::rules::onboarding::store::{
    CodeKind, NewCode, NewToken, OnboardingStore, Requester, TokenKind,
};

use core_service::testing::TestDatabase;

use crate::helpers::{spawn_app, Backend};

core_service::on_every_backend!(
    a_token_is_used_once_by_racing_callers,
    the_sweep_keeps_what_can_still_serve_or_count,
);

fn token<'a>(
    sha: &'a str,
    created_at: i64,
    expires_at: Option<i64>,
    requester: &'a Requester,
) -> NewToken<'a> {
    NewToken {
        kind: TokenKind::Creation,
        token_sha256: sha,
        created_at,
        expires_at,
        device: None,
        requester,
    }
}

async fn a_token_is_used_once_by_racing_callers(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let requester = Requester::default();
    let sha = "a".repeat(64);
    app.db
        .insert_token(token(&sha, 1_000, None, &requester))
        .await
        .unwrap();
    let id = app
        .db
        .token(TokenKind::Creation, &sha)
        .await
        .unwrap()
        .unwrap()
        .id;
    let racers: Vec<_> = (0..10)
        .map(|n| {
            let db = app.db.clone();
            tokio::spawn(async move { db.use_token(id, None, 2_000 + n).await.unwrap() })
        })
        .collect();
    let mut won = 0;
    for racer in racers {
        won += usize::from(racer.await.unwrap());
    }
    assert_eq!(won, 1);
    // A kind is part of the key: a creation token is no request token.
    assert!(app
        .db
        .token(TokenKind::Request, &sha)
        .await
        .unwrap()
        .is_none());
}

async fn the_sweep_keeps_what_can_still_serve_or_count(backend: Backend) {
    // A store alone, no running core: the core's own hourly sweep, run at
    // its start, would race this one over the same old rows.
    let Some(database) = TestDatabase::create(backend).await.unwrap() else {
        return;
    };
    let store = database.connect().await.unwrap();
    store.migrate().await.unwrap();
    let db = &store;
    let requester = Requester::default();
    let (now, horizon) = (1_000_000, 900_000);
    let sha = |c: char| c.to_string().repeat(64);
    // Old and used; old and expired; old but never expiring and unused;
    // used recently though made long ago.
    for (c, expires_at) in [('b', None), ('c', Some(500_000)), ('d', None), ('e', None)] {
        db.insert_token(token(&sha(c), 100_000, expires_at, &requester))
            .await
            .unwrap();
    }
    let id_of = async |c: char| {
        db.token(TokenKind::Creation, &sha(c))
            .await
            .unwrap()
            .map(|t| t.id)
    };
    db.use_token(id_of('b').await.unwrap(), None, 200_000)
        .await
        .unwrap();
    db.use_token(id_of('e').await.unwrap(), None, 950_000)
        .await
        .unwrap();
    let code = |salt: &'static str, created_at: i64| NewCode {
        kind: CodeKind::Email,
        account_id: None,
        recovery_sha256: None,
        destination: "a@example.org",
        salt,
        code_sha256: "f".repeat(64).leak(),
        created_at,
        expires_at: Some(created_at + 600),
        requester: &requester,
    };
    db.insert_code(code("old-code-salt-000000000000000000", 100_000))
        .await
        .unwrap();
    db.insert_code(code("new-code-salt-000000000000000000", 999_900))
        .await
        .unwrap();
    let purged = db.purge_onboarding(now, horizon).await.unwrap();
    assert_eq!(
        purged, 3,
        "the old used token, the old expired one, the old code"
    );
    assert_eq!(id_of('b').await, None);
    assert_eq!(id_of('c').await, None);
    assert!(
        id_of('d').await.is_some(),
        "an unused token that never expires stays"
    );
    assert!(
        id_of('e').await.is_some(),
        "used within the horizon: a limit may read it"
    );
    let tally = db.codes_to_since("a@example.org", 0).await.unwrap();
    assert_eq!(tally.count, 1);
}
