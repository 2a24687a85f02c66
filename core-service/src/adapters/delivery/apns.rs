//! Apple Push Notification service, token authentication, over HTTP/2: a
//! JWT (ES256, signed with the team's `.p8` key, renewed every 50 minutes)
//! authorizes a background push whose `customPayload` holds the token.

use std::time::Duration;

use anyhow::Context as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use serde_json::json;

use super::{
    fcm::without_url,
    jwt::{unix_now, Cached},
    ApnsConfig, DELIVERY_TIMEOUT,
};
use crate::rules::onboarding::delivery::{
    abridged, PushPayload, PushProvider, PushTarget, Undelivered,
};

/// Apple refuses a token older than an hour and asks for at most one new
/// one every 20 minutes.
const RENEW_EVERY: Duration = Duration::from_secs(50 * 60);
/// How long APNs keeps a push for a token that never expires: 30 days.
const LONGEST_TTL_SECONDS: u64 = 30 * 24 * 3600;

pub struct Apns {
    key: EncodingKey,
    key_id: String,
    team_id: String,
    url: String,
    dev_url: String,
    http: reqwest::Client,
    bearer: Cached,
}

impl std::fmt::Debug for Apns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Apns")
            .field("key_id", &self.key_id)
            .field("team_id", &self.team_id)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    iat: u64,
}

impl Apns {
    pub fn load(config: &ApnsConfig) -> anyhow::Result<Self> {
        let flag = || format!("--apns-key-file {}", config.key_file.display());
        let pem = std::fs::read(&config.key_file).with_context(flag)?;
        let key = EncodingKey::from_ec_pem(&pem)
            .with_context(|| format!("{}: not an EC P-256 PKCS#8 key (.p8)", flag()))?;
        // HTTP/2 only: over TLS by ALPN, over plain TCP with prior knowledge.
        let http = reqwest::Client::builder()
            .http2_prior_knowledge()
            .timeout(DELIVERY_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .context("the APNs HTTP/2 client")?;
        Ok(Self {
            key,
            key_id: config.key_id.clone(),
            team_id: config.team_id.clone(),
            url: config.url.trim_end_matches('/').to_owned(),
            dev_url: config.dev_url.trim_end_matches('/').to_owned(),
            http,
            bearer: Cached::default(),
        })
    }

    fn bearer_token(&self) -> Result<(String, Duration), jsonwebtoken::errors::Error> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.key_id.clone());
        let claims = Claims {
            iss: &self.team_id,
            iat: unix_now(),
        };
        let token = jsonwebtoken::encode(&header, &claims, &self.key)?;
        Ok((token, RENEW_EVERY))
    }

    pub async fn send(
        &self,
        target: &PushTarget,
        payload: PushPayload<'_>,
    ) -> Result<(), Undelivered> {
        let bearer = self
            .bearer
            .get(|| std::future::ready(self.bearer_token()))
            .await
            .map_err(|error| {
                tracing::error!(provider = "apns", %error, "cannot sign the APNs token");
                Undelivered::Failed
            })?;
        let base = match target.provider {
            PushProvider::ApnsDev => &self.dev_url,
            _ => &self.url,
        };
        let ttl = u64::try_from(payload.ttl_seconds).ok().filter(|t| *t > 0);
        let expiration = unix_now() + ttl.unwrap_or(LONGEST_TTL_SECONDS);
        let body = json!({
            "aps": { "content-available": 1 },
            "customPayload": { "token": payload.token.expose() },
        });
        let sent = self
            .http
            .post(format!("{base}/3/device/{}", target.prid))
            .header("authorization", format!("bearer {bearer}"))
            .header("apns-topic", topic(&target.param))
            .header("apns-push-type", "background")
            .header("apns-priority", "5")
            .header("apns-expiration", expiration.to_string())
            .json(&body)
            .send()
            .await;
        match sent {
            Ok(answer) if answer.status().is_success() => Ok(()),
            Ok(answer) => {
                let status = answer.status().as_u16();
                if status == 403 {
                    self.bearer.clear().await;
                }
                tracing::warn!(provider = target.provider.as_str(), status, pn_param = %target.param, pn_prid = %abridged(&target.prid), "push refused");
                Err(Undelivered::Failed)
            }
            Err(error) => {
                tracing::warn!(provider = target.provider.as_str(), pn_param = %target.param, error = %without_url(&error), "push failed");
                Err(Undelivered::Failed)
            }
        }
    }
}

/// The app's bundle id from `pn_param`: without the team id before the
/// first dot, and without a trailing `.remote`, `.voip` or `.remote&voip`.
pub fn topic(pn_param: &str) -> &str {
    let bundle = pn_param.split_once('.').map_or(pn_param, |(_, rest)| rest);
    [".remote&voip", ".remote", ".voip"]
        .iter()
        .find_map(|suffix| bundle.strip_suffix(suffix))
        .unwrap_or(bundle)
}

#[cfg(test)]
mod tests {
    use super::topic;

    #[test]
    fn the_topic_is_the_bundle_id() {
        assert_eq!(
            topic("ABCD1234.org.linphone.phone.remote"),
            "org.linphone.phone"
        );
        assert_eq!(
            topic("ABCD1234.org.linphone.phone.voip"),
            "org.linphone.phone"
        );
        assert_eq!(
            topic("ABCD1234.org.linphone.phone.remote&voip"),
            "org.linphone.phone"
        );
        assert_eq!(topic("ABCD1234.org.linphone.phone"), "org.linphone.phone");
    }
}
