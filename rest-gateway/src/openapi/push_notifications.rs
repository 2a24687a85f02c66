//! The schema of `POST /api/push_notification` (contract part 6 §4).

use utoipa::ToSchema;

/// `POST /api/push_notification` (Flexisip's `PushNotification`).
#[derive(ToSchema)]
pub struct PushNotification {
    #[schema(pattern = "^(apns\\.dev|apns|fcm)$")]
    pub pn_provider: String,
    /// FCM: the `--fcm-service-account` it names; APNs:
    /// `TEAMID.BUNDLE[.remote|.voip]`.
    #[schema(max_length = 255, pattern = "^[A-Za-z0-9_.]+$")]
    pub pn_param: Option<String>,
    /// The device token (APNs: 64 letters or digits, then an optional
    /// `:remote` or `:voip`).
    #[schema(max_length = 255, pattern = "^[A-Za-z0-9_:-]+$")]
    pub pn_prid: Option<String>,
    /// `call` (a VoIP push, 90 s), `message` (visible) or `background`
    /// (silent), both 30 days.
    #[schema(pattern = "^(background|message|call)$")]
    pub r#type: String,
    #[schema(max_length = 255, pattern = "^[A-Za-z0-9_~@.-]+$")]
    pub call_id: Option<String>,
}
