use super::*;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_proxy_nonce_is_spread_by_its_hash_and_a_core_nonce_goes_to_its_issuer() {
    let mut bytes = [0u8; routing::NONCE_BYTES];
    bytes[0] = routing::NONCE_VERSION;
    bytes[routing::NONCE_INSTANCE..routing::NONCE_INSTANCE + 8]
        .copy_from_slice(&0x0123_4567_89ab_cdefu64.to_be_bytes());
    let nonce = hex(&bytes);
    assert_eq!(
        Route::of_nonce(&nonce, false),
        Some(Route::Issuer(0x0123_4567_89ab_cdef))
    );
    assert_eq!(
        Route::of_nonce(&nonce, true),
        Some(Route::Spread(rank(nonce.as_bytes())))
    );
    assert_eq!(Route::of_nonce("abc", false), None);
    assert_ne!(Route::of_nonce("abc", true), Route::of_nonce("abd", true));
}

/// Endpoints at fixed addresses, as a list of IP URLs gives.
fn replicas(addresses: &[&str]) -> Replicas {
    let urls: Vec<Uri> = addresses
        .iter()
        .map(|address| format!("http://{address}").parse().unwrap())
        .collect();
    let targets = urls
        .iter()
        .enumerate()
        .map(|(index, url)| Target::new(url.authority().unwrap(), false, index == 0))
        .collect();
    Replicas::new(
        urls[0].clone(),
        targets,
        Connector {
            tls: None,
            unix: None,
        },
    )
}

fn at(endpoint: Arc<Endpoint>) -> String {
    endpoint.address.unwrap().to_string()
}

#[tokio::test]
async fn routes_follow_instances_and_skip_endpoints_that_do_not_serve() {
    let replicas = replicas(&["10.0.0.1:50051", "10.0.0.2:50051", "10.0.0.3:50051"]);
    let endpoints = replicas.endpoints.load_full();
    for (index, endpoint) in endpoints.iter().enumerate() {
        endpoint
            .instance
            .store(100 + index as u64, Ordering::Relaxed);
    }
    assert_eq!(
        at(replicas.pick(Some(&Route::Issuer(101)))),
        "10.0.0.2:50051"
    );
    // Round robin visits each endpoint; one that does not serve is skipped.
    let mut seen: Vec<String> = (0..3).map(|_| at(replicas.pick(None))).collect();
    seen.sort();
    assert_eq!(seen, ["10.0.0.1:50051", "10.0.0.2:50051", "10.0.0.3:50051"]);
    endpoints[1].unreachable();
    assert!((0..6).all(|_| at(replicas.pick(None)) != "10.0.0.2:50051"));
    // An issuer that cannot be reached, or is gone: anywhere else, to hear
    // stale=true.
    assert_ne!(
        at(replicas.pick(Some(&Route::Issuer(101)))),
        "10.0.0.2:50051"
    );
    assert_ne!(
        at(replicas.pick(Some(&Route::Issuer(999)))),
        "10.0.0.2:50051"
    );
    // None serves: one is tried anyway, so the caller hears why.
    endpoints[0].unreachable();
    endpoints[2].unreachable();
    replicas.pick(None);
}

#[tokio::test]
async fn a_spread_key_picks_the_same_endpoint_in_any_order_and_moves_only_its_own_keys() {
    let one = replicas(&["10.0.0.1:1", "10.0.0.2:1", "10.0.0.3:1"]);
    let other = replicas(&["10.0.0.3:1", "10.0.0.1:1", "10.0.0.2:1"]);
    let keys: Vec<u64> = (0..300u32).map(|k| rank(&k.to_be_bytes())).collect();
    let mut counts = std::collections::HashMap::new();
    for key in &keys {
        let route = Route::Spread(*key);
        let chosen = at(one.pick(Some(&route)));
        assert_eq!(chosen, at(other.pick(Some(&route))));
        *counts.entry(chosen).or_insert(0) += 1;
    }
    // A fair share each: about 100 of the 300 keys.
    assert!(counts.values().all(|&n| n > 60), "{counts:?}");
    // An endpoint that stops serving moves its own keys, and only those.
    let gone = one.endpoints.load()[1].clone();
    gone.unreachable();
    let gone = at(gone);
    for key in &keys {
        let route = Route::Spread(*key);
        let before = at(other.pick(Some(&route)));
        let after = at(one.pick(Some(&route)));
        if before == gone {
            assert_ne!(after, gone);
        } else {
            assert_eq!(after, before);
        }
    }
}

#[tokio::test]
async fn the_instance_is_learned_from_the_answer_header() {
    let replicas = replicas(&["10.0.0.1:1", "10.0.0.2:1"]);
    let endpoint = replicas.endpoints.load()[0].clone();
    let mut headers = HeaderMap::new();
    headers.insert(
        routing::INSTANCE_HEADER,
        "00000000000000ff".parse().unwrap(),
    );
    endpoint.answered(&headers);
    assert_eq!(endpoint.instance.load(Ordering::Relaxed), 255);
    headers.insert(routing::INSTANCE_HEADER, "not an id".parse().unwrap());
    endpoint.answered(&headers);
    assert_eq!(endpoint.instance.load(Ordering::Relaxed), 255);
}

#[test]
fn only_several_urls_or_a_host_name_are_followed() {
    let one = replicas(&["127.0.0.1:50051"]);
    assert!(!one.routed());
    assert!(replicas(&["127.0.0.1:1", "127.0.0.1:2"]).routed());
    assert!(replicas(&["localhost:50051"]).routed());
    assert!(!replicas(&["[::1]:50051"]).routed());
}
