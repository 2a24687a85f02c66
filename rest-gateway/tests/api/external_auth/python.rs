//! A SIP client of its own: Python computes the REGISTER and INVITE answers
//! with hashlib and sends Flexisip's request with urllib.

use core_service::testing::Backend;
use tokio::process::Command;

use super::flexisip_request::{bob_in_another_realm, external_auth_key, TEMPLATE};
use crate::{
    clients::available,
    helpers::{spawn_system, TestSystem, ADMIN, DOMAIN},
};

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
