//! The visited side alone: per-roamer memory, arrivals, procedure timeouts, and the MME's answer
//! to a Cancel-Location from a server-side peer stepped by hand.

use super::*;
use crate::model::config::Profile;
use crate::model::population::ArrivalProcess;
use crate::proto::diameter::{Incoming, LocalIdentity, Peer, PeerConfig};
use crate::wire::diameter::{message_len, Packet};
use crate::wire::s6a::{CancelLocationAnswer, CancelLocationRequest, RequestCommon};

fn network(population: u64) -> VisitedNetwork {
    let profile = Profile::embedded_default();
    let pop = Population::from_profile(&profile, "default", Some(population)).unwrap();
    let cfg = VisitedConfig::new(
        &profile.load,
        "10.0.0.1:2123".parse().unwrap(),
        "10.0.0.2:2123".parse().unwrap(),
        7,
    );
    VisitedNetwork::new(Micros(0), cfg, Arc::new(pop))
}

fn messages(buf: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < buf.len() {
        let n = message_len(&buf[at..]).unwrap();
        out.push(buf[at..at + n].to_vec());
        at += n;
    }
    out
}

#[test]
fn per_roamer_state_is_8_bytes() {
    assert_eq!(std::mem::size_of::<RoamerState>(), 8);
    let vn = network(1000);
    let bytes = vn.roamers.capacity() * std::mem::size_of::<RoamerState>();
    assert!(bytes / 1000 < 200);
}

#[test]
fn arrivals_keep_their_rate_and_their_schedule() {
    // From time 0 to `end_us`.
    let arrivals = |end_us, rate, process, seed| {
        Arrivals::new(Micros::ZERO, Micros(end_us), rate, process, seed)
    };
    let mut a = arrivals(10_000_000, 1000.0, ArrivalProcess::Poisson, 3);
    let times: Vec<u64> = std::iter::from_fn(|| a.pop().map(u64::from)).collect();
    assert!((9_700..10_300).contains(&times.len()), "{}", times.len());
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    let mut b = arrivals(10_000_000, 1000.0, ArrivalProcess::Poisson, 3);
    assert_eq!(
        times,
        std::iter::from_fn(|| b.pop().map(u64::from)).collect::<Vec<_>>()
    );
    let mut u = arrivals(10_000, 1000.0, ArrivalProcess::Uniform, 3);
    let ut: Vec<u64> = std::iter::from_fn(|| u.pop().map(u64::from)).collect();
    assert_eq!(ut, (1..10).map(|i| i * 1000).collect::<Vec<_>>());
    assert_eq!(arrivals(10, 0.0, ArrivalProcess::Poisson, 1).peek(), None);
}

#[test]
fn a_procedure_without_answers_times_out_exactly_once() {
    let mut vn = network(100);
    let roamer = (0..100)
        .map(RoamerId)
        .find(|&r| vn.population().anomaly_of(r).is_none())
        .unwrap();
    vn.start(Micros(5), Micros(0), roamer, Procedure::Attach)
        .unwrap();
    assert_eq!(
        vn.start(Micros(6), Micros(0), roamer, Procedure::Attach),
        Err(StartError::Busy(roamer))
    );
    assert_eq!(
        vn.start(
            Micros(6),
            Micros(0),
            RoamerId(1 - roamer.0.min(1)),
            Procedure::Detach
        ),
        Err(StartError::NotAttached(RoamerId(1 - roamer.0.min(1))))
    );
    let mut now = Micros(5);
    while let Some(t) = vn.poll_timeout() {
        if t > Micros(20_000_000) {
            break;
        }
        now = t;
        vn.handle_timeout(now);
    }
    let c = vn.poll_completion().unwrap();
    assert_eq!(
        (c.outcome, c.reason, c.message),
        (
            Outcome::TimedOut,
            Reason::Timeout(MessageKind::S6aAir),
            MessageKind::S6aAir
        )
    );
    assert_eq!(c.reason.key(), "timeout.s6a.air");
    // The MME's CER is never answered: the handshake timeout (5 s) ends the wait first.
    assert_eq!(c.latency_us(), 5_000_000);
    assert!(!vn.mmes()[0].open);
    assert!(vn.poll_completion().is_none());
    assert_eq!(vn.in_flight(), 0);
    assert!(!vn.roamer_state(roamer).unwrap().busy());
    assert!(now >= Micros(5_000_000));
}

/// The home side's Diameter identity, for an HSS peer stepped by hand.
fn hss_identity() -> LocalIdentity {
    LocalIdentity {
        origin_host: "hss.epc.mnc410.mcc310.3gppnetwork.org".into(),
        origin_realm: "epc.mnc410.mcc310.3gppnetwork.org".into(),
        host_ip: "10.0.0.3".parse().unwrap(),
        origin_state_id: 1,
        product_name: "test".into(),
    }
}

#[test]
fn the_mme_answers_cancel_location_with_cla() {
    let mut vn = network(100);
    let mut hss = Peer::accept(
        Micros(0),
        PeerConfig::s6a(hss_identity(), 1),
        Box::new(|_, _| true),
    );
    for m in messages(vn.mme_transmit(0)) {
        let _ = hss.handle_message(Micros(1), &m);
    }
    vn.clear_mme_transmit(0);
    for m in messages(hss.transmit()) {
        vn.handle_mme_message(Micros(2), 0, &m);
    }
    hss.clear_transmit();
    let host = vn.mme_host(0).to_string();
    let clr = CancelLocationRequest {
        common: RequestCommon {
            session_id: "hss;1;1",
            origin_host: "hss.epc.mnc410.mcc310.3gppnetwork.org",
            origin_realm: "epc.mnc410.mcc310.3gppnetwork.org",
            destination_host: Some(&host),
            destination_realm: "epc.mnc001.mcc208.3gppnetwork.org",
        },
        user_name: "310410000100000",
        cancellation_type: 0,
        clr_flags: Some(1),
    };
    hss.send_request(Micros(3), 77, &clr).unwrap();
    for m in messages(hss.transmit()) {
        vn.handle_mme_message(Micros(4), 0, &m);
    }
    hss.clear_transmit();
    let answers = messages(vn.mme_transmit(0));
    assert_eq!(answers.len(), 1);
    match hss.handle_message(Micros(5), &answers[0]).unwrap() {
        Incoming::Answer { packet, token, .. } => {
            assert_eq!(token, 77);
            let cla = CancelLocationAnswer::parse(&packet).unwrap();
            assert_eq!(cla.common.session_id, "hss;1;1");
            assert_eq!(cla.common.result.code(), 2001);
            assert_eq!(cla.common.origin_host, host);
        }
        other => panic!("{other:?}"),
    }
    let s = vn.counters().get(MessageKind::S6aClr);
    assert_eq!((s.received, s.answered), (1, 1));
    let _ = Packet::new_checked(&answers[0][..]).unwrap();
}

#[test]
fn a_warm_start_picks_each_personas_steady_state_share_and_no_anomaly() {
    let vn = network(20_000);
    let picked = vn.warm_start_roamers();
    let pop = vn.population().clone();
    let mut per_persona = vec![(0u64, 0u64); pop.personas().len()];
    for i in 0..20_000u32 {
        per_persona[pop.persona_of(RoamerId(i)) as usize].0 += 1;
    }
    for r in &picked {
        assert!(vn.owns(*r));
        per_persona[pop.persona_of(*r) as usize].1 += 1;
    }
    for (p, (n, k)) in pop.personas().iter().zip(&per_persona) {
        let share = p.config.attached_share();
        if p.config.anomaly.is_some() {
            assert_eq!(*k, 0, "{} is never registered", p.config.name);
            continue;
        }
        // Binomial: within 5 sigma of n × share.
        let (n, k) = (*n as f64, *k as f64);
        let sigma = (n * share * (1.0 - share)).sqrt().max(1.0);
        assert!(
            (k - n * share).abs() <= 5.0 * sigma,
            "{}: {k} of {n} picked, expected {:.0}",
            p.config.name,
            n * share
        );
    }
    // Its own random stream: the same network picks the same roamers.
    assert_eq!(picked, vn.warm_start_roamers());
}

#[test]
fn every_reason_has_a_stable_key_naming_its_layer_and_code() {
    let cases = [
        (Reason::None, ""),
        (Reason::Diameter(5004), "s6a.5004"),
        (Reason::Diameter(3010), "s6a.3010"),
        (Reason::GtpCause(73), "gtp.73"),
        (Reason::AuthMac, "ue.auth_mac"),
        (Reason::ResMismatch, "ue.res_mismatch"),
        (Reason::KasmeMismatch, "ue.kasme_mismatch"),
        (Reason::UnexpectedSuccess, "unexpected_success"),
        (Reason::Malformed(Interface::S6a), "malformed.s6a"),
        (Reason::Malformed(Interface::S8), "malformed.gtp"),
        (Reason::PeerDown, "peer_down"),
        (Reason::Timeout(MessageKind::S6aUlr), "timeout.s6a.ulr"),
        (
            Reason::Timeout(MessageKind::S8CreateSession),
            "timeout.s8.create_session",
        ),
        (Reason::Overload, "overload"),
    ];
    let mut buf = String::from("stale");
    for (reason, key) in cases {
        assert_eq!(reason.key(), key, "{reason:?}");
        buf.clear();
        reason.write_key(&mut buf);
        assert_eq!(buf, key, "{reason:?}");
    }
    assert_eq!(Reason::Diameter(5001).code(), Some(5001));
    assert_eq!(Reason::GtpCause(64).code(), Some(64));
    assert_eq!(Reason::Timeout(MessageKind::S6aAir).code(), None);
}

#[test]
fn an_hss_refusing_the_mme_fails_its_waiting_procedures_with_the_ceas_code() {
    let mut vn = network(100);
    for r in (0..100).map(RoamerId) {
        vn.start(Micros(1), Micros(0), r, Procedure::Attach)
            .unwrap();
    }
    // An HSS whose peer list holds nobody: CEA 3010 DIAMETER_UNKNOWN_PEER.
    let mut hss = Peer::accept(
        Micros(0),
        PeerConfig::s6a(hss_identity(), 1),
        Box::new(|_, _| false),
    );
    for m in messages(vn.mme_transmit(0)) {
        let _ = hss.handle_message(Micros(2), &m);
    }
    vn.clear_mme_transmit(0);
    for m in messages(hss.transmit()) {
        vn.handle_mme_message(Micros(3), 0, &m);
    }
    let ended: Vec<Completion> = std::iter::from_fn(|| vn.poll_completion()).collect();
    assert!(!ended.is_empty());
    for c in &ended {
        assert_eq!(
            (c.outcome, c.reason, c.message, c.mme),
            (
                Outcome::Failed,
                Reason::Diameter(3010),
                MessageKind::S6aAir,
                0
            )
        );
        assert_eq!(c.reason.key(), "s6a.3010");
    }
    assert_eq!(vn.in_flight(), 100 - ended.len());
}
