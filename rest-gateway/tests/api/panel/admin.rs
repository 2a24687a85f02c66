//! The admin pages: the accounts in reach, searched and paged; an account's
//! page and its state changes, refused where the core refuses them over REST.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode};

use super::{alice, Browser};
use crate::helpers::{spawn_system, ADMIN, ADMIN_PASSWORD, DOMAIN};

core_service::on_every_backend!(
    an_admin_manages_accounts_from_the_panel,
    an_admin_creates_and_deletes_an_account,
);

async fn an_admin_manages_accounts_from_the_panel(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    alice(&system).await;
    let mut ids = Vec::new();
    for n in 1..=24 {
        let username = format!("user{n:03}");
        let account = system
            .grpc_create_account(&username, "user-password", "MD5", false)
            .await;
        ids.push(account.id);
    }
    let mut admin = Browser::new(&system);
    let home = admin.log_in(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(home.location(), "/");
    let landing = admin.send(Method::GET, "/", None).await;
    assert_eq!(landing.location(), "/admin/accounts", "an admin's home");

    // 26 accounts (the admin, alice, 24 users): 20 on the first page.
    let first = admin.send(Method::GET, "/admin/accounts", None).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(
        first.body.matches(r#"data-testid="account-row""#).count(),
        20
    );
    assert!(first
        .body
        .contains(r#"data-testid="accounts-total">26 accounts<"#));
    assert!(first.body.contains(r#"data-testid="page-next""#));
    assert!(!first.body.contains(r#"data-testid="page-prev""#));
    let second = admin
        .send(Method::GET, "/admin/accounts?search=&page=2", None)
        .await;
    assert_eq!(
        second.body.matches(r#"data-testid="account-row""#).count(),
        6
    );
    assert!(second.body.contains(r#"data-testid="page-prev""#));
    let found = admin
        .send(Method::GET, "/admin/accounts?search=user01", None)
        .await;
    assert_eq!(
        found.body.matches(r#"data-testid="account-row""#).count(),
        10
    );
    assert!(found.body.contains(&format!("sip:user010@{DOMAIN}")));
    assert!(!found.body.contains(&format!("sip:user001@{DOMAIN}")));
    let none = admin
        .send(Method::GET, "/admin/accounts?search=nobody", None)
        .await;
    assert!(none.body.contains(r#"data-testid="accounts-empty""#));

    // Block user001 from its page: its Digest is refused over REST at once.
    let id = ids[0];
    let page = admin
        .send(Method::GET, &format!("/admin/accounts/{id}"), None)
        .await;
    assert!(page.body.contains(&format!(
        r#"data-testid="sip-address">sip:user001@{DOMAIN}<"#
    )));
    assert!(page.body.contains(r#"data-testid="action-block""#));
    let csrf = page.csrf();
    let block = format!("/admin/accounts/{id}/block");
    let refused = admin
        .send(Method::POST, &block, Some(&[("_csrf", "x")]))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let mut user = system.client("user001", "user-password");
    assert_eq!(user.get("/api/ping").await.status(), StatusCode::OK);
    let blocked = admin
        .send(Method::POST, &block, Some(&[("_csrf", csrf.as_str())]))
        .await;
    assert_eq!(
        blocked.location(),
        format!("/admin/accounts/{id}?done=block")
    );
    let after = admin.send(Method::GET, blocked.location(), None).await;
    assert!(after
        .body
        .contains(r#"data-testid="flash" class="flash">Account blocked<"#));
    assert!(after.body.contains("Blocked"));
    assert!(after.body.contains(r#"data-testid="action-unblock""#));
    assert_eq!(user.get("/api/ping").await.status(), StatusCode::FORBIDDEN);
    let unblock = format!("/admin/accounts/{id}/unblock");
    admin
        .send(Method::POST, &unblock, Some(&[("_csrf", csrf.as_str())]))
        .await;
    assert_eq!(user.get("/api/ping").await.status(), StatusCode::OK);

    // Its own account: no such buttons, and the core refuses the POST.
    let me = admin.send(Method::GET, "/dashboard", None).await;
    assert_eq!(me.status, StatusCode::OK);
    let first_id = first
        .body
        .split(r#"data-testid="account-row"><a href="/admin/accounts/"#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let own_page = admin
        .send(Method::GET, &format!("/admin/accounts/{first_id}"), None)
        .await;
    assert!(own_page.body.contains(&format!("sip:{ADMIN}@{DOMAIN}")));
    assert!(!own_page.body.contains(r#"data-testid="action-block""#));
    let refused = admin
        .send(
            Method::POST,
            &format!("/admin/accounts/{first_id}/block"),
            Some(&[("_csrf", csrf.as_str())]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused
        .body
        .contains("An admin cannot do this to its own account"));

    // An unknown account, and a user on the admin pages.
    let missing = admin
        .send(Method::GET, "/admin/accounts/999999", None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Account not found"));
    let mut alice = Browser::new(&system);
    alice.log_in("alice01", "alice-pw").await;
    for path in ["/admin/accounts", &format!("/admin/accounts/{id}")] {
        let page = alice.send(Method::GET, path, None).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.body.contains("Unauthorized area"), "{}", page.body);
    }
    let still = alice.send(Method::GET, "/dashboard", None).await;
    assert_eq!(still.status, StatusCode::OK, "the session stays");
}

async fn an_admin_creates_and_deletes_an_account(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let mut admin = Browser::new(&system);
    admin.log_in(ADMIN, ADMIN_PASSWORD).await;
    let list = admin.send(Method::GET, "/admin/accounts", None).await;
    assert!(list
        .body
        .contains(r#"href="/admin/accounts/create" data-testid="account-create""#));
    let form = admin
        .send(Method::GET, "/admin/accounts/create", None)
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(r#"data-testid="account-form""#));
    // A super admin picks a space, its own preselected; SHA-256 preselected.
    assert!(form
        .body
        .contains(&format!(r#"<option value="{DOMAIN}" selected>"#)));
    assert!(form.body.contains(r#"<option value="SHA-256" selected>"#));
    let csrf = form.csrf();
    let fields = |username: &'static str| {
        vec![
            ("username", username),
            ("domain", DOMAIN),
            ("password", "frank-pw-2026"),
            ("algorithm", "MD5"),
            ("email", "frank@example.org"),
            ("display_name", "Frank Zappa"),
            ("activated", "on"),
        ]
    };

    // The core's refusal, beside its field; the password never echoed.
    let mut short = fields("ab");
    short.push(("_csrf", &csrf));
    let refused = admin
        .send(Method::POST, "/admin/accounts/create", Some(&short))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains(r#"data-testid="error-username""#),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains(r#"value="Frank Zappa""#),
        "what was typed stays"
    );
    assert!(!refused.body.contains("frank-pw-2026"));

    // Created: its page, and its password works over REST.
    let mut good = fields("frank01");
    good.push(("_csrf", &csrf));
    let created = admin
        .send(Method::POST, "/admin/accounts/create", Some(&good))
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let location = created.location().to_owned();
    assert!(location.ends_with("?done=created"), "{location}");
    let page = admin.send(Method::GET, &location, None).await;
    assert!(page.body.contains("Account created"));
    assert!(page
        .body
        .contains(r#"data-testid="display-name">Frank Zappa<"#));
    let mut frank = system.client("frank01", "frank-pw-2026");
    assert_eq!(frank.get("/api/ping").await.status(), StatusCode::OK);
    let taken = admin
        .send(Method::POST, "/admin/accounts/create", Some(&good))
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.body.contains(r#"data-testid="error-username""#));

    // A new password set by the admin: the profile stays as it was.
    let account_page = location.split('?').next().unwrap().to_owned();
    let password_page = format!("{account_page}/password");
    let form = admin.send(Method::GET, &password_page, None).await;
    assert!(form.body.contains(r#"data-testid="admin-password-form""#));
    let csrf = form.csrf();
    let empty = [
        ("password", ""),
        ("algorithm", "SHA-256"),
        ("_csrf", csrf.as_str()),
    ];
    let refused = admin.send(Method::POST, &password_page, Some(&empty)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains(r#"data-testid="error-password""#),
        "{}",
        refused.body
    );
    let fields = [
        ("password", "frank-new-2026"),
        ("algorithm", "SHA-256"),
        ("_csrf", csrf.as_str()),
    ];
    let set = admin
        .send(Method::POST, &password_page, Some(&fields))
        .await;
    assert_eq!(set.location(), format!("{account_page}?done=password"));
    let page = admin.send(Method::GET, set.location(), None).await;
    assert!(page.body.contains("Password set"));
    assert!(page
        .body
        .contains(r#"data-testid="display-name">Frank Zappa<"#));
    assert!(page.body.contains("frank@example.org"));
    assert_eq!(
        frank.get("/api/ping").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let mut frank = system.client("frank01", "frank-new-2026");
    assert_eq!(frank.get("/api/ping").await.status(), StatusCode::OK);

    // Deleted after a confirmation naming it; nothing before the POST.
    let confirm = admin
        .send(Method::GET, &format!("{account_page}/delete"), None)
        .await;
    assert!(confirm.body.contains(&format!("sip:frank01@{DOMAIN}")));
    assert!(confirm.body.contains(r#"data-testid="confirm-delete""#));
    assert_eq!(frank.get("/api/ping").await.status(), StatusCode::OK);
    let csrf = confirm.csrf();
    let deleted = admin
        .send(
            Method::POST,
            &format!("{account_page}/delete"),
            Some(&[("_csrf", csrf.as_str())]),
        )
        .await;
    assert_eq!(deleted.location(), "/admin/accounts?done=deleted");
    let list = admin.send(Method::GET, deleted.location(), None).await;
    assert!(list.body.contains("Account deleted"));
    assert!(!list.body.contains("sip:frank01@"));
    let gone = admin.send(Method::GET, &account_page, None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}
