//! A fake of the providers the core speaks to, in their real protocols, on
//! one port: Google's OAuth token endpoint and FCM HTTP v1 (HTTP/1.1),
//! APNs (HTTP/2 with prior knowledge) and an SMS gateway. It checks what a
//! real provider checks (the JWTs' signatures and claims, the bearer
//! tokens) and records every request, with the HTTP version it came in.

use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::{
        atomic::{AtomicU16, AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode, Uri, Version},
    routing::post,
    Form, Json, Router,
};
use core_service::adapters::delivery::{ApnsConfig, DeliveryConfig, FcmAccount, SmsConfig};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/push");
/// The Firebase project number the Android app sends as `pn_param`.
pub const FCM_PARAM: &str = "929724111839";
pub const APNS_PARAM: &str = "ABCD1234.org.linphone.phone.remote";
pub const APNS_KEY_ID: &str = "KEYID12345";
pub const APNS_TEAM: &str = "ABCD1234";
pub const SMS_TOKEN: &str = "sms-gateway-secret";

/// One request a provider received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub version: Version,
    pub path: String,
    /// The whole request path.
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Default)]
struct Shared {
    oauth: Mutex<Vec<Value>>,
    fcm: Mutex<Vec<Seen>>,
    apns: Mutex<Vec<Seen>>,
    sms: Mutex<Vec<Seen>>,
    tokens_issued: AtomicUsize,
    /// The status each provider answers (200 unless a test says otherwise).
    fcm_status: AtomicU16,
    /// Seconds FCM takes to answer (0: at once).
    fcm_delay: AtomicU16,
    apns_status: AtomicU16,
    sms_status: AtomicU16,
    base: Mutex<String>,
}

pub struct Providers {
    pub base: String,
    shared: Arc<Shared>,
    dir: tempfile::TempDir,
    _task: tokio::task::JoinHandle<()>,
}

impl Providers {
    // A fake of others' services: its routes belong in no document of ours.
    #[allow(clippy::disallowed_methods)]
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        for status in [&shared.fcm_status, &shared.apns_status, &shared.sms_status] {
            status.store(200, Ordering::SeqCst);
        }
        let app = Router::new()
            .route("/token", post(token))
            .route("/v1/projects/{project}/messages:send", post(fcm))
            .route("/3/device/{prid}", post(apns))
            .route("/production/3/device/{prid}", post(apns))
            .route("/sms", post(sms))
            .route("/siteverify", post(siteverify))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        *shared.base.lock().unwrap() = base.clone();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            base,
            shared,
            dir: tempfile::tempdir().unwrap(),
            _task: task,
        }
    }

    /// The core's channels pointed at this fake (mail: at `smtp_url`).
    pub fn delivery(&self, smtp_url: Option<String>) -> DeliveryConfig {
        let service_account = json!({
            "type": "service_account",
            "project_id": "linphone-test",
            "private_key_id": "fcm-key-1",
            "private_key": std::fs::read_to_string(format!("{FIXTURES}/fcm-test-key.pem")).unwrap(),
            "client_email": "pusher@linphone-test.iam.gserviceaccount.com",
            "token_uri": format!("{}/token", self.base),
        });
        let path: PathBuf = self.dir.path().join("service-account.json");
        std::fs::write(&path, service_account.to_string()).unwrap();
        DeliveryConfig {
            fcm_accounts: vec![FcmAccount {
                pn_param: FCM_PARAM.into(),
                path,
            }],
            fcm_url: self.base.clone(),
            apns: Some(ApnsConfig {
                key_file: format!("{FIXTURES}/apns-test-key.p8").into(),
                key_id: APNS_KEY_ID.into(),
                team_id: APNS_TEAM.into(),
                url: format!("{}/production", self.base),
                dev_url: self.base.clone(),
            }),
            smtp: smtp_url.map(|url| core_service::adapters::delivery::SmtpConfig {
                url,
                from: None,
                from_name: Some("Example SIP".into()),
            }),
            sms: Some(SmsConfig {
                url: format!("{}/sms", self.base),
                token: Some(SMS_TOKEN.into()),
            }),
        }
    }

    /// The gateway's hCaptcha flags, checked here: (secret, sitekey, URL).
    pub fn captcha(&self) -> (String, String, String) {
        (
            "captcha-secret".into(),
            "10000000-ffff-ffff-ffff-000000000001".into(),
            format!("{}/siteverify", self.base),
        )
    }

    pub fn oauth(&self) -> Vec<Value> {
        self.shared.oauth.lock().unwrap().clone()
    }
    pub fn fcm(&self) -> Vec<Seen> {
        self.shared.fcm.lock().unwrap().clone()
    }
    pub fn apns(&self) -> Vec<Seen> {
        self.shared.apns.lock().unwrap().clone()
    }
    pub fn sms(&self) -> Vec<Seen> {
        self.shared.sms.lock().unwrap().clone()
    }

    pub fn fail_fcm(&self, status: u16) {
        self.shared.fcm_status.store(status, Ordering::SeqCst);
    }
    /// FCM answers only after `seconds`.
    pub fn slow_fcm(&self, seconds: u16) {
        self.shared.fcm_delay.store(seconds, Ordering::SeqCst);
    }
    pub fn fail_apns(&self, status: u16) {
        self.shared.apns_status.store(status, Ordering::SeqCst);
    }
    pub fn fail_sms(&self, status: u16) {
        self.shared.sms_status.store(status, Ordering::SeqCst);
    }

    /// The token the last FCM push carried, from its `custom-payload`.
    pub fn last_fcm_token(&self) -> String {
        let last = self.fcm().pop().expect("no FCM push");
        let payload = last.body["message"]["android"]["data"]["custom-payload"]
            .as_str()
            .expect("custom-payload is a string")
            .to_owned();
        let payload: Value = serde_json::from_str(&payload).unwrap();
        payload["token"].as_str().unwrap().to_owned()
    }

    /// The code the last SMS carried.
    pub fn last_sms_code(&self) -> String {
        let last = self.sms().pop().expect("no SMS");
        code_in(last.body["message"].as_str().unwrap())
    }
}

/// The first 4-digit word of a message.
pub fn code_in(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|word| word.len() == 4)
        .unwrap_or_else(|| panic!("no code in {text:?}"))
        .to_owned()
}

fn status(code: &AtomicU16) -> StatusCode {
    StatusCode::from_u16(code.load(Ordering::SeqCst)).unwrap()
}

/// Google's token endpoint: a JWT-bearer grant signed with the service
/// account's key, for the FCM scope.
async fn token(
    State(shared): State<Arc<Shared>>,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "unsupported_grant_type"})),
        );
    }
    let public = std::fs::read(format!("{FIXTURES}/fcm-test-key.pub.pem")).unwrap();
    let key = DecodingKey::from_rsa_pem(&public).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    let audience = format!("{}/token", shared.base.lock().unwrap());
    validation.set_audience(&[audience]);
    validation.set_issuer(&["pusher@linphone-test.iam.gserviceaccount.com"]);
    let assertion = form.get("assertion").cloned().unwrap_or_default();
    match jsonwebtoken::decode::<Value>(&assertion, &key, &validation) {
        Ok(data) => {
            shared.oauth.lock().unwrap().push(data.claims);
            let n = shared.tokens_issued.fetch_add(1, Ordering::SeqCst);
            let answer = json!({"access_token": format!("ya29.fake-{n}"), "expires_in": 3599, "token_type": "Bearer"});
            (StatusCode::OK, Json(answer))
        }
        Err(error) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant", "error_description": error.to_string()})),
        ),
    }
}

async fn fcm(
    State(shared): State<Arc<Shared>>,
    Path(project): Path<String>,
    version: Version,
    uri: Uri,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if project != "linphone-test" || !bearer.starts_with("Bearer ya29.fake-") {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": {"code": 401}})),
        );
    }
    let delay = shared.fcm_delay.load(Ordering::SeqCst);
    tokio::time::sleep(std::time::Duration::from_secs(u64::from(delay))).await;
    shared.fcm.lock().unwrap().push(Seen {
        version,
        uri: uri.path().to_owned(),
        path: project,
        headers,
        body,
    });
    (
        status(&shared.fcm_status),
        Json(json!({"name": "projects/linphone-test/messages/1"})),
    )
}

/// APNs: a provider token (ES256, the key's id, the team as issuer).
async fn apns(
    State(shared): State<Arc<Shared>>,
    Path(prid): Path<String>,
    version: Version,
    uri: Uri,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let jwt = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bearer "))
        .unwrap_or_default();
    let public = std::fs::read(format!("{FIXTURES}/apns-test-key.pub.pem")).unwrap();
    let key = DecodingKey::from_ec_pem(&public).unwrap();
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_issuer(&[APNS_TEAM]);
    validation.set_required_spec_claims(&["iss"]);
    let header = jsonwebtoken::decode_header(jwt).ok();
    let valid = jsonwebtoken::decode::<Value>(jwt, &key, &validation).is_ok()
        && header.and_then(|h| h.kid).as_deref() == Some(APNS_KEY_ID);
    if !valid {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({"reason": "InvalidProviderToken"})),
        );
    }
    shared.apns.lock().unwrap().push(Seen {
        version,
        uri: uri.path().to_owned(),
        path: prid,
        headers,
        body,
    });
    (status(&shared.apns_status), Json(json!({})))
}

/// hCaptcha's siteverify: the widget answer `passed` passes.
async fn siteverify(Form(form): Form<std::collections::HashMap<String, String>>) -> Json<Value> {
    let success = form.get("secret").map(String::as_str) == Some("captcha-secret")
        && form.get("response").map(String::as_str) == Some("passed");
    Json(json!({"success": success}))
}

async fn sms(
    State(shared): State<Arc<Shared>>,
    version: Version,
    uri: Uri,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> StatusCode {
    shared.sms.lock().unwrap().push(Seen {
        version,
        uri: uri.path().to_owned(),
        path: "/sms".into(),
        headers,
        body,
    });
    status(&shared.sms_status)
}
