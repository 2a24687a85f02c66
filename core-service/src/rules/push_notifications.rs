//! `POST /api/push_notification` (contract part 6 §4): Flexisip's
//! `external-push-flexiapi` hands its pushes to the account manager, which
//! keeps the push credentials. Admins only: any account waking any device
//! token would be a nuisance no app needs. Sent through part 4's senders
//! (the same service accounts, APNs key, OAuth and JWT handling), with
//! the payload Flexisip's own request builders make.

use crate::{
    error::{CoreError, Result},
    rules::{
        accounts::roles::Actor,
        onboarding::{
            delivery::{
                not_sent, Notification, NotificationKind, PushPayload, PushProvider, PushTarget,
            },
            push::checked,
            Onboarding,
        },
    },
};

pub const NOT_SENT: &str = "Push notification not sent";

/// The request as Flexisip sends it; `None` is `null` or absent.
#[derive(Debug, Default)]
pub struct PushNotificationInput<'a> {
    pub provider: Option<&'a str>,
    pub param: Option<&'a str>,
    pub prid: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub call_id: Option<&'a str>,
}

/// What a valid request asks for: a null `pn_param` or `pn_prid` is
/// allowed (FlexiAPI's rules), but reaches no device.
struct Checked {
    provider: PushProvider,
    param: Option<String>,
    prid: Option<String>,
    kind: NotificationKind,
    call_id: String,
}

fn optional<'a>(
    field: &'static str,
    raw: Option<&'a str>,
    allowed: impl Fn(char) -> bool,
    message: &'static str,
) -> Result<Option<&'a str>> {
    raw.map(|raw| checked(field, raw, allowed, message))
        .transpose()
}

/// FlexiAPI's rules, every broken field named.
fn check(input: &PushNotificationInput<'_>) -> Result<Checked> {
    let provider = match input.provider {
        None | Some("") => Err(CoreError::invalid(
            "pn_provider",
            "The pn provider field is required.",
        )),
        Some(raw) => PushProvider::parse(raw).ok_or_else(|| {
            CoreError::invalid(
                "pn_provider",
                format!("The pn provider should be in {}", PushProvider::NAMES),
            )
        }),
    };
    let param = optional(
        "pn_param",
        input.param,
        |c| c.is_ascii_alphanumeric() || "_.".contains(c),
        "The pn param should contain only alphanumeric, dots and underscore characters",
    );
    let prid = optional(
        "pn_prid",
        input.prid,
        |c| c.is_ascii_alphanumeric() || "_:-".contains(c),
        "The pn prid should contain only alphanumeric, dashes, underscore and colon characters",
    );
    let kind = match input.kind {
        None | Some("") => Err(CoreError::invalid("type", "The type field is required.")),
        Some(raw) => NotificationKind::parse(raw)
            .ok_or_else(|| CoreError::invalid("type", "The selected type is invalid.")),
    };
    let call_id = optional(
        "call_id",
        input.call_id,
        |c| c.is_ascii_alphanumeric() || "_~@.-".contains(c),
        "The call id should contain only alphanumeric, dots, dashes, underscore, tilde and at characters",
    );
    match (provider, param, prid, kind, call_id) {
        (Ok(provider), Ok(param), Ok(prid), Ok(kind), Ok(call_id)) => Ok(Checked {
            provider,
            param: param.map(str::to_owned),
            prid: prid.map(str::to_owned),
            kind,
            call_id: call_id.unwrap_or_default().to_owned(),
        }),
        (a, b, c, d, e) => Err(CoreError::merge([
            a.err(),
            b.err(),
            c.err(),
            d.err(),
            e.err(),
        ])),
    }
}

/// Sends the notification, or NOT_SENT "Push notification not sent": no
/// device (a null `pn_param` or `pn_prid`), no credentials for it, or a
/// provider that refused or did not answer.
pub async fn send(
    onboarding: &Onboarding,
    actor: &Actor,
    input: &PushNotificationInput<'_>,
    send_time: String,
) -> Result<()> {
    actor.require_admin()?;
    let checked = check(input)?;
    let (Some(param), Some(prid)) = (checked.param, checked.prid) else {
        tracing::info!(
            provider = checked.provider.as_str(),
            "push notification without a device: not sent"
        );
        return Err(CoreError::NotSent(NOT_SENT));
    };
    let target = PushTarget {
        provider: checked.provider,
        param,
        prid,
    };
    let notification = Notification {
        kind: checked.kind,
        call_id: checked.call_id,
        send_time,
    };
    onboarding
        .delivery
        .push(&target, PushPayload::Notification(&notification))
        .await
        .map_err(not_sent(NOT_SENT))?;
    tracing::info!(provider = target.provider.as_str(), pn_param = %target.param, "push notification sent");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(input: PushNotificationInput<'_>) -> Vec<String> {
        match check(&input) {
            Err(CoreError::InvalidArgument(violations)) => {
                violations.iter().map(|v| v.field.to_string()).collect()
            }
            Err(other) => panic!("{other}"),
            Ok(_) => Vec::new(),
        }
    }

    #[test]
    fn flexisips_request_passes_and_nulls_are_allowed() {
        let flexisip = PushNotificationInput {
            provider: Some("fcm"),
            param: Some("linphone_android_8a2b3"),
            prid: Some("eZ1x4cV5T3u:APA91bF2kq"),
            kind: Some("call"),
            call_id: Some("Xa7Gp~2.q@host-1"),
        };
        assert!(fields(flexisip).is_empty());
        let nulls = PushNotificationInput {
            provider: Some("apns.dev"),
            kind: Some("background"),
            ..Default::default()
        };
        assert!(fields(nulls).is_empty());
    }

    #[test]
    fn every_broken_field_is_named() {
        let broken = PushNotificationInput {
            provider: Some("gcm"),
            param: Some("a b"),
            prid: Some("x/y"),
            kind: Some("alert"),
            call_id: Some("a b"),
        };
        assert_eq!(
            fields(broken),
            ["pn_provider", "pn_param", "pn_prid", "type", "call_id"]
        );
        assert_eq!(
            fields(PushNotificationInput::default()),
            ["pn_provider", "type"]
        );
    }
}
