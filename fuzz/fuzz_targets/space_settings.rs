//! Any text as a space's settings (a proxy address, a display name, the
//! custom INI entries): refused with a field, or written into a
//! provisioning document that reads back value for value.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        core_service::fuzzing::space_settings(text);
    }
});
