//! Any bytes as a JSON request body: a 400, or each body reader answers a
//! request or a 422.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rest_gateway::fuzzing::json_body(data);
});
