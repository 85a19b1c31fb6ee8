use super::*;

/// A deterministic spread of latencies: 1 µs to ~2 s, with a long tail.
fn latencies(n: u64) -> impl Iterator<Item = u64> {
    (0..n).map(|i| 1 + (i * 7919 % 1000) * (1 + i % 13) * (1 + (i % 97 == 0) as u64 * 150))
}

fn record_all(rec: &mut Recorder, range: std::ops::Range<u64>) {
    let all: Vec<u64> = latencies(range.end).collect();
    for (i, &us) in all.iter().enumerate().skip(range.start as usize) {
        let p = Procedure::ALL[i % Procedure::ALL.len()];
        let o = Outcome::ALL[i % 7 % Outcome::ALL.len()];
        rec.record_started(p);
        rec.record_procedure(p, o, us);
        let k = MessageKind::ALL[i % MessageKind::COUNT];
        if i % 11 == 0 {
            rec.record_unanswered(k, 3);
        } else {
            rec.record_message(k, us / 2, (i % 3) as u32);
        }
        rec.record_lag(us / 10);
        rec.link_mut(if i % 2 == 0 { "s6a" } else { "s8" })
            .record_delay(us);
    }
}

fn assert_same(a: &Recorder, b: &Recorder) {
    for p in Procedure::ALL {
        let (x, y) = (a.procedure(*p), b.procedure(*p));
        assert_eq!(
            (x.started, x.ok, x.rejected_expected, x.failed, x.timed_out),
            (y.started, y.ok, y.rejected_expected, y.failed, y.timed_out),
            "{p}"
        );
        assert!(x.latency_us == y.latency_us, "{p}");
    }
    for k in MessageKind::ALL {
        let (x, y) = (a.message(*k), b.message(*k));
        assert_eq!(
            (x.sent, x.answered, x.retransmitted),
            (y.sent, y.answered, y.retransmitted)
        );
        assert!(x.latency_us == y.latency_us, "{k}");
    }
    assert!(a.lag_us() == b.lag_us());
    let names = |r: &Recorder| {
        r.links()
            .map(|(n, l)| (n.to_string(), l.delay_us.len()))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(a), names(b));
}

#[test]
fn merged_shards_equal_one_recorder() {
    let mut single = Recorder::new();
    record_all(&mut single, 0..10_000);
    let mut shards: Vec<Recorder> = (0..3).map(|_| Recorder::new()).collect();
    record_all(&mut shards[0], 0..2_500);
    record_all(&mut shards[1], 2_500..7_000);
    record_all(&mut shards[2], 7_000..10_000);
    let mut merged = Recorder::new();
    for s in &shards {
        merged.merge(s);
    }
    assert_same(&merged, &single);
    assert_eq!(merged.procedure(Procedure::Attach).started, 2000);
    let total: u64 = Procedure::ALL
        .iter()
        .map(|p| merged.procedure(*p).ended())
        .sum();
    assert_eq!(total, 10_000);
}

#[test]
fn percentiles_of_known_inputs() {
    let mut rec = Recorder::new();
    for us in 1..=1000 {
        rec.record_procedure(Procedure::Attach, Outcome::Ok, us);
    }
    let h = &rec.procedure(Procedure::Attach).latency_us;
    assert_eq!(h.value_at_quantile(0.5), 500);
    assert_eq!(h.value_at_quantile(0.9), 900);
    assert_eq!(h.value_at_quantile(0.99), 990);
    assert_eq!(h.value_at_quantile(0.999), 999);
    assert_eq!(h.max(), 1000);
    assert!((h.mean() - 500.5).abs() < 1e-9);

    // Above 2048 µs the resolution is 0.1 %, never worse.
    let mut rec = Recorder::new();
    for _ in 0..99 {
        rec.record_procedure(Procedure::Detach, Outcome::Ok, 150_000);
    }
    rec.record_procedure(Procedure::Detach, Outcome::TimedOut, 5_000_000);
    let h = &rec.procedure(Procedure::Detach).latency_us;
    let p99 = h.value_at_quantile(0.99) as f64;
    assert!((p99 / 150_000.0 - 1.0).abs() < 1e-3, "{p99}");
    assert!((h.max() as f64 / 5e6 - 1.0).abs() < 1e-3);
}

#[test]
fn counts_outcomes_messages_and_clamps_huge_values() {
    let mut rec = Recorder::new();
    rec.record_started(Procedure::PlmnChange);
    rec.record_started(Procedure::PlmnChange);
    rec.record_procedure(Procedure::PlmnChange, Outcome::RejectedExpected, 10);
    rec.record_procedure(Procedure::PlmnChange, Outcome::TimedOut, 7_200_000_000);
    let p = rec.procedure(Procedure::PlmnChange);
    assert_eq!((p.started, p.rejected_expected, p.timed_out), (2, 1, 1));
    assert_eq!(p.count(Outcome::TimedOut), 1);
    assert_eq!(p.latency_us.len(), 2);
    assert!(p.latency_us.max() >= MAX_TRACKED_US);

    rec.record_message(MessageKind::S8Echo, 40, 2);
    rec.record_unanswered(MessageKind::S8Echo, 3);
    let m = rec.message(MessageKind::S8Echo);
    assert_eq!((m.sent, m.answered, m.retransmitted), (2, 1, 5));
    assert_eq!(m.latency_us.len(), 1);
}

#[test]
fn reset_clears_everything_but_link_names() {
    let mut rec = Recorder::new();
    record_all(&mut rec, 0..100);
    rec.link_mut("s6a").packets = 9;
    rec.reset();
    let empty = Recorder::new();
    for p in Procedure::ALL {
        assert_eq!(rec.procedure(*p).started, 0);
        assert!(rec.procedure(*p).latency_us == empty.procedure(*p).latency_us);
    }
    assert!(rec.message(MessageKind::S6aAir).latency_us.is_empty());
    assert!(rec.lag_us().is_empty());
    let links: Vec<_> = rec
        .links()
        .map(|(n, l)| (n, l.packets, l.delay_us.len()))
        .collect();
    assert_eq!(links, vec![("s6a", 0, 0), ("s8", 0, 0)]);
}

#[test]
fn merge_clamps_a_foreign_wider_histogram() {
    let mut wide = Histogram::<u64>::new_with_max(MAX_TRACKED_US * 10, 3).unwrap();
    wide.record(MAX_TRACKED_US * 5).unwrap();
    wide.record(7).unwrap();
    let mut mine = latency_histogram();
    merge_histogram(&mut mine, &wide);
    assert_eq!(mine.len(), 2);
    assert!(mine.max() >= MAX_TRACKED_US && mine.max() < MAX_TRACKED_US * 2);
}

fn example(at_us: u64, node: &str) -> ReasonExample {
    ReasonExample {
        at_us,
        node: node.to_string(),
        visited_plmn: "001-01".to_string(),
        home_plmn: "310-410".to_string(),
        message: "s6a.air".to_string(),
        code: Some(5004),
        subscriber: "0123456789ab".to_string(),
    }
}

#[test]
fn a_reason_keeps_its_first_example_and_builds_it_once() {
    let mut rec = Recorder::new();
    let mut built = 0;
    for at in [30, 10, 20] {
        rec.record_reason(
            Procedure::Attach,
            Outcome::RejectedExpected,
            "s6a.5004",
            || {
                built += 1;
                Some(example(at, "mme1"))
            },
        );
    }
    assert_eq!(built, 1);
    let c = rec
        .procedure_reasons()
        .get(Procedure::Attach, Outcome::RejectedExpected, "s6a.5004")
        .unwrap();
    assert_eq!((c.count, c.first.as_ref().map(|e| e.at_us)), (3, Some(30)));
    rec.record_message_reason(MessageKind::S6aAir, Outcome::RejectedExpected, "s6a.5004");
    assert_eq!(
        rec.message_reasons()
            .count(MessageKind::S6aAir, Outcome::RejectedExpected, "s6a.5004"),
        1
    );
    rec.reset();
    assert_eq!(rec.reasons().count(), 0);
    assert_eq!(rec.message_reasons().iter().count(), 0);
}

#[test]
fn merged_shards_add_reason_counts_and_keep_the_earliest_example() {
    let mut shards: Vec<Recorder> = (0..3).map(|_| Recorder::new()).collect();
    for (i, (at, node)) in [(500, "mme-a"), (200, "mme-b"), (900, "mme-c")]
        .into_iter()
        .enumerate()
    {
        for _ in 0..=i {
            shards[i].record_reason(Procedure::Attach, Outcome::Failed, "ue.auth_mac", || {
                Some(example(at, node))
            });
        }
    }
    // A key only one shard saw, and a shard that kept no example.
    shards[2].record_reason(
        Procedure::Detach,
        Outcome::TimedOut,
        "timeout.s6a.pur",
        || None,
    );
    let mut merged = Recorder::new();
    for s in &shards {
        merged.merge(s);
    }
    let c = merged
        .procedure_reasons()
        .get(Procedure::Attach, Outcome::Failed, "ue.auth_mac")
        .unwrap();
    assert_eq!(c.count, 6);
    assert_eq!(c.first.as_ref().map(|e| e.node.as_str()), Some("mme-b"));
    assert_eq!(
        merged.reason_count(Procedure::Detach, Outcome::TimedOut, "timeout.s6a.pur"),
        1
    );
    // The merge order does not matter.
    let mut reversed = Recorder::new();
    for s in shards.iter().rev() {
        reversed.merge(s);
    }
    assert_eq!(
        reversed
            .procedure_reasons()
            .get(Procedure::Attach, Outcome::Failed, "ue.auth_mac"),
        Some(c)
    );
}

#[test]
fn distinct_reason_keys_are_capped_and_the_rest_folds_into_other() {
    let mut rec = Recorder::new();
    let n = MAX_REASON_KEYS as u32 + 10;
    for code in 0..n {
        let key = format!("s6a.{}", 6000 + code);
        rec.record_reason(Procedure::Attach, Outcome::Failed, &key, || None);
    }
    // A key seen before the cap still counts under its own name.
    rec.record_reason(Procedure::Attach, Outcome::Failed, "s6a.6000", || None);
    let keys: Vec<(&str, u64)> = rec.reasons().map(|(_, _, k, n)| (k, n)).collect();
    assert_eq!(keys.len(), MAX_REASON_KEYS + 1);
    assert!(keys.contains(&(OTHER_REASON, 10)), "{keys:?}");
    assert!(keys.contains(&("s6a.6000", 2)));
    // Merging keeps the cap too.
    let mut other = Recorder::new();
    other.record_reason(Procedure::Attach, Outcome::Failed, "s6a.9999", || None);
    rec.merge(&other);
    assert_eq!(
        rec.reason_count(Procedure::Attach, Outcome::Failed, OTHER_REASON),
        11
    );
}
