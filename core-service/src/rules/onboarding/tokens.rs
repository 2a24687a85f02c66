//! Request tokens (an app without push has its user pass a browser page),
//! admin-made creation tokens, and a creation token spent by an existing
//! account.

use super::{
    count_request, issue, store::StoredToken, well_formed, Issued, Onboarding, Requester, TokenKind,
};
use crate::{
    domain::random::fingerprint,
    error::{CoreError, Result},
    rules::{accounts::Actor, onboarding::store::OnboardingStore},
};

pub const INVALID_REQUEST_TOKEN: &str = "Please provide a valid account_creation_request_token";
pub const EXPIRED_TOKEN: &str = "The provided token is expired";

/// Where a token stands, for the page that shows its form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    /// Unknown, used, or not a token at all.
    Unknown,
    Expired,
    Usable,
}

/// The stored token `raw` names, if it is of `kind` and unused, with its
/// state; malformed ones are never looked up.
pub(super) async fn find(
    store: &impl OnboardingStore,
    kind: TokenKind,
    raw: &str,
    now: i64,
) -> Result<(TokenState, Option<StoredToken>)> {
    if !well_formed(raw) {
        return Ok((TokenState::Unknown, None));
    }
    let found = store.token(kind, &fingerprint(raw)).await?;
    Ok(match found {
        Some(token) if token.used_at.is_none() => {
            let state = if token.expired(now) {
                TokenState::Expired
            } else {
                TokenState::Usable
            };
            (state, Some(token))
        }
        _ => (TokenState::Unknown, None),
    })
}

pub async fn check(
    store: &impl OnboardingStore,
    kind: TokenKind,
    raw: &str,
    now: i64,
) -> Result<TokenState> {
    Ok(find(store, kind, raw, now).await?.0)
}

/// `POST /api/account_creation_request_tokens`: counted against the
/// client's hourly limit.
pub async fn create_request_token(
    store: &impl OnboardingStore,
    onboarding: &Onboarding,
    requester: &Requester,
    now: i64,
) -> Result<Issued> {
    count_request(store, &onboarding.settings, requester, now).await?;
    issue(
        store,
        &onboarding.settings,
        TokenKind::Request,
        None,
        requester,
        now,
    )
    .await
}

/// The browser page was passed: the token may now be exchanged. Unknown,
/// used or expired: INVALID_ARGUMENT on the token (a 422 page).
pub async fn validate_request_token(
    store: &impl OnboardingStore,
    raw: &str,
    now: i64,
) -> Result<()> {
    let invalid = || CoreError::invalid("account_creation_request_token", INVALID_REQUEST_TOKEN);
    match find(store, TokenKind::Request, raw, now).await? {
        (TokenState::Usable, Some(token)) => {
            if token.validated_at.is_some() || store.validate_token(token.id, now).await? {
                Ok(())
            } else {
                Err(invalid())
            }
        }
        (TokenState::Expired, _) => Err(CoreError::invalid(
            "account_creation_request_token",
            EXPIRED_TOKEN,
        )),
        _ => Err(invalid()),
    }
}

/// A validated request token, exchanged once for a creation token. Not
/// counted against the client's limit: the app polls here until its user
/// has passed the page, and each request token was counted when made.
pub async fn exchange(
    store: &impl OnboardingStore,
    onboarding: &Onboarding,
    raw: &str,
    requester: &Requester,
    now: i64,
) -> Result<Issued> {
    let invalid = || CoreError::invalid("account_creation_request_token", INVALID_REQUEST_TOKEN);
    let token = match find(store, TokenKind::Request, raw, now).await? {
        (TokenState::Usable, Some(token)) => token,
        (TokenState::Expired, _) => {
            return Err(CoreError::invalid(
                "account_creation_request_token",
                EXPIRED_TOKEN,
            ))
        }
        _ => return Err(invalid()),
    };
    if token.validated_at.is_none() {
        return Err(CoreError::Missing("Token not validated"));
    }
    if !store.use_token(token.id, None, now).await? {
        return Err(invalid());
    }
    issue(
        store,
        &onboarding.settings,
        TokenKind::Creation,
        None,
        requester,
        now,
    )
    .await
}

/// `POST /api/account_creation_tokens`: an admin hands a token out.
pub async fn create_admin_token(
    store: &impl OnboardingStore,
    onboarding: &Onboarding,
    actor: &Actor,
    requester: &Requester,
    now: i64,
) -> Result<Issued> {
    actor.require_admin()?;
    issue(
        store,
        &onboarding.settings,
        TokenKind::Creation,
        None,
        requester,
        now,
    )
    .await
}

/// An existing account (a pending one included) spends a creation token,
/// which links the token to it. Answers the token spent.
pub async fn consume(
    store: &impl OnboardingStore,
    actor: &Actor,
    raw: &str,
    now: i64,
) -> Result<Issued> {
    let not_found = CoreError::Missing("Token not found");
    let (TokenState::Usable, Some(token)) = find(store, TokenKind::Creation, raw, now).await?
    else {
        return Err(not_found);
    };
    if !store
        .use_token(token.id, Some(actor.account.id), now)
        .await?
    {
        return Err(not_found);
    }
    Ok(Issued {
        token: crate::domain::model::Secret::new(raw.to_owned()),
        expires_at: token.expires_at,
    })
}
