use super::*;

fn stored(created_at: i64, last_used_at: i64) -> StoredSession {
    StoredSession {
        id: 1,
        account_id: 1,
        csrf_token: String::new(),
        created_at,
        last_used_at,
        blocked: false,
    }
}

#[test]
fn the_contract_lifetimes_are_the_defaults() {
    let lifetimes = Lifetimes::default();
    assert_eq!(lifetimes.idle_seconds, 1800);
    assert_eq!(lifetimes.max_seconds, 43_200);
}

#[test]
fn a_session_expires_idle_or_old_whichever_first() {
    let lifetimes = Lifetimes::default();
    let now = 100_000;
    assert!(!expired(&stored(now - 100, now - 1800), lifetimes, now));
    assert!(expired(&stored(now - 100, now - 1801), lifetimes, now));
    assert!(!expired(&stored(now - 43_200, now), lifetimes, now));
    assert!(expired(&stored(now - 43_201, now), lifetimes, now));
}

#[test]
fn only_base64url_tokens_of_43_characters_reach_the_database() {
    let token = random_text(BASE64URL, TOKEN_LENGTH).unwrap();
    assert!(well_formed(token.expose()));
    for bad in [
        "",
        &"A".repeat(42),
        &"A".repeat(44),
        &format!("{}=", "A".repeat(42)),
        &format!("{}+", "A".repeat(42)),
        &format!("{}é", "A".repeat(41)),
    ] {
        assert!(!well_formed(bad), "{bad}");
    }
}

#[test]
fn a_long_user_agent_is_cut_at_a_character_boundary() {
    assert_eq!(clip("curl/8.5"), "curl/8.5");
    let long = format!("{}é", "a".repeat(254));
    let clipped = clip(&long);
    assert_eq!(clipped.len(), 254, "é would straddle byte 255");
    assert_eq!(clip(&"b".repeat(300)).len(), 255);
}
