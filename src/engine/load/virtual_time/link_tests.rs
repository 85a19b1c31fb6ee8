//! Virtual runs across GRX/IPX partner links: the latency an attach gains is its round trips
//! times the RTT; a lossy link shows as GTPv2-C retransmissions and loses no procedure; the
//! links' counters and applied delays are those of their profiles.

use super::*;
use crate::link::LinkProfile;
use crate::report::LinkReport;
use crate::visited::MessageKind;

/// Round trips of a successful attach across the link: AIR/AIA, ULR/ULA (S6a) and Create
/// Session (S8).
const ATTACH_ROUND_TRIPS: u64 = 3;

fn netem(name: &str) -> LinkProfile {
    let path = format!("{}/netem/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    LinkProfile::from_file(path).unwrap()
}

fn run_with(profile: &Profile, links: LinkPlan, rate: f64, secs: u64) -> VirtualResult {
    let mut opts = VirtualOptions::new(rate, Duration::from_secs(secs), 2000, 3);
    opts.links = links;
    VirtualRun::new(profile, &opts).unwrap().run()
}

fn attach_p50(r: &VirtualResult) -> u64 {
    r.procedure(Procedure::Attach)
        .latency_us
        .value_at_quantile(0.5)
}

fn link<'a>(r: &'a VirtualResult, name: &str) -> &'a LinkReport {
    &r.links
        .links
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no link {name} in {:?}", r.links.links))
        .1
}

fn assert_none_lost(r: &VirtualResult) {
    for (p, s) in r.procedures() {
        assert_eq!(s.started, s.ended(), "{p}: started vs ended");
        assert_eq!(
            s.count(Outcome::TimedOut),
            0,
            "{p}: {:?}",
            r.recorder.reasons().collect::<Vec<_>>()
        );
    }
}

#[test]
fn an_attach_across_eu_apac_takes_three_round_trips_longer() {
    let profile = Profile::embedded_default();
    let plain = run_with(&profile, LinkPlan::none(), 20.0, 40);
    let far = run_with(&profile, LinkPlan::shared(netem("eu-apac")), 20.0, 40);
    assert!(plain.links.links.is_empty());
    let rise = attach_p50(&far) - attach_p50(&plain);
    let nominal = ATTACH_ROUND_TRIPS * 250_000;
    let off = rise.abs_diff(nominal) as f64 / nominal as f64;
    eprintln!(
        "attach p50: {} µs plain, {} µs over eu-apac: +{rise} µs, {:.1} % off {nominal}",
        attach_p50(&plain),
        attach_p50(&far),
        off * 100.0
    );
    assert!(off < 0.03, "rise {rise} µs vs {nominal} µs");
    // The RTT the link actually applied explains the rise just as well.
    let one_way = link(&far, "eu-apac").delay_us.value_at_quantile(0.5);
    let applied = ATTACH_ROUND_TRIPS * 2 * one_way;
    assert!(rise.abs_diff(applied) as f64 / (applied as f64) < 0.03);
    assert_none_lost(&far);
}

#[test]
fn a_degraded_link_shows_gtp_retransmissions_and_loses_no_procedure() {
    let profile = Profile::embedded_default();
    let r = run_with(
        &profile,
        LinkPlan::shared(netem("degraded-bursty")),
        100.0,
        30,
    );
    assert_none_lost(&r);
    let s8_retransmitted: u64 = [
        MessageKind::S8CreateSession,
        MessageKind::S8ModifyBearer,
        MessageKind::S8DeleteSession,
    ]
    .iter()
    .map(|&k| r.messages.get(k).retransmitted)
    .sum();
    assert!(s8_retransmitted > 0);
    let started: u64 = r.procedures().map(|(_, s)| s.started).sum();
    let failed: u64 = r.procedures().map(|(_, s)| s.count(Outcome::Failed)).sum();
    // Only a corrupted GTPv2-C datagram (0.01 %) can fail a procedure.
    assert!(
        failed * 1000 <= started,
        "{failed} of {started}: {:?}",
        r.recorder.reasons().collect::<Vec<_>>()
    );
    let l = link(&r, "degraded-bursty");
    assert!(l.packets > 0 && l.dropped > 0 && l.reordered > 0);
    // S6a rides TCP: a lost segment is sent again, never lost to the MME or the HSS.
    let tcp = r.links.streams[0].1;
    assert!(tcp.retransmitted > 0 && tcp.abandoned == 0, "{tcp:?}");
    for kind in [MessageKind::S6aAir, MessageKind::S6aUlr] {
        let m = r.messages.get(kind);
        assert_eq!(m.sent, m.answered, "{kind:?}");
    }
}

#[test]
fn ipx_world_gives_each_partner_its_link_with_the_profiles_delay() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
    let profile = Profile::load(&dir.join("ipx-world.toml")).unwrap();
    let plan = LinkPlan::from_visited(&profile.visited, &dir).unwrap();
    let r = run_with(&profile, plan, 50.0, 20);
    assert_none_lost(&r);
    for (name, one_way_ms) in [
        ("208-01:eu-americas", 60),
        ("234-15:eu-americas", 60),
        ("262-01:eu-americas", 60),
        ("440-10:us-apac", 75),
        ("724-05:intra-americas", 65),
    ] {
        let l = link(&r, name);
        assert!(l.packets > 0, "{name}");
        let p50 = l.delay_us.value_at_quantile(0.5);
        let want = one_way_ms * 1000;
        assert!(p50.abs_diff(want) * 100 <= want * 2, "{name}: p50 {p50} µs");
        // Normal jitter of a few ms: p90 within 10 ms above the mean, nothing faster than it.
        assert!(l.delay_us.value_at_quantile(0.9) < want + 10_000, "{name}");
        assert!(l.delay_us.min() > want - 25_000, "{name}");
    }
    // 001-01's cells are served by 208-01's MMEs and its roamers never reach S8: no packets.
    assert!(r.links.links.iter().all(|(n, _)| !n.starts_with("001-01")));
}

#[test]
fn a_run_across_links_is_the_same_for_the_same_seed() {
    let profile = Profile::embedded_default();
    let a = run_with(
        &profile,
        LinkPlan::shared(netem("degraded-bursty")),
        50.0,
        5,
    );
    let b = run_with(
        &profile,
        LinkPlan::shared(netem("degraded-bursty")),
        50.0,
        5,
    );
    assert_eq!(a.events, b.events);
    assert_eq!(attach_p50(&a), attach_p50(&b));
    let (la, lb) = (link(&a, "degraded-bursty"), link(&b, "degraded-bursty"));
    assert_eq!(
        (la.packets, la.dropped, la.duplicated, la.reordered),
        (lb.packets, lb.dropped, lb.duplicated, lb.reordered)
    );
}
