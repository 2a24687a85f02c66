//! Passwords exist only long enough to become an HA1; HA1s only leave the
//! core through `GetCredentials`. Both live in [`Secret`], whose `Debug`
//! prints nothing, so a stray `{:?}` in a log or a span cannot leak them.

use std::fmt;

use crate::{
    digest,
    domain::{Algorithm, Domain, Username},
    error::{CoreError, Result},
};

/// A string that never prints itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The one way to read the value: grep for it to audit where secrets go.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A new account's clear-text password.
#[derive(Debug)]
pub struct Password(Secret);

impl Password {
    /// At least 6 characters as in the original API; at most 1024 so that a
    /// hostile body cannot make hashing expensive.
    pub fn parse(raw: &str) -> Result<Self> {
        let count = raw.chars().count();
        if count < 6 {
            return Err(CoreError::invalid(
                "password",
                "must be at least 6 characters",
            ));
        }
        if raw.len() > 1024 {
            return Err(CoreError::invalid("password", "must be at most 1024 bytes"));
        }
        Ok(Self(Secret::new(raw.to_owned())))
    }

    /// `H(username:realm:password)`, lowercase hex: the value Flexisip reads
    /// from `passwords.password`. The realm is the account's domain.
    pub fn ha1(&self, algorithm: Algorithm, username: &Username, domain: &Domain) -> Secret {
        Secret::new(digest::hash(
            algorithm,
            &[username.as_str(), domain.as_str(), self.0.expose()],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let password = Password::parse("Circle of Life").unwrap();
        let printed = format!("{password:?} {:?}", Secret::new("abc".into()));
        assert!(!printed.contains("Circle"), "{printed}");
        assert!(!printed.contains("abc"), "{printed}");
    }

    #[test]
    fn password_length_is_bounded_both_ways() {
        assert!(Password::parse("123456").is_ok());
        assert!(Password::parse("12345").is_err());
        assert!(Password::parse(&"x".repeat(1025)).is_err());
    }

    #[test]
    fn ha1_is_the_flexisip_hash_of_user_realm_password() {
        // echo -n 'alice1:sip.example.org:secret' | md5sum / sha256sum
        let username = Username::parse("alice1").unwrap();
        let domain = Domain::parse("sip.example.org").unwrap();
        let password = Password::parse("secret").unwrap();
        assert_eq!(
            password.ha1(Algorithm::Md5, &username, &domain).expose(),
            "efa36e02901163ccf1f90cc16b2f91ed"
        );
        assert_eq!(
            password.ha1(Algorithm::Sha256, &username, &domain).expose(),
            "79d070b03bfb3c1c66993d886b4d932b548eb643889c8e8f58210c6457f9a382"
        );
    }
}
