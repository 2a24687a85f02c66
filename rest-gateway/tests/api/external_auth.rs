//! Flexisip's delegated SIP authentication (ExternalAuthentication plugin):
//! requests made as Flexisip makes them, one at a time, each token of the
//! README's `remote-auth-uri` template URI-escaped and `null` when absent,
//! against the real gateway and core; the SIP client's answers computed by
//! the tests' own Digest code and, in `a_python_sip_client…`, by Python's
//! hashlib.

use core_service::testing::Backend;
use flexiapi_proto::pb;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::process::Command;

use crate::{
    clients::available,
    digest_client::hash,
    helpers::{json, spawn_system, TestSystem, ADMIN, DOMAIN},
};

core_service::on_every_backend!(
    flexisip_checks_register_and_invite_through_the_core,
    only_a_key_of_scope_external_auth_opens_the_route,
);

/// The README's `remote-auth-uri`, after the scheme and host.
pub const TEMPLATE: &str = "/api/flexisip/external-auth?key=KEY&method={method}&from={from}\
    &domain={domain}&username={username}&realm={realm}&nonce={nonce}&uri={uri}&nc={nc}\
    &cnonce={cnonce}&qop={qop}&response={response}&opaque={opaque}&algorithm={algorithm}\
    &via={header:via}";

/// One SIP request's Digest answer, as Flexisip holds it.
#[derive(Clone)]
struct SipAnswer {
    method: &'static str,
    username: String,
    domain: String,
    realm: String,
    password: String,
    algorithm: Option<&'static str>,
    nonce: String,
    nc: u32,
    uri: String,
    qop: Option<&'static str>,
    via: Option<String>,
}

impl SipAnswer {
    fn register(username: &str, domain: &str, password: &str) -> Self {
        Self {
            method: "REGISTER",
            username: username.into(),
            domain: domain.into(),
            realm: domain.into(),
            password: password.into(),
            algorithm: Some("MD5"),
            // A sofia-sip nonce: base64, with '+', '/' and '='.
            nonce: "Zmxl+aXNp/cC1ub25jZQ==".into(),
            nc: 1,
            uri: format!("sip:{domain}"),
            qop: Some("auth"),
            via: Some("SIP/2.0/TLS 10.0.0.7:5061;branch=z9hG4bK-1;received=198.51.100.7".into()),
        }
    }

    /// The client's response, computed by the tests' own Digest code.
    fn response(&self) -> String {
        let algorithm = self.algorithm.unwrap_or("MD5");
        let h = |text: String| hash(algorithm, &text);
        let ha1 = h(format!(
            "{}:{}:{}",
            self.username, self.realm, self.password
        ));
        let ha2 = h(format!("{}:{}", self.method, self.uri));
        let qop = self.qop.unwrap_or_default();
        h(format!(
            "{ha1}:{}:{:08x}:cn0nce:{qop}:{ha2}",
            self.nonce, self.nc
        ))
    }

    /// The URL Flexisip requests: each token's value URI-escaped, `null`
    /// for an absent one.
    fn url(&self, system: &TestSystem, key: &str) -> String {
        let from = format!(
            "\"{0}\" <sip:{0}@{1}>;tag=a73kszlfl",
            self.username, self.domain
        );
        let nc = format!("{:08x}", self.nc);
        let tokens: [(&str, Option<&str>); 14] = [
            ("{method}", Some(self.method)),
            ("{from}", Some(&from)),
            ("{domain}", Some(&self.domain)),
            ("{username}", Some(&self.username)),
            ("{realm}", Some(&self.realm)),
            ("{nonce}", Some(&self.nonce)),
            ("{uri}", Some(&self.uri)),
            ("{nc}", self.qop.map(|_| nc.as_str())),
            ("{cnonce}", self.qop.map(|_| "cn0nce")),
            ("{qop}", self.qop),
            ("{response}", Some(&self.response())),
            ("{opaque}", None),
            ("{algorithm}", self.algorithm),
            ("{header:via}", self.via.as_deref()),
        ];
        let mut url = TEMPLATE.replace("KEY", key);
        for (token, value) in tokens {
            let value = value.map_or_else(|| "null".to_owned(), escape);
            url = url.replace(token, &value);
        }
        system.url(&url)
    }
}

fn escape(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Flexisip's request and what it reads: the HTTP status and the body's
/// `Key: value` lines.
async fn flexisip(system: &TestSystem, url: &str) -> (StatusCode, Vec<(String, String)>) {
    let response = system.http.get(url).send().await.unwrap();
    let status = response.status();
    let content_type = response.headers().get("content-type").cloned();
    let body = response.text().await.unwrap();
    if status != StatusCode::OK {
        return (status, vec![("body".into(), body)]);
    }
    assert_eq!(content_type.unwrap(), "text/plain; charset=utf-8");
    let lines = body
        .lines()
        .map(|line| {
            let (key, value) = line.split_once(": ").expect(&body);
            (key.to_owned(), value.to_owned())
        })
        .collect();
    (status, lines)
}

async fn judged(system: &TestSystem, key: &str, answer: &SipAnswer) -> Vec<(String, String)> {
    let (status, lines) = flexisip(system, &answer.url(system, key)).await;
    assert_eq!(status, StatusCode::OK, "{lines:?}");
    lines
}

fn line<'a>(lines: &'a [(String, String)], key: &str) -> Option<&'a str> {
    lines
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn assert_accepted(lines: &[(String, String)], identity: &str) {
    assert_eq!(line(lines, "Status"), Some("200"), "{lines:?}");
    assert_eq!(line(lines, "P-Asserted-Identity"), Some(identity));
}

fn assert_forbidden(lines: &[(String, String)]) {
    assert_eq!(line(lines, "Status"), Some("403"), "{lines:?}");
    assert_eq!(line(lines, "Phrase"), Some("Forbidden"));
    assert_eq!(
        line(lines, "Reason"),
        Some("SIP;cause=403;text=\"Forbidden\"")
    );
    assert_eq!(line(lines, "P-Asserted-Identity"), None);
}

fn assert_challenged(lines: &[(String, String)], status: &str, reason: &str) {
    assert_eq!(line(lines, "Status"), Some(status), "{lines:?}");
    let expected = format!("SIP;cause={status};text=\"{reason}\"");
    assert_eq!(line(lines, "Reason"), Some(expected.as_str()), "{lines:?}");
}

/// A key of scope external-auth, made as the README makes it.
pub async fn external_auth_key(system: &TestSystem) -> String {
    external_auth_key_of(system, ADMIN).await
}

async fn external_auth_key_of(system: &TestSystem, admin: &str) -> String {
    let mut keys =
        pb::api_key_service_client::ApiKeyServiceClient::new(system.core_channel().await);
    keys.create_api_key(pb::CreateApiKeyRequest {
        owner: Some(pb::AccountAddress {
            username: admin.into(),
            domain: DOMAIN.into(),
        }),
        name: "flexisip-auth".into(),
        scope: "external-auth".into(),
        ..Default::default()
    })
    .await
    .unwrap()
    .into_inner()
    .key
}

/// bob00001 (SHA-256) in sip.example.com, a space whose realm is
/// `example-realm`.
async fn bob_in_another_realm(system: &TestSystem, admin_key: &str) -> pb::Account {
    let space = json!({"domain": "sip.example.com", "realm": "example-realm"});
    let created = system
        .with_key(admin_key, Method::POST, "/api/spaces", Some(space))
        .await;
    json(created, StatusCode::CREATED).await;
    system
        .grpc_create_account_in("bob00001", "sip.example.com", "bob-pw", "SHA-256", false)
        .await
}

async fn flexisip_checks_register_and_invite_through_the_core(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    let admin_key = system.named_key(ADMIN, "tools").await;
    let key = external_auth_key(&system).await;
    let alice = system
        .grpc_create_account("alice01", "alice-pw", "MD5", false)
        .await;
    let identity = format!("<sip:alice01@{DOMAIN}>");

    // REGISTER, MD5: first answer, a later count, then a replay (twice).
    let mut register = SipAnswer::register("alice01", DOMAIN, "alice-pw");
    assert_accepted(&judged(&system, &key, &register).await, &identity);
    register.nc = 2;
    assert_accepted(&judged(&system, &key, &register).await, &identity);
    for _ in 0..2 {
        assert_challenged(
            &judged(&system, &key, &register).await,
            "401",
            "Nonce replayed",
        );
    }
    // Wrong password, unknown account: the same 403.
    let wrong = SipAnswer {
        password: "guess".into(),
        nonce: "d3Jvbmc=".into(),
        ..register.clone()
    };
    assert_forbidden(&judged(&system, &key, &wrong).await);
    let nobody = SipAnswer::register("nobody01", DOMAIN, "alice-pw");
    assert_forbidden(&judged(&system, &key, &nobody).await);
    // A malformed count on an INVITE: 407, so Flexisip challenges again.
    let mut invite = SipAnswer {
        method: "INVITE",
        uri: format!("sip:bob@{DOMAIN}"),
        nonce: "aW52aXRl".into(),
        ..register.clone()
    };
    invite.qop = None;
    assert_challenged(
        &judged(&system, &key, &invite).await,
        "407",
        "Invalid Digest qop: is missing: only qop=auth answers are accepted (challenge with qop)",
    );

    // INVITE, SHA-256, an account of a space whose realm is not its domain.
    let bob = bob_in_another_realm(&system, &admin_key).await;
    let invite = SipAnswer {
        method: "INVITE",
        realm: "example-realm".into(),
        algorithm: Some("SHA-256"),
        uri: "sip:alice01@sip.example.org".into(),
        ..SipAnswer::register("bob00001", "sip.example.com", "bob-pw")
    };
    assert_accepted(
        &judged(&system, &key, &invite).await,
        "<sip:bob00001@sip.example.com>",
    );
    let wrong_realm = SipAnswer {
        realm: "sip.example.com".into(),
        nonce: "cmVhbG0=".into(),
        ..invite.clone()
    };
    assert_challenged(
        &judged(&system, &key, &wrong_realm).await,
        "407",
        "Invalid Digest realm: does not match the account's realm",
    );

    // A password change applies to the very next REGISTER; so does a
    // deactivation. No cache stands in between.
    let update = json!({"password": "new-alice-pw", "algorithm": "MD5"});
    let path = format!("/api/accounts/{}", alice.id);
    json(
        system
            .with_key(&admin_key, Method::PUT, &path, Some(update))
            .await,
        StatusCode::OK,
    )
    .await;
    let old = SipAnswer {
        nonce: "b2xk".into(),
        ..register.clone()
    };
    assert_forbidden(&judged(&system, &key, &old).await);
    let new = SipAnswer {
        nonce: "bmV3".into(),
        password: "new-alice-pw".into(),
        ..register.clone()
    };
    assert_accepted(&judged(&system, &key, &new).await, &identity);
    let path = format!("/api/accounts/{}/deactivate", bob.id);
    json(
        system.with_key(&admin_key, Method::POST, &path, None).await,
        StatusCode::OK,
    )
    .await;
    let again = SipAnswer {
        nonce: "YWdhaW4=".into(),
        ..invite.clone()
    };
    assert_forbidden(&judged(&system, &key, &again).await);
}

async fn only_a_key_of_scope_external_auth_opens_the_route(backend: Backend) {
    let Some(system) = spawn_system(backend).await else {
        return;
    };
    system
        .grpc_create_account("alice01", "alice-pw", "MD5", false)
        .await;
    let admin_key = system.named_key(ADMIN, "tools").await;
    let key = external_auth_key(&system).await;
    let answer = SipAnswer::register("alice01", DOMAIN, "alice-pw");

    let refused =
        |message: &str| vec![("body".to_owned(), json!({"message": message}).to_string())];
    for (wrong, message) in [
        ("", "Missing API key"),
        (admin_key.as_str(), "Invalid API Key"),
        (
            "0123456789012345678901234567890123456789",
            "Invalid API Key",
        ),
    ] {
        let (status, body) = flexisip(&system, &answer.url(&system, wrong)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{wrong:?}");
        assert_eq!(body, refused(message));
    }
    // The right key still works: the refusals recorded nothing.
    assert_accepted(
        &judged(&system, &key, &answer).await,
        &format!("<sip:alice01@{DOMAIN}>"),
    );
    // A key stops working when its owner stops being an admin.
    let admin02 = system
        .grpc_create_account("admin02", "admin02-pw", "MD5", true)
        .await;
    let second = external_auth_key_of(&system, "admin02").await;
    let retry = SipAnswer {
        nonce: "c2Vjb25k".into(),
        ..answer.clone()
    };
    assert_accepted(
        &judged(&system, &second, &retry).await,
        &format!("<sip:alice01@{DOMAIN}>"),
    );
    let demote = json!({"admin": false});
    let path = format!("/api/accounts/{}", admin02.id);
    let demoted = system
        .with_key(&admin_key, Method::PUT, &path, Some(demote))
        .await;
    json(demoted, StatusCode::OK).await;
    let (status, _) = flexisip(&system, &retry.url(&system, &second)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an ex-admin's key");
    // And it opens nothing else.
    let response = system
        .with_key(&key, Method::GET, "/api/accounts", None)
        .await;
    assert_eq!(
        json(response, StatusCode::UNAUTHORIZED).await,
        json!({"message": "Invalid API Key"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_answers_lock_one_sip_client_out_not_the_others() {
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    system
        .grpc_create_account("alice01", "alice-pw", "MD5", false)
        .await;
    let key = external_auth_key(&system).await;
    let guesser = "SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK-g";
    for n in 0..5 {
        let guess = SipAnswer {
            password: format!("guess-{n}"),
            nonce: format!("Z3Vlc3M{n}"),
            via: Some(guesser.into()),
            ..SipAnswer::register("alice01", DOMAIN, "alice-pw")
        };
        assert_forbidden(&judged(&system, &key, &guess).await);
    }
    let right_from_guesser = SipAnswer {
        via: Some(guesser.into()),
        ..SipAnswer::register("alice01", DOMAIN, "alice-pw")
    };
    assert_challenged(
        &judged(&system, &key, &right_from_guesser).await,
        "401",
        "Too many failed attempts",
    );
    // Alice's phone, behind the same Flexisip, is another client.
    let phone = SipAnswer::register("alice01", DOMAIN, "alice-pw");
    assert_accepted(
        &judged(&system, &key, &phone).await,
        &format!("<sip:alice01@{DOMAIN}>"),
    );
}

/// Python computes the REGISTER answer with hashlib, as a SIP client does
/// (RFC 2617 with qop=auth), and sends Flexisip's request with urllib,
/// each value escaped by urllib.parse.quote.
const PYTHON_FLEXISIP: &str = r#"
import hashlib, sys, urllib.parse, urllib.request
base, key, user, domain, realm, password, algorithm, method, uri = sys.argv[1:10]
h = lambda s: hashlib.new("md5" if algorithm == "MD5" else "sha256", s.encode()).hexdigest()
nonce, nc, cnonce = "cHl0aG9u+bm9uY2U/", "00000001", "0a4f113b"
ha1 = h(f"{user}:{realm}:{password}")
ha2 = h(f"{method}:{uri}")
response = h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
values = {"method": method, "from": f"<sip:{user}@{domain}>;tag=1", "domain": domain,
          "username": user, "realm": realm, "nonce": nonce, "uri": uri, "nc": nc,
          "cnonce": cnonce, "qop": "auth", "response": response, "opaque": "null",
          "algorithm": algorithm, "header:via": "SIP/2.0/UDP 192.0.2.44:5060;branch=z9hG4bK-p"}
url = base + sys.argv[10].replace("KEY", key)
for name, value in values.items():
    url = url.replace("{" + name + "}", value if value == "null" else urllib.parse.quote(value, safe=""))
print(urllib.request.urlopen(url).read().decode(), end="")
"#;

async fn python_flexisip(system: &TestSystem, key: &str, args: [&str; 7]) -> String {
    let output = Command::new("python3")
        .args(["-c", PYTHON_FLEXISIP, &system.base, key])
        .args(args)
        .arg(TEMPLATE)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_sip_client_registers_through_a_flexisip_request() {
    if !available("python3", &["-c", "import hashlib, urllib.request"]).await {
        return;
    }
    let system = spawn_system(Backend::Sqlite).await.unwrap();
    system
        .grpc_create_account("alice01", "alice-pw", "MD5", false)
        .await;
    let admin_key = system.named_key(ADMIN, "tools").await;
    bob_in_another_realm(&system, &admin_key).await;
    let key = external_auth_key(&system).await;

    let register = [
        "alice01",
        DOMAIN,
        DOMAIN,
        "alice-pw",
        "MD5",
        "REGISTER",
        "sip:sip.example.org",
    ];
    assert_eq!(
        python_flexisip(&system, &key, register).await,
        "Status: 200\nPhrase: OK\nReason: SIP;cause=200;text=\"OK\"\n\
         P-Asserted-Identity: <sip:alice01@sip.example.org>\n"
    );
    // The same request again: its nc was seen.
    assert!(python_flexisip(&system, &key, register)
        .await
        .starts_with("Status: 401\n"));
    let invite = [
        "bob00001",
        "sip.example.com",
        "example-realm",
        "bob-pw",
        "SHA-256",
        "INVITE",
        "sip:alice01@sip.example.org",
    ];
    assert!(python_flexisip(&system, &key, invite)
        .await
        .ends_with("P-Asserted-Identity: <sip:bob00001@sip.example.com>\n"));
    let wrong = [
        "bob00001",
        "sip.example.com",
        "example-realm",
        "guess",
        "SHA-256",
        "INVITE",
        "sip:x@y",
    ];
    assert!(python_flexisip(&system, &key, wrong)
        .await
        .starts_with("Status: 403\nPhrase: Forbidden\n"));
}
