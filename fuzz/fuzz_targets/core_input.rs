//! Fuzz target: any bytes sent to the simulated home core, the way `roamsim serve` receives them.
//! The input is fed (1) as a Diameter byte stream on a connection that passed CER/CEA, framed by
//! the message length and handed to the peer and the HSS, and (2) as one GTPv2-C datagram to the
//! PGW. Nothing may panic; whatever is answered must be whole Diameter messages.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use roamsim::home::hss::Hss;
use roamsim::home::s6a::HssService;
use roamsim::home::s8::{PgwService, PgwServiceConfig};
use roamsim::model::config::Profile;
use roamsim::model::Micros;
use roamsim::model::subscriber::Directory;
use roamsim::proto::diameter::{Incoming, LocalIdentity, Peer, PeerConfig};
use roamsim::wire::diameter::message_len;

struct Core {
    hss: HssService,
    pgw: PgwService,
    peer: Peer,
    now: Micros,
}

fn core() -> Core {
    let profile = Profile::embedded_default();
    let hss = Hss::new(&profile, Directory::from_profile(&profile));
    let id = LocalIdentity {
        origin_host: hss.identity().host.clone(),
        origin_realm: hss.identity().realm.clone(),
        host_ip: "127.0.0.1".parse().unwrap(),
        origin_state_id: 1,
        product_name: "fuzz".into(),
    };
    let mut peer = Peer::accept(Micros::ZERO, PeerConfig::s6a(id, 1), Box::new(|_, _| true));
    let cer = roamsim::wire::capture::frame("s6a-tcp.pcap", 4);
    let _ = peer.handle_message(Micros::ZERO, &cer);
    peer.clear_transmit();
    Core {
        hss: HssService::new(hss, 1),
        pgw: PgwService::new(&profile, 1, PgwServiceConfig::default()),
        peer,
        now: Micros::ZERO,
    }
}

thread_local! {
    static CORE: RefCell<Option<Core>> = const { RefCell::new(None) };
}

fuzz_target!(|data: &[u8]| {
    CORE.with(|c| {
        let mut c = c.borrow_mut();
        let core = c.get_or_insert_with(core);
        if !core.peer.is_open() {
            *core = self::core();
        }
        core.now += Micros(1000);
        let now = core.now;
        let mut at = 0;
        while at + 4 <= data.len() {
            let Some(len) = message_len(&data[at..]) else { break };
            if len < 20 || at + len > data.len() {
                break;
            }
            let msg = &data[at..at + len];
            at += len;
            if let Ok(Incoming::Request(pkt)) = core.peer.handle_message(now, msg) {
                let _ = core.hss.handle_request(&pkt, &mut core.peer);
            }
            if !core.peer.is_open() {
                break;
            }
        }
        let out = core.peer.transmit().to_vec();
        core.peer.clear_transmit();
        let mut k = 0;
        while k < out.len() {
            let len = message_len(&out[k..]).expect("whole messages");
            assert!(len >= 20 && k + len <= out.len(), "answers are whole Diameter messages");
            k += len;
        }
        core.pgw.handle_datagram(now, "127.0.0.1:2123".parse().unwrap(), data);
        let mut buf = Vec::new();
        while core.pgw.poll_transmit(&mut buf).is_some() {}
        core.pgw.handle_timeout(now);
        while core.pgw.poll_cdr().is_some() {}
    });
});
