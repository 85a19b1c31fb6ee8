//! Statistical and behavioural tests of the link emulator, in virtual time with fixed seeds.

use super::*;
use crate::model::Micros;

/// 99.9 % two-sided normal quantile.
const Z999: f64 = 3.290_527;

/// A released copy: (packet id, release time µs, offer time µs).
type Released = Vec<(u64, u64, u64)>;

/// Offers `n` packets of `size` bytes (id in the first 8 bytes, offer time in the next 8) every
/// `gap_us` µs, releasing due copies as the virtual clock jumps to each release time.
fn drive(link: &mut Link<Vec<u8>>, n: u64, gap_us: u64, size: usize) -> (Vec<Verdict>, Released) {
    let mut verdicts = Vec::with_capacity(n as usize);
    let mut out = Vec::new();
    for i in 0..n {
        let now = i * gap_us;
        drain(link, now, &mut out);
        let mut p = vec![0u8; size.max(16)];
        p[..8].copy_from_slice(&i.to_le_bytes());
        p[8..16].copy_from_slice(&now.to_le_bytes());
        verdicts.push(link.enqueue(Micros(now), p));
    }
    drain(link, u64::MAX, &mut out);
    (verdicts, out)
}

fn drain(link: &mut Link<Vec<u8>>, until: u64, out: &mut Released) {
    while let Some(t) = link.poll_timeout().map(u64::from).filter(|t| *t <= until) {
        let p = link.poll_release(Micros(t)).expect("due at poll_timeout");
        let id = u64::from_le_bytes(p[..8].try_into().unwrap());
        let sent = u64::from_le_bytes(p[8..16].try_into().unwrap());
        out.push((id, t, sent));
    }
}

fn link(config: Config, seed: u64) -> Link<Vec<u8>> {
    Link::new(config, seed).expect("valid config")
}

/// Checks `k` successes out of `n` against `p` with a 99.9 % normal-approximation binomial interval.
fn assert_binomial(what: &str, k: u64, n: u64, p: f64) {
    let observed = k as f64 / n as f64;
    let half = Z999 * (p * (1.0 - p) / n as f64).sqrt();
    eprintln!("{what}: observed {observed:.5}, configured {p}, 99.9% CI ±{half:.5}");
    assert!(
        (observed - p).abs() <= half,
        "{what}: observed {observed} outside {p} ± {half}"
    );
}

fn percentile_ms(stats: &LinkStats, q: f64) -> f64 {
    stats.delay_us.value_at_quantile(q) as f64 / 1000.0
}

fn assert_close(what: &str, got: f64, want: f64, rel: f64) {
    eprintln!("{what}: got {got:.4}, want {want:.4}");
    assert!(
        (got - want).abs() <= rel * want.abs(),
        "{what}: got {got}, want {want} within {}%",
        rel * 100.0
    );
}

fn assert_invariants(l: &Link<Vec<u8>>) {
    let s = l.stats();
    assert_eq!(
        s.packets + s.duplicated,
        s.queued + s.dropped(),
        "copies conserved"
    );
    assert_eq!(
        s.queued,
        s.released + l.len() as u64,
        "queued = released + waiting"
    );
}

#[test]
fn bernoulli_loss_lies_in_binomial_interval() {
    for (p, seed) in [(0.02, 1), (0.001, 2), (0.3, 3)] {
        let mut l = link(
            Config {
                delay_us: 1000,
                loss: LossModel::Random(Chance::new(p)),
                ..Config::default()
            },
            seed,
        );
        let (_, out) = drive(&mut l, 100_000, 100, 64);
        let s = l.stats();
        assert_binomial("loss ratio", s.dropped_loss, s.packets, p);
        assert_eq!(out.len() as u64, s.packets - s.dropped_loss);
        assert_invariants(&l);
    }
}

/// Lengths of the runs of consecutive losses.
fn loss_bursts(verdicts: &[Verdict]) -> Vec<u64> {
    let mut bursts = Vec::new();
    let mut run = 0;
    for v in verdicts {
        if *v == Verdict::Dropped(DropCause::Loss) {
            run += 1;
        } else if run > 0 {
            bursts.push(run);
            run = 0;
        }
    }
    bursts
}

#[test]
fn gilbert_elliott_burst_length_is_one_over_r() {
    let (p, r) = (0.005, 0.25);
    let mut l = link(
        Config {
            loss: LossModel::GilbertElliott {
                p,
                r,
                one_minus_h: 1.0,
                one_minus_k: 0.0,
            },
            ..Config::default()
        },
        11,
    );
    let (verdicts, _) = drive(&mut l, 1_000_000, 10, 16);
    let bursts = loss_bursts(&verdicts);
    let mean = bursts.iter().sum::<u64>() as f64 / bursts.len() as f64;
    eprintln!("{} bursts", bursts.len());
    assert_close("mean burst length", mean, 1.0 / r, 0.05);
    let s = l.stats();
    let ratio = s.dropped_loss as f64 / s.packets as f64;
    assert_close("GE loss ratio", ratio, p / (p + r), 0.05);
}

#[test]
fn gilbert_elliott_partial_loss_in_states() {
    // 1-h = 50 %: half the packets of a bad period survive; 1-k = 1 %: isolated good-state losses.
    let (p, r, h1, k1) = (0.01, 0.1, 0.5, 0.01);
    let mut l = link(
        Config {
            loss: LossModel::GilbertElliott {
                p,
                r,
                one_minus_h: h1,
                one_minus_k: k1,
            },
            ..Config::default()
        },
        12,
    );
    drive(&mut l, 500_000, 10, 16);
    let bad = p / (p + r);
    let want = bad * h1 + (1.0 - bad) * k1;
    let s = l.stats();
    assert_close(
        "GE loss ratio",
        s.dropped_loss as f64 / s.packets as f64,
        want,
        0.05,
    );
}

/// Stationary loss ratio of netem's 4-state chain (states 1..4 → indices 0..3), by power iteration.
fn four_state_loss(p13: f64, p31: f64, p32: f64, p23: f64, p14: f64) -> f64 {
    let m = [
        [1.0 - p13 - p14, 0.0, p13, p14],
        [0.0, 1.0 - p23, p23, 0.0],
        [p31, p32, 1.0 - p31 - p32, 0.0],
        [1.0, 0.0, 0.0, 0.0],
    ];
    let mut pi = [0.25; 4];
    for _ in 0..100_000 {
        let mut next = [0.0; 4];
        for (i, row) in m.iter().enumerate() {
            for (j, pij) in row.iter().enumerate() {
                next[j] += pi[i] * pij;
            }
        }
        pi = next;
    }
    pi[2] + pi[3]
}

#[test]
fn four_state_loss_matches_stationary_ratio() {
    let (p13, p31, p32, p23, p14) = (0.01, 0.3, 0.2, 0.4, 0.005);
    let mut l = link(
        Config {
            loss: LossModel::FourState {
                p13,
                p31,
                p32,
                p23,
                p14,
            },
            ..Config::default()
        },
        13,
    );
    drive(&mut l, 1_000_000, 10, 16);
    let s = l.stats();
    let want = four_state_loss(p13, p31, p32, p23, p14);
    assert_close(
        "4-state loss ratio",
        s.dropped_loss as f64 / s.packets as f64,
        want,
        0.05,
    );
}

fn jitter_config(dist: Distribution) -> Config {
    Config {
        delay_us: 100_000,
        jitter_us: 10_000,
        distribution: dist,
        ..Config::default()
    }
}

/// p10/p50/p90 of the applied delay against the distribution's analytic quantiles, within 1 %.
fn check_percentiles(dist: Distribution, t: [f64; 3], seed: u64) {
    let mut l = link(jitter_config(dist), seed);
    drive(&mut l, 100_000, 100, 64);
    for (q, t) in [0.1, 0.5, 0.9].into_iter().zip(t) {
        let want = 100.0 + 10.0 * t;
        let what = format!("{} p{}", dist.name(), (q * 100.0) as u32);
        assert_close(&what, percentile_ms(l.stats(), q), want, 0.01);
    }
}

#[test]
fn uniform_jitter_percentiles() {
    check_percentiles(Distribution::Uniform, [-0.8, 0.0, 0.8], 21);
}

#[test]
fn normal_jitter_percentiles() {
    let z = 1.281_551_6;
    check_percentiles(Distribution::Normal, [-z, 0.0, z], 22);
    let mut l = link(jitter_config(Distribution::Normal), 23);
    drive(&mut l, 100_000, 100, 64);
    let h = &l.stats().delay_us;
    assert_close("normal mean ms", h.mean() / 1000.0, 100.0, 0.002);
    assert_close("normal stdev ms", h.stdev() / 1000.0, 10.0, 0.02);
}

#[test]
fn pareto_and_paretonormal_percentiles() {
    // iproute2 pareto.c: t = ((1-q)^(-1/3) - 1.5) * 4/3.
    let pareto = |q: f64| ((1.0f64 - q).powf(-1.0 / 3.0) - 1.5) * 4.0 / 3.0;
    check_percentiles(
        Distribution::Pareto,
        [pareto(0.1), pareto(0.5), pareto(0.9)],
        24,
    );
    // paretonormal.c: (normal + 3 * pareto) / 4 at the same table index.
    let z = 1.281_551_6;
    let pn = [
        (-z + 3.0 * pareto(0.1)) / 4.0,
        3.0 * pareto(0.5) / 4.0,
        (z + 3.0 * pareto(0.9)) / 4.0,
    ];
    check_percentiles(Distribution::ParetoNormal, pn, 25);
}

/// Per-packet delays (µs) in offer order.
fn delays_by_id(out: &Released) -> Vec<f64> {
    let mut v: Vec<(u64, f64)> = out.iter().map(|(id, t, s)| (*id, (t - s) as f64)).collect();
    v.sort_by_key(|(id, _)| *id);
    v.into_iter().map(|(_, d)| d).collect()
}

#[test]
fn delay_correlation_is_netem_ar1() {
    // get_crandom: v = (1-rho) u + rho v_prev, so with uniform jitter the lag-1 correlation is rho.
    let mut config = jitter_config(Distribution::Uniform);
    config.delay_correlation = 0.5;
    let mut l = link(config, 31);
    let (_, out) = drive(&mut l, 100_000, 100, 64);
    let d = delays_by_id(&out);
    let mean = d.iter().sum::<f64>() / d.len() as f64;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
    let cov = d
        .windows(2)
        .map(|w| (w[0] - mean) * (w[1] - mean))
        .sum::<f64>();
    let rho = cov / var;
    eprintln!("lag-1 correlation {rho:.4}, mean {mean:.1} µs");
    assert!((rho - 0.5).abs() < 0.02, "lag-1 correlation {rho}");
    assert_close("correlated mean µs", mean, 100_000.0, 0.001);
}

#[test]
fn no_reordering_without_jitter_or_reorder() {
    let mut l = link(
        Config {
            delay_us: 50_000,
            loss: LossModel::Random(Chance::new(0.05)),
            duplicate: Chance::new(0.05),
            rate: Some(Rate {
                bits_per_sec: 10_000_000,
                packet_overhead: 0,
            }),
            ..Config::default()
        },
        41,
    );
    let (_, out) = drive(&mut l, 100_000, 100, 100);
    assert_eq!(l.stats().reordered, 0);
    assert!(
        out.windows(2).all(|w| w[0].0 <= w[1].0),
        "released in offer order"
    );
    assert_invariants(&l);
}

#[test]
fn jitter_reorders() {
    let mut l = link(jitter_config(Distribution::Uniform), 42);
    let (_, out) = drive(&mut l, 100_000, 1000, 64);
    let s = l.stats();
    eprintln!("jitter: reordered {} of {}", s.reordered, s.released);
    assert!(s.reordered > 10_000);
    assert!(
        out.windows(2).all(|w| w[0].1 <= w[1].1),
        "release times ordered"
    );
}

#[test]
fn reorder_sends_some_packets_at_once() {
    let config = Config {
        delay_us: 10_000,
        reorder: Some(Reorder {
            chance: Chance::new(0.25),
            gap: 1,
        }),
        ..Config::default()
    };
    let mut l = link(config, 43);
    let (_, out) = drive(&mut l, 100_000, 100, 64);
    let immediate = out.iter().filter(|(_, t, s)| t == s).count() as u64;
    assert_binomial("reorder ratio", immediate, 100_000, 0.25);
    // Each immediate packet overtakes the ~100 delayed ones in flight.
    assert_eq!(l.stats().reordered, immediate);
}

#[test]
fn reorder_gap_sends_every_nth_at_once() {
    let config = Config {
        delay_us: 10_000,
        reorder: Some(Reorder {
            chance: Chance::new(1.0),
            gap: 5,
        }),
        ..Config::default()
    };
    let mut l = link(config, 44);
    let (_, out) = drive(&mut l, 1000, 100, 64);
    let mut immediate: Vec<u64> = out.iter().filter(|(_, t, s)| t == s).map(|x| x.0).collect();
    immediate.sort();
    let want: Vec<u64> = (0..1000).filter(|i| i % 5 == 4).collect();
    assert_eq!(immediate, want);
}

#[test]
fn rate_limit_serializes_packets() {
    // 125 bytes at 1 Mbit/s = 1 ms each; a burst of 10 at t = 0 leaves at 1, 2, ..., 10 ms (+ delay).
    for (delay_us, overhead, per_us) in [(0, 0, 1000), (10_000, 0, 1000), (0, 25, 1200)] {
        let mut l = link(
            Config {
                delay_us,
                rate: Some(Rate {
                    bits_per_sec: 1_000_000,
                    packet_overhead: overhead,
                }),
                ..Config::default()
            },
            51,
        );
        let (_, out) = drive(&mut l, 10, 0, 125);
        let times: Vec<u64> = out.iter().map(|x| x.1).collect();
        let want: Vec<u64> = (1..=10).map(|k| delay_us + k * per_us).collect();
        assert_eq!(times, want, "delay {delay_us} overhead {overhead}");
    }
    // Spaced wider than the serialization time, packets do not queue behind each other.
    let mut l = link(
        Config {
            rate: Some(Rate {
                bits_per_sec: 1_000_000,
                packet_overhead: 0,
            }),
            ..Config::default()
        },
        52,
    );
    let (_, out) = drive(&mut l, 100, 5000, 125);
    assert!(out.iter().all(|(_, t, s)| t - s == 1000));
}

#[test]
fn outage_drops_exactly_the_packets_inside_it() {
    let config = Config {
        delay_us: 20_000,
        outages: vec![Outage {
            start_us: 60_000_000,
            duration_us: 30_000_000,
            period_us: None,
        }],
        ..Config::default()
    };
    let mut l = link(config, 61);
    let (verdicts, _) = drive(&mut l, 12_000, 10_000, 64);
    for (i, v) in verdicts.iter().enumerate() {
        let t = i as u64 * 10_000;
        let inside = (60_000_000..90_000_000).contains(&t);
        let want = if inside {
            Verdict::Dropped(DropCause::Outage)
        } else {
            Verdict::Queued { copies: 1 }
        };
        assert_eq!(*v, want, "packet at {t} µs");
    }
    assert_eq!(l.stats().dropped_outage, 3000);

    let periodic = Outage {
        start_us: 1_000_000,
        duration_us: 100_000,
        period_us: Some(1_000_000),
    };
    assert!(!periodic.covers(999_999));
    assert!(periodic.covers(1_000_000) && periodic.covers(1_099_999));
    assert!(!periodic.covers(1_100_000) && periodic.covers(5_050_000));
}

#[test]
fn duplicate_ratio_and_copies() {
    let mut l = link(
        Config {
            delay_us: 1000,
            duplicate: Chance::new(0.05),
            ..Config::default()
        },
        71,
    );
    let (verdicts, out) = drive(&mut l, 100_000, 100, 64);
    let s = l.stats();
    assert_binomial("duplicate ratio", s.duplicated, s.packets, 0.05);
    let doubles = verdicts
        .iter()
        .filter(|v| **v == Verdict::Queued { copies: 2 })
        .count() as u64;
    assert_eq!(doubles, s.duplicated);
    assert_eq!(out.len() as u64, s.packets + s.duplicated);
    assert_invariants(&l);
}

#[test]
fn corruption_flips_exactly_one_bit() {
    let mut l: Link<Vec<u8>> = link(
        Config {
            corrupt: Chance::new(0.1),
            ..Config::default()
        },
        81,
    );
    let mut flipped = 0;
    for i in 0..100_000 {
        l.enqueue(Micros(i), vec![0u8; 64]);
        let p = l.poll_release(Micros(i)).expect("no delay");
        let ones: u32 = p.iter().map(|b| b.count_ones()).sum();
        assert!(ones <= 1);
        flipped += u64::from(ones);
    }
    assert_eq!(flipped, l.stats().corrupted);
    assert_binomial("corrupt ratio", flipped, 100_000, 0.1);

    let mut b = bytes::Bytes::from_static(&[0u8; 4]);
    b.flip_bit(9);
    assert_eq!(&b[..], &[0, 2, 0, 0]);
}

#[test]
fn queue_limit_drops_when_full() {
    let mut l = link(
        Config {
            delay_us: 1_000_000,
            limit: 10,
            ..Config::default()
        },
        91,
    );
    let (verdicts, out) = drive(&mut l, 100, 1000, 64);
    assert_eq!(l.stats().dropped_limit, 90);
    assert!(verdicts[10..]
        .iter()
        .all(|v| *v == Verdict::Dropped(DropCause::Limit)));
    assert_eq!(out.len(), 10);
}

#[test]
fn equal_release_times_keep_fifo_and_seeds_reproduce() {
    let mut l = link(Config::delay(5000), 1);
    for i in 0u8..50 {
        l.enqueue(Micros(0), vec![i]);
    }
    assert_eq!(l.poll_timeout(), Some(Micros(5000)));
    assert_eq!(l.poll_release(Micros(4999)), None);
    let order: Vec<u8> =
        std::iter::from_fn(|| l.poll_release(Micros(5000)).map(|p| p[0])).collect();
    assert_eq!(order, (0..50).collect::<Vec<u8>>());

    let mut config = jitter_config(Distribution::Normal);
    config.loss = LossModel::Random(Chance::new(0.1));
    let run = |seed| drive(&mut link(config.clone(), seed), 1000, 100, 64).1;
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}

#[test]
fn bilink_directions_are_independent() {
    let mut bi: BiLink<Vec<u8>> =
        BiLink::new(Config::delay(10_000), Config::delay(30_000), 7).unwrap();
    bi.enqueue(Direction::Downlink, Micros(0), vec![2]);
    bi.enqueue(Direction::Uplink, Micros(0), vec![1]);
    assert_eq!(bi.poll_timeout(), Some(Micros(10_000)));
    assert_eq!(
        bi.poll_release(Micros(40_000)),
        Some((Direction::Uplink, vec![1]))
    );
    assert_eq!(
        bi.poll_release(Micros(40_000)),
        Some((Direction::Downlink, vec![2]))
    );
    assert_eq!(bi.poll_release(Micros(40_000)), None);
    let bad = Config {
        loss: LossModel::Random(Chance::new(1.5)),
        ..Config::default()
    };
    let err = BiLink::<Vec<u8>>::new(Config::default(), bad, 1)
        .err()
        .unwrap();
    assert_eq!(err.field, "downlink.loss");
}

fn profile_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("netem")
}

#[test]
fn shipped_profiles_load_and_state_their_netem_line() {
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(profile_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let profile = LinkProfile::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
        for (config, stated) in [&profile.uplink, &profile.downlink]
            .into_iter()
            .zip(&profile.netem)
        {
            assert_eq!(
                stated.as_deref(),
                Some(config.netem_args().as_str()),
                "{path:?}"
            );
        }
        BiLink::<Vec<u8>>::from_profile(&profile, 1).unwrap();
        let rtt_ms = (profile.uplink.delay_us + profile.downlink.delay_us) / 1000;
        seen.push((profile.name.clone(), rtt_ms));
    }
    seen.sort();
    eprintln!("{seen:?}");
    let rtt = |name: &str| seen.iter().find(|(n, _)| n == name).map(|x| x.1);
    assert_eq!(rtt("intra-eu"), Some(30));
    assert_eq!(rtt("eu-americas"), Some(120));
    assert_eq!(rtt("eu-apac"), Some(250));
    assert_eq!(rtt("us-apac"), Some(150));
    assert_eq!(rtt("intra-americas"), Some(130));
    assert!(rtt("degraded-bursty").is_some() && rtt("partition").is_some());
}

fn toml_error(text: &str) -> String {
    LinkProfile::from_toml(text, "netem/test.toml", "test")
        .unwrap_err()
        .to_string()
}

#[test]
fn config_errors_name_file_and_field() {
    let ok = "[uplink]\ndelay = \"10ms\"\n[downlink]\ndelay = \"10ms\"\n";
    assert!(LinkProfile::from_toml(ok, "f", "f").is_ok());
    let cases = [
        ("[uplink]\ndelay = \"fast\"\n[downlink]\n", "uplink.delay"),
        ("[uplink]\n[downlink]\nloss = \"150%\"\n", "downlink.loss"),
        ("[uplink]\ndealy = \"1ms\"\n[downlink]\n", "dealy"),
        ("[uplink]\n", "downlink"),
        ("[uplink]\ngemodel = { p = \"1%\", r = \"x\" }\n[downlink]\n", "uplink.gemodel.r"),
        ("[uplink]\nloss_state = { p13 = \"60%\", p14 = \"50%\" }\n[downlink]\n", "uplink.loss_state.p14"),
        ("[uplink]\nloss = \"1%\"\ngemodel = { p = \"1%\" }\n[downlink]\n", "uplink.loss"),
        ("[uplink]\ndistribution = \"normal\"\n[downlink]\n", "uplink.distribution"),
        ("[uplink]\ndelay = \"1ms\"\njitter = \"1ms\"\ndistribution = \"cauchy\"\n[downlink]\n", "uplink.distribution"),
        ("[uplink]\nreorder = \"5%\"\n[downlink]\n", "uplink.reorder"),
        ("[uplink]\nrate = \"fast\"\n[downlink]\n", "uplink.rate"),
        ("[uplink]\n[downlink]\noutage = [{ start = \"1s\", duration = \"0s\" }]\n", "downlink.outage[0].duration"),
        ("[uplink]\n[downlink]\noutage = [{ start = \"1s\", duration = \"2s\", period = \"1s\" }]\n", "downlink.outage[0].period"),
        ("[uplink]\nlimit = 0\n[downlink]\n", "uplink.limit"),
    ];
    for (text, field) in cases {
        let msg = toml_error(text);
        assert!(msg.contains("netem/test.toml"), "{msg}");
        assert!(msg.contains(field), "expected `{field}` in: {msg}");
    }
    let missing = LinkProfile::from_file("netem/no-such.toml")
        .unwrap_err()
        .to_string();
    assert!(missing.contains("netem/no-such.toml"), "{missing}");
    let err = Link::<Vec<u8>>::new(
        Config {
            delay_correlation: -0.1,
            ..Config::default()
        },
        1,
    )
    .err()
    .unwrap();
    assert_eq!(err.field, "delay_correlation");
}

#[test]
fn flags_build_a_symmetric_profile() {
    let flags = NetemFlags {
        delay: Some("100ms".into()),
        jitter: Some("10ms".into()),
        distribution: Some("normal".into()),
        loss: Some("1%".into()),
        seed: Some(9),
    };
    let p = LinkProfile::from_flags(&flags).unwrap();
    assert_eq!(p.uplink, p.downlink);
    assert_eq!(p.seed, Some(9));
    assert_eq!(
        p.uplink.netem_args(),
        "delay 100ms 10ms distribution normal loss random 1% limit 1000"
    );
    let bad = NetemFlags {
        loss: Some("lots".into()),
        ..NetemFlags::default()
    };
    assert_eq!(LinkProfile::from_flags(&bad).unwrap_err().field, "loss");
    assert_eq!(parse_rate("100mbit"), Some(100_000_000));
    assert_eq!(parse_rate("10mbps"), Some(80_000_000));
    assert_eq!(parse_rate("fast"), None);
}
