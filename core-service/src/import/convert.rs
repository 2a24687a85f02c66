//! FlexiAPI's values as this project's: the checks and conversions of one
//! row, without a database, so each trap of the schema sheet has a test.

use crate::{
    domain::{
        model::{Credential, Secret},
        AccountAddress, Algorithm, Domain,
    },
    rules::auth::digest,
};

/// `accounts.activated`: TINYINT, or in 2020 the text `'0'` / `'1'`.
pub fn activated(raw: &str) -> Result<bool, String> {
    match raw.trim() {
        "1" => Ok(true),
        "0" => Ok(false),
        other if other.eq_ignore_ascii_case("true") => Ok(true),
        other if other.eq_ignore_ascii_case("false") => Ok(false),
        other => Err(format!("activated is {other:?}, not 0 or 1")),
    }
}

/// The address of an imported account. Looser than a new account's rule
/// (FlexiAPI allowed user parts shorter than 6 characters): what a lookup
/// accepts, so every imported account can log in.
pub fn address(username: &str, domain: &str) -> Result<AccountAddress, String> {
    let domain = Domain::parse(domain).map_err(|e| format!("domain {domain:?}: {e}"))?;
    AccountAddress::parse(username, domain.as_str(), &domain)
        .map_err(|e| format!("username {username:?}: {e}"))
}

/// What one account's password rows become.
#[derive(Debug, Default)]
pub struct Passwords {
    pub credentials: Vec<Credential>,
    /// How many stored hashes were copied as they are.
    pub hashes: usize,
    /// Whether a clear-text password was turned into HA1s.
    pub from_clear_text: bool,
    /// Rows left out, each with its reason (a row the account can do
    /// without, such as a second row of one algorithm).
    pub dropped: Vec<String>,
}

/// An account's password rows as credentials. Algorithm names compare
/// case-insensitively (FlexiAPI's collation did); a `CLRTXT` password (any
/// case) becomes an MD5 and a SHA-256 HA1 with the space's realm, filling
/// the algorithms no stored hash gives, so no clear text is kept. A hash
/// must be lowercase hex of its length (Flexisip lower-cases them too).
pub fn passwords(
    rows: &[(String, String)],
    username: &str,
    realm: &str,
) -> Result<Passwords, String> {
    let mut out = Passwords::default();
    let mut clear: Option<&str> = None;
    for (algorithm, password) in rows {
        if algorithm.eq_ignore_ascii_case("CLRTXT") {
            if clear.is_some() {
                out.dropped.push("a second CLRTXT row".into());
            }
            clear = clear.or(Some(password));
            continue;
        }
        let algorithm = Algorithm::parse(algorithm, "algorithm").map_err(|_| {
            format!("password algorithm {algorithm:?} is none of MD5, SHA-256, CLRTXT")
        })?;
        let ha1 = password.to_ascii_lowercase();
        let length = match algorithm {
            Algorithm::Md5 => 32,
            Algorithm::Sha256 => 64,
        };
        if ha1.len() != length || !ha1.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "its {} password is not an HA1 ({length} hex digits)",
                algorithm.as_str()
            ));
        }
        if out.credentials.iter().any(|c| c.algorithm == algorithm) {
            out.dropped
                .push(format!("a second {} row", algorithm.as_str()));
            continue;
        }
        out.credentials.push(Credential {
            algorithm,
            ha1: Secret::new(ha1),
        });
        out.hashes += 1;
    }
    if let Some(clear) = clear {
        for algorithm in [Algorithm::Md5, Algorithm::Sha256] {
            if out.credentials.iter().all(|c| c.algorithm != algorithm) {
                let ha1 = digest::hash(algorithm, &[username, realm, clear]);
                out.credentials.push(Credential {
                    algorithm,
                    ha1: Secret::new(ha1),
                });
                out.from_clear_text = true;
            }
        }
    }
    out.credentials.sort_by_key(|c| c.algorithm);
    Ok(out)
}

/// An API key as this project keeps it: named keys (FlexiAPI's admin keys,
/// `expires_after_last_used_minutes` set) keep their name where it is a
/// valid one, else `flexiapi-<id>`; a user key (no expiry column value)
/// becomes the account's user key (name '').
pub fn key_name(id: i64, name: Option<&str>, expiry_minutes: Option<i64>) -> String {
    if expiry_minutes.is_none() {
        return String::new();
    }
    match name {
        Some(name)
            if (1..=64).contains(&name.len())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) =>
        {
            name.to_owned()
        }
        _ => format!("flexiapi-{id}"),
    }
}

/// The key's idle expiry in seconds: a named key's minutes (0: never), a
/// user key's the core's `--api-key-idle-minutes`.
pub fn key_idle_seconds(expiry_minutes: Option<i64>, user_key_minutes: i64) -> Option<i64> {
    match expiry_minutes {
        None => Some(user_key_minutes.saturating_mul(60)),
        Some(minutes) if minutes > 0 => Some(minutes.saturating_mul(60)),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, p)| ((*a).to_owned(), (*p).to_owned()))
            .collect()
    }

    #[test]
    fn activated_may_be_text_or_a_number() {
        assert_eq!(activated("1"), Ok(true));
        assert_eq!(activated("0"), Ok(false));
        assert!(activated("yes").unwrap_err().contains("\"yes\""));
    }

    #[test]
    fn short_user_parts_import() {
        assert_eq!(address("bob", "sip.example.org").unwrap().username, "bob");
        assert!(address("has space", "sip.example.org").is_err());
        assert!(address("bob", "bad domain").unwrap_err().contains("domain"));
    }

    #[test]
    fn clear_text_becomes_both_ha1s_whatever_its_case() {
        for label in ["CLRTXT", "clrtxt"] {
            let out = passwords(
                &rows(&[(label, "carol-clear-3")]),
                "carol",
                "sip.example.org",
            )
            .unwrap();
            assert!(out.from_clear_text);
            let md5 = digest::hash(
                Algorithm::Md5,
                &["carol", "sip.example.org", "carol-clear-3"],
            );
            assert_eq!(out.credentials[0].algorithm, Algorithm::Md5);
            assert_eq!(out.credentials[0].ha1.expose(), md5);
            assert_eq!(out.credentials[1].algorithm, Algorithm::Sha256);
            assert!(out
                .credentials
                .iter()
                .all(|c| c.ha1.expose() != "carol-clear-3"));
        }
    }

    #[test]
    fn stored_hashes_are_kept_and_checked() {
        let md5 = "FDDEAAF305190DC324F5468968C06289";
        let out = passwords(&rows(&[("md5", md5), ("MD5", md5)]), "alice", "r").unwrap();
        assert_eq!(out.credentials.len(), 1);
        assert_eq!(out.credentials[0].ha1.expose(), md5.to_ascii_lowercase());
        assert_eq!(out.dropped, ["a second MD5 row"]);
        assert!(passwords(&rows(&[("MD5", "not-a-hash")]), "a", "r")
            .unwrap_err()
            .contains("not an HA1"));
        assert!(passwords(&rows(&[("SHA-512", md5)]), "a", "r")
            .unwrap_err()
            .contains("SHA-512"));
    }

    #[test]
    fn a_stored_hash_wins_over_clear_text() {
        let md5 = "fddeaaf305190dc324f5468968c06289";
        let out = passwords(&rows(&[("CLRTXT", "pw"), ("MD5", md5)]), "alice", "r").unwrap();
        assert_eq!(out.credentials[0].ha1.expose(), md5);
        assert_eq!(out.credentials.len(), 2, "SHA-256 from the clear text");
    }

    #[test]
    fn keys_keep_their_kind() {
        assert_eq!(key_name(2, None, None), "");
        assert_eq!(
            key_name(1, Some("provisioning-service"), Some(0)),
            "provisioning-service"
        );
        assert_eq!(key_name(7, Some("has space"), Some(0)), "flexiapi-7");
        assert_eq!(key_name(8, None, Some(5)), "flexiapi-8");
        assert_eq!(key_idle_seconds(Some(0), 60), None);
        assert_eq!(key_idle_seconds(Some(5), 60), Some(300));
        assert_eq!(key_idle_seconds(None, 60), Some(3600));
    }
}
