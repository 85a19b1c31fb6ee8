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
    /// (CC-Request-Type, CC-Request-Number, sent at, octets used in, octets used out).
    requests: Vec<(u32, u32, Micros, u64, u64)>,
}

type Log = Rc<RefCell<BTreeMap<String, Seen>>>;

fn online_profile(edit: impl FnOnce(&mut Profile)) -> Profile {
    let mut p = Profile::embedded_default();
    p.charging.online.enabled = true;
    p.charging.online.quota_octets = 200_000;
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
        s.charging_id = ccr.ps_information.unwrap().charging_id.unwrap();
        let used = ccr.mscc.iter().find_map(|m| m.used);
        s.requests.push((
            ccr.request_type,
            ccr.request_number,
            now,
            used.and_then(|u| u.input_octets).unwrap_or(0),
            used.and_then(|u| u.output_octets).unwrap_or(0),
        ));
    }));
    (run.run(), log)
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
