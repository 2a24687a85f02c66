//! An admin edits an account (profile, admin flag, dictionary) and removes
//! its devices, from the panel; what the panel saved is what REST reads.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{Browser, Page};
use crate::helpers::{json, spawn_system, ADMIN, ADMIN_PASSWORD, DOMAIN};

core_service::on_every_backend!(
    an_admin_edits_an_account,
    an_admin_removes_a_device_of_an_account,
);

const UUID: &str = "urn:uuid:0b3e9c4a-2f41-4c55-9d0e-7a1f6c3b8e21";

/// The edit form's fields: `rows` become the repeated dictionary inputs.
fn edit_fields<'a>(
    csrf: &'a str,
    profile: &[(&'a str, &'a str)],
    rows: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![("_csrf", csrf)];
    fields.extend_from_slice(profile);
    for (key, value) in rows {
        fields.push(("dictionary_key", key));
        fields.push(("dictionary_value", value));
    }
    fields
}

fn field_error(page: &Page, field: &str) -> bool {
    page.body
        .contains(&format!(r#"data-testid="error-{field}""#))
}

async fn an_admin_edits_an_account(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let alice = system
        .grpc_create_account("alice01", "alice-pw", "SHA-256", false)
        .await;
    let rest = format!("/api/accounts/{}", alice.id);
    // A phone the form does not show: an edit must not lose it.
    let mut operator = system.admin();
    let phone = json!({"phone": "+33612345678"});
    operator
        .json(Method::PUT, &rest, Some(phone), StatusCode::OK)
        .await;

    let mut admin = Browser::new(&system);
    admin.log_in(ADMIN, ADMIN_PASSWORD).await;
    let page = format!("/admin/accounts/{}", alice.id);
    let shown = admin.send(Method::GET, &page, None).await;
    assert!(shown.body.contains(&format!(
        r#"href="/admin/accounts/{}/edit" data-testid="account-edit""#,
        alice.id
    )));
    let edit = format!("{page}/edit");
    let form = admin.send(Method::GET, &edit, None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(r#"data-testid="account-form""#));
    assert!(form.body.contains(&format!("sip:alice01@{DOMAIN}")));
    let csrf = form.csrf();
    let missing = admin
        .send(Method::GET, "/admin/accounts/999999/edit", None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Account not found"));
    // A user, even on its own account: the admin pages are not its.
    let mut user = Browser::new(&system);
    user.log_in("alice01", "alice-pw").await;
    let own = user.send(Method::GET, &edit, None).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.body);
    assert!(own.body.contains("Unauthorized area"));
    let user_csrf = user.send(Method::GET, "/dashboard", None).await.csrf();
    let fields = edit_fields(&user_csrf, &[("display_name", "Self-made")], &[]);
    let posted = user.send(Method::POST, &edit, Some(&fields)).await;
    assert_eq!(posted.status, StatusCode::FORBIDDEN, "{}", posted.body);

    // Refusals beside their fields, what was typed kept.
    let profile = [("display_name", "Alice Liddell"), ("email", "not-an-email")];
    let fields = edit_fields(&csrf, &profile, &[("team", "sales")]);
    let refused = admin.send(Method::POST, &edit, Some(&fields)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&refused, "email"), "{}", refused.body);
    assert!(refused.body.contains(r#"value="Alice Liddell""#));
    assert!(refused.body.contains(r#"value="sales""#));
    let rows = refused.body.matches(r#"name="dictionary_key""#).count();
    assert_eq!(rows, 1 + 3, "the typed row, then three blank ones");
    let profile = [
        ("display_name", "Alice Liddell"),
        ("email", "alice@example.org"),
    ];
    for rows in [
        vec![("team", "sales"), ("team", "support")],
        vec![("", "orphan value")],
        vec![("not a key", "x")],
    ] {
        let fields = edit_fields(&csrf, &profile, &rows);
        let refused = admin.send(Method::POST, &edit, Some(&fields)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{rows:?}");
        assert!(
            field_error(&refused, "dictionary"),
            "{rows:?}: {}",
            refused.body
        );
    }
    let unchanged = json(operator.get(&rest).await, StatusCode::OK).await;
    assert_eq!(unchanged["display_name"], serde_json::Value::Null);

    // Saved: profile, dictionary (blank rows dropped) and the admin flag,
    // as REST reads them; the phone kept.
    let rows = [("team", "sales"), ("floor", "3"), ("", "")];
    let mut fields = edit_fields(&csrf, &profile, &rows);
    fields.push(("admin", "on"));
    let saved = admin.send(Method::POST, &edit, Some(&fields)).await;
    assert_eq!(
        saved.location(),
        format!("{page}?done=edited"),
        "{}",
        saved.body
    );
    let after = admin.send(Method::GET, saved.location(), None).await;
    assert!(after.body.contains("Account updated"));
    assert!(after
        .body
        .contains(r#"data-testid="display-name">Alice Liddell<"#));
    assert!(
        after.body.contains("<dt>team</dt><dd>sales</dd>"),
        "{}",
        after.body
    );
    let read = json(operator.get(&rest).await, StatusCode::OK).await;
    assert_eq!(read["email"], "alice@example.org");
    assert_eq!(read["dictionary"], json!({"team": "sales", "floor": "3"}));
    assert_eq!(read["admin"], true);
    assert_eq!(read["phone"], "+33612345678");

    // The form shows what is saved; an emptied key removes its row, an
    // unticked box the flag.
    let form = admin.send(Method::GET, &edit, None).await;
    assert!(form.body.contains(r#"value="floor""#));
    let fields = edit_fields(&csrf, &profile, &[("team", "sales"), ("", "")]);
    admin.send(Method::POST, &edit, Some(&fields)).await;
    let read = json(operator.get(&rest).await, StatusCode::OK).await;
    assert_eq!(read["dictionary"], json!({"team": "sales"}));
    assert_eq!(read["admin"], false);

    // Its own account: the flag is shown fixed and sent as it is; posted
    // without it, the core refuses.
    let me = json(operator.get("/api/accounts/me").await, StatusCode::OK).await;
    let own_edit = format!("/admin/accounts/{}/edit", me["id"]);
    let form = admin.send(Method::GET, &own_edit, None).await;
    assert!(
        form.body.contains(r#"type="checkbox" checked disabled"#),
        "{}",
        form.body
    );
    let profile = [("display_name", "The operator"), ("email", "")];
    let fields = edit_fields(&csrf, &profile, &[]);
    let refused = admin.send(Method::POST, &own_edit, Some(&fields)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused
        .body
        .contains("An admin cannot do this to its own account"));
    let mut fields = edit_fields(&csrf, &profile, &[]);
    fields.push(("admin", "on"));
    let saved = admin.send(Method::POST, &own_edit, Some(&fields)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let me = json(operator.get("/api/accounts/me").await, StatusCode::OK).await;
    assert_eq!(
        (me["display_name"].as_str(), me["admin"].as_bool()),
        (Some("The operator"), Some(true))
    );
}

async fn an_admin_removes_a_device_of_an_account(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let alice = system
        .grpc_create_account("alice01", "alice-pw", "SHA-256", false)
        .await;
    system
        .register_device(
            "alice01",
            UUID,
            "LinphoneiOS/6.0.2 (iPhone de Alice) LinphoneSDK/5.4.1",
            3600,
        )
        .await;
    let mut admin = Browser::new(&system);
    admin.log_in(ADMIN, ADMIN_PASSWORD).await;
    let page = format!("/admin/accounts/{}", alice.id);
    let shown = admin.send(Method::GET, &page, None).await;
    assert!(shown.body.contains(r#"data-testid="device-row""#));
    assert!(shown.body.contains("iPhone de Alice"), "{}", shown.body);
    let encoded = percent_encoding::utf8_percent_encode(UUID, percent_encoding::NON_ALPHANUMERIC);
    let link = format!("{page}/devices/delete?uuid={encoded}");
    assert!(shown.body.contains(&link.replace('&', "&amp;")));

    let confirm = admin.send(Method::GET, &link, None).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains(&format!("sip:alice01@{DOMAIN}")));
    assert!(confirm.body.contains(r#"data-testid="confirm-delete""#));
    let csrf = confirm.csrf();
    let out_of_reach = admin
        .send(
            Method::GET,
            "/admin/accounts/999999/devices/delete?uuid=x",
            None,
        )
        .await;
    assert_eq!(out_of_reach.status, StatusCode::NOT_FOUND);
    assert!(out_of_reach.body.contains("Account not found"));

    // A user cannot, even with its own valid form token.
    let mut user = Browser::new(&system);
    user.log_in("alice01", "alice-pw").await;
    let own = user.send(Method::GET, "/dashboard", None).await.csrf();
    let remove = format!("{page}/devices/delete");
    let refused = user
        .send(
            Method::POST,
            &remove,
            Some(&[("uuid", UUID), ("_csrf", own.as_str())]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("Unauthorized area"));
    let still = admin.send(Method::GET, &page, None).await;
    assert!(still.body.contains(r#"data-testid="device-row""#));

    let fields = [("uuid", UUID), ("_csrf", csrf.as_str())];
    let removed = admin.send(Method::POST, &remove, Some(&fields)).await;
    assert_eq!(removed.location(), format!("{page}?done=device"));
    let after = admin.send(Method::GET, removed.location(), None).await;
    assert!(after.body.contains("Device removed"));
    assert!(after.body.contains(r#"data-testid="devices-empty""#));
    let mut operator = system.admin();
    let devices = operator
        .get(&format!("/api/accounts/{}/devices", alice.id))
        .await;
    assert!(json(devices, StatusCode::OK).await.get(UUID).is_none());
}
