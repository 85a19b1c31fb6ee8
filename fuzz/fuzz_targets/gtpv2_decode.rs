//! Fuzz target: any bytes as a GTPv2-C message (TS 29.274). Checks the header view, walks the
//! IEs recursively (every IE is tried as a grouped IE), runs every message representation's
//! `parse`, and re-emits whatever parsed: nothing may panic, and an emitted message must parse
//! back to the same representation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roamsim::wire::gtpv2::{
    peek_header, CreateSessionRequest, CreateSessionResponse, DeleteSessionRequest,
    DeleteSessionResponse, EchoRequest, EchoResponse, IeIter, Message, ModifyBearerRequest,
    ModifyBearerResponse, Packet, VersionNotSupported,
};

fn walk(ies: IeIter<'_>, depth: usize) {
    for ie in ies.flatten() {
        let _ = (ie.ie_type(), ie.length(), ie.cr_flag(), ie.instance(), ie.value());
        if depth < 4 {
            walk(ie.children(), depth + 1);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = peek_header(data);
    let Ok(p) = Packet::new_checked(data) else {
        return;
    };
    let _ = (p.version(), p.piggyback(), p.teid(), p.seq(), p.message_priority(), p.spare());
    let _ = p.piggybacked();
    walk(p.ies(), 0);
    let _ = EchoRequest::parse(&p);
    let _ = EchoResponse::parse(&p);
    let _ = VersionNotSupported::parse(&p);
    let _ = CreateSessionRequest::parse(&p).map(|m| m.bearer_contexts.iter().count());
    let _ = CreateSessionResponse::parse(&p).map(|m| m.bearer_contexts.iter().count());
    let _ = ModifyBearerRequest::parse(&p).map(|m| m.bearer_contexts.iter().count());
    let _ = ModifyBearerResponse::parse(&p).map(|m| m.bearer_contexts.iter().count());
    let _ = DeleteSessionRequest::parse(&p);
    let _ = DeleteSessionResponse::parse(&p);
    if let Ok(m) = Message::parse(data) {
        let mut out = vec![0; m.buffer_len()];
        let len = m.emit(&mut out).expect("a parsed message re-emits");
        assert_eq!(len, out.len());
        if !matches!(m, Message::Other(_)) {
            assert_eq!(Message::parse(&out), Ok(m));
        }
    }
});
