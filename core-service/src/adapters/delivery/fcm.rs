//! Firebase Cloud Messaging, HTTP v1, as Flexisip's pusher speaks it: a
//! service account's key signs a JWT (RS256) that Google's OAuth endpoint
//! trades for an access token, reused until a minute before it expires;
//! the message is a data message whose `custom-payload` holds the token.

use std::{collections::HashMap, time::Duration};

use anyhow::Context as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    jwt::{unix_now, Cached},
    FcmAccount,
};
use crate::rules::onboarding::delivery::{
    abridged, Notification, PushPayload, PushTarget, Undelivered,
};

const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// FCM keeps a message at most 28 days: a token that never expires asks that.
const LONGEST_TTL_SECONDS: i64 = 28 * 24 * 3600;

/// The fields of a Google service-account JSON file this uses.
#[derive(Deserialize)]
struct ServiceAccountFile {
    project_id: String,
    private_key: String,
    #[serde(default)]
    private_key_id: String,
    client_email: String,
    token_uri: String,
}

struct App {
    project_id: String,
    client_email: String,
    token_uri: String,
    key_id: String,
    key: EncodingKey,
    access: Cached,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("project_id", &self.project_id)
            .field("client_email", &self.client_email)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
pub struct Fcm {
    /// By pn_param (the Firebase project number the app sends).
    apps: HashMap<String, App>,
    url: String,
    http: reqwest::Client,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

#[derive(Deserialize)]
struct AccessToken {
    access_token: String,
    #[serde(default = "an_hour")]
    expires_in: u64,
}

fn an_hour() -> u64 {
    3600
}

impl Fcm {
    pub fn load(accounts: &[FcmAccount], url: &str, http: reqwest::Client) -> anyhow::Result<Self> {
        let mut apps = HashMap::new();
        for account in accounts {
            let flag = || {
                format!(
                    "--fcm-service-account {}:{}",
                    account.pn_param,
                    account.path.display()
                )
            };
            let text = std::fs::read_to_string(&account.path).with_context(flag)?;
            let file: ServiceAccountFile = serde_json::from_str(&text)
                .with_context(|| format!("{}: not a Google service-account JSON", flag()))?;
            let key = EncodingKey::from_rsa_pem(file.private_key.as_bytes())
                .with_context(|| format!("{}: private_key is not an RSA PEM key", flag()))?;
            apps.insert(
                account.pn_param.clone(),
                App {
                    project_id: file.project_id,
                    client_email: file.client_email,
                    token_uri: file.token_uri,
                    key_id: file.private_key_id,
                    key,
                    access: Cached::default(),
                },
            );
        }
        Ok(Self {
            apps,
            url: url.trim_end_matches('/').to_owned(),
            http,
        })
    }

    pub async fn send(
        &self,
        target: &PushTarget,
        payload: PushPayload<'_>,
    ) -> Result<(), Undelivered> {
        let Some(app) = self.apps.get(&target.param) else {
            tracing::warn!(provider = "fcm", pn_param = %target.param, "no service account for this pn_param");
            return Err(Undelivered::NotConfigured);
        };
        let access = app
            .access
            .get(|| self.access_token(app))
            .await
            .map_err(|error| {
                tracing::warn!(provider = "fcm", pn_param = %target.param, %error, "no FCM access token");
                Undelivered::Failed
            })?;
        let (ttl, data) = message(&payload);
        let body = json!({
            "message": {
                "token": target.prid,
                "android": {
                    "priority": "high",
                    "ttl": format!("{ttl}s"),
                    "data": data,
                }
            }
        });
        let url = format!("{}/v1/projects/{}/messages:send", self.url, app.project_id);
        let sent = self
            .http
            .post(url)
            .bearer_auth(access)
            .json(&body)
            .send()
            .await;
        match sent {
            Ok(answer) if answer.status().is_success() => Ok(()),
            Ok(answer) => {
                let status = answer.status().as_u16();
                if status == 401 {
                    app.access.clear().await;
                }
                tracing::warn!(provider = "fcm", status, pn_param = %target.param, pn_prid = %abridged(&target.prid), "push refused");
                Err(Undelivered::Failed)
            }
            Err(error) => {
                tracing::warn!(provider = "fcm", pn_param = %target.param, error = %without_url(&error), "push failed");
                Err(Undelivered::Failed)
            }
        }
    }

    /// A new access token from the service account's OAuth endpoint, and
    /// how long to reuse it: until a minute before it expires.
    async fn access_token(&self, app: &App) -> anyhow::Result<(String, Duration)> {
        let iat = unix_now();
        let claims = Claims {
            iss: &app.client_email,
            scope: SCOPE,
            aud: &app.token_uri,
            iat,
            exp: iat + 3600,
        };
        let mut header = Header::new(Algorithm::RS256);
        if !app.key_id.is_empty() {
            header.kid = Some(app.key_id.clone());
        }
        let assertion = jsonwebtoken::encode(&header, &claims, &app.key)?;
        let form = [
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion.as_str()),
        ];
        let answer = self.http.post(&app.token_uri).form(&form).send().await?;
        let status = answer.status();
        anyhow::ensure!(status.is_success(), "the OAuth endpoint answered {status}");
        let token: AccessToken = answer.json().await?;
        let reuse = token.expires_in.saturating_sub(60);
        Ok((token.access_token, Duration::from_secs(reuse)))
    }
}

/// A message's lifetime (capped at FCM's 28 days) and its data: part 4's
/// token in `custom-payload`, or a notification as Flexisip's own pusher
/// writes it (`firebase-v1-request.cc`: every value a string).
fn message(payload: &PushPayload<'_>) -> (i64, serde_json::Value) {
    match payload {
        PushPayload::Token { token, ttl_seconds } => {
            let ttl = match ttl_seconds {
                0 => LONGEST_TTL_SECONDS,
                ttl => (*ttl).min(LONGEST_TTL_SECONDS),
            };
            let custom = json!({ "token": token.expose() }).to_string();
            (ttl, json!({ "custom-payload": custom }))
        }
        PushPayload::Notification(notification) => {
            let Notification {
                kind,
                call_id,
                send_time,
            } = notification;
            let ttl = kind.lifetime_seconds().min(LONGEST_TTL_SECONDS);
            let data = json!({
                "uuid": "",
                "from-uri": "",
                "display-name": "",
                "call-id": call_id,
                "sip-from": "",
                "loc-key": kind.loc_key(),
                "loc-args": "",
                "send-time": send_time,
                "custom-payload": "{}",
            });
            (ttl, data)
        }
    }
}

/// An HTTP client error without its URL (whose query could carry
/// something private).
pub(super) fn without_url(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    format!(
        "{kind}: {}",
        std::error::Error::source(error).map_or_else(String::new, |s| s.to_string())
    )
}
