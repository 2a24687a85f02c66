//! The flags of contract part 4: token and code lifetimes, the abuse
//! limits, and the channels tokens and codes go out by (push, email, SMS).
//! A channel without its flags is off: its requests answer "not sent".

use std::path::PathBuf;

use clap::Args;

use crate::{
    adapters::delivery::{ApnsConfig, DeliveryConfig, FcmAccount, SmsConfig, SmtpConfig},
    rules::onboarding::Settings,
};

#[derive(Debug, Args)]
pub struct OnboardingArgs {
    /// Lifetime of an account creation request token (0: never expires).
    #[arg(
        long,
        env = "FLEXIAPI_CREATION_REQUEST_TOKEN_TTL_SECONDS",
        default_value_t = 3600,
        global = true
    )]
    pub creation_request_token_ttl_seconds: u32,

    /// Lifetime of an account creation token (0: never expires).
    #[arg(
        long,
        env = "FLEXIAPI_CREATION_TOKEN_TTL_SECONDS",
        default_value_t = 3600,
        global = true
    )]
    pub creation_token_ttl_seconds: u32,

    /// Lifetime of an account recovery token (0: never expires).
    #[arg(
        long,
        env = "FLEXIAPI_RECOVERY_TOKEN_TTL_SECONDS",
        default_value_t = 3600,
        global = true
    )]
    pub recovery_token_ttl_seconds: u32,

    /// Lifetime of an email, phone or recovery code (0: never expires).
    #[arg(
        long,
        env = "FLEXIAPI_CODE_TTL_SECONDS",
        default_value_t = 600,
        global = true
    )]
    pub code_ttl_seconds: u32,

    /// Least time between two pushes of one kind to one device.
    #[arg(
        long,
        env = "FLEXIAPI_PUSH_RETRY_SECONDS",
        default_value_t = 60,
        global = true
    )]
    pub push_retry_seconds: u32,

    /// Least time between an account made from a device's creation token
    /// and a new creation token for that device.
    #[arg(
        long,
        env = "FLEXIAPI_DEVICE_ACCOUNT_RETRY_MINUTES",
        default_value_t = 60,
        global = true
    )]
    pub device_account_retry_minutes: u32,

    /// Email and phone codes one account may ask for in an hour.
    #[arg(long, env = "FLEXIAPI_CODES_PER_ACCOUNT_PER_HOUR", default_value_t = 5,
        value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub codes_per_account_per_hour: u32,

    /// Messages (codes) one email address or phone number may receive in
    /// an hour, whoever asks.
    #[arg(long, env = "FLEXIAPI_MESSAGES_PER_DESTINATION_PER_HOUR", default_value_t = 3,
        value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub messages_per_destination_per_hour: u32,

    /// Public onboarding requests (tokens made, pushes, accounts created,
    /// recoveries) one client address may make in an hour.
    #[arg(long, env = "FLEXIAPI_ONBOARDING_REQUESTS_PER_IP_PER_HOUR", default_value_t = 30,
        value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub onboarding_requests_per_ip_per_hour: u32,

    /// `PN_PARAM:PATH`: the Google service-account JSON for the apps whose
    /// pn_param is PN_PARAM (their Firebase project number), as Flexisip's
    /// `firebase-service-accounts`. Repeatable; the variable is
    /// space-separated.
    #[arg(long = "fcm-service-account", env = "FLEXIAPI_FCM_SERVICE_ACCOUNTS",
        value_delimiter = ' ', value_parser = parse_fcm_account, global = true)]
    pub fcm_service_accounts: Vec<FcmAccount>,

    /// Firebase Cloud Messaging's base URL.
    #[arg(
        long,
        env = "FLEXIAPI_FCM_URL",
        default_value = "https://fcm.googleapis.com",
        global = true
    )]
    pub fcm_url: String,

    /// The APNs authentication key (`.p8`, an EC P-256 key): push to iOS
    /// apps. Needs --apns-key-id and --apns-team-id.
    #[arg(long, env = "FLEXIAPI_APNS_KEY_FILE", requires_all = ["apns_key_id", "apns_team_id"], global = true)]
    pub apns_key_file: Option<PathBuf>,

    /// The key's id (10 characters, from Apple's developer account).
    #[arg(long, env = "FLEXIAPI_APNS_KEY_ID", global = true)]
    pub apns_key_id: Option<String>,

    /// The Apple developer team id the key belongs to.
    #[arg(long, env = "FLEXIAPI_APNS_TEAM_ID", global = true)]
    pub apns_team_id: Option<String>,

    /// APNs for `pn_provider` apns (https: HTTP/2 over TLS; http: HTTP/2
    /// with prior knowledge).
    #[arg(
        long,
        env = "FLEXIAPI_APNS_URL",
        default_value = "https://api.push.apple.com",
        global = true
    )]
    pub apns_url: String,

    /// APNs for `pn_provider` apns.dev (the sandbox).
    #[arg(
        long,
        env = "FLEXIAPI_APNS_DEV_URL",
        default_value = "https://api.sandbox.push.apple.com",
        global = true
    )]
    pub apns_dev_url: String,

    /// The SMTP relay: `smtp://[USER:PASSWORD@]HOST[:PORT]` (STARTTLS when
    /// offered; `?tls=required` refuses to go on without it) or
    /// `smtps://…` (TLS from the start). FLEXIAPI_SMTP_URL_FILE may name a
    /// file holding it.
    #[arg(long, env = "FLEXIAPI_SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<String>,

    /// The sender of mails. Default: no-reply@<sip-domain>.
    #[arg(long, env = "FLEXIAPI_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,

    /// The sender's name, shown beside --mail-from.
    #[arg(long, env = "FLEXIAPI_MAIL_FROM_NAME", global = true)]
    pub mail_from_name: Option<String>,

    /// The SMS gateway: the core POSTs {"to": "+33…", "message": "…"} to it.
    #[arg(long, env = "FLEXIAPI_SMS_URL", global = true)]
    pub sms_url: Option<String>,

    /// Bearer token sent to --sms-url. FLEXIAPI_SMS_TOKEN_FILE may name a
    /// file holding it.
    #[arg(
        long,
        env = "FLEXIAPI_SMS_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub sms_token: Option<String>,
}

fn parse_fcm_account(raw: &str) -> Result<FcmAccount, String> {
    let (param, path) = raw
        .split_once(':')
        .filter(|(param, path)| !param.is_empty() && !path.is_empty())
        .ok_or_else(|| format!("{raw:?} is not PN_PARAM:PATH (--fcm-service-account)"))?;
    Ok(FcmAccount {
        pn_param: param.to_owned(),
        path: PathBuf::from(path),
    })
}

impl OnboardingArgs {
    pub fn settings(&self) -> Settings {
        Settings {
            request_token_ttl_seconds: i64::from(self.creation_request_token_ttl_seconds),
            creation_token_ttl_seconds: i64::from(self.creation_token_ttl_seconds),
            recovery_token_ttl_seconds: i64::from(self.recovery_token_ttl_seconds),
            code_ttl_seconds: i64::from(self.code_ttl_seconds),
            push_retry_seconds: i64::from(self.push_retry_seconds),
            device_account_retry_minutes: i64::from(self.device_account_retry_minutes),
            codes_per_account_per_hour: i64::from(self.codes_per_account_per_hour),
            messages_per_destination_per_hour: i64::from(self.messages_per_destination_per_hour),
            requests_per_ip_per_hour: i64::from(self.onboarding_requests_per_ip_per_hour),
        }
    }

    pub fn delivery(&self) -> DeliveryConfig {
        let apns = match (&self.apns_key_file, &self.apns_key_id, &self.apns_team_id) {
            (Some(key_file), Some(key_id), Some(team_id)) => Some(ApnsConfig {
                key_file: key_file.clone(),
                key_id: key_id.clone(),
                team_id: team_id.clone(),
                url: self.apns_url.clone(),
                dev_url: self.apns_dev_url.clone(),
            }),
            _ => None,
        };
        DeliveryConfig {
            fcm_accounts: self.fcm_service_accounts.clone(),
            fcm_url: self.fcm_url.clone(),
            apns,
            smtp: self.smtp_url.clone().map(|url| SmtpConfig {
                url,
                from: self.mail_from.clone(),
                from_name: self.mail_from_name.clone(),
            }),
            sms: self.sms_url.clone().map(|url| SmsConfig {
                url,
                token: self.sms_token.clone(),
            }),
        }
    }
}
