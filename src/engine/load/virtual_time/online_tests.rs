//! Online charging in virtual runs (CONTRIBUTING.md §3): the PGW's Gy client and the embedded
//! OCS on a simulated Diameter connection. Each test reads what the PGW sent (a tap on its
//! messages to the OCS) and what both ends counted; none asserts a time.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::*;
use crate::model::usage::UsageModel;
use crate::wire::diameter::Packet;
use crate::wire::gy::codes::request_type;
use crate::wire::gy::CreditControlRequest;

/// One credit-control session as the PGW's requests show it.
#[derive(Debug, Default, Clone)]
struct Seen {
    imsi: String,
    charging_id: u32,
    /// 3GPP-SGSN-MCC-MNC of the CCR-I.
    visited: String,
    /// (CC-Request-Type, CC-Request-Number, sent at, octets used in, octets used out).
    requests: Vec<(u32, u32, Micros, u64, u64)>,
}

type Log = Rc<RefCell<BTreeMap<String, Seen>>>;

fn online_profile(edit: impl FnOnce(&mut Profile)) -> Profile {
    let mut p = Profile::embedded_default();
    p.charging.online.enabled = true;
    p.charging.online.quota_octets = 200_000;
    // Offline too, so that the PGW-CDRs can be compared with the Gy reports.
    p.charging.offline = true;
    edit(&mut p);
    p
}

fn tapped(
    profile: &Profile,
    secs: u64,
    rate: f64,
    outage: Option<(u64, u64)>,
) -> (VirtualResult, Log) {
    let mut run = VirtualRun::new(
        profile,
        &VirtualOptions::new(rate, Duration::from_secs(secs), 500, 7),
    )
    .unwrap();
    if let Some((a, b)) = outage {
        run.set_ocs_outage(Duration::from_secs(a), Duration::from_secs(b));
    }
    let log: Log = Rc::default();
    let l = log.clone();
    run.set_gy_tap(Box::new(move |now, bytes| {
        let p = Packet::new_checked(bytes).unwrap();
        if p.command_code() != 272 {
            return;
        }
        let ccr = CreditControlRequest::parse(&p).unwrap();
        let mut log = l.borrow_mut();
        let s = log.entry(ccr.session_id.to_string()).or_default();
        s.imsi = ccr.imsi().unwrap().to_string();
        let ps = ccr.ps_information.unwrap();
        s.charging_id = ps.charging_id.unwrap();
        if ccr.request_type == request_type::INITIAL {
            s.visited = ps.sgsn_mcc_mnc.unwrap().to_string();
        }
        let used = ccr.mscc.iter().find_map(|m| m.used);
        s.requests.push((
            ccr.request_type,
            ccr.request_number,
            now,
            used.and_then(|u| u.input_octets).unwrap_or(0),
            used.and_then(|u| u.output_octets).unwrap_or(0),
        ));
    }));
    let cdrs = Rc::clone(&CDR_VOLUMES.with(Rc::clone));
    cdrs.borrow_mut().clear();
    run.set_cdr_tap(Box::new(move |ber| {
        let r = crate::wire::cdr::GwRecord::parse(ber).unwrap();
        let v = cdrs.borrow().get(&r.charging_id).copied().unwrap_or((0, 0));
        let (up, down) = r
            .volumes
            .iter()
            .fold(v, |a, c| (a.0 + c.uplink, a.1 + c.downlink));
        cdrs.borrow_mut().insert(r.charging_id, (up, down));
    }));
    (run.run(), log)
}

thread_local! {
    /// Octets in the PGW-CDRs of the last `tapped` run, by Charging ID (uplink, downlink).
    static CDR_VOLUMES: Rc<RefCell<BTreeMap<u32, (u64, u64)>>> = Rc::default();
}

/// Every session's requests are numbered 0, 1, 2, ... with one INITIAL first and, for every
/// session that ended, one TERMINATION last; the Used-Service-Units of a session add up to its
/// volume from the traffic model between its start (the CCR-I) and its end (the CCR-T); the
/// PGW and the OCS hold the same sessions at the end.
#[test]
fn request_numbers_run_in_order_and_reported_use_is_the_session_volume() {
    let profile = online_profile(|_| {});
    let (r, log) = tapped(&profile, 30, 200.0, None);
    let online = r.online.clone().expect("online charging on");
    let log = log.borrow();
    assert!(log.len() > 100, "sessions seen: {}", log.len());
    let directory = Directory::from_profile(&{
        let mut p = profile.clone();
        p.seed = 7;
        p
    });
    let mut p7 = profile.clone();
    p7.seed = 7;
    let population = Population::new(&p7, directory, "profile", Some(500)).unwrap();
    let usage = UsageModel::from_profile(&p7);
    let (mut ended, mut updates) = (0, 0);
    for (id, s) in log.iter() {
        let numbers: Vec<u32> = s.requests.iter().map(|r| r.1).collect();
        assert_eq!(
            numbers,
            (0..numbers.len() as u32).collect::<Vec<_>>(),
            "{id}"
        );
        assert_eq!(s.requests[0].0, request_type::INITIAL, "{id}");
        let terminations = s
            .requests
            .iter()
            .filter(|r| r.0 == request_type::TERMINATION);
        assert!(terminations.count() <= 1, "{id}");
        updates += s
            .requests
            .iter()
            .filter(|r| r.0 == request_type::UPDATE)
            .count();
        let last = s.requests.last().unwrap();
        if last.0 == request_type::TERMINATION {
            ended += 1;
            let imsi: crate::model::Imsi = s.imsi.parse().unwrap();
            let persona = population
                .roamer_of_imsi(imsi)
                .map(|r| population.persona_of(r));
            let rates = usage.rates(persona, imsi, s.charging_id);
            let v = rates.volume(last.2 - s.requests[0].2);
            let up: u64 = s.requests.iter().map(|r| r.3).sum();
            let down: u64 = s.requests.iter().map(|r| r.4).sum();
            assert_eq!((up, down), (v.uplink, v.downlink), "{id}");
            // The same octets as the session's PGW-CDRs (offline charging) report.
            let cdr = CDR_VOLUMES.with(|c| c.borrow().get(&s.charging_id).copied());
            assert_eq!(cdr, Some((up, down)), "{id}: PGW-CDR volumes");
        } else {
            assert!(s.requests.iter().all(|r| r.0 != request_type::TERMINATION));
        }
    }
    eprintln!(
        "sessions {} ended {ended} updates {updates} {online:?}",
        log.len()
    );
    assert!(ended > 50, "sessions ended: {ended}");
    assert!(updates > 10, "updates: {updates}");
    assert_eq!(online.ocs_sessions, online.gy_sessions, "{online:?}");
    assert_eq!(online.gy.timed_out, [0; 3]);
    assert_eq!(online.gy.authorised as usize, log.len());
    assert_eq!(
        r.recorder
            .message(crate::model::message::MessageKind::GyCcrI)
            .sent,
        log.len() as u64
    );
}

fn bill_shock_profile() -> Profile {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/bill-shock.toml");
    Profile::load(std::path::Path::new(path)).unwrap()
}

/// The bill-shock scenario: warnings at 80 % and cut-offs at 100 % of the cap only for
/// roamers in the capped zone; the opted-out persona is warned and passes the cap without a
/// cut-off; each cut-off ends the session with a Delete Bearer Request the visited SGW
/// answered with Cause 16.
#[test]
fn bill_shock_warns_and_cuts_off_regulated_roamers_only() {
    use crate::home::ocs::{BillShockKind, OcsEvent};
    let profile = bill_shock_profile();
    let (r, log) = tapped(&profile, 60, 50.0, None);
    let online = r.online.clone().unwrap();
    // Where each subscriber's sessions were (3GPP-SGSN-MCC-MNC of its CCR-Is) is read from
    // the PGW's requests: the capped zone is 208-01, 234-15, 262-01.
    let log = log.borrow();
    let mut mut_population = profile.clone();
    mut_population.seed = 7;
    let population = Population::new(
        &mut_population,
        Directory::from_profile(&mut_population),
        "profile",
        Some(500),
    )
    .unwrap();
    let persona_of = |imsi: &str| {
        let r = population.roamer_of_imsi(imsi.parse().unwrap()).unwrap();
        population.personas()[usize::from(population.persona_of(r))]
            .config
            .name
            .clone()
    };
    let capped = ["20801", "23415", "26201"];
    let in_capped_zone = |imsi: &str| {
        log.values()
            .any(|s| s.imsi == imsi && capped.contains(&s.visited.as_str()))
    };
    let uncapped_heavy = log
        .values()
        .filter(|s| !capped.contains(&s.visited.as_str()) && persona_of(&s.imsi) == "streamer")
        .count();
    assert!(uncapped_heavy > 0, "heavy users outside the capped zone");
    let (mut warnings, mut cutoffs, mut passed) = (0, 0, 0);
    for e in &online.bill_shock {
        let OcsEvent::BillShock { imsi, kind, .. } = e;
        assert!(in_capped_zone(imsi), "{imsi} never in the capped zone");
        let persona = persona_of(imsi);
        assert!(persona.starts_with("streamer"), "{imsi} is {persona}");
        match kind {
            BillShockKind::Warning => warnings += 1,
            BillShockKind::CutOff => {
                assert_eq!(persona, "streamer", "{imsi}: opted out, cut off");
                cutoffs += 1
            }
            BillShockKind::PassedOptedOut => {
                assert_eq!(persona, "streamer_opted_out");
                passed += 1
            }
        }
    }
    eprintln!(
        "warnings {warnings} cutoffs {cutoffs} passed {passed} {:?} network_deleted {}",
        online, r.messages.network_deleted
    );
    assert!(warnings > 0 && cutoffs > 0 && passed > 0);
    assert!(online.ended_by_credit_control >= cutoffs);
    assert_eq!(online.delete_bearer[0], online.ended_by_credit_control);
    assert_eq!(
        online.delete_bearer[1], online.delete_bearer[0],
        "all answered 16"
    );
    assert_eq!(r.messages.network_deleted, online.delete_bearer[1]);
    assert_eq!(online.ocs_sessions, online.gy_sessions);
}

/// The OCS is unreachable for 10 s of a 40 s run, once for each failure handling: requests
/// time out (Tx), RETRY_AND_TERMINATE retries then refuses or ends sessions, TERMINATE ends
/// them at once, CONTINUE lets them run; every procedure ends, and once the OCS is back and
/// the run has drained, the PGW and the OCS hold the same credit-control sessions.
#[test]
fn an_ocs_outage_is_handled_as_configured_and_leaves_no_session_half_open() {
    use crate::home::ocs::FailureHandling;
    for fh in [
        FailureHandling::RetryAndTerminate,
        FailureHandling::Terminate,
        FailureHandling::Continue,
    ] {
        let profile = online_profile(|p| p.charging.online.failure_handling = fh);
        let (r, _) = tapped(&profile, 40, 150.0, Some((15, 25)));
        let o = r.online.clone().unwrap();
        eprintln!("{fh:?}: {o:?}");
        assert!(o.dropped_in_outage > 0, "{fh:?}");
        assert!(o.gy.timed_out.iter().sum::<u64>() > 0, "{fh:?}");
        let g = &o.gy;
        match fh {
            FailureHandling::RetryAndTerminate => {
                assert!(g.retries > 0 && g.ccfh_terminate > 0, "{g:?}")
            }
            FailureHandling::Terminate => {
                assert!(g.retries == 0 && g.ccfh_terminate > 0, "{g:?}")
            }
            FailureHandling::Continue => {
                assert!(g.ccfh_continue > 0 && g.ccfh_terminate == 0, "{g:?}")
            }
        }
        assert_eq!(g.ccr_t_failed, 0, "{fh:?}");
        assert_eq!(o.ocs_sessions, o.gy_sessions, "{fh:?}");
        for (p, s) in r.procedures() {
            assert_eq!(s.started, s.ended(), "{fh:?} {p}");
        }
        let refused = r.reason(Procedure::Attach, Outcome::Failed, "gtp.100");
        if fh == FailureHandling::Continue {
            assert_eq!(refused, 0);
        } else {
            assert!(
                refused > 0,
                "{fh:?}: {:?}",
                r.recorder.reasons().collect::<Vec<_>>()
            );
        }
        let ccr_i = r
            .recorder
            .message(crate::model::message::MessageKind::GyCcrI);
        assert!(ccr_i.sent > ccr_i.answered);
    }
}

/// An OCS that takes 20 ms plus an exponential part to answer: every CCA comes at least that
/// late (virtual time), answers still match their requests; one slower than Tx times out.
#[test]
fn the_ocs_answer_time_shows_in_the_gy_latency_and_past_tx_times_out() {
    use crate::model::message::MessageKind;
    use crate::model::online_charging::{LatencyShape, OcsLatency};
    let slow = |base_ms: f64| {
        online_profile(|p| {
            p.charging.online.latency = OcsLatency {
                base_ms,
                jitter_ms: 5.0,
                distribution: LatencyShape::Exponential,
            }
        })
    };
    let (r, _) = tapped(&slow(20.0), 10, 100.0, None);
    let i = r.recorder.message(MessageKind::GyCcrI);
    let o = r.online.clone().unwrap();
    assert!(
        i.answered > 0 && i.answered == i.sent,
        "{} of {}: {o:?}",
        i.answered,
        i.sent
    );
    // Two hops of 100 µs each way plus the OCS's 20 ms at least.
    assert!(i.latency_us.min() >= 20_000, "{}", i.latency_us.min());
    let o = r.online.unwrap();
    assert_eq!((o.gy.timed_out, o.ocs_sessions), ([0; 3], o.gy_sessions));

    let (r, _) = tapped(&slow(3_000.0), 10, 100.0, None);
    let o = r.online.unwrap();
    assert!(o.gy.timed_out[0] > 0, "{:?}", o.gy);
    assert!(o.gy.late_answers > 0, "{:?}", o.gy);
}
