//! The two binaries as an operator runs them (flags from the environment,
//! a secret from a `_FILE`, the default log level), driven by an
//! unmodified third-party client, Python `requests`, through an Android
//! app's sequence; then their logs are read: no token, code, password or
//! provider secret in them, and the core says which channels are off.

use std::process::Stdio;

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    process::Command,
};

use super::providers::{Providers, FCM_PARAM, SMS_TOKEN};
use crate::{
    clients::available,
    processes::{core_binary, free_port, terminate, wait_for_port},
};

const APP: &str = r#"
import sys, json, requests
from requests.auth import HTTPDigestAuth
base, param, prid = sys.argv[1:4]
headers = {"Content-Type": "application/json", "Accept": "application/json",
           "User-Agent": "LinphoneAndroid/6.0.0 (Pixel 8) LinphoneSDK/5.4.0"}
def show(r, *keys):
    body = r.json()
    print(r.status_code, r.headers["Content-Type"], *[body.get(k) for k in keys], flush=True)
push = {"pn_provider": "fcm", "pn_param": param, "pn_prid": prid}
r = requests.post(base + "/api/account_creation_tokens/send-by-push", data=json.dumps(push), headers=headers)
print(r.status_code, r.headers["Content-Type"], r.text, flush=True)
token = sys.stdin.readline().strip()
account = {"username": "pyapp01", "password": "py-app-password", "algorithm": "SHA-256",
           "account_creation_token": token}
show(requests.post(base + "/api/accounts/with-account-creation-token", data=json.dumps(account), headers=headers), "activated")
app = requests.Session()
app.auth = HTTPDigestAuth("pyapp01", "py-app-password")
app.headers.update(headers)
app.headers["From"] = "sip:pyapp01@sip.example.org"
r = app.post(base + "/api/accounts/me/phone/request", data=json.dumps({"phone": "+33612345678"}))
print(r.status_code, r.text, flush=True)
code = sys.stdin.readline().strip()
show(app.post(base + "/api/accounts/me/phone", data=json.dumps({"code": code})), "activated", "phone")
print(app.get(base + "/api/devices").status_code, flush=True)
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_app_signs_up_against_the_binaries_and_no_secret_is_logged() {
    if !available("python3", &["-c", "import requests"]).await {
        return;
    }
    let providers = Providers::start().await;
    let delivery = providers.delivery(None);
    let dir = tempfile::tempdir().unwrap();
    let sms_token_file = dir.path().join("sms-token");
    std::fs::write(&sms_token_file, format!("{SMS_TOKEN}\n")).unwrap();
    let (core_port, gateway_port) = (free_port(), free_port());
    let core_log = dir.path().join("core.log");
    let gateway_log = dir.path().join("gateway.log");
    let log = |path: &std::path::Path| Stdio::from(std::fs::File::create(path).unwrap());
    let core = std::process::Command::new(core_binary())
        .args(["serve", "--listen", &format!("127.0.0.1:{core_port}")])
        .env(
            "DATABASE_URL",
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("core.sqlite").display()
            ),
        )
        .env("FLEXIAPI_SIP_DOMAIN", "sip.example.org")
        .env(
            "FLEXIAPI_FCM_SERVICE_ACCOUNTS",
            format!("{FCM_PARAM}:{}", delivery.fcm_accounts[0].path.display()),
        )
        .env("FLEXIAPI_FCM_URL", &providers.base)
        .env("FLEXIAPI_SMS_URL", format!("{}/sms", providers.base))
        .env("FLEXIAPI_SMS_TOKEN_FILE", &sms_token_file)
        .env_remove("RUST_LOG")
        .stdout(log(&dir.path().join("core.out")))
        .stderr(log(&core_log))
        .spawn()
        .unwrap();
    wait_for_port(core_port);
    let gateway = std::process::Command::new(env!("CARGO_BIN_EXE_rest-gateway"))
        .args(["--listen", &format!("127.0.0.1:{gateway_port}")])
        .args(["--core-url", &format!("http://127.0.0.1:{core_port}")])
        .env_remove("RUST_LOG")
        .stdout(log(&dir.path().join("gateway.out")))
        .stderr(log(&gateway_log))
        .spawn()
        .unwrap();
    wait_for_port(gateway_port);

    let prid = "cXk1:APA91bF-full-device-token-never-logged";
    let mut app = Command::new("python3")
        .args([
            "-c",
            APP,
            &format!("http://127.0.0.1:{gateway_port}"),
            FCM_PARAM,
            prid,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = app.stdin.take().unwrap();
    let mut lines = BufReader::new(app.stdout.take().unwrap()).lines();
    let mut next = async || lines.next_line().await.unwrap().unwrap_or_default();
    assert_eq!(next().await, "200 application/json {}");
    let token = providers.last_fcm_token();
    stdin
        .write_all(format!("{token}\n").as_bytes())
        .await
        .unwrap();
    assert_eq!(next().await, "200 application/json False");
    assert_eq!(next().await, "200 {}");
    let code = providers.last_sms_code();
    stdin
        .write_all(format!("{code}\n").as_bytes())
        .await
        .unwrap();
    assert_eq!(next().await, "200 application/json True +33612345678");
    assert_eq!(next().await, "200");
    assert!(app.wait().await.unwrap().success());

    terminate(core);
    terminate(gateway);
    let core_text = std::fs::read_to_string(&core_log).unwrap();
    let gateway_text = std::fs::read_to_string(&gateway_log).unwrap();
    assert!(
        core_text.contains("onboarding channels") && core_text.contains("push-apns"),
        "the start log names the channels off: {core_text}"
    );
    for (name, text) in [("core", &core_text), ("gateway", &gateway_text)] {
        for secret in [
            token.as_str(),
            code.as_str(),
            "py-app-password",
            SMS_TOKEN,
            prid,
        ] {
            assert!(
                !text.contains(secret),
                "{name}'s log holds {secret:?}:\n{text}"
            );
        }
    }
}
