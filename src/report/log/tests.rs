//! The gates (sampling, token bucket) and the two line formats.

use super::*;

#[test]
fn the_token_bucket_allows_its_burst_then_its_rate() {
    let mut b = TokenBucket::new(1000.0, 10);
    let t0 = Micros(5_000_000);
    // A storm at one instant: the burst, then nothing.
    let burst = (0..100).filter(|_| b.allow(t0)).count();
    assert_eq!(burst, 10);
    // One line a millisecond comes back at 1000/s.
    assert!(b.allow(t0 + Micros(1_000)));
    assert!(!b.allow(t0 + Micros(1_000)));
    // A storm over one second lets through about rate + burst, never more.
    let mut b = TokenBucket::new(1000.0, 10);
    let allowed = (0..1_000_000u64)
        .filter(|i| b.allow(t0 + Micros(*i)))
        .count();
    assert!((1000..=1011).contains(&allowed), "{allowed}");
    // Idle time refills the bucket only up to the burst.
    assert_eq!((0..100).filter(|_| b.allow(Micros(60_000_000))).count(), 10);
}

#[test]
fn the_gate_samples_successes_never_failures_and_counts_what_it_holds_back() {
    let mut g = LineGate::new(1000, 1e9, 1_000_000);
    let now = Micros(1);
    let kept = (0..10_000).filter(|_| g.admit(now, false)).count();
    assert_eq!(kept, 10);
    assert!((0..500).all(|_| g.admit(now, true)));
    let c = g.take_counts();
    assert_eq!(c.admitted, 510);
    assert_eq!(c.sampled_out, 9_990);
    assert_eq!(c.rate_limited, 0);
    assert_eq!(g.take_counts(), GateCounts::default());

    let mut g = LineGate::new(1, 100.0, 5);
    let through = (0..50).filter(|_| g.admit(now, true)).count();
    assert_eq!(through, 5);
    assert_eq!(g.take_counts().rate_limited, 45);
}

#[test]
fn sample_rates_parse_as_one_in_n() {
    assert_eq!(parse_sample("1/1000"), Ok(1000));
    assert_eq!(parse_sample("1/1"), Ok(1));
    assert!(parse_sample("1/0").is_err());
    assert!(parse_sample("5").is_err());
    assert_eq!("json".parse::<LogFormat>(), Ok(LogFormat::Json));
    assert!("xml".parse::<LogFormat>().is_err());
}

fn line<'a>(reason: Option<&'a str>) -> LogLine<'a> {
    LogLine {
        // 2026-12-07T19:20:00.123456Z
        unix_us: 1_796_671_200_123_456,
        level: Level::Warn,
        component: "visited.mme",
        correlation_id: "0123456789abcdef",
        scenario: "default",
        procedure: "attach",
        subscriber: "6296c0e0fbc3",
        visited: Some(Plmn::new(208, 1, 2).unwrap()),
        home: Some(Plmn::new(310, 410, 3).unwrap()),
        transition: "s6a.ulr->failed",
        latency_us: Some(12_345),
        result: "failed",
        reason,
    }
}

#[test]
fn a_json_line_is_one_valid_object_with_every_field() {
    let mut out = String::new();
    line(Some("s6a.5004")).write(LogFormat::Json, &mut out);
    line(Some("bad \"quote\"\n\\ and \u{1} control")).write(LogFormat::Json, &mut out);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(v["time"], "2026-12-07T19:20:00.123456Z");
    assert_eq!(v["level"], "warn");
    assert_eq!(v["visited_mcc"], "208");
    assert_eq!(v["visited_mnc"], "01");
    assert_eq!(v["home_mnc"], "410");
    assert_eq!(v["latency_ms"], 12.345);
    assert_eq!(v["reason"], "s6a.5004");
    assert_eq!(v["transition"], "s6a.ulr->failed");
    let v: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(v["reason"], "bad \"quote\"\n\\ and \u{1} control");
}

#[test]
fn a_text_line_stays_on_one_line() {
    let mut out = String::new();
    line(Some("two\nlines")).write(LogFormat::Text, &mut out);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("2026-12-07T19:20:00.123456Z warn visited.mme"));
    assert!(out.contains("visited=208-01 home=310-410"), "{out}");
}
