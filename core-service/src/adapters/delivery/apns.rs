//! Apple Push Notification service, token authentication, over HTTP/2: a
//! JWT (ES256, signed with the team's `.p8` key, renewed every 50 minutes)
//! authorizes each push: part 4's background push whose `customPayload`
//! holds a token, or a notification as Flexisip's pusher makes it
//! (`apple-request.cc`).

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
    abridged, Notification, NotificationKind, PushPayload, PushProvider, PushTarget, Undelivered,
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
        let push = match &payload {
            PushPayload::Token { token, ttl_seconds } => token_push(target, token.expose(), *ttl_seconds),
            PushPayload::Notification(notification) => notification_push(target, notification)
                .ok_or_else(|| {
                    tracing::warn!(provider = "apns", pn_param = %target.param, pn_prid = %abridged(&target.prid), "not an APNs device token of 64 characters");
                    Undelivered::Failed
                })?,
        };
        let sent = self
            .http
            .post(format!("{base}/3/device/{}", push.device))
            .header("authorization", format!("bearer {bearer}"))
            .header("apns-topic", push.topic)
            .header("apns-push-type", push.kind)
            .header("apns-priority", push.priority)
            .header("apns-expiration", (unix_now() + push.lifetime).to_string())
            .json(&push.body)
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

/// One request to APNs: the device, its headers, its body.
struct Push<'a> {
    device: &'a str,
    topic: String,
    kind: &'static str,
    priority: &'static str,
    lifetime: u64,
    body: serde_json::Value,
}

/// Part 4's token, in a silent push.
fn token_push<'a>(target: &'a PushTarget, token: &str, ttl_seconds: i64) -> Push<'a> {
    let ttl = u64::try_from(ttl_seconds).ok().filter(|t| *t > 0);
    Push {
        device: &target.prid,
        topic: topic(&target.param).to_owned(),
        kind: "background",
        priority: "5",
        lifetime: ttl.unwrap_or(LONGEST_TTL_SECONDS),
        body: json!({
            "aps": { "content-available": 1 },
            "customPayload": { "token": token },
        }),
    }
}

/// A notification Flexisip hands over: `pn_param` is `TEAMID.BUNDLE`
/// with an optional service (`.remote`, `.voip`), `pn_prid` the device
/// token with an optional `:remote` or `:voip` (RFC 8599, one service). A
/// VoIP service gets the topic `BUNDLE.voip`. `None`: the token is not 64
/// letters or digits, as Flexisip requires.
fn notification_push<'a>(target: &'a PushTarget, notification: &Notification) -> Option<Push<'a>> {
    let (device, prid_service) = match target.prid.rsplit_once(':') {
        Some((token, service)) => (token, Some(service)),
        None => (target.prid.as_str(), None),
    };
    if device.len() != 64 || !device.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let bundle = topic(&target.param);
    let param_service = target
        .param
        .rsplit('.')
        .next()
        .filter(|s| *s == "voip" || *s == "remote");
    let voip = param_service.or(prid_service) == Some("voip");
    let topic = if voip {
        format!("{bundle}.voip")
    } else {
        bundle.to_owned()
    };
    let Notification {
        kind,
        call_id,
        send_time,
    } = notification;
    let lifetime = kind.lifetime_seconds();
    let (push_type, body) = match kind {
        NotificationKind::Call => (
            "voip",
            json!({"aps": {"sound": "", "loc-key": "IC_MSG", "loc-args": [""], "call-id": call_id,
                   "uuid": "", "send-time": send_time},
                   "from-uri": "", "display-name": "", "pn_ttl": lifetime, "customPayload": {}}),
        ),
        NotificationKind::Message => (
            "alert",
            json!({"aps": {"alert": {"loc-key": "IM_MSG", "loc-args": [""]}, "sound": "empty",
                   "mutable-content": 1, "badge": 1},
                   "from-uri": "", "display-name": "", "call-id": call_id, "pn_ttl": lifetime,
                   "uuid": "", "send-time": send_time, "chat-room-addr": "", "customPayload": {}}),
        ),
        NotificationKind::Background => (
            "background",
            json!({"aps": {"badge": 0, "content-available": 1, "loc-key": "IM_MSG", "loc-args": [""],
                   "call-id": call_id, "uuid": "", "send-time": send_time},
                   "from-uri": "", "display-name": "", "pn_ttl": lifetime, "customPayload": {}}),
        ),
    };
    Some(Push {
        device,
        topic,
        kind: push_type,
        priority: "10",
        lifetime: u64::try_from(lifetime).unwrap_or(LONGEST_TTL_SECONDS),
        body,
    })
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
    use super::*;

    fn target(param: &str, prid: &str) -> PushTarget {
        PushTarget {
            provider: PushProvider::Apns,
            param: param.into(),
            prid: prid.into(),
        }
    }

    fn notification(kind: NotificationKind) -> Notification {
        Notification {
            kind,
            call_id: "abc@host".into(),
            send_time: "2026-12-07 10:00:00".into(),
        }
    }

    #[test]
    fn a_voip_service_gets_the_voip_topic_and_a_call_push() {
        let token = "a".repeat(64);
        let voip = target("ABCD1234.org.linphone.phone.voip", &token);
        let push = notification_push(&voip, &notification(NotificationKind::Call)).unwrap();
        assert_eq!(push.topic, "org.linphone.phone.voip");
        assert_eq!(
            (push.kind, push.priority, push.lifetime),
            ("voip", "10", 90)
        );
        assert_eq!(push.body["aps"]["call-id"], "abc@host");
        let prid_voip = format!("{token}:voip");
        let voip = target("ABCD1234.org.linphone.phone", &prid_voip);
        let push = notification_push(&voip, &notification(NotificationKind::Message)).unwrap();
        assert_eq!(
            (push.device, push.topic.as_str()),
            (token.as_str(), "org.linphone.phone.voip")
        );
        let remote = target("ABCD1234.org.linphone.phone.remote", &token);
        let push = notification_push(&remote, &notification(NotificationKind::Background)).unwrap();
        assert_eq!(
            (push.topic.as_str(), push.kind),
            ("org.linphone.phone", "background")
        );
        assert_eq!(push.lifetime, 2_592_000);
    }

    #[test]
    fn a_device_token_is_64_letters_or_digits() {
        for prid in [
            "a".repeat(63),
            "a".repeat(65),
            format!("{}-", "a".repeat(63)),
        ] {
            let short = target("ABCD1234.org.linphone.phone", &prid);
            assert!(notification_push(&short, &notification(NotificationKind::Call)).is_none());
        }
    }

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
