use super::*;

fn fields_of(result: Result<impl std::fmt::Debug>) -> Vec<String> {
    match result {
        Err(CoreError::InvalidArgument(violations)) => {
            violations.iter().map(|v| v.field.to_string()).collect()
        }
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}

/// Flexisip's full call (flexi-stats-tester.cc), as the gateway hands it.
fn flexisip_call() -> CallInput<'static> {
    CallInput {
        id: "4722b0233",
        sip_call_id: Some("stub-call-id"),
        from: "user@sip.linphone.org",
        to: "user@sip.linphone.org",
        initiated_at: "2017-07-21T17:32:28Z",
        ended_at: Some("2017-07-21T18:32:28Z"),
        conference_id: Some("iHVDMq6MxSKp60bT"),
        devices: vec![
            CallDeviceInput {
                device_id: "device_id_1",
                rang_at: Some("2017-07-21T17:32:28Z"),
                terminated_at: Some("2017-07-21T18:32:28Z"),
                terminated_state: Some("accepted"),
            },
            CallDeviceInput {
                device_id: "device_id_3",
                ..Default::default()
            },
        ],
    }
}

#[test]
fn flexisips_call_is_read_whole() {
    let call = call(&flexisip_call()).unwrap();
    assert_eq!(call.call.id, "4722b0233");
    assert_eq!(call.call.from.username, "user");
    assert_eq!(call.call.from.domain, "sip.linphone.org");
    assert_eq!(call.call.initiated_at, 1_500_658_348_000_000);
    assert_eq!(call.call.ended_at, Some(1_500_661_948_000_000));
    assert_eq!(
        call.devices[0].terminated,
        Some((1_500_661_948_000_000, TerminatedState::Accepted))
    );
    assert_eq!(call.devices[1].rang_at, None);
    assert_eq!(call.devices[1].terminated, None);
}

#[test]
fn addresses_split_at_the_last_at_and_lowercase_the_host() {
    let address = Address::parse("from", "we@ird@SIP.Example.org").unwrap();
    assert_eq!(address.username, "we@ird");
    assert_eq!(address.domain, "sip.example.org");
    for bad in ["alice", "@host", "alice@", "al\nice@host"] {
        assert!(Address::parse("from", bad).is_err(), "{bad:?}");
    }
    let long = format!("{}@h", "a".repeat(255));
    assert!(Address::parse("from", &long).is_err());
}

#[test]
fn every_broken_field_is_named_once() {
    let long_id = "x".repeat(65);
    let input = CallInput {
        id: &long_id,
        from: "nobody",
        to: "bob@host",
        initiated_at: "yesterday",
        devices: vec![CallDeviceInput {
            device_id: "d1",
            rang_at: Some("2017-13-40T00:00:00Z"),
            terminated_at: Some("2017-07-21T18:32:28Z"),
            terminated_state: Some("hung_up"),
        }],
        ..Default::default()
    };
    assert_eq!(
        fields_of(call(&input)),
        [
            "id",
            "from",
            "initiated_at",
            "devices.d1.rang_at",
            "devices.d1.invite_terminated.state"
        ]
    );
}

#[test]
fn a_terminated_invite_needs_its_time_and_its_state() {
    let input = CallDeviceInput {
        device_id: "d1",
        terminated_state: Some("declined"),
        ..Default::default()
    };
    let mut checks = Checks::default();
    let device = call_device(&mut checks, "", input);
    assert_eq!(fields_of(checks.finish(device)), ["invite_terminated.at"]);
}

#[test]
fn device_ids_are_bounded() {
    for bad in ["", "a\u{0}b"] {
        assert!(fields::device_id("device_id", bad).is_err());
    }
    assert!(fields::device_id("device_id", &"d".repeat(256)).is_err());
    let registrar_key = "\"<urn:uuid:6d2a4bd4-3aa4-4b16-8d5c-7c3a3e0c2c4a>\"";
    assert!(fields::device_id("device_id", registrar_key).is_ok());
}

#[test]
fn times_are_rfc3339_with_any_offset() {
    assert_eq!(
        fields::time("t", "2017-07-21T19:32:28.5+02:00").unwrap(),
        1_500_658_348_500_000
    );
    for bad in ["2017-07-21 17:32:28", "2017-07-21", "", "1500658348"] {
        assert!(fields::time("t", bad).is_err(), "{bad:?}");
    }
}

#[test]
fn a_message_device_update_needs_both_its_status_and_its_time() {
    let input = MessageDeviceInput {
        to: "user1@domain.org",
        device_id: "device_id",
        ..Default::default()
    };
    let mut checks = Checks::default();
    let device = message_device(&mut checks, "", input);
    assert_eq!(
        fields_of(checks.finish(device)),
        ["last_status", "received_at"]
    );
    // In a posted message, a device without an answer yet is `null`.
    let mut checks = Checks::default();
    let device = message_device(&mut checks, "to.user1@domain.org.device_id_3.", input);
    assert_eq!(checks.finish(device).unwrap().answer, None);
}

#[test]
fn flexisips_message_is_read_whole() {
    let input = MessageInput {
        id: "84c937d1",
        from: "user@sip.linphone.org",
        sent_at: "2017-07-21T17:32:28Z",
        encrypted: true,
        conference_id: Some("iHVDMq6MxSKp60bT"),
        devices: vec![MessageDeviceInput {
            to: "user1@domain.org",
            device_id: "device_id_1",
            last_status: Some(200),
            received_at: Some("2017-07-21T17:32:28Z"),
        }],
    };
    let message = message(&input).unwrap();
    assert_eq!(message.devices[0].to.username, "user1");
    assert_eq!(
        message.devices[0].answer,
        Some((200, 1_500_658_348_000_000))
    );
}

#[test]
fn pages_default_to_thirty_and_stop_at_a_hundred() {
    let (page, per_page, window) = super::window(None, None).unwrap();
    assert_eq!(
        (page, per_page, window.offset, window.limit),
        (1, 30, 0, 30)
    );
    let (_, _, window) = super::window(Some(3), Some(10)).unwrap();
    assert_eq!((window.offset, window.limit), (20, 10));
    assert!(super::window(Some(0), None).is_err());
    assert!(super::window(None, Some(101)).is_err());
}
