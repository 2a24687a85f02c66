//! `POST /api/accounts/with-account-creation-token`: an app creates a
//! pending account with a creation token. Every check is made before the
//! token is spent, and the token is spent in the account's own transaction:
//! a refused request leaves it usable, two requests with it make one
//! account.

use std::collections::HashMap;

use super::{
    count_request,
    tokens::{find, TokenState, EXPIRED_TOKEN},
    Onboarding, Requester, TokenKind,
};
use crate::{
    domain::{model::Account, Domain, Phone},
    error::{CoreError, Result},
    rules::{
        accounts::{self, CreateAccount, ProfileInput},
        spaces, Store,
    },
};

pub const INVALID_CREATION_TOKEN: &str = "Please provide a valid account_creation_token";

/// What the app sends (`domain` is not here: the account goes to the
/// `--sip-domain` space, as FlexiAPI puts it in the space of its host).
pub struct SignUp<'a> {
    pub token: &'a str,
    pub username: &'a str,
    pub password: &'a str,
    /// Empty: the space's default.
    pub algorithm: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub display_name: Option<&'a str>,
    pub dictionary: &'a HashMap<String, String>,
}

pub async fn create_with_token(
    store: &impl Store,
    onboarding: &Onboarding,
    default_domain: &Domain,
    request: SignUp<'_>,
    requester: &Requester,
    now: i64,
) -> Result<Account> {
    count_request(store, &onboarding.settings, requester, now).await?;
    let mut prior = Vec::new();
    let token = match find(store, TokenKind::Creation, request.token, now).await? {
        (TokenState::Usable, Some(token)) => Some(token.id),
        (TokenState::Expired, _) => {
            prior.push(CoreError::invalid("account_creation_token", EXPIRED_TOKEN));
            None
        }
        _ => {
            let invalid = CoreError::invalid("account_creation_token", INVALID_CREATION_TOKEN);
            prior.push(invalid);
            None
        }
    };
    prior.extend(app_username_rules(request.username));
    let algorithm = match request.algorithm {
        "" => spaces::default_algorithm(store, default_domain.as_str())
            .await?
            .as_str(),
        given => given,
    };
    let new = CreateAccount {
        username: request.username,
        domain: default_domain.as_str(),
        password: request.password,
        algorithm,
        admin: false,
        activated: false,
        blocked: false,
        pending: true,
        spend_token: token,
        profile: ProfileInput {
            email: request.email,
            display_name: request.display_name,
            phone: request.phone,
            dictionary: Some(request.dictionary),
        },
    };
    let account = accounts::create_checked(store, default_domain, None, new, prior, now).await?;
    tracing::info!(
        account_id = account.id,
        "pending account created with a token"
    );
    Ok(account)
}

/// FlexiAPI's rules for usernames an app picks: no upper case (SIP user
/// parts are case-sensitive and users type them in lower case), and no
/// phone number (a number is someone's identity of its own).
fn app_username_rules(username: &str) -> Vec<CoreError> {
    let mut refusals = Vec::new();
    if username.chars().any(char::is_uppercase) {
        refusals.push(CoreError::invalid(
            "username",
            "No uppercase letters are allowed.",
        ));
    }
    if Phone::looks_like(username) {
        refusals.push(CoreError::invalid(
            "username",
            "The username should not be a phone number",
        ));
    }
    refusals
}

#[cfg(test)]
mod tests {
    use super::app_username_rules;

    #[test]
    fn apps_may_not_pick_upper_case_or_phone_numbers() {
        assert!(app_username_rules("alice01").is_empty());
        assert_eq!(app_username_rules("Alice01").len(), 1);
        assert_eq!(app_username_rules("+33612345678").len(), 1);
        assert_eq!(app_username_rules("0612345678").len(), 1);
    }
}
