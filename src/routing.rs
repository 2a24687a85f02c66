//! Which core replica a request belongs to: what the gateway needs to send
//! a Digest answer to the replica that can judge it, and nothing more.
//!
//! A nonce the core issues is hex of [`NONCE_BYTES`] bytes: a version
//! byte, the key id, the issuing replica's instance id, the issue time and
//! the random part, then the core's MAC over all of it (the layout the core
//! writes, `rules::auth::signed_nonces`). Only the issuer keeps the counts
//! of its answered nonces, so the gateway reads the instance id out of the
//! nonce and routes the answer to it. Nothing here checks the MAC: a forged
//! nonce reaches some replica, which refuses it.

/// Response metadata every core answer carries: the replica's instance id,
/// 16 hex digits, so that a gateway learns which endpoint is which.
pub const INSTANCE_HEADER: &str = "flexiapi-core-instance";

/// The version byte of the nonce layout below.
pub const NONCE_VERSION: u8 = 1;
/// Where each part of a nonce starts, in bytes.
pub const NONCE_KEY_ID: usize = 1;
pub const NONCE_INSTANCE: usize = 3;
pub const NONCE_ISSUED_MS: usize = 11;
pub const NONCE_RANDOM: usize = 17;
pub const NONCE_MAC: usize = 33;
/// The whole nonce: 16 random bytes (the contract asks for 128 bits) and a
/// 16-byte MAC after the 33 bytes of header.
pub const NONCE_BYTES: usize = 49;

/// The instance id of the replica that issued `nonce`, if it has the core's
/// layout (a proxy's own nonce has not: such answers are routed by a hash).
pub fn nonce_issuer(nonce: &str) -> Option<u64> {
    if nonce.len() != NONCE_BYTES * 2 {
        return None;
    }
    // The version byte and the key id come before the instance id.
    let mut header = [0u8; NONCE_INSTANCE + 8];
    hex::decode_to_slice(nonce.get(..header.len() * 2)?, &mut header).ok()?;
    if header[0] != NONCE_VERSION {
        return None;
    }
    let instance = header[NONCE_INSTANCE..].try_into().ok()?;
    Some(u64::from_be_bytes(instance))
}

/// The instance id as [`INSTANCE_HEADER`] spells it.
pub fn instance_text(instance: u64) -> String {
    format!("{instance:016x}")
}

/// [`INSTANCE_HEADER`]'s value back to the id.
pub fn parse_instance(text: &str) -> Option<u64> {
    let mut bytes = [0u8; 8];
    hex::decode_to_slice(text, &mut bytes).ok()?;
    Some(u64::from_be_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nonce(version: u8, instance: u64) -> String {
        let mut bytes = [0u8; NONCE_BYTES];
        bytes[0] = version;
        bytes[NONCE_INSTANCE..NONCE_INSTANCE + 8].copy_from_slice(&instance.to_be_bytes());
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn the_issuer_is_read_from_a_core_nonce_only() {
        assert_eq!(
            nonce_issuer(&nonce(1, 0xdead_beef_0000_0001)),
            Some(0xdead_beef_0000_0001)
        );
        assert_eq!(nonce_issuer(&nonce(1, 7).to_uppercase()), Some(7));
        assert_eq!(nonce_issuer(&nonce(2, 7)), None, "another version");
        assert_eq!(nonce_issuer("cXVpZXQ="), None, "a proxy's nonce");
        assert_eq!(nonce_issuer(&"zz".repeat(NONCE_BYTES)), None);
        assert_eq!(nonce_issuer(&"é".repeat(NONCE_BYTES)), None, "not ASCII");
    }

    #[test]
    fn instance_ids_round_trip_through_the_header() {
        let text = instance_text(0x0123_4567_89ab_cdef);
        assert_eq!(text, "0123456789abcdef");
        assert_eq!(parse_instance(&text), Some(0x0123_4567_89ab_cdef));
        assert_eq!(parse_instance("123"), None);
        assert_eq!(parse_instance("+123456789abcdef"), None);
    }
}
