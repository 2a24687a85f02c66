//! Spaces over gRPC: who may manage them, every field rule, their account
//! limit and their deletion (realms are in `realms.rs`).

use flexiapi_proto::pb::{self, space_service_client::SpaceServiceClient};
use tonic::{transport::Channel, Code};
use tonic_types::StatusExt as _;

use crate::helpers::{actor, spawn_app, Backend, TestApp};

core_service::on_every_backend!(
    only_super_admins_manage_spaces,
    the_space_limit_holds_under_concurrent_creations,
    a_space_goes_only_when_empty_and_the_default_one_stays,
);

pub(crate) fn fields(realm: Option<&str>, max_accounts: Option<i64>) -> Option<pb::SpaceFields> {
    Some(pb::SpaceFields {
        realm: realm.map(Into::into),
        max_accounts,
        ..Default::default()
    })
}

pub(crate) async fn create_space(
    spaces: &mut SpaceServiceClient<Channel>,
    root: &pb::Account,
    domain: &str,
    fields: Option<pb::SpaceFields>,
) -> Result<pb::Space, tonic::Status> {
    Ok(spaces
        .create_space(pb::CreateSpaceRequest {
            actor: actor(root),
            domain: domain.into(),
            fields,
        })
        .await?
        .into_inner()
        .space
        .unwrap())
}

/// UpdateSpace as `root`, the space as answered.
pub(crate) async fn update_space(
    spaces: &mut SpaceServiceClient<Channel>,
    root: &pb::Account,
    domain: &str,
    fields: Option<pb::SpaceFields>,
) -> Result<pb::Space, tonic::Status> {
    Ok(spaces
        .update_space(pb::UpdateSpaceRequest {
            actor: actor(root),
            domain: domain.into(),
            new_domain: None,
            fields,
        })
        .await?
        .into_inner()
        .space
        .unwrap())
}

pub(crate) fn violated_fields(status: &tonic::Status) -> Vec<String> {
    let details = status.get_error_details();
    let violations = details.bad_request().map(|b| b.field_violations.clone());
    violations
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.field)
        .collect()
}

pub(crate) async fn root(app: &TestApp) -> pb::Account {
    app.create_account_in("admin001", "", "admin-pw", "SHA-256", true)
        .await
}

async fn only_super_admins_manage_spaces(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let root = root(&app).await;
    let mut spaces = app.spaces();
    let listed = spaces
        .list_spaces(pb::ListSpacesRequest {
            actor: actor(&root),
        })
        .await
        .unwrap()
        .into_inner()
        .spaces;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].domain, "sip.example.org");
    assert!(listed[0].is_super);
    assert_eq!(listed[0].realm, "sip.example.org");
    assert_eq!(listed[0].accounts_count, 1);

    let made = create_space(&mut spaces, &root, "B.Example.org", None)
        .await
        .unwrap();
    assert_eq!(
        (
            made.domain.as_str(),
            made.name.as_str(),
            made.realm.as_str()
        ),
        ("b.example.org", "b.example.org", "b.example.org"),
        "name and realm default to the (lowercased) domain"
    );
    assert_eq!(
        (made.is_super, made.max_accounts, made.accounts_count),
        (false, 0, 0)
    );
    assert_eq!(made.default_password_algorithm, "SHA-256");
    let again = create_space(&mut spaces, &root, "b.example.org", None)
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::AlreadyExists);
    assert_eq!(violated_fields(&again), ["domain"]);

    let broken = create_space(
        &mut spaces,
        &root,
        "c.example.org",
        Some(pb::SpaceFields {
            realm: Some("a\"b".into()),
            max_accounts: Some(-1),
            default_password_algorithm: Some("SHA-512".into()),
            name: Some(String::new()),
            ..Default::default()
        }),
    )
    .await
    .unwrap_err();
    assert_eq!(broken.code(), Code::InvalidArgument);
    assert_eq!(
        violated_fields(&broken),
        [
            "name",
            "realm",
            "max_accounts",
            "default_password_algorithm"
        ]
    );

    let b_admin = app
        .create_account_in("badmin01", "b.example.org", "admin-pw", "MD5", true)
        .await;
    let user = app.create_account("alice01", "alice-pw", "MD5").await;
    for someone in [&b_admin, &user] {
        let status = spaces
            .list_spaces(pb::ListSpacesRequest {
                actor: actor(someone),
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied);
        assert_eq!(status.message(), "Unauthorized area");
        let status = create_space(&mut spaces, someone, "d.example.org", None)
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied);
    }
    let status = spaces
        .list_spaces(pb::ListSpacesRequest { actor: None })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "an actor is required");

    let renamed = update_space(
        &mut spaces,
        &root,
        "b.example.org",
        Some(pb::SpaceFields {
            name: Some("Branch B".into()),
            is_super: Some(true),
            ..Default::default()
        }),
    )
    .await
    .unwrap();
    assert_eq!(renamed.name, "Branch B");
    assert_eq!(renamed.realm, "b.example.org", "unchanged when not given");
    let promoted = spaces
        .list_spaces(pb::ListSpacesRequest {
            actor: actor(&b_admin),
        })
        .await
        .unwrap()
        .into_inner()
        .spaces;
    assert_eq!(
        promoted.len(),
        2,
        "an admin of a space made super is a super admin at once"
    );

    let missing = spaces
        .get_space(pb::GetSpaceRequest {
            actor: actor(&root),
            domain: "nowhere.example.org".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    assert_eq!(missing.message(), "space not found");
}

async fn the_space_limit_holds_under_concurrent_creations(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let root = root(&app).await;
    let mut spaces = app.spaces();
    create_space(
        &mut spaces,
        &root,
        "small.example.org",
        fields(None, Some(3)),
    )
    .await
    .unwrap();
    let mut attempts = tokio::task::JoinSet::new();
    for i in 0..8 {
        let mut accounts = app.accounts.clone();
        let actor = actor(&root);
        attempts.spawn(async move {
            accounts
                .create_account(pb::CreateAccountRequest {
                    username: format!("user{i:04}"),
                    domain: "small.example.org".into(),
                    password: "user-pw".into(),
                    algorithm: "MD5".into(),
                    actor,
                    ..Default::default()
                })
                .await
        });
    }
    let results = attempts.join_all().await;
    let created = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(created, 3, "exactly max_accounts, however concurrent");
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(refused.code(), Code::PermissionDenied);
        assert_eq!(refused.message(), "The space is full");
    }
    let space = spaces
        .get_space(pb::GetSpaceRequest {
            actor: actor(&root),
            domain: "small.example.org".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .space
        .unwrap();
    assert_eq!(space.accounts_count, 3);

    // Raising the limit lets creations in again.
    update_space(
        &mut spaces,
        &root,
        "small.example.org",
        fields(None, Some(0)),
    )
    .await
    .unwrap();
    app.create_account_in("user0100", "small.example.org", "user-pw", "MD5", false)
        .await;
}

async fn a_space_goes_only_when_empty_and_the_default_one_stays(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let root = root(&app).await;
    let mut spaces = app.spaces();
    // A super admin's first account in a domain makes its space.
    let bob = app
        .accounts
        .clone()
        .create_account(pb::CreateAccountRequest {
            username: "bobby001".into(),
            domain: "new.example.org".into(),
            password: "bobby-pw".into(),
            algorithm: "MD5".into(),
            actor: actor(&root),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .account
        .unwrap();
    let delete = |domain: &str| pb::DeleteSpaceRequest {
        actor: actor(&root),
        domain: domain.into(),
    };
    let status = spaces
        .delete_space(delete("new.example.org"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(status.message(), "The space still has accounts");

    let status = spaces
        .delete_space(delete("sip.example.org"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let status = update_space(
        &mut spaces,
        &root,
        "sip.example.org",
        Some(pb::SpaceFields {
            is_super: Some(false),
            ..Default::default()
        }),
    )
    .await
    .unwrap_err();
    assert_eq!(violated_fields(&status), ["super"]);

    app.accounts
        .clone()
        .delete_account(pb::DeleteAccountRequest {
            actor: actor(&root),
            id: bob.id,
        })
        .await
        .unwrap();
    spaces
        .delete_space(delete("new.example.org"))
        .await
        .unwrap();
    let status = spaces
        .delete_space(delete("new.example.org"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
}
