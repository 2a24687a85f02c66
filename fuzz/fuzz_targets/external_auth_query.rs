//! Any text as the query Flexisip's ExternalAuthentication plugin sends:
//! parameters or a reason, and the answer stays Flexisip's `Key: value`
//! lines.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        rest_gateway::fuzzing::external_auth_query(text);
    }
});
