//! Fuzz target: any bytes as a BER PGW-CDR or SGW-CDR (TS 32.298), as a TS 32.297 CDR file, and
//! as the CDF's spool. Nothing may panic; a decoded CDR must re-encode (unless a string is
//! over its size) and decode back to the same record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roamsim::proto::gtpprime::spool;
use roamsim::wire::cdr::{file, GwRecord};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = GwRecord::parse(data) {
        if let Ok(again) = r.to_vec() {
            assert_eq!(again.len(), r.buffer_len());
            assert_eq!(GwRecord::parse(&again), Ok(r));
        }
    }
    let _ = file::parse_file(data);
    let s = spool::scan(data, usize::MAX);
    assert!(s.consumed <= data.len());
});
