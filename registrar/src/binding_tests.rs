//! The three values of `flexisip.md` §1, every variation a registrar
//! produces, each refusal, and no panic on any damage to them.

use super::*;

const ALICE_FIELD: &str = "\"<urn:uuid:a5b87206-f31a-00c4-8977-1d8c88e03a76>\"";
const ALICE: &str = "<sip:alice@203.0.113.45:38211;transport=tls;pn-prid=eZ1x4cV5T3u:APA91bF2kq;pn-provider=fcm;pn-param=linphone-android-8a2b3;pn-silent=1;pn-timeout=0;fs-conn-id=56243e5f8c19a2d1;callid=jXnSCmZ9kQ;expires=3600;cseq=24;updatedAt=1767225600;alias=no;usedAsRoute=no?path=%3Csips%3A198.51.100.10%3A5061%3Blr%3E&accept=application/sdp%2Ctext/plain%2Capplication/vnd.gsma.rcs-ft-http+xml&user-agent=LinphoneAndroid/5.2.5%20(Pixel%207)%20LinphoneSDK/5.3.47%20(tags/5.3.47)>;+sip.instance=\"<urn:uuid:a5b87206-f31a-00c4-8977-1d8c88e03a76>\";+org.linphone.specs=\"lime,ephemeral,groupchat/1.2,conference/1.0\";pub-gruu=\"sip:alice@sip.example.org;gr=urn:uuid:a5b87206-f31a-00c4-8977-1d8c88e03a76\"";
const BOB_FIELD: &str = "fs-gen-Qx3Vb9_kT2mZr8LwYc0A";
const BOB: &str = "<sip:bob@203.0.113.77:61234;rinstance=9f2d81c6a3b4e5f7;fs-conn-id=b3a7c91e04d2f658;callid=5f0e3c1b9d7a4e2c8b6a1f3e5d7c9b0a%40192.168.1.50;expires=600;cseq=5;updatedAt=1767225600;alias=no;usedAsRoute=no?path=%3Csip%3A198.51.100.10%3A5060%3Blr%3E&accept=&user-agent=MicroSIP/3.21.3>;pub-gruu";
const CAROL_FIELD: &str = "fs-cli-gen-Hq7Zt0bXw-9sKc2LmPa4";
const CAROL: &str = "<sip:carol@192.0.2.20:5070;transport=tcp;callid=fs-cli-upsert;expires=3600;cseq=0;updatedAt=1767225600;alias=no;usedAsRoute=no?path=&accept=&user-agent=>;+sip.instance=fs-cli-gen-Hq7Zt0bXw-9sKc2LmPa4;pub-gruu";
const T: i64 = 1_767_225_600;

/// A value the way Flexisip writes one, with the parts a test varies.
fn value(address: &str, expires: u32, headers: &str, header_params: &str) -> String {
    format!(
        "<{address};fs-conn-id=ab12;callid=c1;expires={expires};cseq=1;updatedAt={T};alias=no;usedAsRoute=no?{headers}>{header_params}"
    )
}

#[test]
fn the_three_values_of_the_contract() {
    let alice = parse(ALICE_FIELD, ALICE).unwrap();
    assert_eq!(alice.uuid, "urn:uuid:a5b87206-f31a-00c4-8977-1d8c88e03a76");
    assert_eq!(
        alice.contact,
        "sip:alice@203.0.113.45:38211;transport=tls;pn-prid=eZ1x4cV5T3u:APA91bF2kq;pn-provider=fcm;pn-param=linphone-android-8a2b3;pn-silent=1;pn-timeout=0"
    );
    assert_eq!(
        alice.user_agent,
        "LinphoneAndroid/5.2.5 (Pixel 7) LinphoneSDK/5.3.47 (tags/5.3.47)"
    );
    assert_eq!(alice.path, ["<sips:198.51.100.10:5061;lr>"]);
    assert_eq!(alice.call_id.as_deref(), Some("jXnSCmZ9kQ"));
    assert_eq!((alice.updated_at, alice.expires_at), (T, T + 3600));

    let bob = parse(BOB_FIELD, BOB).unwrap();
    assert_eq!(bob.uuid, BOB_FIELD, "no instance: the field");
    assert_eq!(
        bob.contact,
        "sip:bob@203.0.113.77:61234;rinstance=9f2d81c6a3b4e5f7"
    );
    assert_eq!(
        bob.call_id.as_deref(),
        Some("5f0e3c1b9d7a4e2c8b6a1f3e5d7c9b0a@192.168.1.50")
    );
    assert_eq!(bob.user_agent, "MicroSIP/3.21.3");
    assert_eq!(bob.expires_at, T + 600);

    let carol = parse(CAROL_FIELD, CAROL).unwrap();
    assert_eq!(
        carol.uuid, "fs-cli-gen-Hq7Zt0bXw-9sKc2LmPa4",
        "a token instance"
    );
    assert_eq!(carol.contact, "sip:carol@192.0.2.20:5070;transport=tcp");
    assert_eq!((carol.user_agent.as_str(), carol.path.len()), ("", 0));
}

#[test]
fn expiry_is_updated_at_plus_the_longest_lifetime() {
    let alice = parse(ALICE_FIELD, ALICE).unwrap();
    assert!(alice.is_live(T + 3599));
    assert!(!alice.is_live(T + 3600), "expired at updatedAt + expires");
    let headers = "path=&accept=&user-agent=";
    let header_wins = value(
        "sip:a@h",
        60,
        headers,
        ";+sip.instance=\"<urn:x>\";expires=7200",
    );
    assert_eq!(parse("f", &header_wins).unwrap().expires_at, T + 7200);
    let message_first = value("sip:a@h", 60, headers, ";message-expires=86400;expires=60");
    assert_eq!(parse("f", &message_first).unwrap().expires_at, T + 86400);
    let message_later = value("sip:a@h", 60, headers, ";expires=60;message-expires=86400");
    assert_eq!(
        parse("f", &message_later).unwrap().expires_at,
        T + 60,
        "message-expires counts only as the first header parameter"
    );
    let zero = value("sip:a@h", 0, headers, "");
    assert!(!parse("f", &zero).unwrap().is_live(T));
}

#[test]
fn every_shape_a_registrar_writes() {
    let empty = "path=&accept=&user-agent=";
    let cases = [
        // IPv6 host, sips:, no user part, a user part with ';' and '?'.
        (
            value("sip:dave@[2001:db8::1]:5060;transport=udp", 3600, empty, ""),
            "sip:dave@[2001:db8::1]:5060;transport=udp",
        ),
        (
            value("sips:erin@sip.example.org", 3600, empty, ""),
            "sips:erin@sip.example.org",
        ),
        (
            value("sip:[2001:db8::2]:5070", 3600, empty, ""),
            "sip:[2001:db8::2]:5070",
        ),
        (
            value("SIP:odd;user?x@192.0.2.9", 3600, empty, ""),
            "SIP:odd;user?x@192.0.2.9",
        ),
    ];
    for (raw, contact) in cases {
        let binding = parse("f", &raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
        assert_eq!(binding.contact, contact);
    }
    let several = "path=%3Csip:a.example.org%3Blr%3E%2C%3Csip:b.example.org%3Blr%3E&path=%3Csip:c%3Blr%3E&accept=&user-agent=x%2By%20z";
    let binding = parse("f", &value("sip:u@h", 60, several, "")).unwrap();
    assert_eq!(
        binding.path,
        [
            "<sip:a.example.org;lr>",
            "<sip:b.example.org;lr>",
            "<sip:c;lr>"
        ]
    );
    assert_eq!(binding.user_agent, "x+y z", "'+' stays a plus");
    let quoted = ";+org.linphone.specs=\"lime,a;b<c>\";+sip.instance=\"<urn:uuid:q>\";pub-gruu";
    assert_eq!(
        parse("f", &value("sip:u@h", 60, empty, quoted))
            .unwrap()
            .uuid,
        "urn:uuid:q"
    );
    // Flexisip ≤ 2.2: the Call-ID as the field, no instance.
    let old = parse(
        "5f0e3c1b9d7a@192.168.1.50",
        &value("sip:u@h", 60, empty, ""),
    )
    .unwrap();
    assert_eq!(old.uuid, "5f0e3c1b9d7a@192.168.1.50");
}

#[test]
fn what_is_not_a_binding_is_refused_with_its_reason() {
    let empty = "path=&accept=&user-agent=";
    let long = format!(
        "<sip:u@h;updatedAt=1;expires=1?user-agent={}>",
        "a".repeat(MAX_VALUE_BYTES)
    );
    let cases = [
        (String::new(), "does not start with '<'"),
        (
            "sip:alice@h;updatedAt=1;expires=1".to_owned(),
            "does not start with '<'",
        ),
        (
            "<sip:alice@h;updatedAt=1;expires=1".to_owned(),
            "no '>' closes the URI",
        ),
        (
            "<tel:+3312;updatedAt=1;expires=1>".to_owned(),
            "is not a sip: or sips: URI",
        ),
        ("<sip:u@h;expires=1>".to_owned(), "no updatedAt parameter"),
        ("<sip:u@h;updatedAt=1>".to_owned(), "no expires parameter"),
        (
            "<sip:u@h;updatedAt=x;expires=1>".to_owned(),
            "updatedAt is not a number of seconds",
        ),
        (
            "<sip:u@h;updatedAt=1;expires=-5>".to_owned(),
            "expires is not a number of seconds",
        ),
        (
            value("sip:u@h", 1, "user-agent=%G0", ""),
            "bad %-escape in user-agent",
        ),
        (
            value("sip:u@h", 1, empty, ";+sip.instance=\"<urn:x>"),
            "unterminated quote in a header parameter",
        ),
        (
            value("sip:u@h", 1, empty, " junk"),
            "text after '>' that is not a parameter",
        ),
        (long, "longer than 16384 bytes"),
    ];
    for (raw, reason) in cases {
        assert_eq!(parse("f", &raw), Err(BindingError(reason)), "{raw:.60}");
    }
}

/// A light, deterministic stand-in for the fuzz target that runs in every
/// test run: each prefix of the samples, and each byte of them replaced by
/// each character the grammar gives a meaning to. None may panic.
#[test]
fn no_damage_makes_the_parser_panic() {
    for (field, sample) in [(ALICE_FIELD, ALICE), (BOB_FIELD, BOB), (CAROL_FIELD, CAROL)] {
        for end in (0..=sample.len()).filter(|i| sample.is_char_boundary(*i)) {
            let _ = parse(field, &sample[..end]);
        }
        for i in 0..sample.len() {
            for c in [
                '<', '>', ';', '?', '&', '=', '"', '\\', '%', '@', ',', ':', 'é',
            ] {
                let mut damaged = sample[..i].to_owned();
                damaged.push(c);
                damaged.push_str(&sample[i + 1..]);
                let _ = parse(field, &damaged);
            }
        }
    }
}
