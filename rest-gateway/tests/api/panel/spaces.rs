//! A super admin's spaces from the panel, and the domain filter of the
//! accounts list; an admin of one domain refused both.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::Browser;
use crate::helpers::{json, spawn_system, ADMIN, ADMIN_PASSWORD, DOMAIN};

core_service::on_every_backend!(
    a_super_admin_manages_spaces,
    only_a_super_admin_sees_other_domains
);

const OTHER: &str = "other.example.net";

async fn a_super_admin_manages_spaces(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let mut admin = Browser::new(&system);
    admin.log_in(ADMIN, ADMIN_PASSWORD).await;
    let list = admin.send(Method::GET, "/admin/spaces", None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains(r#"data-testid="space-row""#));
    assert!(
        list.body.contains(&format!(">{DOMAIN}</a>, 1 account")),
        "{}",
        list.body
    );
    assert!(list
        .body
        .contains(r#"href="/admin/spaces/create" data-testid="space-create""#));

    // Created, after a refusal beside its field.
    let form = admin.send(Method::GET, "/admin/spaces/create", None).await;
    assert!(form.body.contains(r#"data-testid="space-form""#));
    let csrf = form.csrf();
    let mut fields = vec![
        ("_csrf", csrf.as_str()),
        ("domain", OTHER),
        ("name", "Other"),
        ("realm", ""),
        ("max_accounts", "many"),
        ("default_password_algorithm", "MD5"),
    ];
    let refused = admin
        .send(Method::POST, "/admin/spaces/create", Some(&fields))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(r#"data-testid="error-max_accounts""#));
    assert!(refused.body.contains(r#"value="Other""#));
    fields[4].1 = "0";
    let created = admin
        .send(Method::POST, "/admin/spaces/create", Some(&fields))
        .await;
    assert_eq!(
        created.location(),
        "/admin/spaces?done=created",
        "{}",
        created.body
    );
    let list = admin.send(Method::GET, created.location(), None).await;
    assert!(list.body.contains("Space created"));
    assert!(
        list.body
            .contains(&format!(">{OTHER}</a> (Other), 0 accounts")),
        "{}",
        list.body
    );
    let again = admin
        .send(Method::POST, "/admin/spaces/create", Some(&fields))
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again.body.contains(r#"data-testid="error-domain""#),
        "{}",
        again.body
    );
    let mut operator = system.admin();
    let space = operator
        .json(
            Method::GET,
            &format!("/api/spaces/{OTHER}"),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        (
            &space["name"],
            &space["realm"],
            &space["default_password_algorithm"]
        ),
        (&json!("Other"), &json!(OTHER), &json!("MD5"))
    );

    // Edited: a limit; then, with an account, the realm is fixed.
    let edit = format!("/admin/spaces/{OTHER}/edit");
    let form = admin.send(Method::GET, &edit, None).await;
    assert!(form.body.contains(r#"value="Other""#));
    let limited = [
        ("_csrf", csrf.as_str()),
        ("name", "Other Inc."),
        ("realm", OTHER),
        ("max_accounts", "1"),
        ("default_password_algorithm", "SHA-256"),
    ];
    let saved = admin.send(Method::POST, &edit, Some(&limited)).await;
    assert_eq!(
        saved.location(),
        "/admin/spaces?done=edited",
        "{}",
        saved.body
    );
    let list = admin.send(Method::GET, saved.location(), None).await;
    assert!(
        list.body.contains("(Other Inc.), 0 accounts of at most 1"),
        "{}",
        list.body
    );
    let bob = system
        .grpc_create_account_in("bob001", OTHER, "bob-pw", "SHA-256", false)
        .await;
    let mut realm = limited;
    realm[2].1 = "elsewhere";
    let refused = admin.send(Method::POST, &edit, Some(&realm)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains(r#"data-testid="error-realm""#),
        "{}",
        refused.body
    );

    // Deleted only once empty, after a confirmation.
    let delete = format!("/admin/spaces/{OTHER}/delete");
    let confirm = admin.send(Method::GET, &delete, None).await;
    assert!(confirm.body.contains(r#"data-testid="confirm-delete""#));
    assert!(confirm.body.contains(OTHER));
    let with_accounts = admin
        .send(Method::POST, &delete, Some(&[("_csrf", csrf.as_str())]))
        .await;
    assert_eq!(with_accounts.status, StatusCode::CONFLICT);
    assert!(with_accounts.body.contains("The space still has accounts"));
    operator
        .json(
            Method::DELETE,
            &format!("/api/accounts/{}", bob.id),
            None,
            StatusCode::OK,
        )
        .await;
    let deleted = admin
        .send(Method::POST, &delete, Some(&[("_csrf", csrf.as_str())]))
        .await;
    assert_eq!(deleted.location(), "/admin/spaces?done=deleted");
    let list = admin.send(Method::GET, deleted.location(), None).await;
    assert!(list.body.contains("Space deleted"));
    assert!(!list.body.contains(OTHER));
    let gone = admin.send(Method::GET, &edit, None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

async fn only_a_super_admin_sees_other_domains(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    system
        .grpc_create_account("alice01", "alice-pw", "SHA-256", false)
        .await;
    system
        .grpc_create_account_in("bob001", OTHER, "bob-pw", "SHA-256", false)
        .await;
    system
        .grpc_create_account_in("carol001", OTHER, "carol-pw", "SHA-256", true)
        .await;

    // The super admin: every domain, or one.
    let mut admin = Browser::new(&system);
    admin.log_in(ADMIN, ADMIN_PASSWORD).await;
    let every = admin.send(Method::GET, "/admin/accounts", None).await;
    assert!(every.body.contains(r#"data-testid="accounts-domain""#));
    assert!(every
        .body
        .contains(r#"data-testid="accounts-total">4 accounts<"#));
    let filtered = format!("/admin/accounts?search=&domain={OTHER}");
    let one = admin.send(Method::GET, &filtered, None).await;
    assert!(
        one.body
            .contains(r#"data-testid="accounts-total">2 accounts<"#),
        "{}",
        one.body
    );
    assert!(one.body.contains(&format!("sip:bob001@{OTHER}")));
    assert!(!one.body.contains("sip:alice01@"));
    assert!(one
        .body
        .contains(&format!(r#"<option value="{OTHER}" selected>"#)));

    // An admin of one domain: its accounts, no filter, no spaces.
    let mut carol = Browser::new(&system);
    let home = carol.log_in(&format!("carol001@{OTHER}"), "carol-pw").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    let own = carol.send(Method::GET, "/admin/accounts", None).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(
        own.body
            .contains(r#"data-testid="accounts-total">2 accounts<"#),
        "{}",
        own.body
    );
    assert!(!own.body.contains(r#"data-testid="accounts-domain""#));
    assert!(!own.body.contains(r#"href="/admin/spaces""#));
    for path in [
        "/admin/spaces".to_owned(),
        "/admin/spaces/create".to_owned(),
        format!("/admin/spaces/{OTHER}/edit"),
        format!("/admin/spaces/{DOMAIN}/delete"),
        format!("/admin/accounts?domain={DOMAIN}"),
    ] {
        let page = carol.send(Method::GET, &path, None).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            page.body.contains("Unauthorized area"),
            "{path}: {}",
            page.body
        );
    }
    let csrf = own.csrf();
    let posted = carol
        .send(
            Method::POST,
            "/admin/spaces/create",
            Some(&[("_csrf", csrf.as_str()), ("domain", "mine.example.net")]),
        )
        .await;
    assert_eq!(posted.status, StatusCode::FORBIDDEN);
    let mut operator = system.admin();
    let spaces = json(operator.get("/api/spaces").await, StatusCode::OK).await;
    assert!(!spaces.to_string().contains("mine.example.net"));
}
