use super::*;

fn ogg_opus(segments: u8) -> Vec<u8> {
    let mut page = b"OggS".to_vec();
    page.extend([0; 22]);
    page.push(segments);
    page.extend(vec![19; usize::from(segments)]);
    page.extend(b"OpusHead\x01\x02");
    page
}

#[test]
fn a_wav_is_told_by_riff_and_wave() {
    let wav = b"RIFF\x24\x08\x00\x00WAVEfmt ";
    assert_eq!(ContentType::Wav.judge(wav), Verdict::Matches);
    assert_eq!(ContentType::Wav.judge(&wav[..10]), Verdict::NeedMore);
    assert_eq!(
        ContentType::Wav.judge(b"RIFX\x24\x08\x00\x00WAVE"),
        Verdict::Differs
    );
    assert_eq!(
        ContentType::Wav.judge(b"RIFF\x24\x08\x00\x00AVI "),
        Verdict::Differs
    );
    assert_eq!(ContentType::Wav.judge(b""), Verdict::NeedMore);
    assert_eq!(ContentType::Opus.judge(wav), Verdict::Differs);
}

#[test]
fn an_opus_file_is_an_ogg_page_whose_packet_opens_with_opushead() {
    for segments in [1, 2, 255] {
        let file = ogg_opus(segments);
        assert!(file.len() <= HEAD_BYTES + 2);
        assert_eq!(
            ContentType::Opus.judge(&file),
            Verdict::Matches,
            "{segments}"
        );
        assert_eq!(ContentType::Opus.judge(&file[..30]), Verdict::NeedMore);
        assert_eq!(ContentType::Wav.judge(&file), Verdict::Differs);
    }
    let mut vorbis = ogg_opus(1);
    vorbis[28..36].copy_from_slice(b"\x01vorbis\x00");
    assert_eq!(ContentType::Opus.judge(&vorbis), Verdict::Differs);
    assert_eq!(ContentType::Opus.judge(b"OggS"), Verdict::NeedMore);
}

#[test]
fn the_stored_name_keeps_the_last_path_segment_safe_behind_a_random_part() {
    let name =
        stored_name("/var/opt/belledonne-communications/flexisip/voicemail/rec 1.wav").unwrap();
    let (random, rest) = name.split_once('_').unwrap();
    assert_eq!(random.len(), 20);
    assert!(random.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(rest, "rec_1.wav");
    assert_eq!(random_part(&name), random);
    assert!(stored_name("C:\\rec\\été.wav")
        .unwrap()
        .ends_with("_t_.wav"));
    assert!(stored_name("").unwrap().ends_with("_voicemail"));
    assert!(stored_name("/tmp/..").unwrap().ends_with("_voicemail"));
    assert!(stored_name("a/").unwrap().ends_with("_voicemail"));
    let long = stored_name(&"x".repeat(10_000)).unwrap();
    assert_eq!(long.len(), 20 + 1 + 128);
    assert_ne!(stored_name("a.wav").unwrap(), stored_name("a.wav").unwrap());
}

#[test]
fn a_caller_is_a_sip_uri_without_blanks_its_user_optional() {
    for good in [
        "sip:alice@sip.example.org",
        "sips:bob@example.org;transport=tls",
        "sip:example.org",
    ] {
        assert!(valid_caller(good), "{good}");
    }
    for bad in [
        "alice@example.org",
        "sip:",
        "tel:+3312",
        "sip:a b@c",
        "sip:a\n@c",
        &format!("sip:{}", "a".repeat(255)),
    ] {
        assert!(!valid_caller(bad), "{bad}");
    }
}

#[test]
fn the_limit_is_inclusive() {
    let settings = Settings { max_bytes: 10 };
    assert!(too_large(settings, 10).is_ok());
    assert!(matches!(
        too_large(settings, 11),
        Err(CoreError::TooLarge(TOO_LARGE))
    ));
}
