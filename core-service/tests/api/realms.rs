//! A space's realm over gRPC: what challenges carry and what every HA1
//! written binds, as Flexisip's query reads it; fixed once the space has
//! accounts; and the space's default algorithm.

use flexiapi_proto::pb;
use tonic::Code;

use crate::{
    helpers::{actor, hash, spawn_app, Backend, DigestClient},
    spaces::{create_space, fields, root, update_space, violated_fields},
};

core_service::on_every_backend!(
    a_space_realm_binds_its_passwords,
    a_password_without_algorithm_gets_the_space_default,
);

async fn a_space_realm_binds_its_passwords(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let root = root(&app).await;
    let mut spaces = app.spaces();
    create_space(
        &mut spaces,
        &root,
        "sip.example.com",
        fields(Some("example-realm"), None),
    )
    .await
    .unwrap();
    let carol = app
        .create_account_in("carol01", "sip.example.com", "carol-pw", "MD5", false)
        .await;

    let challenges = app
        .auth
        .clone()
        .challenge(pb::ChallengeRequest {
            username: "carol01".into(),
            domain: "sip.example.com".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .challenges;
    assert_eq!(challenges[0].realm, "example-realm");
    let mut answer = DigestClient::new("carol01", "carol-pw").answer(&challenges[0], 1);
    answer.domain = "sip.example.com".into();
    let verdict = app.verify(answer.clone()).await;
    assert!(verdict.ok, "{verdict:?}");

    let mut wrong_realm = answer;
    let digest = wrong_realm.digest.as_mut().unwrap();
    digest.realm = "sip.example.com".into();
    digest.nc = "00000002".into();
    let verdict = app.verify(wrong_realm).await;
    assert_eq!(verdict.field, "realm", "{verdict:?}");

    let expected_ha1 = hash("MD5", "carol01:example-realm:carol-pw");
    let credentials = app
        .auth
        .clone()
        .get_credentials(pb::GetCredentialsRequest {
            username: "carol01".into(),
            domain: "sip.example.com".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(credentials.realm, "example-realm");
    assert_eq!(credentials.credentials[0].ha1, expected_ha1);
    assert_eq!(
        app.flexisip_query("carol01", "sip.example.com").await,
        [(expected_ha1, "MD5".to_owned())],
        "Flexisip's query returns the realm's HA1"
    );

    // A new password keeps binding the space's realm.
    app.accounts
        .clone()
        .change_password(pb::ChangePasswordRequest {
            actor: actor(&carol),
            old_password: "carol-pw".into(),
            password: "carol-pw-2".into(),
            algorithm: "SHA-256".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        app.flexisip_query("carol01", "sip.example.com").await,
        [(
            hash("SHA-256", "carol01:example-realm:carol-pw-2"),
            "SHA-256".to_owned()
        )]
    );

    let status = update_space(
        &mut spaces,
        &root,
        "sip.example.com",
        fields(Some("another-realm"), None),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["realm"]);
    let same = update_space(
        &mut spaces,
        &root,
        "sip.example.com",
        fields(Some("example-realm"), None),
    )
    .await;
    assert!(same.is_ok(), "giving the same realm is no change");
}

async fn a_password_without_algorithm_gets_the_space_default(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let root = root(&app).await;
    let mut spaces = app.spaces();
    create_space(
        &mut spaces,
        &root,
        "md5.example.org",
        Some(pb::SpaceFields {
            default_password_algorithm: Some("md5".into()),
            ..Default::default()
        }),
    )
    .await
    .unwrap();
    let dave = app
        .create_account_in("dave0001", "md5.example.org", "dave-pw", "SHA-256", false)
        .await;
    // An account without a password (imported, or its rows removed).
    app.execute(
        "DELETE FROM passwords WHERE account_id IN (SELECT id FROM accounts WHERE username = $1)",
        &["dave0001"],
    )
    .await;
    let updated = app
        .accounts
        .clone()
        .update_account(pb::UpdateAccountRequest {
            actor: actor(&root),
            id: dave.id,
            password: Some("dave-pw-2".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .account
        .unwrap();
    assert_eq!(updated.password_algorithms, ["MD5"]);
}
