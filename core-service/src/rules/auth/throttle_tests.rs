use std::net::IpAddr;

use super::*;

const LIMITS: Limits = Limits {
    failures: 5,
    window_seconds: 300,
};

fn client(address: &str) -> Client {
    Client::new(address.parse::<IpAddr>().unwrap())
}

#[test]
fn the_fifth_failure_in_the_window_locks_the_pair_for_the_window() {
    let throttle = Throttle::new(LIMITS);
    let key = Key::Account(7, client("203.0.113.9"));
    for second in 0..4 {
        assert_eq!(throttle.failed(key, 1000 + second), Ok(()));
        assert_eq!(throttle.check(key, 1000 + second), Ok(()));
    }
    assert_eq!(throttle.failed(key, 1010), Err(300));
    assert_eq!(throttle.check(key, 1010), Err(300));
    assert_eq!(throttle.check(key, 1309), Err(1));
    assert_eq!(
        throttle.check(key, 1310),
        Ok(()),
        "unlocked after the lockout"
    );
    // A fresh count after the lockout.
    for second in 0..4 {
        assert_eq!(throttle.failed(key, 1310 + second), Ok(()));
    }
    assert_eq!(throttle.failed(key, 1320), Err(300));
}

#[test]
fn the_real_user_from_another_address_is_never_locked_out() {
    let throttle = Throttle::new(LIMITS);
    let attacker = Key::Account(7, client("203.0.113.9"));
    for second in 0..5 {
        let _ = throttle.failed(attacker, second);
    }
    assert!(throttle.check(attacker, 5).is_err());
    assert_eq!(
        throttle.check(Key::Account(7, client("198.51.100.4")), 5),
        Ok(())
    );
    assert_eq!(
        throttle.check(Key::Account(8, client("203.0.113.9")), 5),
        Ok(())
    );
    assert_eq!(
        throttle.check(Key::ApiKeys(client("203.0.113.9")), 5),
        Ok(())
    );
}

#[test]
fn failures_spread_beyond_the_window_never_lock_and_a_success_clears_them() {
    let throttle = Throttle::new(LIMITS);
    let key = Key::Account(1, client("192.0.2.1"));
    for minute in 0..20 {
        assert_eq!(
            throttle.failed(key, minute * 100),
            Ok(()),
            "minute {minute}"
        );
        if minute % 3 == 2 {
            throttle.succeeded(key);
        }
    }
    let key = Key::Account(2, client("192.0.2.1"));
    for _ in 0..4 {
        let _ = throttle.failed(key, 0);
    }
    throttle.succeeded(key);
    assert_eq!(throttle.failed(key, 1), Ok(()), "the count started again");
}

#[test]
fn an_ipv6_host_is_counted_by_its_64_and_a_mapped_ipv4_as_ipv4() {
    assert_eq!(
        client("2001:db8:1:2:aaaa::1"),
        client("2001:db8:1:2:ffff::9")
    );
    assert_ne!(client("2001:db8:1:2::1"), client("2001:db8:1:3::1"));
    assert_eq!(client("::ffff:192.0.2.7"), client("192.0.2.7"));
}

#[test]
fn a_flood_of_addresses_is_bounded_and_expired_keys_make_room() {
    let throttle = Throttle::with_capacity(LIMITS, 64);
    for n in 0..10_000u32 {
        let address = IpAddr::from(n.to_be_bytes());
        let _ = throttle.failed(Key::ApiKeys(Client::new(address)), 0);
    }
    assert!(throttle.len() <= 64 + SHARDS, "{}", throttle.len());
    // Once their window has passed, the old keys give way to new ones.
    let late = Key::ApiKeys(client("198.51.100.200"));
    for second in 0..5 {
        let _ = throttle.failed(late, 400 + second);
    }
    assert!(throttle.check(late, 405).is_err());
}
