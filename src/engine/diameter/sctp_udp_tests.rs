//! A client and a server [`SctpUdp`] on loopback, each association driving a Diameter
//! [`Peer`]: CER/CEA on stream 0, application requests spread over the other streams, PPID 46
//! everywhere, and a graceful SHUTDOWN at the end.

use std::time::{Duration, Instant};

use super::*;
use crate::proto::diameter::{Incoming, LocalIdentity, Peer, PeerConfig};
use crate::proto::sctp::CloseReason;
use crate::wire::diameter::codes::{app, command};
use crate::wire::diameter::{EmitFn, ResultCode, Writer};

fn identity(host: &str) -> LocalIdentity {
    LocalIdentity {
        origin_host: host.to_string(),
        origin_realm: host.split_once('.').unwrap().1.to_string(),
        host_ip: "127.0.0.1".parse().unwrap(),
        origin_state_id: 1,
        product_name: "roamsim-test".to_string(),
    }
}

struct Side {
    sctp: SctpUdp,
    peer: Option<(AssocId, Peer)>,
    /// (stream, ppid, command code) of every message received.
    seen: Vec<(u16, u32, u32)>,
    answers: usize,
    closed: Option<CloseReason>,
}

impl Side {
    fn new(cfg: SctpUdpConfig) -> Side {
        Side {
            sctp: SctpUdp::bind("127.0.0.1:0".parse().unwrap(), cfg).unwrap(),
            peer: None,
            seen: Vec::new(),
            answers: 0,
            closed: None,
        }
    }

    /// One pass: read, timers, events into the peer, the peer's output out.
    fn step(&mut self, now: Micros, server: bool) {
        self.sctp.recv(now).unwrap();
        if self.sctp.poll_timeout().is_some_and(|t| t <= now) {
            self.sctp.handle_timeout(now);
        }
        while let Some((id, ev)) = self.sctp.poll_event() {
            match ev {
                Event::Connected { .. } if server => {
                    let cfg = PeerConfig::s6a(identity("hss.epc.mnc410.mcc310.org"), 2);
                    self.peer = Some((id, Peer::accept(now, cfg, Box::new(|_, _| true))));
                }
                Event::Connected { .. } => {}
                Event::Message { stream, ppid, data } => {
                    let code = u32::from_be_bytes([0, data[5], data[6], data[7]]);
                    self.seen.push((stream, ppid, code));
                    let (_, peer) = self.peer.as_mut().expect("a peer");
                    match peer.handle_message(now, &data) {
                        Ok(Incoming::Request(req)) => {
                            peer.answer_error(&req, ResultCode::SUCCESS, None, None)
                        }
                        Ok(Incoming::Answer { .. }) => self.answers += 1,
                        _ => {}
                    }
                }
                Event::Closed { reason } => self.closed = Some(reason),
            }
        }
        if let Some((id, peer)) = self.peer.as_mut() {
            if !peer.transmit().is_empty() {
                self.sctp.send_diameter(now, *id, peer.transmit()).unwrap();
                peer.clear_transmit();
            }
        }
        self.sctp.flush(now).unwrap();
    }
}

fn run_until(
    t0: Instant,
    client: &mut Side,
    server: &mut Side,
    mut done: impl FnMut(&Side, &Side) -> bool,
) {
    let until = Instant::now() + Duration::from_secs(10);
    while !done(client, server) {
        assert!(Instant::now() < until, "timed out");
        let now = Micros::from_duration(t0.elapsed());
        client.step(now, false);
        server.step(now, true);
        let _ = client.sctp.wait(Duration::from_millis(1));
    }
}

fn request(ids: crate::wire::diameter::Ids, w: &mut Writer<'_>) {
    w.header(0xc0, command::AUTHENTICATION_INFORMATION, app::S6A, ids);
}

#[test]
fn diameter_over_sctp_udp_uses_ppid_46_and_many_streams() {
    let t0 = Instant::now();
    let mut server = Side::new(SctpUdpConfig::server());
    let mut client = Side::new(SctpUdpConfig::client());
    assert!(server.sctp.recv_buffer_size() >= 1 << 20);
    let id = client
        .sctp
        .connect(Micros(0), server.sctp.local_addr())
        .unwrap();
    let cfg = PeerConfig::s6a(identity("mme1.epc.mnc001.mcc208.org"), 1);
    client.peer = Some((id, Peer::initiate(Micros(0), cfg)));
    run_until(t0, &mut client, &mut server, |c, _| {
        c.peer.as_ref().is_some_and(|(_, p)| p.is_open())
    });
    assert_eq!(client.sctp.outbound_streams(id), Some(16));

    let now = Micros::from_duration(t0.elapsed());
    let (_, peer) = client.peer.as_mut().unwrap();
    for token in 0..40 {
        peer.send_request(now, token, &EmitFn(request)).unwrap();
    }
    run_until(t0, &mut client, &mut server, |c, _| c.answers == 40);

    for side in [&client, &server] {
        assert!(side.seen.iter().all(|&(_, ppid, _)| ppid == 46));
        let base: Vec<_> = side.seen.iter().filter(|s| s.2 == 257).collect();
        assert!(base.iter().all(|s| s.0 == 0), "CER/CEA on stream 0");
        let streams: std::collections::HashSet<u16> = side
            .seen
            .iter()
            .filter(|s| s.2 == command::AUTHENTICATION_INFORMATION)
            .map(|s| s.0)
            .collect();
        assert_eq!(
            streams.len(),
            15,
            "requests and answers spread: {streams:?}"
        );
    }

    let now = Micros::from_duration(t0.elapsed());
    client.sctp.shutdown(now, id);
    run_until(t0, &mut client, &mut server, |c, s| {
        c.closed.is_some() && s.closed.is_some()
    });
    assert_eq!(client.closed, Some(CloseReason::Shutdown));
    assert_eq!(server.closed, Some(CloseReason::Shutdown));
    let totals = client.sctp.totals([]);
    assert_eq!((totals.associations, totals.closed), (1, 1));
    assert_eq!(totals.stats.messages_sent, 41);
    assert!(totals.to_string().contains("retransmissions 0"), "{totals}");
}

#[test]
fn send_diameter_rejects_garbage_and_unknown_associations() {
    let mut server = Side::new(SctpUdpConfig::server());
    let mut client = Side::new(SctpUdpConfig::client());
    let id = client
        .sctp
        .connect(Micros(0), server.sctp.local_addr())
        .unwrap();
    let err = client
        .sctp
        .send_diameter(Micros(0), id, &[1, 0, 0, 8, 0])
        .unwrap_err();
    assert_eq!(err, SendDiameterError::Framing(5));
    client.sctp.abort(Micros(0), id);
    client.step(Micros::ZERO, false);
    server.step(Micros::ZERO, true);
    let err = client.sctp.send_diameter(Micros(0), id, &[]);
    assert!(matches!(
        err,
        Err(SendDiameterError::NoAssociation) | Ok(())
    ));
    assert_eq!(client.sctp.send_errors(), 1);
}
