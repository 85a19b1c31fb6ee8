//! Fuzz target: any bytes as a GTP' message (TS 32.295) and, inside a Data Record Transfer
//! Request, each record as a PGW-CDR or SGW-CDR (TS 32.298). Nothing may panic; a parsed
//! message must re-emit and parse back to the same message, and so must a parsed CDR.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roamsim::wire::cdr::GwRecord;
use roamsim::wire::gtpprime::{peek_header, Message};

fuzz_target!(|data: &[u8]| {
    let _ = peek_header(data);
    let Ok((seq, m)) = Message::parse(data) else {
        return;
    };
    let mut out = vec![0; m.buffer_len()];
    let len = m.emit(seq, &mut out).expect("a parsed message re-emits");
    assert_eq!(len, out.len());
    assert_eq!(Message::parse(&out), Ok((seq, m)));
    if let Message::Send { records, .. } = m {
        for r in records.iter() {
            if let Ok(cdr) = GwRecord::parse(r) {
                if let Ok(again) = cdr.to_vec() {
                    assert_eq!(GwRecord::parse(&again), Ok(cdr));
                }
            }
        }
    }
});
