//! Fuzzes the Diameter, S6a and Gy decoders (RFC 6733, TS 29.272, RFC 4006): any bytes as a `Packet`, every
//! AVP walked recursively, and the input re-labelled as each command roamsim models so that every
//! `Repr` parser sees it. Whatever parses must re-emit into something that parses again, and
//! emitting that a second time must give the same bytes.
//!
//! Seeds: the 24 messages of `tests/data/captures/s6a-tcp.pcap` in `seeds/diameter/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run diameter_decode corpus/diameter_decode seeds/diameter`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roamsim::wire::diameter::codes::{app, command, flags};
use roamsim::wire::diameter::{AvpIter, Emit, ErrorAnswer, Ids, Packet};
use roamsim::wire::gy::{self, CreditControlAnswer, CreditControlRequest};
use roamsim::wire::s6a::Message;

const COMMANDS: [(u32, u32); 8] = [
    (command::CAPABILITIES_EXCHANGE, app::COMMON),
    (command::DEVICE_WATCHDOG, app::COMMON),
    (command::DISCONNECT_PEER, app::COMMON),
    (command::AUTHENTICATION_INFORMATION, app::S6A),
    (command::UPDATE_LOCATION, app::S6A),
    (command::CANCEL_LOCATION, app::S6A),
    (command::PURGE_UE, app::S6A),
    (gy::codes::CREDIT_CONTROL, gy::codes::APPLICATION_ID),
];

fn walk(avps: AvpIter<'_>, depth: usize) {
    for avp in avps.flatten() {
        let _ = (avp.u32(), avp.u64(), avp.utf8(), avp.address());
        if depth < 16 {
            walk(avp.group(), depth + 1);
        }
    }
}

fn emitted(m: &impl Emit, ids: Ids) -> Vec<u8> {
    let mut out = vec![0; m.buffer_len()];
    assert_eq!(m.emit(ids, &mut out), out.len(), "buffer_len == emitted length");
    out
}

/// A CCR or CCA that parses re-emits into one that parses and emits the same bytes again.
fn check_gy(p: &Packet<&[u8]>) -> Option<()> {
    let gy_once = |p: &Packet<&[u8]>| {
        if p.is_request() {
            CreditControlRequest::parse(p).map(|m| emitted(&m, p.ids()))
        } else {
            CreditControlAnswer::parse(p).map(|m| emitted(&m, p.ids()))
        }
    };
    let first = gy_once(p).ok()?;
    let q = Packet::new_checked(&first[..]).expect("emitted CCR/CCA is well formed");
    let second = gy_once(&q).expect("emitted CCR/CCA parses");
    assert_eq!(first, second, "emit(parse(emit(m))) == emit(m)");
    Some(())
}

fn check(data: &[u8]) {
    let Ok(p) = Packet::new_checked(data) else {
        return;
    };
    walk(p.avps(), 0);
    check_gy(&p);
    if let Ok(e) = ErrorAnswer::parse(&p) {
        let mut out = Vec::new();
        e.emit_to(p.ids(), &mut out);
        Packet::new_checked(&out[..]).expect("emitted error answer is well formed");
    }
    let m = match Message::parse(&p) {
        Ok(m) => m,
        Err(e) => {
            let _ = (e.result_code(), e.failed_avp(p.message()));
            return;
        }
    };
    let mut first = vec![0; m.buffer_len()];
    assert_eq!(m.emit(p.ids(), &mut first), first.len(), "buffer_len == emitted length");
    let q = Packet::new_checked(&first[..]).expect("emitted message is well formed");
    let again = Message::parse(&q).expect("emitted message parses");
    let mut second = Vec::new();
    again.emit_to(q.ids(), &mut second);
    assert_eq!(first, second, "emit(parse(emit(m))) == emit(m)");
}

fuzz_target!(|data: &[u8]| {
    check(data);
    if data.len() < 20 {
        return;
    }
    let mut buf = data.to_vec();
    for (code, app_id) in COMMANDS {
        for request in [true, false] {
            buf[5..8].copy_from_slice(&code.to_be_bytes()[1..]);
            buf[8..12].copy_from_slice(&app_id.to_be_bytes());
            buf[4] = if request { flags::REQUEST } else { 0 } | (data[4] & flags::PROXIABLE);
            check(&buf);
        }
    }
});
