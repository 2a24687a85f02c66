//! The Digest answer a login's typed password gives. The gateway computes
//! it here, as a Digest client would, so that neither the password nor an
//! HA1 (as good as the password for Digest) crosses to the core, which
//! judges the answer as it judges any other (contract panel.md "Logging
//! in").

use flexiapi_proto::pb;
use md5::Md5;
use sha2::{Digest as _, Sha256};

use crate::core_client::SipAddress;

/// The method and uri a login's answer is computed for.
pub const METHOD: &str = "POST";
pub const URI: &str = "/login";

/// The challenge of the strongest algorithm the account has.
pub fn strongest(challenges: &[pb::DigestChallenge]) -> Option<&pb::DigestChallenge> {
    challenges
        .iter()
        .find(|c| c.algorithm == "SHA-256")
        .or_else(|| challenges.iter().find(|c| c.algorithm == "MD5"))
}

/// The answer to `challenge` for `password` (qop=auth, nc 1, a random
/// cnonce); `None` when the OS gives no random bytes.
pub fn answer(
    address: &SipAddress,
    password: &str,
    challenge: &pb::DigestChallenge,
) -> Option<pb::DigestFields> {
    let mut cnonce = [0u8; 16];
    getrandom::fill(&mut cnonce).ok()?;
    let cnonce = hex::encode(cnonce);
    let nc = "00000001";
    let h = |parts: &[&str]| hash(&challenge.algorithm, &parts.join(":"));
    let ha1 = h(&[&address.username, &challenge.realm, password]);
    let ha2 = h(&[METHOD, URI]);
    let response = h(&[&ha1, &challenge.nonce, nc, &cnonce, "auth", &ha2]);
    Some(pb::DigestFields {
        username: address.username.clone(),
        realm: challenge.realm.clone(),
        nonce: challenge.nonce.clone(),
        uri: URI.into(),
        nc: nc.into(),
        cnonce,
        qop: "auth".into(),
        response,
        opaque: challenge.opaque.clone(),
        algorithm: challenge.algorithm.clone(),
        userhash: String::new(),
    })
}

fn hash(algorithm: &str, text: &str) -> String {
    if algorithm == "SHA-256" {
        hex::encode(Sha256::digest(text.as_bytes()))
    } else {
        hex::encode(Md5::digest(text.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(algorithm: &str) -> pb::DigestChallenge {
        pb::DigestChallenge {
            realm: "sip.example.org".into(),
            nonce: "n0nce".into(),
            opaque: "0paque".into(),
            algorithm: algorithm.into(),
            qop: "auth".into(),
            stale: false,
        }
    }

    #[test]
    fn sha256_is_preferred_and_md5_taken_when_alone() {
        let both = [challenge("MD5"), challenge("SHA-256")];
        assert_eq!(strongest(&both).unwrap().algorithm, "SHA-256");
        assert_eq!(strongest(&both[..1]).unwrap().algorithm, "MD5");
        assert!(strongest(&[]).is_none());
    }

    #[test]
    fn the_answer_is_rfc_7616_maths_over_a_fresh_cnonce() {
        let address = SipAddress {
            username: "alice01".into(),
            domain: String::new(),
        };
        let md5 = challenge("MD5");
        let first = answer(&address, "secret", &md5).unwrap();
        let second = answer(&address, "secret", &md5).unwrap();
        assert_ne!(first.cnonce, second.cnonce);
        // echo -n 'alice01:sip.example.org:secret' | md5sum, and so on.
        let ha1 = hash("MD5", "alice01:sip.example.org:secret");
        let ha2 = hash("MD5", "POST:/login");
        let expected = hash(
            "MD5",
            &format!("{ha1}:n0nce:00000001:{}:auth:{ha2}", first.cnonce),
        );
        assert_eq!(first.response, expected);
        assert_eq!(first.response.len(), 32);
        let sha = answer(&address, "secret", &challenge("SHA-256")).unwrap();
        assert_eq!(sha.response.len(), 64);
        assert_eq!((sha.uri.as_str(), sha.opaque.as_str()), (URI, "0paque"));
    }
}
