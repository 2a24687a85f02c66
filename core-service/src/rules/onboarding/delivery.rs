//! How tokens and codes reach people: a push to the app, a mail, an SMS.
//! The rules say what to send; an adapter ([`crate::adapters::delivery`])
//! speaks each provider's protocol. A channel that is not configured, or
//! whose provider refused or did not answer, is [`Undelivered`]: the caller
//! is told "not sent" and nothing usable is left behind.

use std::{fmt, time::Duration};

use crate::{domain::model::Secret, error::CoreError};

/// How long a push, mail or SMS provider may take (contract part 4).
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// The push services Flexisip's pusher and the apps know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushProvider {
    Fcm,
    Apns,
    ApnsDev,
}

impl PushProvider {
    pub const NAMES: &str = "apns.dev, apns, fcm";

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "fcm" => Some(Self::Fcm),
            "apns" => Some(Self::Apns),
            "apns.dev" => Some(Self::ApnsDev),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fcm => "fcm",
            Self::Apns => "apns",
            Self::ApnsDev => "apns.dev",
        }
    }
}

/// A device as the app names it: `pn_provider`, `pn_param`, `pn_prid`.
#[derive(Clone, PartialEq, Eq)]
pub struct PushTarget {
    pub provider: PushProvider,
    /// FCM: the Firebase project number; APNs: `TEAMID.bundle.id.remote`.
    pub param: String,
    /// The device's registration token: never logged in full.
    pub prid: String,
}

impl fmt::Debug for PushTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushTarget")
            .field("provider", &self.provider)
            .field("param", &self.param)
            .field("prid", &abridged(&self.prid))
            .finish()
    }
}

/// The first 6 characters of a device token, for logs.
pub fn abridged(prid: &str) -> String {
    let head: String = prid.chars().take(6).collect();
    format!("{head}…")
}

/// A message that did not go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undelivered {
    /// The channel (or this app's push credentials) is not configured.
    NotConfigured,
    /// The provider refused, failed or did not answer in time; the reason
    /// is logged by the adapter.
    Failed,
}

/// What a push carries.
pub enum PushPayload<'a> {
    /// Part 4: a token for the app, in a silent push, and how long it lives.
    Token { token: &'a Secret, ttl_seconds: i64 },
    /// Part 6: a notification Flexisip hands over, sent as Flexisip's own
    /// pusher would.
    Notification(&'a Notification),
}

/// Which notification Flexisip asks for (`type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationKind {
    /// A VoIP push: an incoming call.
    Call,
    /// A visible message push.
    Message,
    /// A silent push.
    Background,
}

impl NotificationKind {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "call" => Some(Self::Call),
            "message" => Some(Self::Message),
            "background" => Some(Self::Background),
            _ => None,
        }
    }

    /// Flexisip's `loc-key`.
    pub fn loc_key(self) -> &'static str {
        match self {
            Self::Call => "IC_MSG",
            Self::Message | Self::Background => "IM_MSG",
        }
    }

    /// How long the provider keeps it: a call rings for 90 s; a message
    /// waits 30 days.
    pub fn lifetime_seconds(self) -> i64 {
        match self {
            Self::Call => 90,
            Self::Message | Self::Background => 2_592_000,
        }
    }
}

/// A notification with no SIP event behind it: Flexisip's fields that
/// name a caller or a chat room are empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub kind: NotificationKind,
    /// `""` when Flexisip gave none.
    pub call_id: String,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub send_time: String,
}

/// A mail: UTF-8 plain text.
pub struct Mail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

#[async_trait::async_trait]
pub trait Delivery: Send + Sync + fmt::Debug {
    async fn push(&self, target: &PushTarget, payload: PushPayload<'_>) -> Result<(), Undelivered>;
    async fn mail(&self, mail: Mail<'_>) -> Result<(), Undelivered>;
    async fn sms(&self, to: &str, text: &str) -> Result<(), Undelivered>;
    /// The channels that are configured, for the start log: `push`, `email`, `sms`.
    fn channels(&self) -> Vec<&'static str>;
}

/// Nothing configured: every message is "not sent" (tests of the rules,
/// and a core started without any channel).
#[derive(Debug, Default)]
pub struct NoDelivery;

#[async_trait::async_trait]
impl Delivery for NoDelivery {
    async fn push(&self, _: &PushTarget, _: PushPayload<'_>) -> Result<(), Undelivered> {
        Err(Undelivered::NotConfigured)
    }
    async fn mail(&self, _: Mail<'_>) -> Result<(), Undelivered> {
        Err(Undelivered::NotConfigured)
    }
    async fn sms(&self, _: &str, _: &str) -> Result<(), Undelivered> {
        Err(Undelivered::NotConfigured)
    }
    fn channels(&self) -> Vec<&'static str> {
        Vec::new()
    }
}

/// The refusal the caller shows for a message that did not go.
pub fn not_sent(message: &'static str) -> impl FnOnce(Undelivered) -> CoreError {
    move |_| CoreError::NotSent(message)
}
