//! Any text as an `Authorization` header: Digest fields or a reason, and a
//! challenge rendered from them stays one header line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        rest_gateway::fuzzing::authorization_header(text);
    }
});
