//! SMS through an HTTP gateway: `{"to":"+33…","message":"…"}` POSTed as
//! JSON, with a bearer token when one is set. Any provider fits behind a
//! small adapter that takes this; a 2xx is sent.

use serde_json::json;

use super::{fcm::without_url, SmsConfig};
use crate::rules::onboarding::delivery::Undelivered;

pub struct Sms {
    url: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl std::fmt::Debug for Sms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sms")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Sms {
    pub fn new(config: &SmsConfig, http: reqwest::Client) -> Self {
        Self {
            url: config.url.clone(),
            token: config.token.clone(),
            http,
        }
    }

    pub async fn send(&self, to: &str, text: &str) -> Result<(), Undelivered> {
        let mut request = self
            .http
            .post(&self.url)
            .json(&json!({ "to": to, "message": text }));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        match request.send().await {
            Ok(answer) if answer.status().is_success() => Ok(()),
            Ok(answer) => {
                tracing::warn!(
                    provider = "sms",
                    status = answer.status().as_u16(),
                    "SMS refused"
                );
                Err(Undelivered::Failed)
            }
            Err(error) => {
                tracing::warn!(provider = "sms", error = %without_url(&error), "SMS failed");
                Err(Undelivered::Failed)
            }
        }
    }
}
