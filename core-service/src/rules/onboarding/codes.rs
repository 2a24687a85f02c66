//! 4-digit codes that prove an email address or a phone number: asked for
//! by an account (a pending one included), sent by mail or SMS, confirmed
//! once. Only the account's newest code of a kind counts; each code has
//! [`MAX_TRIES`] tries, each spent before the comparison, so no number of
//! concurrent guesses compares more often.

use subtle::ConstantTimeEq as _;

use super::{
    delivery::{not_sent, Mail},
    expiry, limited,
    store::{CodeKind, NewCode, OnboardingStore, StoredCode},
    Onboarding, Requester, HOUR, MAX_TRIES,
};
use crate::{
    domain::{
        model::{Account, Secret},
        random::{fingerprint, random_text, ALPHANUMERIC, DIGITS},
        Dictionary, DisplayName, Email, Phone, INVALID_PHONE,
    },
    error::{CoreError, Result},
    rules::{
        accounts::{
            manage::own_domain_of,
            store::{AccountChanges, AccountStore, Profile},
            Actor,
        },
        spaces::{self, store::SpaceStore},
    },
};

const TOO_MANY: &str = "Too many codes requested";

/// Which proof: the address (email) or the number (phone) it goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    Email,
    Phone,
}

impl Proof {
    fn kind(self) -> CodeKind {
        match self {
            Self::Email => CodeKind::Email,
            Self::Phone => CodeKind::Phone,
        }
    }

    fn field(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
        }
    }

    fn current(self, account: &Account) -> Option<&str> {
        match self {
            Self::Email => account.email.as_deref(),
            Self::Phone => account.phone.as_deref(),
        }
    }
}

/// The destination as validated: the address or number, in its stored form.
fn parse_destination(proof: Proof, raw: &str) -> Result<String> {
    match proof {
        Proof::Email if raw.len() > 255 => Err(CoreError::invalid(
            "email",
            "The email field must not be greater than 255 characters.",
        )),
        Proof::Email => Email::parse(raw)
            .map(|email| email.as_str().to_owned())
            .map_err(|_| {
                CoreError::invalid("email", "The email field must be a valid email address.")
            }),
        Proof::Phone => Phone::parse(raw)
            .map(|phone| phone.as_str().to_owned())
            .map_err(|_| CoreError::invalid("phone", INVALID_PHONE)),
    }
}

fn taken(proof: Proof) -> CoreError {
    CoreError::AlreadyExists {
        field: proof.field(),
        message: format!("The {} has already been taken.", proof.field()),
    }
}

/// Refused when another account of the domain has it (a phone also as its
/// username).
async fn free_for(
    store: &impl AccountStore,
    proof: Proof,
    destination: &str,
    account: &Account,
) -> Result<()> {
    let domain = own_domain_of(account)?;
    let holders = match proof {
        Proof::Email => store.accounts_by_email(destination).await?,
        Proof::Phone => {
            let by_phone = store.account_by_phone(destination, &domain).await?;
            let by_name = store.account_by_address(destination, &domain).await?;
            by_phone.into_iter().chain(by_name).collect()
        }
    };
    let other = holders
        .iter()
        .any(|holder| holder.domain == account.domain && holder.id != account.id);
    if other {
        Err(taken(proof))
    } else {
        Ok(())
    }
}

/// A new code for `destination`, stored as SHA-256 of a random salt and the
/// code; the code itself goes only to the message.
pub(super) struct FreshCode {
    pub code: Secret,
    pub salt: String,
    pub code_sha256: String,
}

pub(super) fn fresh_code() -> Result<FreshCode> {
    let code = random_text(DIGITS, 4)?;
    let salt = random_text(ALPHANUMERIC, 32)?.expose().to_owned();
    let code_sha256 = hash_code(&salt, code.expose());
    Ok(FreshCode {
        code,
        salt,
        code_sha256,
    })
}

fn hash_code(salt: &str, code: &str) -> String {
    fingerprint(&format!("{salt}:{code}"))
}

/// Refuses a new message to `destination` past its hourly limit, whoever
/// asks.
pub(super) async fn check_destination(
    store: &impl OnboardingStore,
    onboarding: &Onboarding,
    destination: &str,
    now: i64,
) -> Result<()> {
    let tally = store.codes_to_since(destination, now - HOUR).await?;
    if tally.count >= onboarding.settings.messages_per_destination_per_hour {
        return Err(limited(TOO_MANY, tally.oldest, HOUR, now));
    }
    Ok(())
}

/// The code's lifetime in whole minutes, for the message.
pub(super) fn minutes(onboarding: &Onboarding) -> i64 {
    (onboarding.settings.code_ttl_seconds + 59) / 60
}

/// `POST /api/accounts/me/{email,phone}/request`.
pub async fn request(
    store: &(impl OnboardingStore + AccountStore + SpaceStore),
    onboarding: &Onboarding,
    actor: &Actor,
    proof: Proof,
    raw: &str,
    requester: &Requester,
    now: i64,
) -> Result<()> {
    let account = &actor.account;
    let destination = parse_destination(proof, raw)?;
    if proof.current(account) == Some(destination.as_str()) {
        return Err(CoreError::invalid(
            proof.field(),
            format!("The selected {} is invalid.", proof.field()),
        ));
    }
    free_for(store, proof, &destination, account).await?;
    let tally = store.codes_of_account_since(account.id, now - HOUR).await?;
    if tally.count >= onboarding.settings.codes_per_account_per_hour {
        return Err(limited(TOO_MANY, tally.oldest, HOUR, now));
    }
    check_destination(store, onboarding, &destination, now).await?;
    let fresh = fresh_code()?;
    let id = store
        .insert_code(NewCode {
            kind: proof.kind(),
            account_id: Some(account.id),
            recovery_sha256: None,
            destination: &destination,
            salt: &fresh.salt,
            code_sha256: &fresh.code_sha256,
            created_at: now,
            expires_at: expiry(now, onboarding.settings.code_ttl_seconds),
            requester,
        })
        .await?;
    let name = spaces::name_of(store, &account.domain).await?;
    let minutes = minutes(onboarding);
    let code = fresh.code.expose();
    let sent = match proof {
        Proof::Email => {
            let body = format!(
                "Hello {username},\n\nYour {name} confirmation code is {code}.\n\
                 It is valid for {minutes} minutes.\n\nIf you did not ask for it, ignore this mail.\n",
                username = account.username
            );
            let subject = format!("{name}: Confirm your registration");
            let mail = Mail {
                to: &destination,
                subject: &subject,
                body: &body,
            };
            onboarding
                .delivery
                .mail(mail)
                .await
                .map_err(not_sent("Email not sent"))
        }
        Proof::Phone => {
            let text = format!(
                "Your {name} validation code is {code}. The code is available for {minutes} minutes"
            );
            let sms = onboarding.delivery.sms(&destination, &text).await;
            sms.map_err(not_sent("SMS not sent"))
        }
    };
    sent?;
    store.mark_code_sent(id, now).await?;
    tracing::info!(
        account_id = account.id,
        kind = proof.kind().as_str(),
        "code sent"
    );
    Ok(())
}

/// What comparing a code against a stored one decided.
pub(super) enum Judged {
    Right,
    /// 422: one try spent.
    Wrong,
}

/// The shared judgement of a code: format (not a try), pending, expiry,
/// then one try spent and the comparison in constant time.
pub(super) async fn judge(
    store: &impl OnboardingStore,
    stored: Option<StoredCode>,
    raw: &str,
    now: i64,
    expired: CoreError,
    none: CoreError,
) -> Result<(Judged, Option<StoredCode>)> {
    let Some(code) = stored.filter(|c| c.used_at.is_none() && c.tries < MAX_TRIES) else {
        return Err(none);
    };
    if code.expires_at.is_some_and(|at| now >= at) {
        return Err(expired);
    }
    if !store.spend_try(code.id, MAX_TRIES).await? {
        return Err(none);
    }
    let given = hash_code(&code.salt, raw);
    let right: bool = given.as_bytes().ct_eq(code.code_sha256.as_bytes()).into();
    if right && store.use_code(code.id, now).await? {
        Ok((Judged::Right, Some(code)))
    } else {
        Ok((Judged::Wrong, Some(code)))
    }
}

/// A code as typed: 4 digits.
pub(super) fn parse_code(raw: &str) -> Result<&str> {
    if raw.len() == 4 && raw.bytes().all(|b| b.is_ascii_digit()) {
        Ok(raw)
    } else {
        Err(CoreError::invalid(
            "code",
            "The code field must be 4 digits.",
        ))
    }
}

pub(super) fn wrong_code() -> CoreError {
    CoreError::invalid("code", "The code should be valid")
}

/// `POST /api/accounts/me/{email,phone}`: the right code sets the address
/// or number, and the account stops being pending and becomes activated.
pub async fn confirm(
    store: &(impl OnboardingStore + AccountStore),
    actor: &Actor,
    proof: Proof,
    raw: &str,
    now: i64,
) -> Result<Account> {
    let raw = parse_code(raw)?;
    let account = &actor.account;
    let stored = store.newest_code(account.id, proof.kind()).await?;
    let stored = stored.filter(|code| code.sent_at.is_some());
    let none = CoreError::Missing("No pending code");
    let expired = CoreError::Expired("Expired code");
    let (Judged::Right, Some(code)) = judge(store, stored, raw, now, expired, none).await? else {
        return Err(wrong_code());
    };
    free_for(store, proof, &code.destination, account).await?;
    let mut profile = profile_of(account)?;
    match proof {
        Proof::Email => profile.email = Some(Email::parse(&code.destination)?),
        Proof::Phone => profile.phone = Some(Phone::parse(&code.destination)?),
    }
    let changes = AccountChanges {
        profile: Some(profile),
        activated: Some(true),
        pending: Some(false),
        updated_at: now,
        ..AccountChanges::default()
    };
    let updated = store.update_account(account.id, changes).await?;
    let updated = updated.ok_or(CoreError::NotFound("account"))?;
    tracing::info!(
        account_id = account.id,
        kind = proof.kind().as_str(),
        "code confirmed"
    );
    Ok(updated)
}

/// The account's stored profile, to change one field of it.
fn profile_of(account: &Account) -> Result<Profile> {
    Ok(Profile {
        email: Email::parse_optional(account.email.as_deref())?,
        display_name: DisplayName::parse_optional(account.display_name.as_deref())?,
        phone: Phone::parse_optional(account.phone.as_deref())?,
        dictionary: Dictionary::parse(&account.dictionary)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_four_digits_and_hashed_with_their_salt() {
        assert!(parse_code("0123").is_ok());
        for bad in ["123", "12345", "12a4", "١٢٣٤", ""] {
            assert!(parse_code(bad).is_err(), "{bad}");
        }
        let fresh = fresh_code().unwrap();
        assert_eq!(
            fresh.code_sha256,
            hash_code(&fresh.salt, fresh.code.expose())
        );
        assert_ne!(fresh.code_sha256, fingerprint(fresh.code.expose()));
    }

    #[test]
    fn destinations_are_checked_with_the_contract_words() {
        let Err(CoreError::InvalidArgument(v)) = parse_destination(Proof::Phone, "0612") else {
            panic!()
        };
        assert_eq!(v[0].message, "The phone field must be a valid number.");
        let Err(CoreError::InvalidArgument(v)) = parse_destination(Proof::Email, "nope") else {
            panic!()
        };
        assert_eq!(
            v[0].message,
            "The email field must be a valid email address."
        );
        assert_eq!(
            parse_destination(Proof::Email, "a@b.org").unwrap(),
            "a@b.org"
        );
    }
}
