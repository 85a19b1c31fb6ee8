//! Virtual runs of the default profile: both sides stepped on a simulated clock.

use super::*;
use crate::visited::MessageKind;
use crate::wire::diameter::Packet;
use crate::wire::s6a::AuthInfoAnswer;

fn profile() -> Profile {
    Profile::embedded_default()
}

fn run(seed: u64) -> VirtualResult {
    run_virtual(&profile(), 400.0, Duration::from_secs(5), 1000, seed).unwrap()
}

fn counts(r: &VirtualResult) -> Vec<(u64, [u64; 4])> {
    r.procedures()
        .map(|(_, s)| {
            (
                s.started,
                [s.ok, s.rejected_expected, s.failed, s.timed_out],
            )
        })
        .collect()
}

fn message_counts(r: &VirtualResult) -> Vec<(u64, u64, u64, u64)> {
    r.messages
        .iter()
        .map(|(_, s)| (s.sent, s.answered, s.received, s.rejected))
        .collect()
}

fn reason(r: &VirtualResult, p: Procedure, o: Outcome, why: &str) -> u64 {
    r.reason(p, o, why)
}

#[test]
fn same_seed_same_run_other_seed_other_run() {
    let a = run(1);
    let b = run(1);
    let c = run(2);
    assert_eq!(counts(&a), counts(&b));
    assert_eq!(message_counts(&a), message_counts(&b));
    assert_eq!(a.events, b.events);
    assert_ne!(counts(&a), counts(&c));
    assert_ne!(message_counts(&a), message_counts(&c));
}

#[test]
fn every_procedure_runs_ends_once_and_anomalies_are_rejected_as_expected() {
    let r = run(1);
    for (p, s) in r.procedures() {
        assert_eq!(s.started, s.ended(), "{p}: started vs ended");
        assert!(s.count(Outcome::Ok) > 0, "{p}: no ok");
        assert_eq!(
            s.count(Outcome::Failed),
            0,
            "{p}: {:?}",
            r.recorder.reasons().collect::<Vec<_>>()
        );
        assert_eq!(s.count(Outcome::TimedOut), 0, "{p}");
        assert_eq!(s.latency_us.len(), s.ended());
    }
    let attach = r.procedure(Procedure::Attach);
    let rejected = attach.count(Outcome::RejectedExpected);
    let (unknown, barred) = (
        reason(&r, Procedure::Attach, Outcome::RejectedExpected, "s6a.5001"),
        reason(&r, Procedure::Attach, Outcome::RejectedExpected, "s6a.5004"),
    );
    assert!(unknown > 0 && barred > 0);
    assert_eq!(unknown + barred, rejected);
    // About 10 % of the arrivals are anomalies.
    let share = rejected as f64 / r.arrivals as f64;
    assert!((0.06..0.14).contains(&share), "{share}");
    assert_eq!(r.busy_skipped, 0);
}

#[test]
fn messages_are_all_answered_and_location_updates_cancel_the_old_mme() {
    let r = run(3);
    for (k, s) in r.messages.iter() {
        // CLR and Echo go the other way; the PGW's Gy requests are not the visited side's.
        if k != MessageKind::S6aClr && k != MessageKind::S8Echo && !k.name().starts_with("gy.") {
            assert!(s.sent > 0, "{}", k.name());
            assert_eq!(s.sent, s.answered, "{}", k.name());
            assert_eq!(s.retransmitted, 0, "{}", k.name());
            assert_eq!(s.latency_us.len(), s.answered);
        }
    }
    // AIRs of anomaly roamers are the only rejected requests.
    let air = r.messages.get(MessageKind::S6aAir);
    assert_eq!(
        air.rejected,
        r.procedure(Procedure::Attach)
            .count(Outcome::RejectedExpected)
    );
    // Every location update and every re-registration cancels the old MME, which answers.
    let clr = r.messages.get(MessageKind::S6aClr);
    let lu = r.procedure(Procedure::LocationUpdate).count(Outcome::Ok);
    assert!(
        clr.received >= lu && lu > 0,
        "{} CLR, {lu} LU",
        clr.received
    );
    assert_eq!(clr.answered, clr.received);
    assert_eq!(r.hss_cla_success, clr.received);
    assert_eq!(
        r.messages.malformed + r.messages.late + r.messages.unsupported,
        0
    );
}

#[test]
fn pool_counts_add_up_to_the_attached_roamers() {
    let r = run(4);
    let held: u64 = r.mmes.iter().map(|m| m.roamers as u64).sum();
    assert_eq!(held, r.attached as u64);
    assert!(r.attached > 0);
    assert_eq!(r.mmes.len(), 4 + 3 + 3 + 2 + 2);
    assert!(r.mmes.iter().all(|m| m.open));
    assert_eq!(r.mmes[2].host, "mme3.epc.mnc001.mcc208.3gppnetwork.org");
    // Least-loaded placement keeps a pool's instances within a few roamers of each other.
    let fr: Vec<u32> = r.mmes[..4].iter().map(|m| m.roamers).collect();
    assert!(
        fr.iter().max().unwrap() - fr.iter().min().unwrap() <= 10,
        "{fr:?}"
    );
}

/// Flips a byte of the first E-UTRAN vector's field chosen by `field` in every AIA.
fn corrupt_aia(field: fn(&crate::wire::s6a::EutranVector<'_>) -> *const u8) -> Tamper {
    Box::new(move |m: &mut Vec<u8>| {
        let at = {
            let Ok(pkt) = Packet::new_checked(&m[..]) else {
                return;
            };
            let Ok(aia) = AuthInfoAnswer::parse(&pkt) else {
                return;
            };
            let Some(v) = aia.vectors.iter().next() else {
                return;
            };
            field(&v) as usize - m.as_ptr() as usize
        };
        m[at] ^= 0x5a;
    })
}

fn tampered(tamper: Tamper) -> VirtualResult {
    let opts = VirtualOptions::new(300.0, Duration::from_secs(2), 500, 9);
    let mut run = VirtualRun::new(&profile(), &opts).unwrap();
    run.set_s6a_tamper(tamper);
    run.run()
}

#[test]
fn a_corrupted_xres_fails_attach_at_the_mme() {
    let r = tampered(corrupt_aia(|v| v.xres.as_ptr()));
    let attach = r.procedure(Procedure::Attach);
    let bad = reason(&r, Procedure::Attach, Outcome::Failed, "ue.res_mismatch");
    assert!(bad > 0);
    assert_eq!(attach.count(Outcome::Ok), 0);
    assert_eq!(
        bad + attach.count(Outcome::RejectedExpected),
        attach.ended()
    );
    assert_eq!(r.attached, 0);
}

#[test]
fn a_corrupted_autn_is_refused_by_the_ue() {
    let r = tampered(corrupt_aia(|v| v.autn[10..].as_ptr()));
    let bad = reason(&r, Procedure::Attach, Outcome::Failed, "ue.auth_mac");
    assert!(bad > 0);
    assert_eq!(r.procedure(Procedure::Attach).count(Outcome::Ok), 0);
}

#[test]
fn a_link_delay_shows_in_the_latency_from_the_intended_time() {
    let mut opts = VirtualOptions::new(200.0, Duration::from_secs(2), 500, 5);
    opts.one_way_delay_us = 10_000;
    opts.arrivals = Some(ArrivalProcess::Uniform);
    let r = VirtualRun::new(&profile(), &opts).unwrap().run();
    let attach = r.procedure(Procedure::Attach);
    // AIR, ULR and Create Session: three round trips of 20 ms, plus the first CER/CEA wait.
    assert!(attach.latency_us.value_at_quantile(0.5) >= 60_000);
    let lu = r.procedure(Procedure::LocationUpdate);
    assert!(lu.latency_us.min() >= 40_000, "ULR + Modify Bearer");
    assert!(r.arrivals >= 399 && r.arrivals <= 400, "{}", r.arrivals);
}

/// Speed of the virtual run (a figure for notes, not an assertion):
/// `cargo test --lib virtual_time::tests::throughput -- --ignored --nocapture`.
#[test]
#[ignore]
fn throughput() {
    let t = std::time::Instant::now();
    let r = run_virtual(&profile(), 2000.0, Duration::from_secs(10), 10_000, 1).unwrap();
    let wall = t.elapsed().as_secs_f64();
    let done: u64 = r.procedures().map(|(_, s)| s.ended()).sum();
    eprintln!(
        "{done} procedures, {} events in {wall:.2} s wall: {:.0} procedures/s, virtual {:.1} s",
        r.events,
        done as f64 / wall,
        r.end_us as f64 / 1e6
    );
    for (p, s) in r.procedures() {
        eprintln!(
            "{p}: started {} outcomes {:?} p50 {} µs p99 {} µs",
            s.started,
            [s.ok, s.rejected_expected, s.failed, s.timed_out],
            s.latency_us.value_at_quantile(0.5),
            s.latency_us.value_at_quantile(0.99)
        );
    }
}

#[test]
fn a_warm_start_begins_in_steady_state_and_measures_only_the_arrivals() {
    let mut warm = profile();
    warm.load.warm_start = true;
    let opts = VirtualOptions::new(400.0, Duration::from_secs(5), 2000, 3);
    let cold = VirtualRun::new(&profile(), &opts).unwrap().run();
    let hot = VirtualRun::new(&warm, &opts).unwrap().run();
    let w = hot.warm_start.clone().expect("warm start summary");
    assert!(cold.warm_start.is_none());
    // The default personas: 0.3 × 0.926 + 0.4 × 0.922 + 0.2 × 0.615 = 77 % of 2000 roamers
    // attached in steady state (the anomalies never).
    assert!((1450..1630).contains(&w.roamers), "{w:?}");
    assert_eq!((w.attached, w.failed), (w.roamers, 0), "{w:?}");
    assert!(w.seconds > 0.0);
    // Not measured: the arrivals alone, about 2000 of them, every start accounted for.
    let started = |r: &VirtualResult| r.procedures().map(|(_, s)| s.started).sum::<u64>();
    let ended = |r: &VirtualResult| r.procedures().map(|(_, s)| s.ended()).sum::<u64>();
    assert!((1800..2200).contains(&started(&hot)), "{}", started(&hot));
    assert_eq!(started(&hot), ended(&hot));
    assert_eq!(hot.arrivals, cold.arrivals);
    // Cold, a detached roamer's wish becomes an attach: attaches dominate. Warm, they are
    // the churn and anomaly share only.
    let attach_share =
        |r: &VirtualResult| r.procedure(Procedure::Attach).started as f64 / started(r) as f64;
    assert!(attach_share(&cold) > 0.5, "{}", attach_share(&cold));
    assert!(attach_share(&hot) < 0.3, "{}", attach_share(&hot));
    assert!(
        hot.procedure(Procedure::LocationUpdate).started
            > cold.procedure(Procedure::LocationUpdate).started
    );
    // The AIRs counted are the arrivals' only.
    let airs = hot.messages.get(MessageKind::S6aAir).sent;
    let with_air =
        hot.procedure(Procedure::Attach).started + hot.procedure(Procedure::PlmnChange).started;
    assert!(
        airs <= with_air && airs > 0,
        "{airs} AIRs for {with_air} procedures"
    );
    // Deterministic like any virtual run.
    let again = VirtualRun::new(&warm, &opts).unwrap().run();
    assert_eq!(counts(&again), counts(&hot));
    assert_eq!(again.warm_start, hot.warm_start);
}

#[test]
fn a_warm_start_the_core_cannot_hold_says_so() {
    let mut small = profile();
    small.load.warm_start = true;
    // 14 usable addresses for about 150 sessions.
    small.home.pgw.paa_pool = "10.45.0.0/28".parse().unwrap();
    let opts = VirtualOptions::new(100.0, Duration::from_secs(1), 200, 3);
    let r = VirtualRun::new(&small, &opts).unwrap().run();
    let w = r.warm_start.expect("warm start summary");
    assert_eq!(w.attached + w.failed, w.roamers, "{w:?}");
    assert!(w.attached <= 14 && w.failed > 100, "{w:?}");
    assert!(
        w.first_failure
            .as_deref()
            .is_some_and(|f| f.starts_with("GtpCause")),
        "{w:?}"
    );
}
