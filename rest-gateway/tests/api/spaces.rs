//! `/api/spaces` over real HTTP: every rule and error, the limit, the
//! admin scope of a non-super space, and a realm other than the domain
//! with curl and Python `requests`.

use core_service::testing::Backend;
use flexiapi_proto::app_settings::FEATURES;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::process::Command;

use crate::{
    clients::{available, curl_digest},
    helpers::{spawn_system, TestSystem, DOMAIN},
};

core_service::on_every_backend!(
    super_admins_create_show_change_and_delete_spaces,
    broken_space_fields_are_422s_naming_them,
    a_full_space_refuses_accounts_and_an_admin_stays_in_its_domain,
    a_realm_other_than_the_domain_works_with_curl_and_requests,
);

async fn admin_json(
    system: &TestSystem,
    method: Method,
    path: &str,
    body: Option<Value>,
    status: StatusCode,
) -> Value {
    system.admin().json(method, path, body, status).await
}

async fn super_admins_create_show_change_and_delete_spaces(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let listed = admin_json(&system, Method::GET, "/api/spaces", None, StatusCode::OK).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["domain"], DOMAIN);
    assert_eq!(listed[0]["super"], true);
    let mut keys: Vec<_> = listed[0].as_object().unwrap().keys().cloned().collect();
    keys.sort();
    let mut expected = vec![
        "accounts_count",
        "created_at",
        "default_password_algorithm",
        "domain",
        "max_accounts",
        "name",
        "realm",
        "super",
        "updated_at",
        // Contract part 5: the app settings.
        "account_proxy_registrar_address",
        "account_transport",
        "custom_provisioning_entries",
        "custom_provisioning_overwrite_all",
        "max_account",
    ];
    expected.extend(FEATURES.iter().map(|(key, _)| *key));
    expected.sort();
    assert_eq!(keys, expected);

    let body = json!({"domain": "sip.example.com", "name": "Example", "realm": "example-realm",
                      "max_accounts": 5, "default_password_algorithm": "MD5"});
    let made = admin_json(
        &system,
        Method::POST,
        "/api/spaces",
        Some(body.clone()),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(made["realm"], "example-realm");
    assert_eq!(made["super"], false);
    assert_eq!(made["accounts_count"], 0);
    assert_eq!(made["default_password_algorithm"], "MD5");
    let again = admin_json(
        &system,
        Method::POST,
        "/api/spaces",
        Some(body),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        again["errors"]["domain"],
        json!(["The domain has already been taken."])
    );

    let path = "/api/spaces/sip.example.com";
    let shown = admin_json(&system, Method::GET, path, None, StatusCode::OK).await;
    assert_eq!(shown, made);
    let changed = admin_json(
        &system,
        Method::PUT,
        path,
        Some(json!({"name": "Example Inc.", "max_accounts": 0})),
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["name"], "Example Inc.");
    assert_eq!(changed["realm"], "example-realm", "kept when not given");
    let moved = admin_json(
        &system,
        Method::PUT,
        path,
        Some(json!({"domain": "other.example.com"})),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        moved["errors"]["domain"],
        json!(["The domain cannot change."])
    );

    let account = admin_json(
        &system,
        Method::POST,
        "/api/accounts",
        Some(
            json!({"username": "carol01", "password": "carol-pw", "algorithm": "MD5",
                    "domain": "sip.example.com"}),
        ),
        StatusCode::OK,
    )
    .await;
    let bound = admin_json(
        &system,
        Method::PUT,
        path,
        Some(json!({"realm": "new-realm"})),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        bound["errors"]["realm"][0]
            .as_str()
            .unwrap()
            .starts_with("The realm cannot change while the space has accounts"),
        "{bound}"
    );
    let in_use = admin_json(&system, Method::DELETE, path, None, StatusCode::CONFLICT).await;
    assert_eq!(in_use, json!({"message": "The space still has accounts"}));
    let default_space = format!("/api/spaces/{DOMAIN}");
    let kept = admin_json(
        &system,
        Method::DELETE,
        &default_space,
        None,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(
        kept,
        json!({"message": "The space of the default domain cannot be deleted"})
    );

    let id = account["id"].as_i64().unwrap();
    let account_path = format!("/api/accounts/{id}");
    admin_json(&system, Method::DELETE, &account_path, None, StatusCode::OK).await;
    let gone = admin_json(&system, Method::DELETE, path, None, StatusCode::OK).await;
    assert_eq!(gone, json!({}));
    let missing = admin_json(&system, Method::GET, path, None, StatusCode::NOT_FOUND).await;
    assert_eq!(missing, json!({"message": "Space not found"}));
}

async fn broken_space_fields_are_422s_naming_them(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let body = json!({"domain": "x.example.org", "realm": "a\"b", "max_accounts": "10",
                      "super": "true", "default_password_algorithm": "SHA-512"});
    let refused = admin_json(
        &system,
        Method::POST,
        "/api/spaces",
        Some(body),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let errors = &refused["errors"];
    assert_eq!(
        errors["max_accounts"],
        json!(["The max_accounts field must be an integer."])
    );
    assert_eq!(
        errors["super"],
        json!(["The super field must be true or false."])
    );
    let refused = admin_json(
        &system,
        Method::POST,
        "/api/spaces",
        Some(
            json!({"domain": "x.example.org", "realm": "a\"b", "max_accounts": -1,
                    "default_password_algorithm": "SHA-512"}),
        ),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let mut fields: Vec<_> = refused["errors"].as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(
        fields,
        ["default_password_algorithm", "max_accounts", "realm"]
    );
    let refused = admin_json(
        &system,
        Method::POST,
        "/api/spaces",
        Some(json!({"name": "no domain"})),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(refused["errors"]["domain"].is_array(), "{refused}");
    let response = system
        .admin()
        .send(Method::GET, "/api/spaces/%FF", None)
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

async fn a_full_space_refuses_accounts_and_an_admin_stays_in_its_domain(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    admin_json(
        &system,
        Method::POST,
        "/api/spaces",
        Some(json!({"domain": "b.example.org", "max_accounts": 2})),
        StatusCode::CREATED,
    )
    .await;
    system
        .grpc_create_account_in("badmin01", "b.example.org", "b-admin-pw", "SHA-256", true)
        .await;
    let mut b_admin = system.client_in("badmin01", "b.example.org", "b-admin-pw");
    let create = |username: &str, domain: &str| json!({"username": username, "password": "user-pw", "algorithm": "MD5", "domain": domain});
    b_admin
        .json(
            Method::POST,
            "/api/accounts",
            Some(create("bobby001", "b.example.org")),
            StatusCode::OK,
        )
        .await;
    let full = b_admin
        .json(
            Method::POST,
            "/api/accounts",
            Some(create("bobby002", "b.example.org")),
            StatusCode::FORBIDDEN,
        )
        .await;
    assert_eq!(full, json!({"message": "The space is full"}));
    let elsewhere = b_admin
        .json(
            Method::POST,
            "/api/accounts",
            Some(create("bobby003", DOMAIN)),
            StatusCode::FORBIDDEN,
        )
        .await;
    assert_eq!(elsewhere, json!({"message": "Unauthorized area"}));
    let spaces = b_admin
        .json(Method::GET, "/api/spaces", None, StatusCode::FORBIDDEN)
        .await;
    assert_eq!(spaces, json!({"message": "Unauthorized area"}));
    // Who may call comes before what was sent: an unreadable body is a 403
    // for a plain admin, a 400 for a super admin.
    for (client, status) in [
        (&mut b_admin, StatusCode::FORBIDDEN),
        (&mut system.admin(), StatusCode::BAD_REQUEST),
    ] {
        let authorization = client.authorization_for_next("POST", "/api/spaces").await;
        let response = system
            .http
            .post(system.url("/api/spaces"))
            .header(reqwest::header::FROM, client.sip_from())
            .header(reqwest::header::AUTHORIZATION, authorization)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body("[1]")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status);
    }
    let alice = system
        .grpc_create_account("alice01", "alice-pw", "MD5", false)
        .await;
    let hidden = b_admin
        .json(
            Method::GET,
            &format!("/api/accounts/{}", alice.id),
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(hidden, json!({"message": "Account not found"}));
    let search = format!("/api/accounts/alice01@{DOMAIN}/search");
    b_admin
        .json(Method::GET, &search, None, StatusCode::NOT_FOUND)
        .await;
}

async fn a_realm_other_than_the_domain_works_with_curl_and_requests(backend: Backend) {
    let curl = available("curl", &["--version"]).await;
    let python = available("python3", &["-c", "import requests"]).await;
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    admin_json(
        &system,
        Method::POST,
        "/api/spaces",
        Some(json!({"domain": "sip.example.com", "realm": "example-realm"})),
        StatusCode::CREATED,
    )
    .await;
    for (username, algorithm) in [("md5user", "MD5"), ("sha256user", "SHA-256")] {
        admin_json(
            &system,
            Method::POST,
            "/api/accounts",
            Some(
                json!({"username": username, "password": "secret pw!", "algorithm": algorithm,
                        "domain": "sip.example.com"}),
            ),
            StatusCode::OK,
        )
        .await;
        let url = system.url("/api/ping");
        let mut client = system.client_in(username, "sip.example.com", "secret pw!");
        let challenge = client.fetch_challenge(algorithm).await;
        let realm = challenge
            .headers()
            .get("www-authenticate")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(realm.contains("realm=\"example-realm\""), "{realm}");
        if curl {
            let answer = curl_digest(&url, username, "sip.example.com", "secret pw!").await;
            assert_eq!(answer, "pong 200", "curl, {algorithm}");
        }
        if python {
            let answer = python_ping(&url, username, "sip:{username}@sip.example.com").await;
            assert_eq!(answer, "200 pong", "requests, {algorithm}");
        }
    }
}

async fn python_ping(url: &str, username: &str, from: &str) -> String {
    const CLIENT: &str = r#"
import sys, requests
from requests.auth import HTTPDigestAuth
url, username, sip_from = sys.argv[1:4]
r = requests.get(url, auth=HTTPDigestAuth(username, "secret pw!"), headers={"From": sip_from})
print(r.status_code, r.text)
"#;
    let from = from.replace("{username}", username);
    let output = Command::new("python3")
        .args(["-c", CLIENT, url, username, &from])
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}
