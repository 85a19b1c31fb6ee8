//! Fuzz target: any bytes as a subscriber file (CSV): the reader must give subscribers or a list
//! of errors with line and field, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roamsim::model::config::Profile;
use roamsim::model::subscriber::Directory;

thread_local! {
    static PROFILE: Profile = Profile::embedded_default();
}

fuzz_target!(|data: &[u8]| {
    PROFILE.with(|p| match Directory::from_reader(p, "fuzz.csv", data, 16) {
        Ok(d) => {
            let _ = d.len();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    });
});
