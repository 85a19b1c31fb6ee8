//! GTPv2-C transactions in virtual time, on hand-built 12-byte headers (TS 29.274 §5.5.1:
//! version 2 with the TEID flag, message type, length, TEID, 24-bit sequence number, spare).

use std::net::SocketAddr;

use super::*;

const S: Micros = Micros::from_secs(1);
const ECHO_REQ: u8 = 1;
const CREATE_SESSION_REQ: u8 = 32;
const CREATE_SESSION_RSP: u8 = 33;

fn peer(port: u16) -> SocketAddr {
    SocketAddr::from(([192, 0, 2, 1], port))
}

/// Writes a message with a 12-byte header and `body`.
fn encode(buf: &mut Vec<u8>, msg_type: u8, teid: u32, seq: u32, body: &[u8]) {
    buf.push(0x48);
    buf.push(msg_type);
    buf.extend_from_slice(&((8 + body.len()) as u16).to_be_bytes());
    buf.extend_from_slice(&teid.to_be_bytes());
    buf.extend_from_slice(&(seq << 8).to_be_bytes());
    buf.extend_from_slice(body);
}

fn header_seq(msg: &[u8]) -> u32 {
    u32::from_be_bytes([0, msg[8], msg[9], msg[10]])
}

/// Drains `poll_transmit` into (destination, bytes) pairs.
fn drain(mut poll: impl FnMut(&mut Vec<u8>) -> Option<Datagram>) -> Vec<(SocketAddr, Vec<u8>)> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    while let Some(d) = poll(&mut buf) {
        assert_eq!(d.len, buf.len());
        out.push((d.dst, std::mem::take(&mut buf)));
    }
    out
}

fn start(r: &mut Requester, now: Micros, to: SocketAddr, token: Token) -> u32 {
    r.send_request(now, to, token, CREATE_SESSION_REQ, |seq, buf| {
        encode(buf, CREATE_SESSION_REQ, 0, seq, b"imsi")
    })
    .unwrap()
}

#[test]
fn retransmits_identical_bytes_every_t3_then_times_out() {
    let mut r = Requester::new(RequesterConfig::default());
    let seq = start(&mut r, Micros(0), peer(2123), 7);
    let first = drain(|b| r.poll_transmit(b));
    assert_eq!(first.len(), 1);
    assert_eq!(header_seq(&first[0].1), seq);
    for k in 1..=3u64 {
        assert_eq!(r.poll_timeout(), Some(k * 3 * S));
        r.handle_timeout(k * 3 * S - Micros(1));
        assert!(drain(|b| r.poll_transmit(b)).is_empty());
        r.handle_timeout(k * 3 * S);
        assert_eq!(drain(|b| r.poll_transmit(b)), first, "retransmission {k}");
        assert_eq!(r.poll_event(), None);
    }
    assert_eq!(r.poll_timeout(), Some(12 * S));
    r.handle_timeout(12 * S);
    assert!(drain(|b| r.poll_transmit(b)).is_empty());
    let timed_out = RequesterEvent::TimedOut {
        token: 7,
        peer: peer(2123),
        seq,
        request_type: CREATE_SESSION_REQ,
    };
    assert_eq!(r.poll_event(), Some(timed_out));
    assert_eq!(r.poll_timeout(), None);
    assert_eq!(r.outstanding(), 0);
    let st = r.stats();
    assert_eq!((st.sent, st.retransmitted, st.timed_out), (1, 3, 1));
}

#[test]
fn configurable_t3_n3() {
    let cfg = RequesterConfig {
        t3_us: Micros(500_000),
        n3: 1,
        ..RequesterConfig::default()
    };
    let mut r = Requester::new(cfg);
    start(&mut r, Micros(100), peer(1), 1);
    assert_eq!(drain(|b| r.poll_transmit(b)).len(), 1);
    r.handle_timeout(Micros(500_099));
    assert!(drain(|b| r.poll_transmit(b)).is_empty());
    r.handle_timeout(Micros(500_100));
    assert_eq!(drain(|b| r.poll_transmit(b)).len(), 1);
    r.handle_timeout(Micros(1_000_100));
    assert!(matches!(
        r.poll_event(),
        Some(RequesterEvent::TimedOut { token: 1, .. })
    ));
}

#[test]
fn responses_match_by_peer_and_seq() {
    let mut r = Requester::new(RequesterConfig::default());
    let seq = start(&mut r, Micros(0), peer(2123), 42);
    r.handle_timeout(3 * S);
    assert_eq!(r.handle_response(3 * S + Micros(10), peer(9999), seq), None);
    assert_eq!(
        r.handle_response(3 * S + Micros(10), peer(2123), seq + 1),
        None
    );
    let rsp = r
        .handle_response(3 * S + Micros(10), peer(2123), seq)
        .unwrap();
    assert_eq!(
        rsp,
        Response {
            token: 42,
            request_type: CREATE_SESSION_REQ,
            first_sent_us: Micros(0),
            rtt_us: 3 * S + Micros(10),
            retransmissions: 1,
        }
    );
    // Answered: no more retransmissions, no timeout, late duplicates are counted.
    drain(|b| r.poll_transmit(b));
    r.handle_timeout(100 * S);
    assert!(drain(|b| r.poll_transmit(b)).is_empty());
    assert_eq!(r.poll_event(), None);
    assert_eq!(r.poll_timeout(), None);
    assert_eq!(r.handle_response(100 * S, peer(2123), seq), None);
    assert_eq!(r.stats().unmatched_responses, 3);
    assert_eq!(r.stats().responses, 1);
}

#[test]
fn sequence_numbers_wrap_at_24_bits() {
    let cfg = RequesterConfig {
        first_seq: 0x00FF_FFFE,
        ..RequesterConfig::default()
    };
    let mut r = Requester::new(cfg);
    let seqs: Vec<u32> = (0..4)
        .map(|t| start(&mut r, Micros(0), peer(1), t))
        .collect();
    assert_eq!(seqs, [0x00FF_FFFE, 0x00FF_FFFF, 0, 1]);
    let sent = drain(|b| r.poll_transmit(b));
    assert!(sent
        .iter()
        .map(|(_, m)| header_seq(m))
        .eq(seqs.iter().copied()));
    assert_eq!(r.handle_response(Micros(1), peer(1), 0).unwrap().token, 2);
}

#[test]
fn many_outstanding_with_lazy_timer_deletion() {
    let mut r = Requester::new(RequesterConfig::default());
    let n = 20_000u64;
    let seqs: Vec<u32> = (0..n)
        .map(|t| start(&mut r, Micros(t), peer(2123), t))
        .collect();
    assert_eq!(drain(|b| r.poll_transmit(b)).len(), n as usize);
    for (t, &seq) in seqs.iter().enumerate().filter(|(t, _)| t % 4 != 3) {
        assert_eq!(
            r.handle_response(S, peer(2123), seq).unwrap().token,
            t as u64
        );
    }
    // Three in four answered: stale heap entries outnumber live ones and get compacted.
    assert_eq!(r.outstanding(), n as usize / 4);
    assert_eq!(r.poll_timeout(), Some(3 * S + Micros(3)));
    r.handle_timeout(3 * S + Micros(n));
    let re = drain(|b| r.poll_transmit(b));
    assert_eq!(re.len(), n as usize / 4);
    assert!(re.iter().all(|(_, m)| header_seq(m) % 4 == 3));
}

#[test]
fn outstanding_limit_is_enforced() {
    let cfg = RequesterConfig {
        max_outstanding: 2,
        ..RequesterConfig::default()
    };
    let mut r = Requester::new(cfg);
    let a = start(&mut r, Micros(0), peer(1), 1);
    start(&mut r, Micros(0), peer(1), 2);
    let err = r.send_request(Micros(0), peer(1), 3, ECHO_REQ, |_, _| {});
    assert_eq!(err, Err(RequestError::TooManyOutstanding { limit: 2 }));
    assert_eq!(r.cancel(peer(1), a), Some(1));
    assert!(r
        .send_request(Micros(0), peer(1), 3, ECHO_REQ, |_, _| {})
        .is_ok());
}

fn answer(resp: &mut Responder, now: Micros, from: SocketAddr, seq: u32) {
    resp.send_response(now, from, seq, |buf| {
        encode(buf, CREATE_SESSION_RSP, 0x1234, seq, b"cause=16")
    });
}

#[test]
fn duplicate_requests_replay_cached_response() {
    let mut resp = Responder::new(ResponderConfig::default());
    assert_eq!(
        resp.handle_request(Micros(0), peer(5), 77),
        Disposition::New
    );
    // Retransmitted before we answered: dropped.
    assert_eq!(
        resp.handle_request(Micros(10), peer(5), 77),
        Disposition::InProgress
    );
    answer(&mut resp, Micros(20), peer(5), 77);
    let first = drain(|b| resp.poll_transmit(b));
    assert_eq!(first.len(), 1);
    assert_eq!(header_seq(&first[0].1), 77);
    // Same seq from another peer is a different transaction.
    assert_eq!(
        resp.handle_request(Micros(30), peer(6), 77),
        Disposition::New
    );
    for t in [3 * S, 6 * S, 9 * S] {
        assert_eq!(resp.handle_request(t, peer(5), 77), Disposition::Replayed);
        assert_eq!(drain(|b| resp.poll_transmit(b)), first);
    }
    let st = resp.stats();
    assert_eq!(
        (st.requests, st.replayed, st.in_progress_duplicates),
        (2, 3, 1)
    );
}

#[test]
fn cache_expires_in_time_order() {
    let cfg = ResponderConfig::covering(3 * S, 3);
    assert_eq!(cfg.window_us, 12 * S);
    let mut resp = Responder::new(cfg);
    for seq in 0..100u32 {
        let now = Micros(u64::from(seq)) * 1000;
        assert_eq!(resp.handle_request(now, peer(5), seq), Disposition::New);
        answer(&mut resp, now + Micros(500), peer(5), seq);
    }
    drain(|b| resp.poll_transmit(b));
    // Entry 0 was re-armed by its answer at 500 µs.
    assert_eq!(resp.poll_timeout(), Some(12 * S + Micros(500)));
    resp.handle_timeout(12 * S + Micros(50_500));
    assert_eq!(resp.cached(), 49);
    assert_eq!(resp.stats().expired, 51);
    assert_eq!(resp.poll_timeout(), Some(12 * S + Micros(51_500)));
    // Expired: the same (peer, seq) is a new request again; a live one still replays.
    assert_eq!(
        resp.handle_request(12 * S + Micros(50_600), peer(5), 3),
        Disposition::New
    );
    assert_eq!(
        resp.handle_request(12 * S + Micros(50_600), peer(5), 60),
        Disposition::Replayed
    );
    resp.handle_timeout(100 * S);
    assert_eq!(resp.cached(), 0);
    assert_eq!(resp.poll_timeout(), None);
}

#[test]
fn full_cache_evicts_oldest() {
    let cfg = ResponderConfig {
        max_entries: 3,
        ..ResponderConfig::default()
    };
    let mut resp = Responder::new(cfg);
    for seq in 0..5 {
        resp.handle_request(Micros(u64::from(seq)), peer(1), seq);
    }
    assert_eq!(resp.cached(), 3);
    assert_eq!(resp.stats().evicted, 2);
    assert_eq!(
        resp.handle_request(Micros(10), peer(1), 4),
        Disposition::InProgress
    );
    assert_eq!(
        resp.handle_request(Micros(10), peer(1), 0),
        Disposition::New
    );
}

#[test]
fn sizing_for_a_rate_covers_one_window_within_the_bound() {
    let cfg = ResponderConfig::covering(3 * S, 3);
    // 12 s window: 10k requests/s -> 120k entries, a quarter to spare.
    assert_eq!(cfg.clone().for_rate(10_000.0).expected_entries, 150_000);
    // Unknown or tiny load keeps the default start; a huge one stops at the bound.
    assert_eq!(cfg.clone().for_rate(0.0).expected_entries, 1 << 14);
    assert_eq!(cfg.clone().for_rate(1e9).expected_entries, cfg.max_entries);
    // A presized cache still evicts at its bound.
    let small = ResponderConfig {
        max_entries: 2,
        ..cfg
    }
    .for_rate(1e6);
    assert_eq!(small.expected_entries, 2);
    let mut resp = Responder::new(small);
    for seq in 0..4 {
        resp.handle_request(Micros(u64::from(seq)), peer(1), seq);
    }
    assert_eq!(resp.cached(), 2);
}

#[test]
fn recovery_change_is_a_restart() {
    let mut rec = RecoveryTracker::new(5);
    assert_eq!(rec.own(), 5);
    rec.handle_recovery(Micros(0), peer(1), 9);
    rec.handle_recovery(Micros(1), peer(1), 9);
    rec.handle_recovery(Micros(1), peer(2), 200);
    assert_eq!(rec.poll_event(), None);
    rec.handle_recovery(Micros(2), peer(1), 10);
    let ev = PeerRestarted {
        peer: peer(1),
        previous: 9,
        current: 10,
        at_us: Micros(2),
    };
    assert_eq!(rec.poll_event(), Some(ev));
    assert_eq!(rec.last_seen(peer(1)), Some(10));
    rec.handle_recovery(Micros(3), peer(2), 0);
    assert!(matches!(
        rec.poll_event(),
        Some(PeerRestarted {
            previous: 200,
            current: 0,
            ..
        })
    ));
    assert_eq!(rec.restart_self(), 6);
}

/// Requester and responder through a link that loses the first `lost` responses: the
/// requester retransmits, the responder replays from its cache, the application on the
/// responder side sees the request once.
#[test]
fn pair_survives_lost_responses() {
    let client_addr = peer(40000);
    let server_addr = peer(2123);
    let mut client = Endpoint::new(EndpointConfig::default());
    let mut server = Endpoint::new(EndpointConfig::default());
    let mut now = Micros::ZERO;
    let seq = start(&mut client.requester, now, server_addr, 99);
    let mut lost = 2;
    let mut app_requests = 0;
    let mut answered = None;
    while answered.is_none() {
        for (dst, msg) in drain(|b| client.poll_transmit(b)) {
            assert_eq!(dst, server_addr);
            let s = header_seq(&msg);
            if server.responder.handle_request(now, client_addr, s) == Disposition::New {
                app_requests += 1;
                answer(&mut server.responder, now, client_addr, s);
            }
        }
        for (dst, msg) in drain(|b| server.poll_transmit(b)) {
            assert_eq!(dst, client_addr);
            if lost > 0 {
                lost -= 1;
                continue;
            }
            answered = client
                .requester
                .handle_response(now, server_addr, header_seq(&msg));
        }
        if answered.is_none() {
            now = client.poll_timeout().expect("request still outstanding");
            client.handle_timeout(now);
            server.handle_timeout(now);
        }
    }
    let rsp = answered.unwrap();
    assert_eq!((rsp.token, rsp.retransmissions, rsp.rtt_us), (99, 2, 6 * S));
    assert_eq!(app_requests, 1);
    assert_eq!(server.responder.stats().replayed, 2);
    assert_eq!(client.poll_event(), None);
    assert!(client
        .requester
        .handle_response(now, server_addr, seq)
        .is_none());
}
