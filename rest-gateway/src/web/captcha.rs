//! hCaptcha on the browser pages that make the core work for anyone
//! (validating a request token, a recovery by email): the widget's answer
//! is checked with hCaptcha's siteverify before the core is called.

use std::time::Duration;

use anyhow::Context as _;
use serde::Deserialize;

/// The site's keys and the verification endpoint.
pub struct Captcha {
    secret: String,
    pub sitekey: String,
    verify_url: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for Captcha {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Captcha")
            .field("sitekey", &self.sitekey)
            .field("verify_url", &self.verify_url)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Verdict {
    success: bool,
}

impl Captcha {
    pub fn new(secret: String, sitekey: String, verify_url: String) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .context("the hCaptcha client")?;
        Ok(Self {
            secret,
            sitekey,
            verify_url,
            http,
        })
    }

    /// Whether hCaptcha accepts the widget's answer from this client. An
    /// unreachable hCaptcha refuses: the page asks again.
    pub async fn passed(&self, response: &str, client_address: &str) -> bool {
        if response.is_empty() || response.len() > 8192 {
            return false;
        }
        let form = [
            ("secret", self.secret.as_str()),
            ("response", response),
            ("remoteip", client_address),
            ("sitekey", self.sitekey.as_str()),
        ];
        let answer = self.http.post(&self.verify_url).form(&form).send().await;
        match answer {
            Ok(answer) if answer.status().is_success() => {
                answer.json::<Verdict>().await.is_ok_and(|v| v.success)
            }
            Ok(answer) => {
                tracing::warn!(
                    status = answer.status().as_u16(),
                    "hCaptcha refused the check"
                );
                false
            }
            Err(error) => {
                tracing::warn!(timeout = error.is_timeout(), "hCaptcha unreachable");
                false
            }
        }
    }

    /// The widget: hCaptcha's script and its box.
    pub fn widget(&self) -> String {
        format!(
            r#"<script src="https://js.hcaptcha.com/1/api.js" async defer></script>
<div class="h-captcha" data-sitekey="{}"></div>"#,
            super::html::escape(&self.sitekey)
        )
    }
}
