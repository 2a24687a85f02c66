//! Passwords exist only long enough to become an HA1; HA1s only leave the
//! core through `GetCredentials`. Both live in [`Secret`], whose `Debug`
//! prints nothing, so a stray `{:?}` in a log or a span cannot leak them.

use subtle::ConstantTimeEq as _;

use crate::{
    digest,
    domain::{Algorithm, Domain},
    error::{CoreError, Result},
    model::{Credential, Secret},
};

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
    pub fn ha1(&self, algorithm: Algorithm, username: &str, domain: &Domain) -> Secret {
        Secret::new(digest::hash(
            algorithm,
            &[username, domain.as_str(), self.0.expose()],
        ))
    }

    /// One credential per algorithm, MD5 first.
    pub fn credentials(
        &self,
        algorithms: &[Algorithm],
        username: &str,
        domain: &Domain,
    ) -> Vec<Credential> {
        let mut algorithms = algorithms.to_vec();
        algorithms.sort();
        algorithms.dedup();
        algorithms
            .into_iter()
            .map(|algorithm| Credential {
                algorithm,
                ha1: self.ha1(algorithm, username, domain),
            })
            .collect()
    }
}

/// Whether `candidate` is the password behind the stored HA1s: each is
/// compared in constant time, so the answer's timing tells nothing of how
/// much of a hash matched. No stored password matches nothing.
pub fn matches(candidate: &str, stored: &[Credential], username: &str, domain: &Domain) -> bool {
    let candidate = Password(Secret::new(candidate.to_owned()));
    let mut matched = !stored.is_empty();
    for credential in stored {
        let computed = candidate.ha1(credential.algorithm, username, domain);
        let equal: bool = computed
            .expose()
            .as_bytes()
            .ct_eq(credential.ha1.expose().as_bytes())
            .into();
        matched &= equal;
    }
    matched
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
    fn the_old_password_is_checked_against_every_stored_hash() {
        let domain = Domain::parse("sip.example.org").unwrap();
        let stored = Password::parse("secret").unwrap().credentials(
            &[Algorithm::Sha256, Algorithm::Md5],
            "alice1",
            &domain,
        );
        assert_eq!(stored[0].algorithm, Algorithm::Md5, "MD5 first");
        assert!(matches("secret", &stored, "alice1", &domain));
        assert!(!matches("secreT", &stored, "alice1", &domain));
        assert!(!matches("secret", &stored, "alice2", &domain));
        assert!(!matches("secret", &[], "alice1", &domain));
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
        let username = "alice1";
        let domain = Domain::parse("sip.example.org").unwrap();
        let password = Password::parse("secret").unwrap();
        assert_eq!(
            password.ha1(Algorithm::Md5, username, &domain).expose(),
            "efa36e02901163ccf1f90cc16b2f91ed"
        );
        assert_eq!(
            password.ha1(Algorithm::Sha256, username, &domain).expose(),
            "79d070b03bfb3c1c66993d886b4d932b548eb643889c8e8f58210c6457f9a382"
        );
    }
}
