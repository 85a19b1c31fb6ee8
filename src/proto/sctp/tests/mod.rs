//! SCTP association and endpoint tests in virtual time: handshake, bulk transfer with loss,
//! cookie checks, heartbeats, shutdown, fragmentation; and a tshark check of the packets.

mod cookies;
mod harness;
mod pcap;

use std::collections::VecDeque;

use harness::{closed, connected, test_config, Pair, MS, S};

use super::*;
use crate::model::rng::Rng;

/// A Diameter-sized message: stream, sequence number and length up front, then a pattern
/// derived from them, so the receiver can check every byte.
fn message(stream: u16, seq: u32, len: usize) -> Vec<u8> {
    let mut m = Vec::with_capacity(len);
    m.extend_from_slice(&stream.to_be_bytes());
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(&(len as u32).to_be_bytes());
    let mut x = (stream as u32) << 16 ^ seq;
    while m.len() < len {
        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        m.push((x >> 24) as u8);
    }
    m
}

/// Checks `data` is the next message of its stream; returns its sequence number.
fn check(expected: &mut [u32], stream: u16, data: &[u8]) -> u32 {
    assert!(data.len() >= 10, "short message on stream {stream}");
    let s = u16::from_be_bytes([data[0], data[1]]);
    let seq = u32::from_be_bytes(data[2..6].try_into().unwrap());
    let len = u32::from_be_bytes(data[6..10].try_into().unwrap()) as usize;
    assert_eq!(s, stream, "message delivered on the wrong stream");
    assert_eq!(
        seq, expected[stream as usize],
        "stream {stream} out of order or duplicated"
    );
    assert_eq!(
        data,
        message(s, seq, len),
        "stream {stream} seq {seq} corrupted"
    );
    expected[stream as usize] += 1;
    seq
}

/// Sends a Diameter message; false when the send buffer is full.
fn try_send(e: &mut Endpoint, id: AssocId, now: Micros, stream: u16, m: &[u8]) -> bool {
    match e
        .association(id)
        .unwrap()
        .send(now, stream, PPID_DIAMETER, m)
    {
        Ok(()) => true,
        Err(SendError::BufferFull { .. }) => false,
        Err(err) => panic!("send: {err}"),
    }
}

/// Drains the messages from `events` (all with PPID 46).
fn messages(events: &mut Vec<(AssocId, Event)>) -> Vec<(u16, Vec<u8>)> {
    let mut out = Vec::new();
    for (_, e) in events.drain(..) {
        if let Event::Message { stream, ppid, data } = e {
            assert_eq!(ppid, PPID_DIAMETER);
            out.push((stream, data));
        }
    }
    out
}

struct Transfer {
    virtual_us: Micros,
    wall: std::time::Duration,
    client: AssocStats,
    server: AssocStats,
    link_dropped: u64,
}

/// The client sends `n` requests of 120..1200 bytes round-robin over `streams` streams; the
/// server answers each on the same stream; both sides check order and contents.
fn transfer(seed: u64, loss: f64, reorder: bool, n: u32, streams: u16) -> Transfer {
    let started = std::time::Instant::now();
    let mut p = Pair::new(seed, loss, 10 * MS, 2 * MS);
    p.c2s.reorder = reorder;
    p.s2c.reorder = reorder;
    let (c, s) = p.establish();
    let mut sizes = Rng::new(seed ^ 0x5eed);
    let (mut sent, mut answers) = (0u32, VecDeque::new());
    let mut req_seen = vec![0u32; streams as usize];
    let mut ans_seen = vec![0u32; streams as usize];
    let limit = p.now + 3600 * S;
    while ans_seen.iter().sum::<u32>() < n {
        while sent < n {
            let stream = (sent % streams as u32) as u16;
            let m = message(
                stream,
                sent / streams as u32,
                120 + sizes.below(1081) as usize,
            );
            if !try_send(&mut p.client, c, p.now, stream, &m) {
                break;
            }
            sent += 1;
        }
        while let Some((stream, seq)) = answers.front().copied() {
            if !try_send(&mut p.server, s, p.now, stream, &message(stream, seq, 300)) {
                break;
            }
            answers.pop_front();
        }
        assert!(p.now < limit, "transfer stalled: {req_seen:?} {ans_seen:?}");
        p.step(limit);
        for (stream, data) in messages(&mut p.server_events) {
            answers.push_back((stream, check(&mut req_seen, stream, &data)));
        }
        for (stream, data) in messages(&mut p.client_events) {
            check(&mut ans_seen, stream, &data);
        }
    }
    assert_eq!(req_seen.iter().sum::<u32>(), n);
    let client = p.client.association(c).unwrap().stats();
    let server = p.server.association(s).unwrap().stats();
    assert_eq!(
        (client.messages_sent, server.messages_received),
        (n as u64, n as u64)
    );
    assert_eq!(
        (server.messages_sent, client.messages_received),
        (n as u64, n as u64)
    );
    Transfer {
        virtual_us: p.now,
        wall: started.elapsed(),
        client,
        server,
        link_dropped: p.c2s.dropped + p.s2c.dropped,
    }
}

fn report(label: &str, t: &Transfer, n: u32) {
    eprintln!(
        "{label}: {n} requests + {n} answers in {:.2} s virtual, {:.2} s wall ({:.0} msg/s debug); \
         link dropped {}; retransmissions client {} (fast {}, T3 {}) server {} (fast {}, T3 {}); \
         srtt {} µs rto {} µs",
        t.virtual_us.as_u64() as f64 / 1e6,
        t.wall.as_secs_f64(),
        2.0 * n as f64 / t.wall.as_secs_f64(),
        t.link_dropped,
        t.client.retransmissions,
        t.client.fast_retransmissions,
        t.client.t3_expirations,
        t.server.retransmissions,
        t.server.fast_retransmissions,
        t.server.t3_expirations,
        t.client.srtt_us,
        t.client.rto_us,
    );
}

#[test]
fn handshake_negotiates_streams_and_connects_both_sides() {
    let mut small = test_config();
    small.outbound_streams = 4;
    small.inbound_streams = 6;
    let mut p = Pair::with_configs(1, 0.0, 5 * MS, Micros(0), test_config(), small);
    let (c, _) = p.establish();
    let streams = |ev: &[(AssocId, Event)]| {
        ev.iter().find_map(|(_, e)| match e {
            Event::Connected {
                outbound_streams,
                inbound_streams,
            } => Some((*outbound_streams, *inbound_streams)),
            _ => None,
        })
    };
    assert_eq!(streams(&p.client_events), Some((6, 4)));
    assert_eq!(streams(&p.server_events), Some((4, 6)));
    assert_eq!(p.now, 20 * MS, "two round trips");
    let a = p.client.association(c).unwrap();
    assert_eq!(a.state(), State::Established);
    assert_eq!(
        a.stats().srtt_us,
        (10 * MS).as_u64(),
        "INIT/INIT ACK gave the first RTT sample"
    );
    let err = a.send(p.now, 6, PPID_DIAMETER, b"x").unwrap_err();
    assert_eq!(
        err,
        SendError::InvalidStream {
            stream: 6,
            streams: 6
        }
    );
    assert_eq!(p.server.stats().cookies_accepted, 1);
}

#[test]
fn ten_thousand_messages_without_loss() {
    let t = transfer(7, 0.0, false, 10_000, 4);
    report("0% loss", &t, 10_000);
    assert_eq!(t.client.t3_expirations, 0);
}

#[test]
fn ten_thousand_messages_with_2_percent_loss() {
    let t = transfer(8, 0.02, false, 10_000, 4);
    report("2% loss", &t, 10_000);
    assert!(t.link_dropped > 0);
    assert!(t.client.retransmissions > 0 && t.server.retransmissions > 0);
    assert!(
        t.client.fast_retransmissions > 0,
        "fast retransmit should repair most losses"
    );
}

#[test]
fn ten_thousand_messages_with_10_percent_loss() {
    let t = transfer(9, 0.10, false, 10_000, 4);
    report("10% loss", &t, 10_000);
    assert!(t.client.retransmissions > 0 && t.server.retransmissions > 0);
    assert!(t.client.t3_expirations > 0);
}

#[test]
fn ten_thousand_messages_with_reordering_and_2_percent_loss() {
    let t = transfer(10, 0.02, true, 10_000, 8);
    report("2% loss, jitter reordering", &t, 10_000);
    assert!(t.client.retransmissions > 0);
}

#[test]
fn large_messages_are_fragmented_and_reassembled_under_loss() {
    let mut cfg = test_config();
    cfg.mtu = 1200;
    let mut p = Pair::with_configs(11, 0.05, 10 * MS, 3 * MS, cfg.clone(), cfg);
    let (c, _) = p.establish();
    let sizes = [100_000usize, 1173, 1172, 5000, 1, 65_536, 300];
    for (i, &len) in sizes.iter().enumerate() {
        let m = message((i % 3) as u16, (i / 3) as u32, len.max(10));
        p.client
            .association(c)
            .unwrap()
            .send(p.now, (i % 3) as u16, 46, &m)
            .unwrap();
    }
    let mut seen = vec![0u32; 3];
    let mut got = 0;
    let limit = p.now + 600 * S;
    while got < sizes.len() {
        assert!(p.step(limit), "stalled after {got} messages");
        for (_, e) in p.server_events.drain(..) {
            if let Event::Message { stream, data, .. } = e {
                check(&mut seen, stream, &data);
                got += 1;
            }
        }
    }
    let st = p.client.association(c).unwrap().stats();
    assert!(
        st.data_chunks_sent > 150,
        "100 kB in 1200-byte packets: {}",
        st.data_chunks_sent
    );
    assert!(st.retransmissions > 0);
}

#[test]
fn a_slow_reader_closes_the_window_and_reopens_it_without_loss() {
    let mut small = test_config();
    small.rx_window = 64 << 10;
    let mut p = Pair::with_configs(13, 0.0, 10 * MS, Micros(0), test_config(), small);
    let (c, _) = p.establish();
    p.hold_server_events = true;
    for i in 0..400 {
        let m = message(0, i, 1000);
        p.client
            .association(c)
            .unwrap()
            .send(p.now, 0, 46, &m)
            .unwrap();
    }
    let start = p.now;
    p.run_until(start + 60 * S, |_| false);
    assert_eq!(
        closed(&p.client_events),
        None,
        "zero-window probes keep it alive"
    );
    let a = p.client.association(c).unwrap();
    let (_, flight) = a.congestion();
    assert!(a.queued_bytes() > 300_000, "sender held back by the window");
    assert!(
        flight <= (64 << 10) + 1452,
        "flight {flight} within the peer's window"
    );
    p.hold_server_events = false;
    let mut seen = vec![0u32; 1];
    let done = p.run_until(p.now + 10 * S, |p| {
        for (_, e) in p.server_events.drain(..) {
            if let Event::Message { stream, data, .. } = e {
                check(&mut seen, stream, &data);
            }
        }
        seen[0] == 400
    });
    assert!(done, "only {} of 400 delivered", seen[0]);
    let took = p.now - start - 60 * S;
    assert!(took < S, "the window update restarted the flow: {took} µs");
    let st = p.client.association(c).unwrap().stats();
    assert_eq!(
        st.fast_retransmissions, 0,
        "only zero-window probes: {st:?}"
    );
    assert!(
        st.t3_expirations > 20,
        "probes backed off to RTO.max: {st:?}"
    );
}

#[test]
fn graceful_shutdown_closes_both_sides_after_delivering_queued_data() {
    for (seed, loss) in [(21, 0.0), (22, 0.1)] {
        let mut p = Pair::new(seed, loss, 10 * MS, Micros(0));
        let (c, _) = p.establish();
        let a = p.client.association(c).unwrap();
        for i in 0..50 {
            a.send(p.now, 1, PPID_DIAMETER, &message(1, i, 500))
                .unwrap();
        }
        a.shutdown(p.now);
        assert_eq!(a.state(), State::ShutdownPending);
        let err = a.send(p.now, 1, PPID_DIAMETER, b"late").unwrap_err();
        assert!(matches!(err, SendError::NotEstablished { .. }));
        let done = p.run_until(p.now + 120 * S, |p| {
            closed(&p.client_events).is_some() && closed(&p.server_events).is_some()
        });
        assert!(done, "shutdown did not complete at {loss} loss");
        assert_eq!(closed(&p.client_events), Some(CloseReason::Shutdown));
        assert_eq!(closed(&p.server_events), Some(CloseReason::Shutdown));
        let mut seen = vec![0u32; 2];
        for (_, e) in &p.server_events {
            if let Event::Message { stream, data, .. } = e {
                check(&mut seen, *stream, data);
            }
        }
        assert_eq!(seen[1], 50, "all data before the shutdown delivered");
        p.run_until(p.now + 10 * S, |p| {
            p.client.is_empty() && p.server.is_empty()
        });
        assert!(
            p.client.is_empty() && p.server.is_empty(),
            "associations forgotten"
        );
    }
}

#[test]
fn heartbeats_keep_an_idle_association_alive_and_detect_a_dead_peer() {
    let mut cfg = test_config();
    cfg.heartbeat_interval_us = Some(30 * S);
    cfg.max_retrans = 4;
    let mut p = Pair::with_configs(31, 0.0, 20 * MS, Micros(0), cfg.clone(), cfg);
    let (c, s) = p.establish();
    let start = p.now;
    assert!(!p.run_until(start + 600 * S, |p| closed(&p.client_events).is_some()));
    let cs = p.client.association(c).unwrap().stats();
    let ss = p.server.association(s).unwrap().stats();
    assert!(
        cs.heartbeats_sent >= 15,
        "{} heartbeats in 10 min",
        cs.heartbeats_sent
    );
    assert_eq!(cs.heartbeat_acks, cs.heartbeats_sent);
    assert_eq!(ss.heartbeat_acks, ss.heartbeats_sent);
    assert_eq!(cs.srtt_us, (40 * MS).as_u64());
    // The server goes silent: the client counts unanswered heartbeats and gives up.
    p.s2c.loss = 1.0;
    let dead_at = p.now;
    assert!(p.run_until(dead_at + 3600 * S, |p| closed(&p.client_events).is_some()));
    assert_eq!(closed(&p.client_events), Some(CloseReason::Timeout));
    let took = (p.now - dead_at).as_u64() / S.as_u64();
    assert!(
        (120..=300).contains(&took),
        "dead peer detected after {took} s"
    );
}

#[test]
fn retransmission_timeout_detects_a_dead_peer_while_sending() {
    let mut p = Pair::new(41, 0.0, 10 * MS, Micros(0));
    let (c, _) = p.establish();
    p.c2s.loss = 1.0;
    let dead_at = p.now;
    let a = p.client.association(c).unwrap();
    a.send(p.now, 0, 46, b"into the void").unwrap();
    assert!(p.run_until(p.now + 3600 * S, |p| closed(&p.client_events).is_some()));
    assert_eq!(closed(&p.client_events), Some(CloseReason::Timeout));
    // RTO 60 ms after the handshake's sample, doubling to the 2 s cap: 11 expirations.
    let took = p.now - dead_at;
    assert!(
        (13 * S..15 * S).contains(&took),
        "dead peer detected after {took} µs"
    );
    assert_eq!(p.c2s.dropped, 11);
}

#[test]
fn handshake_gives_up_when_nobody_answers() {
    let mut p = Pair::new(51, 1.0, 10 * MS, Micros(0));
    p.connect();
    assert!(p.run_until(3600 * S, |p| closed(&p.client_events).is_some()));
    assert_eq!(closed(&p.client_events), Some(CloseReason::HandshakeFailed));
    assert_eq!(p.c2s.dropped, 9, "INIT sent once and retransmitted 8 times");
    assert!(connected(&p.client_events).is_none());
}

#[test]
fn abort_closes_the_peer_at_once() {
    let mut p = Pair::new(61, 0.0, 10 * MS, Micros(0));
    let (c, _) = p.establish();
    p.client.association(c).unwrap().abort(p.now);
    p.run_until(p.now + S, |p| closed(&p.server_events).is_some());
    assert_eq!(closed(&p.client_events), Some(CloseReason::LocalAbort));
    assert_eq!(closed(&p.server_events), Some(CloseReason::PeerAborted));
}
