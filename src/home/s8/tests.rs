//! The PGW service driven with the reference capture's SGW messages (gtpv2-udp.pcap), edited
//! where a case needs it; every response it sends is written to a pcap and checked with tshark.

use super::*;
use crate::home::pgw::CdrKind;
use crate::model::config::DEFAULT_PROFILE_TOML;
use crate::wire::gtpv2::IeIter;

use crate::wire::capture;

const CAPTURE: &str = "gtpv2-udp.pcap";
/// The SGW's control TEID in the capture's Create Session Requests (frames 3, 9, 19).
const SGW_TEID: u32 = 0x0001_0000;

fn frame(n: usize) -> Vec<u8> {
    capture::frame(CAPTURE, n)
}

fn sgw() -> SocketAddr {
    "127.0.0.1:36840".parse().unwrap()
}

fn profile() -> Profile {
    Profile::from_toml(DEFAULT_PROFILE_TOML, "default.toml").unwrap()
}

/// A service, the clock, and every datagram it sent.
struct Harness {
    svc: PgwService,
    now: Micros,
    sent: Vec<Vec<u8>>,
}

impl Harness {
    fn new(profile: &Profile) -> Self {
        Harness {
            svc: PgwService::new(profile, 7, PgwServiceConfig::default()),
            now: Micros(1_000_000),
            sent: Vec::new(),
        }
    }

    fn default() -> Self {
        Self::new(&profile())
    }

    /// Feeds one datagram from `peer` and returns what was handled and the datagrams sent.
    fn feed_from(&mut self, peer: SocketAddr, bytes: &[u8]) -> (Handled, Vec<Vec<u8>>) {
        self.now += Micros(1_000);
        let handled = self.svc.handle_datagram(self.now, peer, bytes);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        while let Some(d) = self.svc.poll_transmit(&mut buf) {
            assert_eq!(d.dst, peer);
            out.push(buf[buf.len() - d.len..].to_vec());
        }
        assert_eq!(buf.len(), out.iter().map(Vec::len).sum::<usize>());
        self.sent.extend(out.iter().cloned());
        (handled, out)
    }

    fn feed(&mut self, bytes: &[u8]) -> (Handled, Vec<Vec<u8>>) {
        self.feed_from(sgw(), bytes)
    }

    /// Feeds a request that must get exactly one response, and returns it.
    fn answer(&mut self, bytes: &[u8]) -> Vec<u8> {
        let (_, mut out) = self.feed(bytes);
        assert_eq!(out.len(), 1, "expected one response");
        out.pop().unwrap()
    }

    /// Writes every datagram sent into a pcap and asserts tshark finds nothing wrong. With
    /// `S8_KEEP` set in the environment the pcap is left in the temp folder for inspection.
    fn check_tshark(&self, name: &str) {
        let path =
            std::env::temp_dir().join(format!("roamsim-s8-{name}-{}.pcap", std::process::id()));
        let payloads: Vec<&[u8]> = self.sent.iter().map(Vec::as_slice).collect();
        capture::write_pcap(&path, capture::L4::Udp, 2123, 40000, &payloads);
        match capture::tshark_problems(&path, &[]) {
            Some(problems) => assert!(problems.is_empty(), "{name}: {problems:?}"),
            None => eprintln!("tshark not installed: {name} check skipped"),
        }
        if std::env::var_os("S8_KEEP").is_none() {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// `bytes` with its header TEID replaced (the capture's requests address the capture's PGW).
fn with_teid(bytes: &[u8], teid: u32) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[4..8].copy_from_slice(&teid.to_be_bytes());
    b
}

/// Rebuilds a run of IEs: `f` returns the new value of each (`None` drops it).
fn rebuild(ies: IeIter<'_>, f: &mut impl FnMut(u8, u8, &[u8]) -> Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    for ie in ies {
        let ie = ie.unwrap();
        if let Some(v) = f(ie.ie_type(), ie.instance(), ie.value()) {
            out.push(ie.ie_type());
            out.extend_from_slice(&(v.len() as u16).to_be_bytes());
            out.push(ie.as_bytes()[3]);
            out.extend_from_slice(&v);
        }
    }
    out
}

/// A message with its top-level IEs edited by `f` and its Message Length fixed.
fn edit_ies(msg: &[u8], mut f: impl FnMut(u8, u8, &[u8]) -> Option<Vec<u8>>) -> Vec<u8> {
    let p = Packet::new_checked(msg).unwrap();
    let mut out = msg[..p.header_len()].to_vec();
    out.extend(rebuild(p.ies(), &mut f));
    let len = (out.len() - 4) as u16;
    out[2..4].copy_from_slice(&len.to_be_bytes());
    out
}

/// (type, instance, length) of each top-level IE, and of the children of grouped ones.
fn layout(msg: &[u8]) -> Vec<(u8, u8, u16)> {
    let p = Packet::new_checked(msg).unwrap();
    let mut out = Vec::new();
    for ie in p.ies() {
        let ie = ie.unwrap();
        out.push((ie.ie_type(), ie.instance(), ie.length()));
        if ie.ie_type() == ie::BEARER_CONTEXT {
            for c in ie.children() {
                let c = c.unwrap();
                out.push((c.ie_type(), c.instance(), c.length()));
            }
        }
    }
    out
}

fn csr_response(bytes: &[u8]) -> CreateSessionResponse<'_> {
    match Message::parse(bytes).unwrap() {
        Message::CreateSessionResponse(r) => r,
        other => panic!("not a Create Session Response: {other:?}"),
    }
}

fn cause_and_offending(bytes: &[u8]) -> (u32, u8, Option<IeId>) {
    let m = Message::parse(bytes).unwrap();
    let c = match m {
        Message::CreateSessionResponse(r) => r.cause,
        Message::ModifyBearerResponse(r) => r.cause,
        Message::DeleteSessionResponse(r) => r.cause,
        other => panic!("no Cause in {other:?}"),
    };
    (m.header().teid.unwrap(), c.value, c.offending)
}

#[test]
fn echo_request_gets_echo_response_with_our_recovery() {
    let mut h = Harness::default();
    let (handled, out) = h.feed(&frame(1));
    assert_eq!(
        handled,
        Handled::Answered {
            request: msg::ECHO_REQUEST,
            cause: None
        }
    );
    assert_eq!(out.len(), 1);
    let Message::EchoResponse(resp) = Message::parse(&out[0]).unwrap() else {
        panic!("not an Echo Response")
    };
    assert_eq!((resp.seq, resp.recovery), (1, 7));
    // The capture's PGW also announced Recovery 7: byte for byte the same answer.
    assert_eq!(out[0], frame(2));
    assert_eq!(h.svc.stats().received(msg::ECHO_REQUEST), 1);
    assert_eq!(h.svc.stats().answered(msg::ECHO_RESPONSE), 1);
    h.check_tshark("echo");
}

#[test]
fn create_modify_delete_follow_the_capture() {
    let mut h = Harness::default();
    let csr = frame(3);
    let resp_bytes = h.answer(&csr);
    let resp = csr_response(&resp_bytes);
    assert_eq!(resp.teid, SGW_TEID, "header TEID: the SGW's Sender F-TEID");
    assert_eq!(resp.seq, 2);
    assert_eq!(resp.cause, Cause::new(cause::REQUEST_ACCEPTED));
    let control = resp.sender_fteid.expect("Sender F-TEID");
    assert_eq!(control.interface, interface::S5S8_PGW_GTPC);
    assert_eq!(control.ipv4, Some(Ipv4Addr::LOCALHOST));
    assert!(h.svc.pgw().session(control.teid).is_some());
    assert_eq!(resp.pgw_fteid, None);
    assert_eq!(resp.paa, Some(Paa::Ipv4(Ipv4Addr::new(10, 0, 0, 2))));
    assert_eq!(resp.apn_restriction, Some(0));
    // The request's APN-AMBR (50/100 Mbit/s), granted as asked.
    let ambr = Ambr {
        uplink: 50_000,
        downlink: 100_000,
    };
    assert_eq!(resp.apn_ambr, Some(ambr));
    assert_eq!(resp.recovery, Some(7));
    let bc = resp.bearer_contexts.first().expect("Bearer Context");
    assert_eq!(bc.ebi, 5);
    assert_eq!(bc.cause, Some(Cause::new(cause::REQUEST_ACCEPTED)));
    assert_eq!(bc.charging_id, Some(1));
    let user = bc.fteids.get(2).expect("S5/S8-U PGW F-TEID at instance 2");
    assert_eq!(user.interface, interface::S5S8_PGW_GTPU);
    assert_ne!(user.teid, control.teid);
    // Same IEs, instances and lengths as the capture PGW's answer, in the same order.
    assert_eq!(layout(&resp_bytes), layout(&frame(4)));
    assert_eq!(resp_bytes.len(), frame(4).len());

    let start = h.svc.poll_cdr().expect("start CDR");
    assert_eq!(start.kind, CdrKind::Start);
    assert_eq!(start.imsi.to_string(), "310410000100000");
    assert_eq!(start.serving_network.to_string(), "208-01");
    assert_eq!(&*start.apn, "internet");
    assert!(h.svc.poll_cdr().is_none());

    // Modify Bearer and Delete Session, addressed to the TEID this PGW allocated: the
    // answers are the capture PGW's, byte for byte (frames 6 and 8).
    let mbr = h.answer(&with_teid(&frame(5), control.teid));
    assert_eq!(mbr, frame(6));
    let session = h.svc.pgw().session(control.teid).unwrap();
    assert_eq!(session.sgw_user.teid, 0x0001_0001);
    let dsr = h.answer(&with_teid(&frame(7), control.teid));
    assert_eq!(dsr, frame(8));
    assert_eq!(h.svc.pgw().session_count(), 0);
    let stop = h.svc.poll_cdr().expect("stop CDR");
    assert_eq!((stop.kind, stop.charging_id), (CdrKind::Stop, 1));

    let s = h.svc.stats();
    assert_eq!(s.cause_sent(cause::REQUEST_ACCEPTED), 3);
    for t in [
        msg::CREATE_SESSION_RESPONSE,
        msg::MODIFY_BEARER_RESPONSE,
        msg::DELETE_SESSION_RESPONSE,
    ] {
        assert_eq!(s.answered(t), 1);
    }
    h.check_tshark("session");
}

#[test]
fn retransmitted_request_is_replayed_byte_for_byte_without_a_new_session() {
    let mut h = Harness::default();
    let first = h.answer(&frame(9));
    assert_eq!(h.svc.pgw().session_count(), 1);
    assert!(h.svc.poll_cdr().is_some());
    // Frame 11 is the capture's retransmission of frame 9.
    assert_eq!(frame(11), frame(9));
    let (handled, out) = h.feed(&frame(11));
    assert_eq!(handled, Handled::Replayed);
    assert_eq!(out, vec![first.clone()]);
    assert_eq!(h.svc.pgw().session_count(), 1);
    assert!(h.svc.poll_cdr().is_none(), "no second start CDR");
    assert_eq!(
        h.svc
            .pgw()
            .counters()
            .get(pgw::PgwMessage::CreateSession, 16),
        1
    );
    assert_eq!(h.svc.stats().duplicates_replayed, 1);
    assert_eq!(h.svc.stats().received(msg::CREATE_SESSION_REQUEST), 2);
    assert_eq!(h.svc.stats().answered(msg::CREATE_SESSION_RESPONSE), 1);

    // Delete, then its retransmission: the second answer is the cached 16, not a 64.
    let teid = csr_response(&first).sender_fteid.unwrap().teid;
    let dsr = with_teid(&frame(13), teid);
    let deleted = h.answer(&dsr);
    assert_eq!(h.answer(&dsr), deleted);
    assert_eq!(cause_and_offending(&deleted).1, cause::REQUEST_ACCEPTED);
    assert_eq!(h.svc.responder_stats().replayed, 2);

    // The same sequence number from another peer is another request.
    let other: SocketAddr = "127.0.0.9:2123".parse().unwrap();
    let (handled, _) = h.feed_from(other, &frame(9));
    assert!(matches!(handled, Handled::Answered { .. }));
    assert_eq!(h.svc.pgw().session_count(), 1);
    h.check_tshark("duplicate");
}

#[test]
fn cache_window_covers_t3_n3_then_expires() {
    let mut h = Harness::default();
    h.answer(&frame(1));
    let deadline = h.svc.poll_timeout().expect("a cached response expires");
    assert_eq!(deadline, h.now + Micros(12_000_000));
    h.svc.handle_timeout(deadline - Micros(1));
    assert_eq!(h.svc.responder_stats().expired, 0);
    h.svc.handle_timeout(deadline);
    assert_eq!(h.svc.responder_stats().expired, 1);
    assert_eq!(h.svc.poll_timeout(), None);
}

#[test]
fn modify_without_bearer_context_keeps_the_bearer_and_overruns_get_invalid_length() {
    let mut h = Harness::default();
    let created = csr_response(&h.answer(&frame(3)))
        .sender_fteid
        .unwrap()
        .teid;
    let before = h.svc.pgw().session(created).unwrap().sgw_user;
    let mbr = edit_ies(&with_teid(&frame(5), created), |t, _, v| {
        (t != ie::BEARER_CONTEXT).then(|| v.to_vec())
    });
    let resp = h.answer(&mbr);
    assert_eq!(
        cause_and_offending(&resp),
        (SGW_TEID, cause::REQUEST_ACCEPTED, None)
    );
    assert_eq!(h.svc.pgw().session(created).unwrap().sgw_user, before);

    // A Delete Session Request whose EBI IE claims more octets than the message holds.
    let mut dsr = with_teid(&frame(7), created);
    dsr[HEADER_LEN + 2] = 9;
    let resp = h.answer(&dsr);
    assert_eq!(resp[1], msg::DELETE_SESSION_RESPONSE);
    assert_eq!(
        cause_and_offending(&resp),
        (SGW_TEID, cause::INVALID_LENGTH, None)
    );
    assert_eq!(h.svc.pgw().session_count(), 1, "nothing deleted");
    h.check_tshark("modify-overrun");
}

#[test]
fn unknown_teid_gets_context_not_found_with_teid_zero() {
    let mut h = Harness::default();
    // The capture's TEIDs (0x50000001...) are not this PGW's.
    for (req, resp_type) in [
        (frame(5), msg::MODIFY_BEARER_RESPONSE),
        (frame(7), msg::DELETE_SESSION_RESPONSE),
    ] {
        let (handled, out) = h.feed(&req);
        assert_eq!(
            handled,
            Handled::Answered {
                request: req[1],
                cause: Some(cause::CONTEXT_NOT_FOUND)
            }
        );
        assert_eq!(out[0][1], resp_type);
        assert_eq!(
            cause_and_offending(&out[0]),
            (0, cause::CONTEXT_NOT_FOUND, None)
        );
    }
    assert_eq!(h.svc.stats().cause_sent(cause::CONTEXT_NOT_FOUND), 2);
    h.check_tshark("unknown-teid");
}

#[test]
fn malformed_create_session_names_the_offending_ie() {
    let mut h = Harness::default();
    let csr = frame(3);
    let top = |t, i| Some(IeId::new(t, i));
    // What, request, expected header TEID, Cause, offending IE.
    type Case = (&'static str, Vec<u8>, u32, u8, Option<IeId>);
    let cases: [Case; 6] = [
        (
            "no IMSI",
            edit_ies(&csr, |t, _, v| (t != ie::IMSI).then(|| v.to_vec())),
            SGW_TEID,
            cause::MANDATORY_IE_MISSING,
            top(ie::IMSI, 0),
        ),
        (
            "IMSI with a non-digit",
            edit_ies(&csr, |t, _, v| {
                Some(if t == ie::IMSI {
                    vec![0x13, 0xa0]
                } else {
                    v.to_vec()
                })
            }),
            SGW_TEID,
            cause::MANDATORY_IE_INCORRECT,
            top(ie::IMSI, 0),
        ),
        (
            "no APN",
            edit_ies(&csr, |t, _, v| (t != ie::APN).then(|| v.to_vec())),
            SGW_TEID,
            cause::MANDATORY_IE_MISSING,
            top(ie::APN, 0),
        ),
        (
            "Sender F-TEID cut short",
            edit_ies(&csr, |t, i, v| {
                Some(if (t, i) == (ie::F_TEID, 0) {
                    v[..3].to_vec()
                } else {
                    v.to_vec()
                })
            }),
            0,
            cause::MANDATORY_IE_INCORRECT,
            top(ie::F_TEID, 0),
        ),
        (
            "RAT Type empty",
            edit_ies(&csr, |t, _, v| {
                Some(if t == ie::RAT_TYPE {
                    vec![]
                } else {
                    v.to_vec()
                })
            }),
            SGW_TEID,
            cause::MANDATORY_IE_INCORRECT,
            top(ie::RAT_TYPE, 0),
        ),
        (
            "Bearer Context without S5/S8-U SGW F-TEID",
            edit_ies(&csr, |t, _, v| {
                Some(if t == ie::BEARER_CONTEXT {
                    let kids = IeIter::within(v, IeId::new(t, 0));
                    rebuild(kids, &mut |t, _, v| (t != ie::F_TEID).then(|| v.to_vec()))
                } else {
                    v.to_vec()
                })
            }),
            SGW_TEID,
            cause::MANDATORY_IE_MISSING,
            top(ie::BEARER_CONTEXT, 0),
        ),
    ];
    for (seq, (what, req, teid, value, offending)) in cases.into_iter().enumerate() {
        // A fresh sequence number each, or the cache would replay the first answer.
        let mut req = req;
        req[10] = 100 + seq as u8;
        let resp = h.answer(&req);
        assert_eq!(resp[1], msg::CREATE_SESSION_RESPONSE, "{what}");
        assert_eq!(
            cause_and_offending(&resp),
            (teid, value, offending),
            "{what}"
        );
        // A rejection carries the Cause alone.
        assert_eq!(layout(&resp).len(), 1, "{what}");
    }
    assert_eq!(h.svc.pgw().session_count(), 0);
    assert!(h.svc.poll_cdr().is_none());
    assert_eq!(h.svc.stats().malformed, 6);
    h.check_tshark("malformed");
}

#[test]
fn truncated_request_gets_invalid_length_and_garbage_is_dropped() {
    let mut h = Harness::default();
    let mut cut = frame(3);
    cut.truncate(60);
    let resp = h.answer(&cut);
    assert_eq!(resp[1], msg::CREATE_SESSION_RESPONSE);
    assert_eq!(cause_and_offending(&resp), (0, cause::INVALID_LENGTH, None));
    // Its retransmission is replayed like any other.
    assert_eq!(h.feed(&cut).0, Handled::Replayed);

    for garbage in [
        &[][..],
        &[0x48][..],
        &[0x48, 1, 0, 9, 0, 0, 0, 0, 0, 0, 5][..],
    ] {
        let (handled, out) = h.feed(garbage);
        assert_eq!(handled, Handled::Dropped(DropReason::Undecodable));
        assert!(out.is_empty());
    }
    assert_eq!(h.svc.stats().undecodable, 3);
    h.check_tshark("truncated");
}

#[test]
fn other_gtp_version_gets_version_not_supported() {
    let mut h = Harness::default();
    // A GTPv1-C Echo Request (TS 29.060): version 1, PT, S flag, sequence number 0x1234.
    let v1_echo = [0x32, 0x01, 0x00, 0x04, 0, 0, 0, 0, 0x12, 0x34, 0, 0];
    let (handled, out) = h.feed(&v1_echo);
    assert_eq!(handled, Handled::VersionNotSupported);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0], [0x40, 3, 0, 4, 0, 0x12, 0x34, 0]);
    let Message::VersionNotSupported(vns) = Message::parse(&out[0]).unwrap() else {
        panic!("not a Version Not Supported Indication")
    };
    assert_eq!(vns.seq, 0x1234);
    // Not cached: a repeat gets another indication.
    assert_eq!(h.feed(&v1_echo).1.len(), 1);
    assert_eq!(h.svc.stats().version_not_supported, 2);
    h.check_tshark("vns");
}

#[test]
fn responses_and_unsupported_types_are_dropped() {
    let mut h = Harness::default();
    let (handled, out) = h.feed(&frame(4));
    assert_eq!(handled, Handled::Dropped(DropReason::UnexpectedResponse));
    assert!(out.is_empty());
    // Create Bearer Request (95): a PGW sends it, never receives it.
    let mut cbr = frame(7);
    cbr[1] = 95;
    let (handled, out) = h.feed(&cbr);
    assert_eq!(handled, Handled::Dropped(DropReason::Unsupported));
    assert!(out.is_empty());
    let s = h.svc.stats();
    assert_eq!((s.unexpected_responses, s.unsupported), (1, 1));
    assert_eq!(s.received(msg::CREATE_SESSION_RESPONSE), 1);
}

#[test]
fn pool_exhaustion_and_unknown_apn_are_rejected() {
    let mut p = profile();
    // A /30 leaves one address once the network, gateway and broadcast are set aside.
    p.home.pgw.paa_pool = "10.9.0.0/30".parse().unwrap();
    let mut h = Harness::new(&p);
    let ok = h.answer(&frame(3));
    assert_eq!(cause_and_offending(&ok).1, cause::REQUEST_ACCEPTED);
    // Frame 19 went to a second PGW in the capture, which answered 73 (frame 20).
    let pgw2_peer: SocketAddr = "127.0.0.1:36841".parse().unwrap();
    let (handled, out) = h.feed_from(pgw2_peer, &frame(19));
    assert_eq!(
        handled,
        Handled::Answered {
            request: msg::CREATE_SESSION_REQUEST,
            cause: Some(cause::NO_RESOURCES_AVAILABLE)
        }
    );
    assert_eq!(out[0], frame(20));
    assert_eq!(h.svc.pgw().session_count(), 1);

    let apn = [7, b'u', b'n', b'k', b'n', b'o', b'w', b'n'];
    let mut unknown = edit_ies(&frame(9), |t, _, v| {
        Some(if t == ie::APN {
            apn.to_vec()
        } else {
            v.to_vec()
        })
    });
    unknown[10] = 42;
    let resp = h.answer(&unknown);
    assert_eq!(
        cause_and_offending(&resp),
        (SGW_TEID + 2, cause::MISSING_OR_UNKNOWN_APN, None)
    );
    assert_eq!(h.svc.stats().cause_sent(cause::NO_RESOURCES_AVAILABLE), 1);
    assert_eq!(h.svc.stats().cause_sent(cause::MISSING_OR_UNKNOWN_APN), 1);
    h.check_tshark("rejections");
}

#[test]
fn changed_recovery_is_a_peer_restart() {
    let mut h = Harness::default();
    let echo = frame(1);
    h.answer(&echo);
    assert_eq!(h.svc.poll_event(), None);
    let Message::EchoRequest(req) = Message::parse(&echo).unwrap() else {
        panic!("frame 1 is an Echo Request")
    };
    let mut again = echo.clone();
    again[6] = 9; // new sequence number
    *again.last_mut().unwrap() = req.recovery.wrapping_add(1);
    // From another source port of the same node.
    let (_, out) = h.feed_from("127.0.0.1:5000".parse().unwrap(), &again);
    assert_eq!(out.len(), 1);
    let ev = h.svc.poll_event().expect("restart detected");
    assert_eq!(ev.previous, req.recovery);
    assert_eq!(ev.current, req.recovery.wrapping_add(1));
    assert_eq!(h.svc.stats().restarts_detected, 1);
    // The CSR carries no Recovery: nothing more is detected.
    h.answer(&frame(3));
    assert_eq!(h.svc.poll_event(), None);
    assert_eq!(h.svc.pgw().session_count(), 1);
    // The SGW restarts again (Echo with yet another Recovery): the session it held from
    // 127.0.0.1 (its Sender F-TEID) is released before anything else is served.
    again[6] = 10;
    *again.last_mut().unwrap() = req.recovery.wrapping_add(2);
    h.feed(&again);
    assert_eq!(h.svc.stats().restarts_detected, 2);
    assert_eq!(h.svc.pgw().session_count(), 0);
    assert_eq!(h.svc.pgw().counters().released_on_peer_restart, 1);
}

#[test]
fn own_restart_loses_sessions_and_bumps_recovery() {
    let mut h = Harness::default();
    h.answer(&frame(3));
    h.svc.restart();
    assert_eq!((h.svc.recovery(), h.svc.pgw().session_count()), (8, 0));
    // The cache went with it: the same request is processed again.
    let resp = h.answer(&frame(3));
    assert_eq!(csr_response(&resp).recovery, Some(8));
}

#[test]
fn summary_lines_name_messages_and_causes() {
    let mut h = Harness::default();
    h.answer(&frame(3));
    h.feed(&frame(3));
    h.answer(&frame(7));
    let text = h.svc.to_string();
    for line in [
        "s8.rx.create_session_request 2",
        "s8.rx.delete_session_request 1",
        "s8.tx.create_session_response 1",
        "s8.cause.16 1 (request accepted)",
        "s8.cause.64 1 (context not found)",
        "s8.duplicates_replayed 1",
        "s8.create_session 16 1",
        "pgw.sessions 1",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
}
