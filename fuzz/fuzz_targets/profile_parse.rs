//! Fuzz target: any text as a profile (TOML): parsing and validation must end in a profile or an
//! error naming file, line or field, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roamsim::model::config::Profile;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = Profile::from_toml(text, "fuzz.toml") {
            let _ = e.to_string();
        }
    }
});
