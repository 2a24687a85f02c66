//! The admin routes of part 2 over real HTTP: list, show, update, state,
//! delete, search, an account's devices, each rule and each error.

use core_service::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_system, TestSystem, DOMAIN};

core_service::on_every_backend!(
    the_list_is_laravels_paginator_with_search,
    show_and_update_replace_the_profile_and_keep_the_rest,
    a_rename_needs_a_password_and_the_old_name_stays_taken,
    broken_fields_are_422s_naming_them,
);

pub async fn create(system: &TestSystem, body: Value) -> Value {
    system
        .admin()
        .json(Method::POST, "/api/accounts", Some(body), StatusCode::OK)
        .await
}

pub async fn alice(system: &TestSystem) -> Value {
    create(
        system,
        json!({"username": "alice01", "password": "alice-pw", "algorithm": "SHA-256",
               "email": "alice@example.org", "display_name": "Alice", "dictionary": {"team": "sales"}}),
    )
    .await
}

async fn the_list_is_laravels_paginator_with_search(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    for name in ["alice01", "alina02", "bobby003", "carol04"] {
        let body = json!({"username": name, "password": "secret-pw", "algorithm": "MD5"});
        create(&system, body).await;
    }
    let mut admin = system.admin();
    let page = admin
        .json(
            Method::GET,
            "/api/accounts?per_page=2&page=2",
            None,
            StatusCode::OK,
        )
        .await;
    let keys: Vec<_> = page.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "current_page",
            "data",
            "first_page_url",
            "from",
            "last_page",
            "last_page_url",
            "links",
            "next_page_url",
            "path",
            "per_page",
            "prev_page_url",
            "to",
            "total"
        ]
    );
    assert_eq!(page["total"], 5, "the admin and four accounts");
    assert_eq!(page["current_page"], 2);
    assert_eq!(page["last_page"], 3);
    assert_eq!(
        (page["from"].clone(), page["to"].clone()),
        (json!(3), json!(4))
    );
    let names: Vec<_> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].clone())
        .collect();
    assert_eq!(
        names,
        [json!("alina02"), json!("bobby003")],
        "ordered by id"
    );
    assert_eq!(page["next_page_url"], "/api/accounts?per_page=2&page=3");
    assert_eq!(page["prev_page_url"], "/api/accounts?per_page=2&page=1");

    let found = admin
        .json(
            Method::GET,
            "/api/accounts?search=ali",
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(found["total"], 2);
    assert_eq!(found["data"][0]["username"], "alice01");
    let none = admin
        .json(
            Method::GET,
            "/api/accounts?search=zz&page=1",
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        (none["total"].clone(), none["from"].clone()),
        (json!(0), Value::Null)
    );

    for (query, field) in [
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("per_page=x", "per_page"),
        ("page=-1", "page"),
    ] {
        let answer = admin
            .json(
                Method::GET,
                &format!("/api/accounts?{query}"),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert!(answer["errors"][field].is_array(), "{query}: {answer}");
    }

    // A super admin may look at one domain; a domain's admin sees only its own.
    create(&system, json!({"username": "dave0005", "password": "secret-pw", "algorithm": "MD5", "domain": "b.example.org"})).await;
    let b = admin
        .json(
            Method::GET,
            "/api/accounts?domain=b.example.org",
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(b["total"], 1);
    system
        .grpc_create_account_in("badmin01", "b.example.org", "badmin-pw", "MD5", true)
        .await;
    let mut b_admin = system.client_in("badmin01", "b.example.org", "badmin-pw");
    let own = b_admin
        .json(Method::GET, "/api/accounts", None, StatusCode::OK)
        .await;
    assert_eq!(own["total"], 2);
    assert!(own["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["domain"] == "b.example.org"));
    let elsewhere = b_admin
        .json(
            Method::GET,
            &format!("/api/accounts?domain={DOMAIN}"),
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    assert_eq!(elsewhere, json!({"message": "Unauthorized area"}));
}

async fn show_and_update_replace_the_profile_and_keep_the_rest(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let created = alice(&system).await;
    assert_eq!(created["email"], "alice@example.org");
    assert_eq!(created["dictionary"], json!({"team": "sales"}));
    assert_eq!(created["sip_uri"], format!("sip:alice01@{DOMAIN}"));
    let id = created["id"].as_i64().unwrap();
    let mut admin = system.admin();
    let shown = admin
        .json(
            Method::GET,
            &format!("/api/accounts/{id}"),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(shown, created);

    let updated = admin
        .json(
            Method::PUT,
            &format!("/api/accounts/{id}"),
            Some(json!({"display_name": "Alice L."})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(updated["display_name"], "Alice L.");
    assert_eq!(
        updated["email"],
        Value::Null,
        "PUT replaces: absent means null"
    );
    assert_eq!(updated["dictionary"], json!({}));
    assert_eq!(updated["username"], "alice01");
    assert_eq!(updated["activated"], true, "absent flags stay");
    let mut alice = system.client("alice01", "alice-pw");
    assert_eq!(
        alice.get("/api/ping").await.status(),
        StatusCode::OK,
        "the password stays"
    );

    let promoted = admin
        .json(
            Method::PUT,
            &format!("/api/accounts/{id}"),
            Some(json!({"admin": true, "password": "new-alice-pw", "algorithm": "MD5"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(promoted["admin"], true);
    assert_eq!(promoted["passwords"], json!([{"algorithm": "MD5"}]));
    let mut alice = system.client("alice01", "new-alice-pw");
    assert_eq!(alice.get("/api/ping").await.status(), StatusCode::OK);

    for path in [
        "/api/accounts/999999",
        "/api/accounts/abc",
        "/api/accounts/-1",
    ] {
        let answer = admin
            .json(Method::GET, path, None, StatusCode::NOT_FOUND)
            .await;
        assert_eq!(answer, json!({"message": "Account not found"}), "{path}");
    }
}

async fn a_rename_needs_a_password_and_the_old_name_stays_taken(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let id = alice(&system).await["id"].as_i64().unwrap();
    let mut admin = system.admin();
    let path = format!("/api/accounts/{id}");
    let answer = admin
        .json(
            Method::PUT,
            &path,
            Some(json!({"username": "alice99"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(
        answer["errors"]["password"],
        json!(["The password is required when the username changes."])
    );
    let renamed = admin
        .json(
            Method::PUT,
            &path,
            Some(json!({"username": "alice99", "password": "renamed-pw"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        (renamed["id"].as_i64(), renamed["username"].clone()),
        (Some(id), json!("alice99"))
    );
    assert_eq!(
        renamed["passwords"],
        json!([{"algorithm": "SHA-256"}]),
        "the algorithms it had"
    );
    let mut renamed_client = system.client("alice99", "renamed-pw");
    assert_eq!(
        renamed_client.get("/api/ping").await.status(),
        StatusCode::OK
    );
    let again = json!({"username": "alice01", "password": "secret-pw", "algorithm": "MD5"});
    let answer = admin
        .json(
            Method::POST,
            "/api/accounts",
            Some(again),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(
        answer["errors"]["username"],
        json!(["The username has already been taken."])
    );
}

async fn broken_fields_are_422s_naming_them(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let id = alice(&system).await["id"].as_i64().unwrap();
    create(&system, json!({"username": "bobby001", "password": "secret-pw", "algorithm": "MD5", "email": "bob@example.org"})).await;
    // Laravel's boolean rule, which liblinphone relies on ("1", 0).
    let laravel = create(&system, json!({"username": "laravel1", "password": "secret-pw", "algorithm": "MD5", "activated": "0", "admin": 1})).await;
    assert_eq!(
        (&laravel["activated"], &laravel["admin"]),
        (&json!(false), &json!(true))
    );
    let mut admin = system.admin();
    let cases = [
        (json!({"admin": "yes"}), "admin", "The admin field must be true or false."),
        (json!({"blocked": "true"}), "blocked", "The blocked field must be true or false."),
        (json!({"dictionary": ["a"]}), "dictionary", "The dictionary must be an object of strings."),
        (json!({"dictionary": {"n": 1}}), "dictionary", "The dictionary must be an object of strings."),
        (json!({"dictionary": {"bad key": "x"}}), "dictionary", "The dictionary keys must be 1 to 64 characters among letters, digits, '_', '.' and '-'."),
        (json!({"email": "nope"}), "email", "The email must be a valid email address."),
        (json!({"email": "bob@example.org"}), "email", "The email has already been taken."),
        (json!({"display_name": "a\u{7}b"}), "display_name", "The display_name must not contain control characters."),
        (json!({"email": 12}), "email", "The email field must be a string."),
    ];
    for (body, field, message) in cases {
        let answer = admin
            .json(
                Method::PUT,
                &format!("/api/accounts/{id}"),
                Some(body.clone()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(answer["errors"][field], json!([message]), "{body}");
    }
    // The same rules on creation, all reported at once.
    let answer = admin
        .json(
            Method::POST,
            "/api/accounts",
            Some(json!({"username": "carol001", "password": "secret-pw", "algorithm": "MD5", "email": "x", "admin": 2})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(answer["errors"].as_object().unwrap().len(), 1, "{answer}");
    assert!(
        answer["errors"]["admin"].is_array(),
        "types are checked first: {answer}"
    );
    let answer = admin
        .json(
            Method::POST,
            "/api/accounts",
            Some(json!({"username": "carol001", "password": "secret-pw", "algorithm": "MD5", "email": "x", "display_name": "\u{0}"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    let fields: Vec<_> = answer["errors"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(fields, ["display_name", "email"]);
}
