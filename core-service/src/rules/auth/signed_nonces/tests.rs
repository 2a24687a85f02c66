use super::*;

const TTL_MS: u64 = 300_000;

fn key(id: u16, byte: u8, created_at: i64) -> NonceKey {
    NonceKey::from_row(i64::from(id), &hex::encode([byte; 32]), created_at).unwrap()
}

fn ring() -> Keyring {
    Keyring::new(vec![key(1, 7, 0)]).unwrap()
}

/// A second replica: the same keys, its own instance id.
fn sibling(of: &Keyring) -> Keyring {
    Keyring::new(of.keys.load().as_ref().clone()).unwrap()
}

#[test]
fn a_nonce_opens_for_its_account_with_its_opaque() {
    let ring = ring();
    let issued = ring.issue(42, "sip.example.org", 1_000_000).unwrap();
    assert_eq!(issued.nonce.len(), NONCE_BYTES * 2);
    assert_eq!(issued.opaque.len(), 32);
    assert_eq!(
        flexiapi_proto::routing::nonce_issuer(&issued.nonce),
        Some(ring.instance())
    );
    let opened = ring
        .open(&issued.nonce, 42, "sip.example.org", TTL_MS, 1_000_500)
        .unwrap();
    assert_eq!(opened.issued_ms, 1_000_000);
    assert_eq!(opened.expires_ms, 1_000_000 + TTL_MS);
    assert_eq!(opened.opaque, issued.opaque);
    // Hex is hex in either case: the same nonce, the same state.
    let upper = ring
        .open(
            &issued.nonce.to_uppercase(),
            42,
            "sip.example.org",
            TTL_MS,
            1_000_500,
        )
        .unwrap();
    assert_eq!(upper, opened);
}

#[test]
fn nonces_carry_128_random_bits() {
    let ring = ring();
    let a = ring.issue(42, "r", 1_000).unwrap();
    let b = ring.issue(42, "r", 1_000).unwrap();
    assert_ne!(a.nonce, b.nonce);
    assert_ne!(a.opaque, b.opaque);
    let random = |n: &str| n[NONCE_RANDOM * 2..NONCE_MAC * 2].to_owned();
    assert_ne!(random(&a.nonce), random(&b.nonce));
}

#[test]
fn forged_or_borrowed_nonces_are_invalid() {
    let ring = ring();
    let nonce = ring.issue(42, "realm", 1_000).unwrap().nonce;
    let open =
        |nonce: &str, account: i64, realm: &str| ring.open(nonce, account, realm, TTL_MS, 2_000);
    assert!(open(&nonce, 42, "realm").is_ok());
    assert_eq!(
        open(&nonce, 43, "realm"),
        Err(Rejection::NonceInvalid),
        "another account"
    );
    assert_eq!(
        open(&nonce, 42, "other"),
        Err(Rejection::NonceInvalid),
        "another realm"
    );
    for at in [
        0,
        NONCE_INSTANCE * 2,
        NONCE_ISSUED_MS * 2,
        NONCE_RANDOM * 2,
        NONCE_MAC * 2,
    ] {
        let mut forged = nonce.clone().into_bytes();
        forged[at] = if forged[at] == b'0' { b'1' } else { b'0' };
        let forged = String::from_utf8(forged).unwrap();
        assert_eq!(
            open(&forged, 42, "realm"),
            Err(Rejection::NonceInvalid),
            "byte {at}"
        );
    }
    for garbage in [
        "",
        "00",
        "not hex",
        &"g".repeat(NONCE_BYTES * 2),
        &"é".repeat(49),
    ] {
        assert_eq!(
            open(garbage, 42, "realm"),
            Err(Rejection::NonceInvalid),
            "{garbage:?}"
        );
    }
    // Signed with a key this replica does not have.
    let stranger = Keyring::new(vec![key(1, 8, 0)]).unwrap();
    let foreign = stranger.issue(42, "realm", 1_000).unwrap().nonce;
    assert_eq!(open(&foreign, 42, "realm"), Err(Rejection::NonceInvalid));
}

#[test]
fn another_replicas_nonce_is_stale_not_invalid() {
    let first = ring();
    let second = sibling(&first);
    assert_ne!(first.instance(), second.instance());
    let nonce = first.issue(42, "realm", 1_000).unwrap().nonce;
    assert_eq!(
        second.open(&nonce, 42, "realm", TTL_MS, 2_000),
        Err(Rejection::NonceExpired)
    );
    // A forged one stays invalid there too.
    assert_eq!(
        second.open(&nonce, 43, "realm", TTL_MS, 2_000),
        Err(Rejection::NonceInvalid)
    );
}

#[test]
fn a_rotated_key_signs_after_its_activation_and_the_old_one_verifies_one_ttl_more() {
    let ring = ring();
    let ms = |s: i64| u64::try_from(s).unwrap() * 1_000;
    let old = ring.issue(42, "r", ms(1_000)).unwrap().nonce;
    ring.replace(vec![key(1, 7, 0), key(2, 9, 1_000)]).unwrap();
    let key_of = |nonce: &str| nonce[NONCE_KEY_ID * 2..NONCE_INSTANCE * 2].to_owned();
    let early = ring.issue(42, "r", ms(1_029)).unwrap().nonce;
    assert_eq!(
        key_of(&early),
        "0001",
        "not before every replica has read it"
    );
    let late = ring.issue(42, "r", ms(1_030)).unwrap().nonce;
    assert_eq!(key_of(&late), "0002");
    let ttl = 300;
    let open_at = |nonce: &str, now: i64| ring.open(nonce, 42, "r", ms(ttl), ms(now));
    // The old key verifies for one TTL after it stopped signing.
    assert!(open_at(&early, 1_030 + ttl - 1).is_ok());
    assert_eq!(open_at(&early, 1_030 + ttl), Err(Rejection::NonceInvalid));
    assert!(open_at(&late, 1_031).is_ok());
    // A nonce of the new key opens on a replica that has not signed with it yet.
    assert!(open_at(&late, 1_001).is_ok());
    let _ = old;
}

#[test]
fn no_key_is_a_clear_error_and_secrets_never_print() {
    let error = Keyring::new(Vec::new()).unwrap_err().to_string();
    assert!(error.contains("core-service migrate"), "{error}");
    let debug = format!("{:?}", key(1, 0xab, 0));
    assert!(!debug.contains("abab"), "{debug}");
    assert!(NonceKey::from_row(1, "short", 0).is_none());
    assert!(NonceKey::from_row(70_000, &"00".repeat(32), 0).is_none());
}
