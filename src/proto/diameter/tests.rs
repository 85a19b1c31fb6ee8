//! Both ends of a connection stepped in virtual time (CONTRIBUTING.md §3).

use super::*;
use crate::model::Micros;
use crate::wire::diameter::codes::{app, command, result, vendor};
use crate::wire::diameter::{
    message_len, Emit, EmitFn, Packet, ResultCode, WatchdogRequest, Writer,
};

fn identity(host: &str) -> LocalIdentity {
    LocalIdentity {
        origin_host: host.to_string(),
        origin_realm: host.split_once('.').unwrap().1.to_string(),
        host_ip: "127.0.0.1".parse().unwrap(),
        origin_state_id: 7,
        product_name: "roamsim-test".to_string(),
    }
}

const MME: &str = "mme1.epc.mnc001.mcc208.3gppnetwork.org";
const HSS: &str = "hss.epc.mnc410.mcc310.3gppnetwork.org";

fn pair(now: Micros, admit: bool) -> (Peer, Peer) {
    let client = Peer::initiate(now, PeerConfig::s6a(identity(MME), 1));
    let server = Peer::accept(
        now,
        PeerConfig::s6a(identity(HSS), 2),
        Box::new(move |_, _| admit),
    );
    (client, server)
}

/// Splits a transmit buffer into messages.
fn messages(buf: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < buf.len() {
        let len = message_len(&buf[at..]).unwrap();
        out.push(buf[at..at + len].to_vec());
        at += len;
    }
    out
}

/// Moves everything `from` has to send into `to`; returns the command codes moved.
fn deliver(now: Micros, from: &mut Peer, to: &mut Peer) -> Vec<u32> {
    let msgs = messages(from.transmit());
    from.clear_transmit();
    let mut codes = Vec::new();
    for m in &msgs {
        codes.push(Packet::new_checked(&m[..]).unwrap().command_code());
        let _ = to.handle_message(now, m);
    }
    codes
}

fn events(p: &mut Peer) -> Vec<Event> {
    std::iter::from_fn(|| p.poll_event()).collect()
}

fn open_pair() -> (Peer, Peer) {
    let (mut c, mut s) = pair(Micros(0), true);
    assert_eq!(
        deliver(Micros(0), &mut c, &mut s),
        vec![command::CAPABILITIES_EXCHANGE]
    );
    assert_eq!(
        deliver(Micros(0), &mut s, &mut c),
        vec![command::CAPABILITIES_EXCHANGE]
    );
    assert!(c.is_open() && s.is_open());
    events(&mut c);
    events(&mut s);
    (c, s)
}

fn s6a_request(ids: crate::wire::diameter::Ids, w: &mut Writer<'_>) {
    // A minimal request of the S6a application; the peer layer only looks at the header.
    w.header(0xc0, command::PURGE_UE, app::S6A, ids);
}

#[test]
fn capabilities_exchange_opens_both_sides() {
    let (mut c, mut s) = pair(Micros(0), true);
    deliver(Micros(0), &mut c, &mut s);
    let cea = messages(s.transmit());
    let pkt = Packet::new_checked(&cea[0][..]).unwrap();
    let parsed = crate::wire::diameter::CapabilitiesAnswer::parse(&pkt).unwrap();
    assert_eq!(parsed.result, ResultCode::SUCCESS);
    assert!(parsed.capabilities.supports_auth_app(app::S6A));
    let vsai: Vec<_> = parsed
        .capabilities
        .vendor_specific_application_ids
        .iter()
        .collect();
    assert_eq!(vsai[0].vendor_id, vendor::TGPP);
    deliver(Micros(0), &mut s, &mut c);
    assert_eq!(
        events(&mut c),
        vec![Event::Up {
            host: HSS.into(),
            realm: "epc.mnc410.mcc310.3gppnetwork.org".into()
        }]
    );
    assert_eq!(s.remote(), Some((MME, "epc.mnc001.mcc208.3gppnetwork.org")));
}

#[test]
fn unknown_peer_is_refused_with_3010() {
    let (mut c, mut s) = pair(Micros(0), false);
    deliver(Micros(0), &mut c, &mut s);
    assert_eq!(
        events(&mut s),
        vec![Event::Down(DownReason::Refused(result::UNKNOWN_PEER))]
    );
    deliver(Micros(0), &mut s, &mut c);
    assert_eq!(
        events(&mut c),
        vec![Event::Down(DownReason::Refused(result::UNKNOWN_PEER))]
    );
    assert_eq!(c.state(), State::Closed);
}

#[test]
fn answers_match_requests_by_hop_by_hop_and_late_ones_time_out() {
    let (mut c, mut s) = open_pair();
    let ids = c
        .send_request(Micros(100), 42, &EmitFn(s6a_request))
        .unwrap();
    let req = messages(c.transmit()).remove(0);
    c.clear_transmit();
    let Ok(Incoming::Request(pkt)) = s.handle_message(Micros(150), &req) else {
        panic!("expected an application request");
    };
    assert_eq!(pkt.ids(), ids);
    s.answer_error(&pkt, ResultCode::SUCCESS, None, None);
    let ans = messages(s.transmit()).remove(0);
    s.clear_transmit();
    match c.handle_message(Micros(200), &ans).unwrap() {
        Incoming::Answer {
            token, sent_at_us, ..
        } => assert_eq!((token, sent_at_us), (42, Micros(100))),
        other => panic!("{other:?}"),
    }
    // The same answer again is unmatched; a request nobody answers times out.
    assert_eq!(
        c.handle_message(Micros(210), &ans).unwrap(),
        Incoming::UnmatchedAnswer
    );
    c.send_request(Micros(300), 43, &EmitFn(s6a_request))
        .unwrap();
    c.clear_transmit();
    // The answered request's deadline may still wake the peer (lazy deletion): harmless.
    let mut deadline = c.poll_timeout().unwrap();
    while deadline < Micros(300 + 5_000_000) {
        c.handle_timeout(deadline);
        assert!(events(&mut c).is_empty());
        deadline = c.poll_timeout().unwrap();
    }
    assert_eq!(deadline, Micros(300 + 5_000_000));
    c.handle_timeout(deadline);
    assert_eq!(
        events(&mut c),
        vec![Event::RequestTimedOut {
            token: 43,
            sent_at_us: Micros(300)
        }]
    );
    assert_eq!(c.pending_requests(), 0);
}

#[test]
fn requests_before_open_are_refused() {
    let (mut c, _s) = pair(Micros(0), true);
    assert_eq!(
        c.send_request(Micros(0), 1, &EmitFn(s6a_request)),
        Err(PeerError::NotOpen(State::WaitCea))
    );
}

#[test]
fn watchdog_sends_dwr_when_idle_and_drops_a_silent_peer() {
    let (mut c, mut s) = open_pair();
    // Idle for one Tw (30 s ± 2 s): the client sends DWR, the server answers DWA.
    let t = c.poll_timeout().unwrap();
    assert!(
        (Micros(28_000_000)..=Micros(32_000_000)).contains(&t),
        "{t}"
    );
    c.handle_timeout(t);
    assert_eq!(deliver(t, &mut c, &mut s), vec![command::DEVICE_WATCHDOG]);
    assert_eq!(deliver(t, &mut s, &mut c), vec![command::DEVICE_WATCHDOG]);
    assert!(c.is_open());
    // Now the server goes silent: DWR, SUSPECT, then DOWN after two more intervals.
    let mut now = t;
    for _ in 0..3 {
        now = c.poll_timeout().unwrap();
        c.handle_timeout(now);
        c.clear_transmit();
    }
    assert_eq!(
        events(&mut c),
        vec![Event::Down(DownReason::WatchdogTimeout)]
    );
    assert!(now < t + Micros(4 * 32_000_000));
}

#[test]
fn dwr_is_answered_and_keeps_the_connection() {
    let (mut c, mut s) = open_pair();
    let mut buf = Vec::new();
    WatchdogRequest {
        origin_host: MME,
        origin_realm: "epc.mnc001.mcc208.3gppnetwork.org",
        origin_state_id: None,
    }
    .emit_to(
        crate::wire::diameter::Ids {
            hop_by_hop: 9,
            end_to_end: 9,
        },
        &mut buf,
    );
    assert_eq!(
        s.handle_message(Micros(5), &buf).unwrap(),
        Incoming::Consumed
    );
    let dwa = messages(s.transmit()).remove(0);
    let pkt = Packet::new_checked(&dwa[..]).unwrap();
    assert_eq!(
        (pkt.command_code(), pkt.is_request(), pkt.hop_by_hop()),
        (280, false, 9)
    );
    assert!(s.is_open());
    let _ = &mut c;
}

#[test]
fn disconnect_is_graceful_on_both_sides() {
    let (mut c, mut s) = open_pair();
    c.disconnect(Micros(10), 0);
    assert_eq!(c.state(), State::Closing);
    assert_eq!(
        deliver(Micros(10), &mut c, &mut s),
        vec![command::DISCONNECT_PEER]
    );
    assert_eq!(
        events(&mut s),
        vec![Event::Down(DownReason::PeerDisconnect(0))]
    );
    assert_eq!(
        deliver(Micros(10), &mut s, &mut c),
        vec![command::DISCONNECT_PEER]
    );
    assert_eq!(
        events(&mut c),
        vec![Event::Down(DownReason::LocalDisconnect)]
    );
}

#[test]
fn unsupported_application_gets_3007_with_the_e_bit() {
    let (mut c, mut s) = open_pair();
    let mut buf = Vec::new();
    EmitFn(|ids, w: &mut Writer<'_>| w.header(0xc0, 272, 4, ids)).emit_to(
        crate::wire::diameter::Ids {
            hop_by_hop: 1,
            end_to_end: 1,
        },
        &mut buf,
    );
    assert_eq!(
        s.handle_message(Micros(1), &buf).unwrap(),
        Incoming::Consumed
    );
    let ans = messages(s.transmit()).remove(0);
    let pkt = Packet::new_checked(&ans[..]).unwrap();
    assert!(pkt.is_error());
    let parsed = crate::wire::diameter::ErrorAnswer::parse(&pkt).unwrap();
    assert_eq!(parsed.result.code(), result::APPLICATION_UNSUPPORTED);
    let _ = &mut c;
}

#[test]
fn broken_framing_takes_the_connection_down() {
    let (_c, mut s) = open_pair();
    let garbage = [
        2u8, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    assert!(matches!(
        s.handle_message(Micros(1), &garbage),
        Err(PeerError::Malformed(_))
    ));
    assert_eq!(
        events(&mut s),
        vec![Event::Down(DownReason::ProtocolViolation)]
    );
}

#[test]
fn backoff_doubles_with_jitter_and_resets() {
    let mut b = Backoff::new(Micros(100_000), Micros(1_000_000), 3);
    let d: Vec<u64> = (0..6).map(|_| b.next_delay().as_u64()).collect();
    assert!((50_000..=100_000).contains(&d[0]));
    assert!((100_000..=200_000).contains(&d[1]));
    assert!(d[5] <= 1_000_000 && d[5] >= 500_000);
    b.reset();
    assert!(b.next_delay() <= Micros(100_000));
}

/// A Gy pair (RFC 4006 §2) advertises application 4 as a plain Auth-Application-Id in CER and
/// CEA, with no Vendor-Specific-Application-Id, and opens.
#[test]
fn gy_peers_advertise_a_plain_auth_application_id() {
    let now = Micros::from_secs(1);
    let mut client = Peer::initiate(now, PeerConfig::gy(identity(MME), 1));
    let mut server = Peer::accept(now, PeerConfig::gy(identity(HSS), 2), Box::new(|_, _| true));
    let check = |p: &Peer| {
        let msgs = messages(p.transmit());
        let pkt = Packet::new_checked(&msgs[0][..]).unwrap();
        let caps = if pkt.is_request() {
            crate::wire::diameter::CapabilitiesRequest::parse(&pkt)
                .unwrap()
                .capabilities
        } else {
            crate::wire::diameter::CapabilitiesAnswer::parse(&pkt)
                .unwrap()
                .capabilities
        };
        assert_eq!(caps.auth_application_ids.iter().collect::<Vec<_>>(), [4]);
        assert_eq!(caps.vendor_specific_application_ids.iter().count(), 0);
    };
    check(&client);
    deliver(now, &mut client, &mut server);
    check(&server);
    deliver(now, &mut server, &mut client);
    assert!(client.is_open() && server.is_open());
}
