//! Fuzz target: any bytes as an SCTP packet (RFC 9260), the way roamsim's SCTP over UDP
//! receives them: the packet view, every chunk's representation, and an endpoint (a listening
//! association side) handed the bytes as a datagram. Nothing may panic.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use roamsim::model::Micros;
use roamsim::proto::sctp::{Endpoint, EndpointConfig};
use roamsim::wire::sctp::{ChunkRepr, Header, Packet};

thread_local! {
    static ENDPOINT: RefCell<Endpoint> =
        RefCell::new(Endpoint::new(EndpointConfig::default(), [7; 32], 1));
}

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = Packet::new_checked(data) {
        let _ = Header::parse(&p);
        for c in p.chunks().flatten() {
            let _ = ChunkRepr::parse(&c);
        }
    }
    ENDPOINT.with(|e| {
        let mut e = e.borrow_mut();
        let from = "127.0.0.1:9899".parse().expect("literal");
        e.handle_packet(Micros::from_millis(1), from, data);
        while e.poll_event().is_some() {}
    });
});
