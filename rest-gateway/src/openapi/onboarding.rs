//! The schemas of contract part 4's routes: tokens, push targets, the
//! sign-up body, codes, and the browser pages' forms.

use utoipa::ToSchema;

use super::{fields, fields::AlgorithmName};

/// A request token and the page that validates it.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestToken {
    pub token: String,
    /// `{public url}/creation_token/check/{token}`: the app opens it in a
    /// browser and keeps its last segment.
    pub validation_url: String,
}

/// A creation token and when it expires (`null`: never).
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Token {
    pub token: String,
    pub expire_at: Option<String>,
}

/// `using-account-creation-request-token`.
#[derive(ToSchema)]
pub struct RequestTokenExchange {
    #[schema(pattern = r"^[A-Za-z0-9]{13}$")]
    pub account_creation_request_token: String,
}

/// `consume`.
#[derive(ToSchema)]
pub struct CreationTokenOnly {
    #[schema(pattern = r"^[A-Za-z0-9]{13}$")]
    pub account_creation_token: String,
}

/// The device a token is pushed to, as the app names it.
#[derive(ToSchema)]
pub struct PushTarget {
    /// `fcm`, `apns` or `apns.dev`.
    #[schema(pattern = r"^(fcm|apns|apns\.dev)$")]
    pub pn_provider: String,
    /// FCM: the Firebase project number; APNs: `TEAMID.bundle.id.remote`.
    #[schema(pattern = r"^[A-Za-z0-9_.]{1,255}$")]
    pub pn_param: String,
    /// The device's token (APNs: 64 hexadecimal digits).
    #[schema(pattern = r"^[A-Za-z0-9_:\-]{1,255}$")]
    pub pn_prid: String,
}

/// `with-account-creation-token`. `admin`, `activated` and `blocked` must
/// be absent; `domain` is ignored (the account goes to `--sip-domain`).
#[derive(ToSchema)]
pub struct AccountWithToken {
    #[schema(pattern = r"^[A-Za-z0-9]{13}$")]
    pub account_creation_token: String,
    /// 6-64 SIP user characters, no upper case, not a phone number.
    #[schema(
        pattern = r"^[a-z0-9\-_.!~*'()&=+$,;?/]{6,64}$",
        min_length = 6,
        max_length = 64
    )]
    pub username: String,
    #[schema(
        pattern = r"^[^\x00-\x1F\x7F-\x9F]{6,1024}$",
        min_length = 6,
        max_length = 1024
    )]
    pub password: String,
    /// Absent: the space's default (the apps send `SHA-256`).
    #[schema(value_type = Option<AlgorithmName>)]
    pub algorithm: Option<String>,
    #[schema(format = Email, pattern = r"^[^@\s\x00-\x1F\x7F-\x9F]+@[^@\s\x00-\x1F\x7F-\x9F]+$", max_length = 255)]
    pub email: Option<String>,
    #[schema(pattern = r"^\+[1-9][0-9]{5,14}$")]
    pub phone: Option<String>,
    #[schema(pattern = r"^[^\x00-\x1F\x7F-\x9F]*$", max_length = 255)]
    pub display_name: Option<String>,
    #[schema(schema_with = fields::dictionary)]
    pub dictionary: Option<std::collections::BTreeMap<String, String>>,
}

/// `me/email/request`.
#[derive(ToSchema)]
pub struct EmailOnly {
    #[schema(format = Email, pattern = r"^[^@\s\x00-\x1F\x7F-\x9F]+@[^@\s\x00-\x1F\x7F-\x9F]+$", max_length = 255)]
    pub email: String,
}

/// `me/phone/request`: E.164.
#[derive(ToSchema)]
pub struct PhoneOnly {
    #[schema(pattern = r"^\+[1-9][0-9]{5,14}$")]
    pub phone: String,
}

/// The 4-digit code received, as a string.
#[derive(ToSchema)]
pub struct CodeOnly {
    #[schema(pattern = r"^[0-9]{4}$")]
    pub code: String,
}

/// The form of `/creation_token/check/{token}`.
#[derive(ToSchema)]
pub struct RequestTokenForm {
    #[schema(pattern = r"^[A-Za-z0-9]{13}$")]
    pub account_creation_request_token: String,
    /// The hCaptcha widget's answer, when a captcha is configured.
    #[schema(rename = "h-captcha-response")]
    pub h_captcha_response: Option<String>,
}

/// The recovery form of `/recovery/phone/{token}`.
#[derive(ToSchema, serde::Deserialize)]
pub struct PhoneRecoveryForm {
    #[schema(pattern = r"^\+[1-9][0-9]{5,14}$")]
    pub phone: String,
    #[schema(pattern = r"^[A-Za-z0-9]{13}$")]
    pub account_recovery_token: String,
}

/// The recovery form of `/recovery/email`: `username` where addresses are
/// shared.
#[derive(ToSchema, serde::Deserialize)]
pub struct EmailRecoveryForm {
    #[schema(format = Email, pattern = r"^[^@\s\x00-\x1F\x7F-\x9F]+@[^@\s\x00-\x1F\x7F-\x9F]+$", max_length = 255)]
    pub email: String,
    pub username: Option<String>,
    #[schema(rename = "h-captcha-response")]
    pub h_captcha_response: Option<String>,
}

/// `POST /recovery`: by phone (with the recovery token) or by email.
#[derive(ToSchema, serde::Deserialize)]
#[serde(untagged)]
#[allow(dead_code)] // Only its schema is used: the form is read as pairs.
pub enum RecoveryForm {
    Phone(PhoneRecoveryForm),
    Email(EmailRecoveryForm),
}

/// The code form.
#[derive(ToSchema)]
pub struct RecoveryConfirmForm {
    /// The opaque id the code form holds.
    #[schema(pattern = r"^[A-Za-z0-9]{32}$")]
    pub recovery_id: String,
    #[schema(pattern = r"^[0-9]{4}$")]
    pub code: String,
    #[schema(
        pattern = r"^[^\x00-\x1F\x7F-\x9F]{6,1024}$",
        min_length = 6,
        max_length = 1024
    )]
    pub password: String,
}
