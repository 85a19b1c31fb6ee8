//! The shim driven in virtual time: datagrams impaired for real, stream messages delayed by
//! TCP retransmissions and delivered in order, per-PLMN routing, counters for the summary.

use super::*;
use crate::link::{Config, LinkProfile, LossModel, Outage};
use crate::model::population::VisitedPlmnConfig;

const MS: u64 = 1000;

fn plmns() -> Vec<Plmn> {
    ["208-01", "440-10", "724-05"]
        .iter()
        .map(|p| p.parse().unwrap())
        .collect()
}

fn profile(name: &str, config: Config) -> LinkProfile {
    LinkProfile {
        name: name.to_string(),
        description: String::new(),
        seed: None,
        uplink: config.clone(),
        downlink: config,
        netem: [None, None],
    }
}

/// A shared link with `config` both ways.
fn shim(config: Config) -> LinkShim<Vec<u8>> {
    let plan = LinkPlan::shared(profile("test", config));
    LinkShim::new(&plan, &plmns(), 7, 0).unwrap()
}

/// Everything that comes out of `poll_up` at `now`.
fn drain_up(s: &mut LinkShim<Vec<u8>>, now: u64) -> Vec<(usize, Vec<u8>)> {
    std::iter::from_fn(|| s.poll_up(now)).collect()
}

/// Steps the clock from release to release until nothing is in flight; (time, plmn, packet).
fn run_up(s: &mut LinkShim<Vec<u8>>) -> Vec<(u64, usize, Vec<u8>)> {
    let mut out = Vec::new();
    while let Some(t) = s.next_release_at() {
        for (plmn, p) in drain_up(s, t) {
            out.push((t, plmn, p));
        }
    }
    out
}

fn outage(start_us: u64, duration_us: u64) -> Config {
    Config {
        outages: vec![Outage {
            start_us,
            duration_us,
            period_us: None,
        }],
        ..Config::delay(10 * MS)
    }
}

#[test]
fn a_plmn_without_a_link_passes_undelayed() {
    let plan = LinkPlan::none();
    let mut s: LinkShim<Vec<u8>> = LinkShim::new(&plan, &plmns(), 1, 0).unwrap();
    assert!(!s.impairs(1));
    assert_eq!(s.up(5, 1, Carrier::Datagram, vec![1]), Fate::Unimpaired);
    assert_eq!(s.next_release_at(), Some(5));
    assert_eq!(drain_up(&mut s, 5), vec![(1, vec![1])]);
    assert_eq!(s.next_release_at(), None);
    assert_eq!(s.names().count(), 0);
}

#[test]
fn datagrams_are_delayed_and_come_back_with_their_plmn() {
    let mut s = shim(Config::delay(125 * MS));
    assert!(s.impairs(0) && s.impairs(2));
    assert_eq!(
        s.up(0, 2, Carrier::Datagram, vec![2]),
        Fate::Queued { copies: 1 }
    );
    assert_eq!(
        s.down(MS, 0, Carrier::Datagram, vec![0]),
        Fate::Queued { copies: 1 }
    );
    assert_eq!(s.next_release_at(), Some(125 * MS));
    assert!(s.poll_up(125 * MS - 1).is_none());
    assert_eq!(s.poll_up(125 * MS), Some((2, vec![2])));
    assert!(s.poll_down(125 * MS).is_none());
    assert_eq!(s.poll_down(126 * MS), Some((0, vec![0])));
}

#[test]
fn a_lost_datagram_is_gone() {
    let mut s = shim(Config {
        loss: LossModel::Random(crate::link::Chance::new(1.0)),
        ..Config::delay(10 * MS)
    });
    assert_eq!(
        s.up(0, 0, Carrier::Datagram, vec![1]),
        Fate::Dropped(DropCause::Loss)
    );
    assert!(run_up(&mut s).is_empty());
    assert_eq!(s.stream_stats(0), Some(StreamStats::default()));
}

#[test]
fn a_lost_stream_segment_is_sent_again_after_the_rto_doubling_per_loss() {
    // Down for 300 ms: the first send (t = 0) and the retransmission at 200 ms are lost, the
    // one at 200 + 400 ms passes and arrives 10 ms later.
    let mut s = shim(outage(0, 300 * MS));
    assert_eq!(
        s.up(0, 1, Carrier::Stream(3), vec![9]),
        Fate::Retransmitting(DropCause::Outage)
    );
    assert_eq!(run_up(&mut s), vec![(610 * MS, 1, vec![9])]);
    let st = s.stream_stats(0).unwrap();
    assert_eq!((st.retransmitted, st.abandoned), (2, 0));
    let (up, _) = s.link_stats(0).unwrap();
    assert_eq!((up.packets, up.dropped()), (3, 2));
}

#[test]
fn the_rto_follows_the_link_rtt_when_it_is_above_200_ms() {
    let mut s = shim(Config {
        jitter_us: 0,
        ..outage(0, MS)
    });
    // RTT 20 ms: 200 ms. A 250 ms RTT link: 250 ms + 4 × jitter.
    assert_eq!(s.links[0].rto_us, TCP_RTO_MIN_US);
    let far = Config {
        jitter_us: 10 * MS,
        ..Config::delay(125 * MS)
    };
    s = shim(far);
    assert_eq!(s.links[0].rto_us, 250 * MS + 80 * MS);
}

#[test]
fn a_stream_delivers_in_order_behind_a_lost_segment_and_other_connections_go_on() {
    // Down during [0, 1 ms): A (conn 1) is lost, B (conn 1) and C (conn 2) pass.
    let mut s = shim(outage(0, MS));
    s.up(0, 0, Carrier::Stream(1), b"A".to_vec());
    s.up(MS, 0, Carrier::Stream(1), b"B".to_vec());
    s.up(MS, 0, Carrier::Stream(2), b"C".to_vec());
    let got: Vec<(u64, Vec<u8>)> = run_up(&mut s).into_iter().map(|(t, _, p)| (t, p)).collect();
    assert_eq!(
        got,
        vec![
            (11 * MS, b"C".to_vec()),
            (210 * MS, b"A".to_vec()),
            (210 * MS, b"B".to_vec()),
        ]
    );
}

#[test]
fn duplicates_reach_a_datagram_peer_twice_and_a_stream_peer_once() {
    let dup = Config {
        duplicate: crate::link::Chance::new(1.0),
        ..Config::delay(10 * MS)
    };
    let mut s = shim(dup);
    assert_eq!(
        s.up(0, 0, Carrier::Datagram, vec![1]),
        Fate::Queued { copies: 2 }
    );
    assert_eq!(run_up(&mut s).len(), 2);
    s.up(20 * MS, 0, Carrier::Stream(0), vec![2]);
    s.up(20 * MS, 0, Carrier::Stream(0), vec![3]);
    let got: Vec<Vec<u8>> = run_up(&mut s).into_iter().map(|(_, _, p)| p).collect();
    assert_eq!(got, vec![vec![2], vec![3]]);
    assert_eq!(s.stream_stats(0).unwrap().duplicates_discarded, 2);
}

#[test]
fn a_corrupted_datagram_arrives_flipped_and_a_corrupted_segment_is_resent() {
    let corrupt = Config {
        corrupt: crate::link::Chance::new(1.0),
        ..Config::delay(10 * MS)
    };
    let mut s = shim(corrupt);
    s.up(0, 0, Carrier::Datagram, vec![0, 0]);
    let got = run_up(&mut s);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].2.iter().map(|b| b.count_ones()).sum::<u32>(), 1);
    // Every copy corrupted: TCP gives up after 15 retransmissions; the stream is not blocked
    // forever behind it.
    s.up(MS, 0, Carrier::Stream(0), vec![1]);
    assert!(run_up(&mut s).is_empty());
    let st = s.stream_stats(0).unwrap();
    assert_eq!((st.retransmitted, st.abandoned), (15, 1));
}

#[test]
fn an_abandoned_segment_does_not_block_the_ones_behind_it() {
    // A (t = 0) is lost in a first outage, B (t = 1 ms) passes and waits behind A, whose 15
    // retransmissions (the last at 804.6 s) all fall in a second, long outage.
    let mut s = shim(Config {
        outages: vec![
            Outage {
                start_us: 0,
                duration_us: MS,
                period_us: None,
            },
            Outage {
                start_us: 100 * MS,
                duration_us: 1_000_000 * MS,
                period_us: None,
            },
        ],
        ..Config::delay(10 * MS)
    });
    s.up(0, 0, Carrier::Stream(0), b"A".to_vec());
    s.up(MS, 0, Carrier::Stream(0), b"B".to_vec());
    assert_eq!(run_up(&mut s), vec![(804_600 * MS, 0, b"B".to_vec())]);
    let st = s.stream_stats(0).unwrap();
    assert_eq!((st.retransmitted, st.abandoned), (15, 1));
}

#[test]
fn record_fills_the_summary_links_once_per_packet() {
    let plan = LinkPlan::shared(profile("eu-apac", Config::delay(125 * MS)));
    let mut s: LinkShim<Vec<u8>> = LinkShim::new(&plan, &plmns(), 1, 0).unwrap();
    for i in 0..10 {
        s.up(i * MS, 0, Carrier::Datagram, vec![0]);
        s.down(i * MS, 1, Carrier::Stream(0), vec![0]);
    }
    while let Some(t) = s.next_release_at() {
        while s.poll_up(t).is_some() {}
        while s.poll_down(t).is_some() {}
    }
    let mut rec = Recorder::new();
    s.record(&mut rec);
    s.record(&mut rec);
    let links: Vec<_> = rec.links().collect();
    assert_eq!(links.len(), 1);
    let (name, l) = links[0];
    assert_eq!(name, "eu-apac");
    assert_eq!((l.packets, l.dropped, l.duplicated), (20, 0, 0));
    assert_eq!(l.delay_us.len(), 20);
    let p50 = l.delay_us.value_at_quantile(0.5);
    assert!(p50.abs_diff(125 * MS) <= 125, "{p50}");
}

#[test]
fn shards_and_links_draw_their_own_random_streams() {
    let jittery = Config {
        jitter_us: 20 * MS,
        ..Config::delay(50 * MS)
    };
    let plan = LinkPlan::shared(profile("j", jittery));
    let times = |shard: u32| {
        let mut s: LinkShim<Vec<u8>> = LinkShim::new(&plan, &plmns(), 1, shard).unwrap();
        for i in 0..20u8 {
            s.up(0, 0, Carrier::Datagram, vec![i]);
        }
        run_up(&mut s)
    };
    assert_eq!(times(0), times(0));
    assert_ne!(times(0), times(1));
}

#[test]
fn a_plan_from_the_visited_tables_gives_each_partner_its_own_named_link() {
    let dir = std::env::temp_dir().join(format!("roamsim-linkplan-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("netem")).unwrap();
    std::fs::write(
        dir.join("netem/far.toml"),
        "name = \"far\"\n[uplink]\ndelay = \"75ms\"\n[downlink]\ndelay = \"75ms\"\n",
    )
    .unwrap();
    let entry = |plmn: &str, link: Option<&str>| VisitedPlmnConfig {
        plmn: plmn.parse().unwrap(),
        weight: 1.0,
        mme_instances: 1,
        mme_plmn: None,
        link: link.map(str::to_string),
    };
    let visited = vec![
        entry("208-01", Some("netem/far.toml")),
        entry("440-10", Some("netem/far.toml")),
        entry("724-05", Some(NO_LINK)),
    ];
    let plan = LinkPlan::from_visited(&visited, &dir).unwrap();
    let names: Vec<&str> = plan.links().iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["208-01:far", "440-10:far"]);
    assert_eq!(plan.link_of(visited[1].plmn), Some(1));
    assert_eq!(plan.link_of(visited[2].plmn), None);
    let s: LinkShim<Vec<u8>> = LinkShim::new(&plan, &plmns(), 1, 0).unwrap();
    assert!(s.impairs(0) && s.impairs(1) && !s.impairs(2));

    let bad = vec![
        entry("208-01", None),
        entry("440-10", Some("netem/nope.toml")),
    ];
    let err = LinkPlan::from_visited(&bad, &dir).unwrap_err().to_string();
    assert!(err.starts_with("visited[1].link (440-10): "), "{err}");
    assert!(err.contains("nope.toml"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_link_flag_takes_a_file_or_none() {
    assert!(LinkPlan::from_flag("none").unwrap().is_empty());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/netem/eu-apac.toml");
    let plan = LinkPlan::from_flag(path).unwrap();
    assert_eq!(plan.links()[0].name, "eu-apac");
    assert_eq!(plan.link_of("724-05".parse().unwrap()), Some(0));
    let err = LinkPlan::from_flag("netem/missing.toml").unwrap_err();
    assert!(
        err.to_string().starts_with("--link: netem/missing.toml"),
        "{err}"
    );
}
