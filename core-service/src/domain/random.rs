//! Secrets drawn from the OS random generator, and the one hash they are
//! stored as. API keys, onboarding tokens, codes and recovery ids all come
//! from here, so there is one draw to audit.

use sha2::{Digest as _, Sha256};

use crate::{domain::model::Secret, error::Result};

/// Letters and digits: API keys and onboarding tokens.
pub const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// base64url's alphabet (RFC 4648 §5): the web panel's session and CSRF
/// tokens, which travel in cookies and form fields unescaped.
pub const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/// Codes typed into four boxes.
pub const DIGITS: &[u8] = b"0123456789";

/// `length` characters uniformly random over `alphabet` (at most 256
/// characters): bytes that would bias the draw (those past the largest
/// multiple of its size) are drawn again.
pub fn random_text(alphabet: &[u8], length: usize) -> Result<Secret> {
    let size = alphabet.len();
    // The number of byte values kept: the largest multiple of `size` <= 256.
    let kept = 256 - 256 % size;
    let mut text = String::with_capacity(length);
    let mut buffer = [0u8; 64];
    while text.len() < length {
        getrandom::fill(&mut buffer).map_err(|e| anyhow::anyhow!("no random bytes: {e}"))?;
        for byte in buffer.iter().map(|b| usize::from(*b)).filter(|b| *b < kept) {
            if text.len() == length {
                break;
            }
            text.push(char::from(alphabet[byte % size]));
        }
    }
    Ok(Secret::new(text))
}

/// What is stored and looked up in place of a secret: its lowercase hex
/// SHA-256.
pub fn fingerprint(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_have_the_length_and_alphabet_asked() {
        let token = random_text(ALPHANUMERIC, 13).unwrap();
        assert_eq!(token.expose().len(), 13);
        assert!(token.expose().bytes().all(|b| b.is_ascii_alphanumeric()));
        let code = random_text(DIGITS, 4).unwrap();
        assert!(code.expose().len() == 4 && code.expose().bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn every_digit_comes_up_evenly() {
        // 40,000 digits: each of the 10 is expected 4,000 times; a biased
        // draw (256 % 10 != 0) would favour 0-5 by about 2.3%.
        let mut counts = [0u32; 10];
        for _ in 0..100 {
            let drawn = random_text(DIGITS, 400).unwrap();
            for b in drawn.expose().bytes() {
                counts[usize::from(b - b'0')] += 1;
            }
        }
        for count in counts {
            assert!((3_700..=4_300).contains(&count), "{counts:?}");
        }
    }

    #[test]
    fn fingerprints_are_sha256_hex() {
        assert_eq!(
            fingerprint("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
