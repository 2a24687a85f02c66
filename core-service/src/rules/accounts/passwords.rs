//! Passwords exist only long enough to become an HA1; HA1s only leave the
//! core through `GetCredentials`. Both live in [`Secret`], whose `Debug`
//! prints nothing, so a stray `{:?}` in a log or a span cannot leak them.

use subtle::ConstantTimeEq as _;

use crate::{
    domain::{
        model::{Credential, Secret},
        Algorithm,
    },
    error::{CoreError, Result},
    rules::auth::digest,
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
        // Characters, as the API's description can say (at most 4 KiB).
        if count > 1024 {
            return Err(CoreError::invalid(
                "password",
                "must be at most 1024 characters",
            ));
        }
        // A NUL, CR or LF cannot be typed on a phone, ends a C string early
        // in some SIP stacks and splits a header line in others.
        if raw.chars().any(char::is_control) {
            return Err(CoreError::invalid(
                "password",
                "must not contain control characters",
            ));
        }
        Ok(Self(Secret::new(raw.to_owned())))
    }

    /// `H(username:realm:password)`, lowercase hex: the value Flexisip reads
    /// from `passwords.password`. The realm is the account's space's.
    pub fn ha1(&self, algorithm: Algorithm, username: &str, realm: &str) -> Secret {
        Secret::new(digest::hash(algorithm, &[username, realm, self.0.expose()]))
    }

    /// One credential per algorithm, MD5 first.
    pub fn credentials(
        &self,
        algorithms: &[Algorithm],
        username: &str,
        realm: &str,
    ) -> Vec<Credential> {
        let mut algorithms = algorithms.to_vec();
        algorithms.sort();
        algorithms.dedup();
        algorithms
            .into_iter()
            .map(|algorithm| Credential {
                algorithm,
                ha1: self.ha1(algorithm, username, realm),
            })
            .collect()
    }
}

/// Whether `candidate` is the password behind the stored HA1s: each is
/// compared in constant time, so the answer's timing tells nothing of how
/// much of a hash matched. No stored password matches nothing.
pub fn matches(candidate: &str, stored: &[Credential], username: &str, realm: &str) -> bool {
    let candidate = Password(Secret::new(candidate.to_owned()));
    let mut matched = !stored.is_empty();
    for credential in stored {
        let computed = candidate.ha1(credential.algorithm, username, realm);
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
        let realm = "sip.example.org";
        let stored = Password::parse("secret").unwrap().credentials(
            &[Algorithm::Sha256, Algorithm::Md5],
            "alice1",
            realm,
        );
        assert_eq!(stored[0].algorithm, Algorithm::Md5, "MD5 first");
        assert!(matches("secret", &stored, "alice1", realm));
        assert!(!matches("secreT", &stored, "alice1", realm));
        assert!(!matches("secret", &stored, "alice2", realm));
        assert!(!matches("secret", &stored, "alice1", "other-realm"));
        assert!(!matches("secret", &[], "alice1", realm));
    }

    #[test]
    fn password_length_is_bounded_both_ways() {
        assert!(Password::parse("123456").is_ok());
        assert!(Password::parse("12345").is_err());
        assert!(Password::parse(&"x".repeat(1025)).is_err());
        for hostile in ["secret\0pw", "secret\r\npw", "secret\tpw"] {
            let error = Password::parse(hostile).unwrap_err();
            assert!(
                error.to_string().contains("control characters"),
                "{hostile:?}"
            );
        }
        assert!(
            Password::parse("sécret pw ✓").is_ok(),
            "spaces and letters stay allowed"
        );
    }

    #[test]
    fn ha1_is_the_flexisip_hash_of_user_realm_password() {
        // echo -n 'alice1:sip.example.org:secret' | md5sum / sha256sum
        let username = "alice1";
        let password = Password::parse("secret").unwrap();
        assert_eq!(
            password
                .ha1(Algorithm::Md5, username, "sip.example.org")
                .expose(),
            "efa36e02901163ccf1f90cc16b2f91ed"
        );
        assert_eq!(
            password
                .ha1(Algorithm::Sha256, username, "sip.example.org")
                .expose(),
            "79d070b03bfb3c1c66993d886b4d932b548eb643889c8e8f58210c6457f9a382"
        );
        // echo -n 'alice1:other-realm:secret' | md5sum: the space's realm, not the domain.
        assert_eq!(
            password
                .ha1(Algorithm::Md5, username, "other-realm")
                .expose(),
            "08e255b7e661bb299c9616e0a6e70c7f"
        );
    }
}
