//! Tokens sent to a device by push (`send-by-push`): a creation token for a
//! new account, or a recovery token that opens the recovery page. The
//! answer never carries the token: only the device gets it, which proves a
//! real app on a real device asked.

use super::{
    count_request, delivery::not_sent, issue, limited, store::OnboardingStore, Onboarding,
    Requester, TokenKind,
};
use crate::{
    domain::random::fingerprint,
    error::{CoreError, Result},
    rules::onboarding::delivery::{abridged, PushPayload, PushProvider, PushTarget},
};

const THROTTLED: &str = "Last token requested too recently";

/// The three fields as the app sends them.
pub struct PushRequest<'a> {
    pub provider: &'a str,
    pub param: &'a str,
    pub prid: &'a str,
}

/// FlexiAPI's `PnProvider`, `PnParam` and `PnPrid` rules, with every field
/// required (a token must reach a device), and Flexisip's check that an
/// APNs device token is 64 hex digits.
pub fn parse_target(request: &PushRequest<'_>) -> Result<PushTarget> {
    let provider = match request.provider {
        "" => Err(CoreError::invalid(
            "pn_provider",
            "The pn provider field is required.",
        )),
        raw => PushProvider::parse(raw).ok_or_else(|| {
            CoreError::invalid(
                "pn_provider",
                format!("The pn provider should be in {}", PushProvider::NAMES),
            )
        }),
    };
    let param = checked(
        "pn_param",
        request.param,
        |c| c.is_ascii_alphanumeric() || "_.".contains(c),
        "The pn param should contain only alphanumeric, dots and underscore characters",
    );
    let mut prid = checked(
        "pn_prid",
        request.prid,
        |c| c.is_ascii_alphanumeric() || "_:-".contains(c),
        "The pn prid should contain only alphanumeric, dashes, underscore and colon characters",
    );
    let apns = matches!(provider, Ok(PushProvider::Apns | PushProvider::ApnsDev));
    if apns && prid.is_ok() && !is_apns_token(request.prid) {
        prid = Err(CoreError::invalid(
            "pn_prid",
            "The pn prid should be the 64 hexadecimal digits of an APNs device token",
        ));
    }
    match (provider, param, prid) {
        (Ok(provider), Ok(param), Ok(prid)) => Ok(PushTarget {
            provider,
            param: param.to_owned(),
            prid: prid.to_owned(),
        }),
        (provider, param, prid) => Err(CoreError::merge([provider.err(), param.err(), prid.err()])),
    }
}

pub(crate) fn checked<'a>(
    field: &'static str,
    raw: &'a str,
    allowed: impl Fn(char) -> bool,
    message: &'static str,
) -> Result<&'a str> {
    let name = field.replace('_', " ");
    if raw.is_empty() {
        return Err(CoreError::invalid(
            field,
            format!("The {name} field is required."),
        ));
    }
    if raw.len() > 255 {
        return Err(CoreError::invalid(
            field,
            format!("The {name} field must not be greater than 255 characters."),
        ));
    }
    if raw.chars().all(allowed) {
        Ok(raw)
    } else {
        Err(CoreError::invalid(field, message))
    }
}

fn is_apns_token(prid: &str) -> bool {
    prid.len() == 64 && prid.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The per-device key the limits count by: the target's SHA-256.
fn device_of(target: &PushTarget) -> String {
    fingerprint(&format!(
        "{}\n{}\n{}",
        target.provider.as_str(),
        target.param,
        target.prid
    ))
}

/// Sends a token of `kind` (creation or recovery) to the device. Refused
/// within `--push-retry-seconds` of the last one to that device, and, for
/// a creation token, within `--device-account-retry-minutes` of an account
/// made from one. The token is stored before the push goes (the app may
/// use it at once) and deleted again if it did not.
pub async fn send(
    store: &impl OnboardingStore,
    onboarding: &Onboarding,
    kind: TokenKind,
    request: PushRequest<'_>,
    requester: &Requester,
    now: i64,
) -> Result<()> {
    let target = parse_target(&request)?;
    count_request(store, &onboarding.settings, requester, now).await?;
    let settings = &onboarding.settings;
    let device = device_of(&target);
    if let Some(last) = store.last_push(&device, kind).await? {
        if now - last < settings.push_retry_seconds {
            return Err(limited(
                THROTTLED,
                Some(last),
                settings.push_retry_seconds,
                now,
            ));
        }
    }
    if kind == TokenKind::Creation {
        let window = settings.device_account_retry_minutes.saturating_mul(60);
        if let Some(last) = store.last_account_of_device(&device).await? {
            if now - last < window {
                return Err(limited(THROTTLED, Some(last), window, now));
            }
        }
    }
    let issued = issue(store, settings, kind, Some(&device), requester, now).await?;
    let payload = PushPayload::Token {
        token: &issued.token,
        ttl_seconds: settings.ttl_of(kind),
    };
    match onboarding.delivery.push(&target, payload).await {
        Ok(()) => {
            tracing::info!(
                provider = target.provider.as_str(),
                pn_param = %target.param,
                pn_prid = %abridged(&target.prid),
                kind = kind.as_str(),
                "token sent by push"
            );
            Ok(())
        }
        Err(undelivered) => {
            let stored = store
                .token(kind, &fingerprint(issued.token.expose()))
                .await?;
            if let Some(stored) = stored {
                store.delete_token(stored.id).await?;
            }
            Err(not_sent("Token not sent")(undelivered))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tests::field_of;

    fn target(provider: &str, param: &str, prid: &str) -> Result<PushTarget> {
        parse_target(&PushRequest {
            provider,
            param,
            prid,
        })
    }

    #[test]
    fn targets_follow_flexiapi_and_flexisip_rules() {
        let apns_token = "A".repeat(64);
        assert!(target("fcm", "123456789012", "dGVzdA:APA91b-x_y").is_ok());
        assert!(target("apns", "ABCD1234.org.linphone.phone.remote", &apns_token).is_ok());
        assert_eq!(field_of(target("gcm", "1", "x")), "pn_provider");
        assert_eq!(field_of(target("", "1", "x")), "pn_provider");
        assert_eq!(field_of(target("fcm", "a/b", "x")), "pn_param");
        assert_eq!(field_of(target("fcm", "", "x")), "pn_param");
        assert_eq!(field_of(target("fcm", "1", "a b")), "pn_prid");
        assert_eq!(field_of(target("fcm", "1", &"x".repeat(256))), "pn_prid");
        assert_eq!(field_of(target("apns", "T.a.b", "abc")), "pn_prid");
        let Err(CoreError::InvalidArgument(all)) = target("x", "", "") else {
            panic!("accepted")
        };
        assert_eq!(all.len(), 3);
        assert_eq!(
            all[0].message,
            "The pn provider should be in apns.dev, apns, fcm"
        );
    }

    #[test]
    fn debug_output_abridges_the_device_token() {
        let target = target("fcm", "123", "secretdevicetoken").unwrap();
        let printed = format!("{target:?}");
        assert!(!printed.contains("secretdevicetoken"), "{printed}");
    }
}
