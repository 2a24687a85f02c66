//! Any text as the rest of a request path under the routes with text and
//! id parameters: 200, 400 or 404.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        rest_gateway::fuzzing::path_parameter(text);
    }
});
