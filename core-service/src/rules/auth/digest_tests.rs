//! RFC 7616's worked examples and every field the check refuses.

use super::*;
use crate::domain::model::Secret;

/// RFC 7616 §3.9.1: Mufasa / "Circle of Life".
fn rfc_fields() -> DigestFields {
    DigestFields {
        username: "Mufasa".into(),
        realm: "http-auth@example.org".into(),
        nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v".into(),
        uri: "/dir/index.html".into(),
        nc: "00000001".into(),
        cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ".into(),
        qop: "auth".into(),
        opaque: "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS".into(),
        ..Default::default()
    }
}

fn rfc_ha1(algorithm: Algorithm) -> String {
    hash(
        algorithm,
        &["Mufasa", "http-auth@example.org", "Circle of Life"],
    )
}

#[test]
fn rfc_7616_example_md5() {
    let response = expected_response(
        Algorithm::Md5,
        &rfc_ha1(Algorithm::Md5),
        "GET",
        &rfc_fields(),
    );
    assert_eq!(response, "8ca523f5e9506fed4657c9700eebdbec");
}

#[test]
fn rfc_7616_example_sha256() {
    let response = expected_response(
        Algorithm::Sha256,
        &rfc_ha1(Algorithm::Sha256),
        "GET",
        &rfc_fields(),
    );
    assert_eq!(
        response,
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    );
}

fn mufasa() -> (Account, Vec<Credential>) {
    let account = Account {
        id: 1,
        username: "Mufasa".into(),
        domain: "example.org".into(),
        // RFC 7616's example realm, which is not a host name: a space's
        // realm need not be its domain.
        realm: "http-auth@example.org".into(),
        activated: true,
        ..Account::default()
    };
    let credentials = [Algorithm::Md5, Algorithm::Sha256]
        .into_iter()
        .map(|algorithm| Credential {
            algorithm,
            ha1: Secret::new(rfc_ha1(algorithm)),
        })
        .collect();
    (account, credentials)
}

fn signed(algorithm: Algorithm) -> DigestFields {
    let mut fields = rfc_fields();
    fields.algorithm = algorithm.as_str().into();
    fields.response = expected_response(algorithm, &rfc_ha1(algorithm), "GET", &fields);
    fields
}

fn check(fields: &DigestFields) -> Result<(), Rejection> {
    let (account, credentials) = mufasa();
    let opaque = rfc_fields().opaque;
    check_answer(
        fields,
        "GET",
        "/dir/index.html",
        &account,
        &credentials,
        &opaque,
    )
}

#[test]
fn a_correct_answer_passes_for_both_algorithms() {
    assert_eq!(check(&signed(Algorithm::Md5)), Ok(()));
    assert_eq!(check(&signed(Algorithm::Sha256)), Ok(()));
}

#[test]
fn absent_algorithm_means_md5_and_uppercase_hex_is_accepted() {
    let mut fields = signed(Algorithm::Md5);
    fields.algorithm.clear();
    fields.response = fields.response.to_ascii_uppercase();
    assert_eq!(check(&fields), Ok(()));
}

#[test]
fn username_may_carry_the_domain() {
    let mut fields = signed(Algorithm::Md5);
    fields.username = "Mufasa@EXAMPLE.org".into();
    // split at the first '@'; the domain (not the realm), in any case
    assert_eq!(check(&fields), Ok(()));
}

#[test]
fn a_wrong_password_is_unauthorized() {
    let mut fields = signed(Algorithm::Sha256);
    let (account, _) = mufasa();
    let wrong = hash(
        Algorithm::Sha256,
        &["Mufasa", "http-auth@example.org", "Circle of Lies"],
    );
    fields.response = expected_response(Algorithm::Sha256, &wrong, "GET", &fields);
    let credentials = vec![Credential {
        algorithm: Algorithm::Sha256,
        ha1: Secret::new(rfc_ha1(Algorithm::Sha256)),
    }];
    let result = check_answer(
        &fields,
        "GET",
        "/dir/index.html",
        &account,
        &credentials,
        &fields.opaque.clone(),
    );
    assert_eq!(result, Err(Rejection::Unauthorized));
}

#[test]
fn the_method_is_part_of_the_response() {
    let fields = signed(Algorithm::Md5);
    let (account, credentials) = mufasa();
    let result = check_answer(
        &fields,
        "DELETE",
        "/dir/index.html",
        &account,
        &credentials,
        &fields.opaque,
    );
    assert_eq!(result, Err(Rejection::Unauthorized));
}

#[test]
fn every_bad_field_is_named() {
    type Edit = fn(&mut DigestFields);
    let cases: &[(&str, Edit)] = &[
        ("username", |f| f.username = "Scar".into()),
        ("username", |f| f.username = "Mufasa@other.org".into()),
        ("username", |f| f.username.clear()),
        ("realm", |f| f.realm = "other".into()),
        ("qop", |f| f.qop = "auth-int".into()),
        ("qop", |f| f.qop.clear()),
        ("opaque", |f| f.opaque = "forged".into()),
        ("opaque", |f| f.opaque.clear()),
        ("uri", |f| f.uri = "/dir/other.html".into()),
        ("uri", |f| f.uri.clear()),
        ("algorithm", |f| f.algorithm = "SHA-512-256".into()),
        ("algorithm", |f| f.algorithm = "MD5-sess".into()),
        ("cnonce", |f| f.cnonce.clear()),
        ("response", |f| f.response = "zz".repeat(16)),
        ("response", |f| f.response.truncate(31)),
        ("response", |f| f.response.clear()),
        ("userhash", |f| f.userhash = "true".into()),
        ("cnonce", |f| f.cnonce = "c".repeat(MAX_FIELD_LEN + 1)),
    ];
    for (field, edit) in cases {
        let mut fields = signed(Algorithm::Md5);
        edit(&mut fields);
        match check(&fields) {
            Err(Rejection::Field { field: named, .. }) => assert_eq!(named, *field),
            other => panic!("{field}: expected a field rejection, got {other:?}"),
        }
    }
}

#[test]
fn an_algorithm_without_a_password_is_refused() {
    let fields = signed(Algorithm::Sha256);
    let (account, credentials) = mufasa();
    let md5_only = &credentials[..1];
    let result = check_answer(
        &fields,
        "GET",
        "/dir/index.html",
        &account,
        md5_only,
        &fields.opaque,
    );
    assert!(matches!(
        result,
        Err(Rejection::Field {
            field: "algorithm",
            ..
        })
    ));
}

#[test]
fn messages_are_the_contract_words() {
    assert_eq!(Rejection::NonceInvalid.message(), "Nonce invalid");
    assert_eq!(Rejection::NonceReplayed.message(), "Nonce replayed");
    assert_eq!(Rejection::NonceExpired.message(), "Nonce expired");
    assert_eq!(Rejection::Unauthorized.message(), "Unauthorized");
    assert!(Rejection::field("uri", "x").message().contains("uri"));
}
