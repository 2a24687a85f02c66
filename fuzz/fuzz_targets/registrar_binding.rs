//! Any bytes as a registrar hash value (the field is the first line): the
//! parser answers a binding or an error, never a panic, and a binding's
//! expiry is never before its update time.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (field, value) = text.split_once('\n').unwrap_or(("fs-gen-fuzz", text));
    if let Ok(binding) = flexisip_registrar::parse(field, value) {
        assert!(binding.expires_at >= binding.updated_at);
        let _ = flexisip_registrar::UserAgent::parse(&binding.user_agent);
    }
});
