//! Any text as a `From` header: the parser answers an address or a reason.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        rest_gateway::fuzzing::from_header(text);
    }
});
