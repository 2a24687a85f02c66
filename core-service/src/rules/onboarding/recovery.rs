//! The recovery of a lost password from the browser pages: a code sent by
//! SMS (the page was opened from a recovery token pushed to the app) or by
//! email, then the code and a new password. The answer to the first step
//! is the same whether or not an account matched, so the page tells no
//! one which numbers and addresses have accounts.

use super::{
    codes::{check_destination, fresh_code, judge, minutes, parse_code, wrong_code, Judged},
    count_request,
    delivery::{not_sent, Mail},
    expiry,
    store::{CodeKind, NewCode, OnboardingStore},
    tokens::{find, TokenState},
    Onboarding, Requester, TokenKind,
};
use crate::{
    domain::{
        model::{Account, Secret},
        random::{fingerprint, random_text, ALPHANUMERIC},
        Domain, Email, Phone, INVALID_PHONE,
    },
    error::{CoreError, Result},
    rules::{
        accounts::{
            password::algorithms_for,
            passwords::Password,
            store::{AccountChanges, AccountStore},
        },
        spaces::store::SpaceStore,
    },
};

/// Who is recovering, as the form names it.
pub enum Recover<'a> {
    /// With the recovery token the page was opened with.
    Phone { phone: &'a str, token: &'a str },
    /// `username` tells accounts apart in a domain whose emails are not
    /// unique; empty otherwise.
    Email { email: &'a str, username: &'a str },
}

/// Sends a recovery code to the account named, if there is one, and
/// answers an opaque id for the code form either way.
pub async fn start(
    store: &(impl OnboardingStore + AccountStore + SpaceStore),
    onboarding: &Onboarding,
    default_domain: &Domain,
    who: Recover<'_>,
    requester: &Requester,
    now: i64,
) -> Result<Secret> {
    // Whether the channel is configured is known before any account is
    // looked at, so "not sent" tells nothing of who has an account.
    let channel = match who {
        Recover::Phone { .. } => "sms",
        Recover::Email { .. } => "email",
    };
    if !onboarding.delivery.channels().contains(&channel) {
        return Err(CoreError::NotSent(match who {
            Recover::Phone { .. } => "SMS not sent",
            Recover::Email { .. } => "Email not sent",
        }));
    }
    count_request(store, &onboarding.settings, requester, now).await?;
    let (destination, account) = match who {
        Recover::Phone { phone, token } => {
            let phone =
                Phone::parse(phone).map_err(|_| CoreError::invalid("phone", INVALID_PHONE))?;
            let (TokenState::Usable, Some(token)) =
                find(store, TokenKind::Recovery, token, now).await?
            else {
                return Err(CoreError::PermissionDenied(
                    "Invalid account recovery token",
                ));
            };
            // Before the token is spent: a refused number keeps it usable.
            check_destination(store, onboarding, phone.as_str(), now).await?;
            let by_phone = store
                .account_by_phone(phone.as_str(), default_domain)
                .await?;
            let account = match by_phone {
                Some(account) => Some(account),
                None => {
                    store
                        .account_by_address(phone.as_str(), default_domain)
                        .await?
                }
            };
            if !store
                .use_token(token.id, account.as_ref().map(|a| a.id), now)
                .await?
            {
                return Err(CoreError::PermissionDenied(
                    "Invalid account recovery token",
                ));
            }
            (phone.as_str().to_owned(), account)
        }
        Recover::Email { email, username } => {
            let email = Email::parse(email).map_err(|_| {
                CoreError::invalid("email", "The email field must be a valid email address.")
            })?;
            check_destination(store, onboarding, email.as_str(), now).await?;
            let found = store.accounts_by_email(email.as_str()).await?;
            let account = found.into_iter().find(|account| {
                account.domain == default_domain.as_str()
                    && (username.is_empty() || account.username == username)
            });
            (email.as_str().to_owned(), account)
        }
    };
    let recovery_id = random_text(ALPHANUMERIC, 32)?;
    let fresh = fresh_code()?;
    let id = store
        .insert_code(NewCode {
            kind: CodeKind::Recovery,
            account_id: account.as_ref().map(|a| a.id),
            recovery_sha256: Some(&fingerprint(recovery_id.expose())),
            destination: &destination,
            salt: &fresh.salt,
            code_sha256: &fresh.code_sha256,
            created_at: now,
            expires_at: expiry(now, onboarding.settings.code_ttl_seconds),
            requester,
        })
        .await?;
    if let Some(account) = &account {
        send_code(
            store,
            onboarding,
            channel,
            account,
            &destination,
            fresh.code.expose(),
        )
        .await?;
        tracing::info!(account_id = account.id, "recovery code sent");
    }
    store.mark_code_sent(id, now).await?;
    Ok(recovery_id)
}

async fn send_code(
    store: &impl SpaceStore,
    onboarding: &Onboarding,
    channel: &str,
    account: &Account,
    destination: &str,
    code: &str,
) -> Result<()> {
    let name = crate::rules::spaces::name_of(store, &account.domain).await?;
    let minutes = minutes(onboarding);
    if channel == "sms" {
        let text = format!(
            "Your {name} validation code is {code}. The code is available for {minutes} minutes"
        );
        let sent = onboarding.delivery.sms(destination, &text).await;
        return sent.map_err(not_sent("SMS not sent"));
    }
    let subject = format!("{name}: Your account recovery code");
    let body = format!(
        "Hello {username},\n\nYour {name} account recovery code is {code}.\n\
         It is valid for {minutes} minutes.\n\nIf you did not ask for it, ignore this mail: \
         your password has not changed.\n",
        username = account.username
    );
    let mail = Mail {
        to: destination,
        subject: &subject,
        body: &body,
    };
    onboarding
        .delivery
        .mail(mail)
        .await
        .map_err(not_sent("Email not sent"))
}

/// The code and a new password: the account's passwords are replaced (its
/// algorithms kept, else the space's default) and a pending account becomes
/// activated; its devices and API keys stay. Wrong code: 422, one try
/// spent; dead, expired or unknown id: FAILED_PRECONDITION `EXPIRED` (410).
pub async fn confirm(
    store: &(impl OnboardingStore + AccountStore + SpaceStore),
    recovery_id: &str,
    code: &str,
    password: &str,
    now: i64,
) -> Result<Account> {
    let gone = || CoreError::Expired("This recovery has expired: ask for a new code");
    // A form without a well-formed id is a broken form (422), not a recovery
    // that ended.
    let well_formed =
        recovery_id.len() == 32 && recovery_id.bytes().all(|b| b.is_ascii_alphanumeric());
    let id = if well_formed {
        Ok(recovery_id)
    } else {
        Err(CoreError::invalid(
            "recovery_id",
            "The recovery id is invalid: ask for a new code.",
        ))
    };
    let (id, code, password) = match (id, parse_code(code), Password::parse(password)) {
        (Ok(id), Ok(code), Ok(password)) => (id, code, password),
        (i, c, p) => return Err(CoreError::merge([i.err(), c.err(), p.err()])),
    };
    let stored = store.code_by_recovery(&fingerprint(id)).await?;
    let stored = stored.filter(|c| c.kind == CodeKind::Recovery && c.sent_at.is_some());
    let (judged, stored) = judge(store, stored, code, now, gone(), gone()).await?;
    let account_id = stored.and_then(|c| c.account_id);
    let (Judged::Right, Some(account_id)) = (judged, account_id) else {
        return Err(wrong_code());
    };
    let account = store.account_by_id(account_id).await?.ok_or_else(gone)?;
    let algorithms = algorithms_for(store, "", &account).await?;
    let credentials = password.credentials(&algorithms, &account.username, &account.realm);
    let activate = account.pending && !account.activated;
    let changes = AccountChanges {
        credentials: Some(credentials),
        activated: activate.then_some(true),
        pending: activate.then_some(false),
        updated_at: now,
        ..AccountChanges::default()
    };
    let updated = store.update_account(account.id, changes).await?;
    tracing::info!(account_id = account.id, "password recovered");
    updated.ok_or_else(gone)
}
