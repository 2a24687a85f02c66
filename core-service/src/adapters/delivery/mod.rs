//! The channels tokens and codes go out by, in each provider's own
//! protocol: Firebase Cloud Messaging HTTP v1 ([`fcm`]), Apple's APNs over
//! HTTP/2 ([`apns`]), SMTP ([`smtp`]) and an SMS gateway over HTTP
//! ([`sms`]). Each is optional; one not configured answers
//! [`Undelivered::NotConfigured`], and every provider call is bounded by
//! [`DELIVERY_TIMEOUT`].

use std::{path::PathBuf, time::Duration};

use anyhow::Context as _;

use crate::{
    domain::Domain,
    rules::onboarding::delivery::{
        Delivery, Mail, PushPayload, PushProvider, PushTarget, Undelivered,
    },
};

mod apns;
mod fcm;
mod jwt;
mod sms;
mod smtp;

pub use crate::rules::onboarding::delivery::DELIVERY_TIMEOUT;

/// `--fcm-service-account PN_PARAM:PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FcmAccount {
    pub pn_param: String,
    pub path: PathBuf,
}

#[derive(Debug, Clone)]
pub struct ApnsConfig {
    pub key_file: PathBuf,
    pub key_id: String,
    pub team_id: String,
    pub url: String,
    pub dev_url: String,
}

#[derive(Clone)]
pub struct SmtpConfig {
    /// Holds the relay's password: never printed.
    pub url: String,
    pub from: Option<String>,
    pub from_name: Option<String>,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("url", &"<redacted>")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
pub struct SmsConfig {
    pub url: String,
    pub token: Option<String>,
}

impl std::fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsConfig")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Every channel's flags, as given.
#[derive(Debug, Clone, Default)]
pub struct DeliveryConfig {
    pub fcm_accounts: Vec<FcmAccount>,
    pub fcm_url: String,
    pub apns: Option<ApnsConfig>,
    pub smtp: Option<SmtpConfig>,
    pub sms: Option<SmsConfig>,
}

/// The configured channels. Built at start: a key or a service account
/// that does not load fails the start, naming its flag.
#[derive(Debug)]
pub struct Channels {
    fcm: Option<fcm::Fcm>,
    apns: Option<apns::Apns>,
    smtp: Option<smtp::Smtp>,
    sms: Option<sms::Sms>,
}

impl Channels {
    pub fn build(config: &DeliveryConfig, sip_domain: &Domain) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(DELIVERY_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .context("the HTTP client of pushes and SMS")?;
        let fcm = (!config.fcm_accounts.is_empty())
            .then(|| fcm::Fcm::load(&config.fcm_accounts, &config.fcm_url, http.clone()))
            .transpose()?;
        let apns = config.apns.as_ref().map(apns::Apns::load).transpose()?;
        let smtp = config
            .smtp
            .as_ref()
            .map(|smtp| smtp::Smtp::build(smtp, sip_domain))
            .transpose()?;
        let sms = config.sms.as_ref().map(|sms| sms::Sms::new(sms, http));
        Ok(Self {
            fcm,
            apns,
            smtp,
            sms,
        })
    }
}

#[async_trait::async_trait]
impl Delivery for Channels {
    async fn push(&self, target: &PushTarget, payload: PushPayload<'_>) -> Result<(), Undelivered> {
        match target.provider {
            PushProvider::Fcm => {
                let fcm = self.fcm.as_ref().ok_or(Undelivered::NotConfigured)?;
                fcm.send(target, payload).await
            }
            PushProvider::Apns | PushProvider::ApnsDev => {
                let apns = self.apns.as_ref().ok_or(Undelivered::NotConfigured)?;
                apns.send(target, payload).await
            }
        }
    }

    async fn mail(&self, mail: Mail<'_>) -> Result<(), Undelivered> {
        let smtp = self.smtp.as_ref().ok_or(Undelivered::NotConfigured)?;
        smtp.send(mail).await
    }

    async fn sms(&self, to: &str, text: &str) -> Result<(), Undelivered> {
        let sms = self.sms.as_ref().ok_or(Undelivered::NotConfigured)?;
        sms.send(to, text).await
    }

    fn channels(&self) -> Vec<&'static str> {
        let mut on = Vec::new();
        if self.fcm.is_some() {
            on.push("push-fcm");
        }
        if self.apns.is_some() {
            on.push("push-apns");
        }
        if self.smtp.is_some() {
            on.push("email");
        }
        if self.sms.is_some() {
            on.push("sms");
        }
        on
    }
}
