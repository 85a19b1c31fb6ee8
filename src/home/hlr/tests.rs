//! The HLR against roamsim's own VLR/SGSN clients in virtual time: vectors that verify with the
//! subscriber's keys, location updates with insertSubscriberData and the cancel of the old node,
//! purge, the errors, version fallback, timeouts, and one SQN counter shared with the HSS across
//! 4G → 3G → 4G.

use std::cell::RefCell;
use std::net::Ipv4Addr;
use std::rc::Rc;

use super::sim::Sim;
use super::*;
use crate::home::hss::Hss;
use crate::model::aka::ue_authenticate;
use crate::proto::map::client::{self, Outcome, Rat, Request, Visited};
use crate::wire::map::NodeType;

const CAPTURE_CSV: &str = include_str!("../../../profiles/capture-subscribers.csv");
const A: &str = "310410000100000";
const HLR_NUMBER: &str = "13105550000";
const VLR1: &str = "33612000001";
const VLR2: &str = "33612000002";
const SGSN1: &str = "33612000101";
const SGSN2: &str = "33612000102";
/// A VLR in a network without an agreement.
const VLR_BARRED: &str = "99912000001";

fn imsi(s: &str) -> Imsi {
    s.parse().unwrap()
}

fn number(s: &str) -> Msisdn {
    s.parse().unwrap()
}

fn profile_and_directory() -> (Profile, Directory) {
    let p = Profile::embedded_default();
    let d = Directory::from_csv_text(&p, "capture-subscribers.csv", CAPTURE_CSV).unwrap();
    (p, d)
}

fn settings() -> HlrSettings {
    let mut s = HlrSettings::new(number(HLR_NUMBER));
    s.visited_prefixes = vec![
        ("336".into(), "208-01".parse().unwrap()),
        ("999".into(), "001-01".parse().unwrap()),
    ];
    s
}

fn node(kind: NodeType, n: &str, tid: u32) -> Visited {
    Visited::new(client::Config {
        node: kind,
        number: number(n),
        sgsn_address: Ipv4Addr::new(10, 0, 0, 1),
        hlr: GlobalTitle::e164(HLR_NUMBER).unwrap(),
        first_tid: tid,
        timer: dialogue::MEDIUM_TIMER,
    })
}

fn nodes() -> Vec<Visited> {
    vec![
        node(NodeType::Vlr, VLR1, 0x100),
        node(NodeType::Vlr, VLR2, 0x200),
        node(NodeType::Sgsn, SGSN1, 0x300),
        node(NodeType::Sgsn, SGSN2, 0x400),
        node(NodeType::Vlr, VLR_BARRED, 0x500),
    ]
}

fn sim_with(s: HlrSettings) -> Sim<SqnTable> {
    let (p, d) = profile_and_directory();
    let sqn = SqnTable::new(&d);
    Sim::new(Hlr::new(&p, d, sqn, s), nodes())
}

fn done(o: &Outcome) -> (&Request, u8, &client::Result) {
    match o {
        Outcome::Done {
            request,
            version,
            result,
            ..
        } => (request, *version, result),
        Outcome::Cancelled { .. } => panic!("not a request outcome: {o:?}"),
    }
}

fn run(sim: &mut Sim<SqnTable>, i: usize, r: Request) -> Outcome {
    let now = sim.now;
    sim.nodes[i].request(now, r);
    sim.settle();
    let mut o = sim.outcomes(i);
    assert_eq!(o.len(), 1, "{o:?}");
    o.remove(0)
}

#[test]
fn quintuplets_and_triplets_verify_with_the_subscribers_keys() {
    let mut sim = sim_with(settings());
    let sub = sim.hlr.directory.lookup(imsi(A)).unwrap();
    let o = run(
        &mut sim,
        0,
        Request::Authenticate {
            imsi: imsi(A),
            vectors: 3,
            rat: Rat::Utran,
        },
    );
    let client::Result::Vectors(sets) = done(&o).2 else {
        panic!("{o:?}");
    };
    // Three asked for; two fit one UDT.
    assert_eq!(sets.quintuplets().len(), MAX_QUINTUPLETS_PER_ANSWER);
    for (i, q) in sets.quintuplets().iter().enumerate() {
        let ue = ue_authenticate(&sub.k, &sub.opc, q.rand, q.autn).unwrap();
        assert_eq!(ue.sqn, 32 * (i as u64 + 1));
        assert_eq!(&ue.res[..], q.xres());
        assert_eq!((ue.ck, ue.ik), (q.ck, q.ik));
    }
    // A 2G roamer: the VLR converts; the UE's own c2/c3 agree.
    let o = run(
        &mut sim,
        0,
        Request::Authenticate {
            imsi: imsi(A),
            vectors: 1,
            rat: Rat::Geran,
        },
    );
    let client::Result::Vectors(sets) = done(&o).2 else {
        panic!("{o:?}");
    };
    let t = sets.triplets()[0];
    let mut m = milenage::Milenage::new_with_opc(sub.k, sub.opc);
    let (res, ck, ik, _) = m.f2345(&t.rand);
    assert_eq!(t.sres, vectors::c2(&res));
    assert_eq!(t.kc, vectors::c3(&ck, &ik));
    assert_eq!(sim.hlr.counters().get(op::SEND_AUTHENTICATION_INFO, 0), 2);
    // Five triplets (a v2 dialogue or a SIM-serving HLR) still fit.
    let mut s = settings();
    s.triplets = true;
    let mut sim = sim_with(s);
    let o = run(
        &mut sim,
        0,
        Request::Authenticate {
            imsi: imsi(A),
            vectors: 5,
            rat: Rat::Geran,
        },
    );
    let client::Result::Vectors(sets) = done(&o).2 else {
        panic!("{o:?}");
    };
    assert_eq!(sets.triplets().len(), 5);
}

#[test]
fn update_location_inserts_data_and_cancels_the_old_vlr() {
    let mut sim = sim_with(settings());
    let r = Request::UpdateLocation { imsi: imsi(A) };
    let o = run(&mut sim, 0, r);
    let client::Result::Located { hlr_number, msisdn } = done(&o).2 else {
        panic!("{o:?}");
    };
    assert_eq!(*hlr_number, number(HLR_NUMBER));
    assert!(msisdn.is_some(), "insertSubscriberData carried the MSISDN");
    assert_eq!(sim.hlr.vlr_of(imsi(A)), Some(number(VLR1)));
    // Moving to VLR2: VLR1 gets cancelLocation.
    let o = run(&mut sim, 1, r);
    assert!(matches!(done(&o).2, client::Result::Located { .. }));
    assert_eq!(sim.outcomes(0), [Outcome::Cancelled { imsi: imsi(A) }]);
    assert_eq!(sim.hlr.vlr_of(imsi(A)), Some(number(VLR2)));
    assert_eq!(sim.hlr.counters().get(op::CANCEL_LOCATION, 0), 1);
    assert_eq!(sim.hlr.counters().get(op::INSERT_SUBSCRIBER_DATA, 0), 2);
    // The same for SGSNs.
    run(&mut sim, 2, r);
    let o = run(&mut sim, 3, r);
    assert!(matches!(done(&o).2, client::Result::Located { .. }));
    assert_eq!(sim.outcomes(2), [Outcome::Cancelled { imsi: imsi(A) }]);
    assert_eq!(sim.hlr.sgsn_of(imsi(A)), Some(number(SGSN2)));
    assert_eq!(sim.hlr.vlr_of(imsi(A)), Some(number(VLR2)), "CS untouched");
    assert!(sim.nodes.iter().all(|n| n.open() == 0) && sim.hlr.dialogues.is_empty());
}

#[test]
fn purge_clears_the_registration_of_the_purging_node_only() {
    let mut sim = sim_with(settings());
    let r = Request::UpdateLocation { imsi: imsi(A) };
    run(&mut sim, 1, r);
    let o = run(&mut sim, 0, Request::Purge { imsi: imsi(A) });
    assert_eq!(
        done(&o).2,
        &client::Result::Purged(PurgeRes::default()),
        "VLR1 is not the registered VLR"
    );
    let o = run(&mut sim, 1, Request::Purge { imsi: imsi(A) });
    let client::Result::Purged(p) = done(&o).2 else {
        panic!("{o:?}");
    };
    assert!(p.freeze_tmsi);
    assert_eq!(sim.hlr.vlr_of(imsi(A)), None);
}

#[test]
fn errors_unknown_subscriber_roaming_not_allowed_and_data_missing() {
    let mut sim = sim_with(settings());
    let o = run(
        &mut sim,
        0,
        Request::Authenticate {
            imsi: imsi("310410999999999"),
            vectors: 1,
            rat: Rat::Utran,
        },
    );
    assert_eq!(
        done(&o).2,
        &client::Result::MapError {
            code: err::UNKNOWN_SUBSCRIBER,
            cause: None
        }
    );
    let o = run(&mut sim, 4, Request::UpdateLocation { imsi: imsi(A) });
    assert_eq!(
        done(&o).2,
        &client::Result::MapError {
            code: err::ROAMING_NOT_ALLOWED,
            cause: Some(RoamingNotAllowedParam::PLMN_ROAMING_NOT_ALLOWED)
        }
    );
    // purgeMS with neither number, and SAI with a forged AUTS, sent by hand.
    let vlr = *sim.nodes[0].local();
    let mut d = Dialogues::new(vlr, 0x900, dialogue::MEDIUM_TIMER);
    let hlr = *sim.hlr.local();
    let mut arg = [0u8; 64];
    let n = PurgeArg {
        imsi: imsi(A),
        vlr_number: None,
        sgsn_number: None,
    }
    .emit(&mut arg)
    .unwrap();
    d.begin(
        Micros::ZERO,
        hlr,
        map::acn_for(op::PURGE_MS, 3).unwrap(),
        op::PURGE_MS,
        &arg[..n],
    );
    let n = SaiArg {
        imsi: imsi(A),
        vectors: 1,
        resync: Some(([1; 16], [2; 14])),
        node: None,
        plmn: None,
        v2: false,
    }
    .emit(&mut arg)
    .unwrap();
    let sai = map::acn_for(op::SEND_AUTHENTICATION_INFO, 3).unwrap();
    d.begin(
        Micros::ZERO,
        hlr,
        sai,
        op::SEND_AUTHENTICATION_INFO,
        &arg[..n],
    );
    let mut buf = [0u8; 512];
    while let Some((_, n)) = d.poll_transmit(&mut buf) {
        sim.hlr.handle_tcap(Micros::ZERO, vlr, &buf[..n]).unwrap();
    }
    let mut codes = Vec::new();
    while let Some((_, n)) = sim.hlr.poll_transmit(&mut buf) {
        d.handle_tcap(hlr, &buf[..n]).unwrap();
        while let Some(e) = d.poll_event() {
            if let Event::Error { code, .. } = e {
                codes.push(code);
            }
        }
    }
    assert_eq!(codes, [err::DATA_MISSING, err::SYSTEM_FAILURE]);
}

#[test]
fn a_v2_hlr_refuses_v3_and_the_vlr_falls_back() {
    let mut s = settings();
    s.max_version = 2;
    let mut sim = sim_with(s);
    sim.trace = Some(Vec::new());
    let o = run(
        &mut sim,
        0,
        Request::Authenticate {
            imsi: imsi(A),
            vectors: 2,
            rat: Rat::Geran,
        },
    );
    let (_, version, result) = done(&o);
    assert_eq!(version, 2);
    let client::Result::Vectors(sets) = result else {
        panic!("{o:?}");
    };
    // A v2 argument is a bare IMSI (no count): one triplet comes back.
    assert_eq!(sets.triplets().len(), 1, "v2 answers with triplets");
    // Begin v3, Abort (AARE naming v2), Begin v2, End.
    assert_eq!(sim.trace.as_ref().unwrap().len(), 4);
    assert_eq!(sim.hlr.counters().refused, 1);
    // The next request starts in v2 straight away.
    sim.trace = Some(Vec::new());
    run(
        &mut sim,
        0,
        Request::Authenticate {
            imsi: imsi(A),
            vectors: 1,
            rat: Rat::Geran,
        },
    );
    assert_eq!(sim.trace.as_ref().unwrap().len(), 2);
}

#[test]
fn an_unanswered_request_is_aborted_by_its_timer() {
    let mut sim = sim_with(settings());
    sim.drop_to_hlr = true;
    sim.nodes[0].request(Micros::ZERO, Request::UpdateLocation { imsi: imsi(A) });
    sim.settle();
    assert!(sim.outcomes(0).is_empty());
    assert!(sim.advance());
    assert_eq!(sim.now, dialogue::MEDIUM_TIMER);
    let o = sim.outcomes(0);
    assert_eq!(
        done(&o[0]).2,
        &client::Result::Aborted(dialogue::AbortCause::Timeout)
    );
    assert_eq!(sim.nodes[0].open(), 0);
}

/// SQNs drawn through the HSS's own state, so both cores follow one counter (what the wiring
/// does once the HSS takes its SQNs from an [`SqnSource`]).
struct ViaHss(Rc<RefCell<Hss>>, Directory);

impl SqnSource for ViaHss {
    fn next(&mut self, sub: SubscriberId) -> u64 {
        let (imsi, _, _) = self.1.identity(sub).unwrap();
        let mut h = self.0.borrow_mut();
        let next = step(h.sqn(imsi).unwrap());
        h.restore(&[(imsi, next)], &[], &[], 0);
        next
    }

    fn set(&mut self, sub: SubscriberId, sqn: u64) {
        let (imsi, _, _) = self.1.identity(sub).unwrap();
        self.0.borrow_mut().restore(&[(imsi, sqn)], &[], &[], 0);
    }
}

#[test]
fn a_roamer_moving_4g_3g_4g_authenticates_every_time() {
    let (p, d) = profile_and_directory();
    let hss = Rc::new(RefCell::new(Hss::new(&p, d.clone())));
    let hlr = Hlr::new(&p, d.clone(), ViaHss(hss.clone(), d.clone()), settings());
    let mut sim = Sim::new(hlr, nodes());
    let sub = d.lookup(imsi(A)).unwrap();
    let visited: Plmn = "208-01".parse().unwrap();
    // The USIM accepts a SQN only above the highest it has seen (TS 33.102 Annex C).
    let mut usim_highest = 0u64;
    let mut accept = |rand, autn| {
        let ue = ue_authenticate(&sub.k, &sub.opc, rand, autn).expect("MAC verifies");
        assert!(
            ue.sqn > usim_highest,
            "SQN {} not fresh after {usim_highest}",
            ue.sqn
        );
        usim_highest = ue.sqn;
    };
    for leg in 0..3 {
        // 4G attach.
        let v = hss
            .borrow_mut()
            .authentication_info(imsi(A), visited, 1, None)
            .unwrap();
        accept(v[0].rand, v[0].autn);
        if leg == 2 {
            break;
        }
        // 3G attach over MAP.
        sim.nodes[0].request(
            sim.now,
            Request::Authenticate {
                imsi: imsi(A),
                vectors: 1,
                rat: Rat::Utran,
            },
        );
        sim.settle();
        let o = sim.outcomes(0);
        let client::Result::Vectors(sets) = done(&o[0]).2 else {
            panic!("{o:?}");
        };
        let q = sets.quintuplets()[0];
        accept(q.rand, q.autn);
    }
    assert_eq!(usim_highest, 5 * 32);
}
