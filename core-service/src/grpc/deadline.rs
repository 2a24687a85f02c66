//! A bound on every call: a database link that stalls (packets dropped, not
//! refused) leaves a statement waiting on the socket until the kernel gives
//! up, 10 s and more; the pool's acquire timeout does not cover a
//! connection already taken. Past [`CALL_DEADLINE`] the call is dropped,
//! which cancels its statement, and answered UNAVAILABLE, so the caller
//! retries as for any outage.

use std::{future::Future, time::Duration};

use tonic::Status;

/// Above the pool's 3 s acquire timeout and the registrar's 1 s connect +
/// 2 s command, so those report themselves first; below the gateway's 5 s
/// call timeout, so the gateway hears why.
pub const CALL_DEADLINE: Duration = Duration::from_secs(4);

pub use crate::rules::onboarding::delivery::DELIVERY_TIMEOUT;

/// The calls that wait on a provider besides the database.
const DELIVERING: &[&str] = &[
    "/flexiapi.v1.OnboardingService/SendCreationTokenByPush",
    "/flexiapi.v1.OnboardingService/SendRecoveryTokenByPush",
    "/flexiapi.v1.OnboardingService/RequestEmailCode",
    "/flexiapi.v1.OnboardingService/RequestPhoneCode",
    "/flexiapi.v1.OnboardingService/StartRecovery",
    "/flexiapi.v1.ProvisioningService/SendProvisioningEmail",
    "/flexiapi.v1.PushNotificationService/SendPushNotification",
];

/// An upload streams a file of up to `--voicemail-max-bytes` from the
/// gateway, whose own bound on the request is as long: the call's future
/// lasts as long as its input stream.
pub const UPLOAD_DEADLINE: Duration = Duration::from_secs(130);
const UPLOAD: &str = "/flexiapi.v1.VoicemailService/UploadVoicemail";

/// The deadline of the call at `path`: `base`, plus the provider's timeout
/// for a call that sends a message, so the provider's own failure is
/// what the caller hears; [`UPLOAD_DEADLINE`] for an upload.
pub fn for_call(path: &str, base: Duration) -> Duration {
    if path == UPLOAD {
        UPLOAD_DEADLINE
    } else if DELIVERING.contains(&path) {
        base + DELIVERY_TIMEOUT
    } else {
        base
    }
}

/// `call`, or UNAVAILABLE once `limit` has passed (the call is dropped).
/// A streaming call's future ends when its stream starts: only the setup
/// (the account check) is bounded, not the stream.
pub async fn bounded<E, R: Default>(
    uri: http::Uri,
    limit: Duration,
    call: impl Future<Output = Result<http::Response<R>, E>>,
) -> Result<http::Response<R>, E> {
    match tokio::time::timeout(limit, call).await {
        Ok(answer) => answer,
        Err(_) => {
            tracing::warn!(
                rpc = uri.path(),
                ?limit,
                "call abandoned: the database did not answer in time"
            );
            Ok(Status::unavailable("database unavailable: no answer in time").into_http())
        }
    }
}
