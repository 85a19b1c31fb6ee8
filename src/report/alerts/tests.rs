//! Alert evaluation on intervals: firing, counting, windows and the message template.

use super::*;
use crate::model::alert::Severity;
use crate::model::expect::Check;
use crate::report::expect::tests::recorder;

fn alert(condition: &str, window: Option<&str>) -> AlertConfig {
    AlertConfig {
        name: "agreement_missing".into(),
        condition: Check::parse(condition).unwrap(),
        window: window.map(str::to_string),
        severity: Severity::Critical,
        runbook: "https://runbooks.example/agreement".into(),
        message: Some("no agreement: {home_plmn} in {visited_plmn} ({value})".into()),
    }
}

fn interval(index: u64, recorder: Recorder) -> Interval {
    Interval {
        index,
        start_us: index * 1_000_000,
        end_us: (index + 1) * 1_000_000,
        recorder,
        mmes: Vec::new(),
        in_flight: 0,
    }
}

#[test]
fn fires_per_interval_and_fills_the_message() {
    let mut e = AlertEvaluator::new(&[alert("attach:rejected_expected[s6a.5004] >= 1", None)]);
    assert!(e.push(&interval(0, Recorder::new())).is_empty());
    let fired = e.push(&interval(1, recorder()));
    assert_eq!(
        fired,
        [Fired {
            name: "agreement_missing",
            severity: "critical"
        }]
    );
    assert!(e.push(&interval(2, Recorder::new())).is_empty());
    e.push(&interval(3, recorder()));
    let out = e.finish();
    assert_eq!(out.len(), 1);
    let a = &out[0];
    assert_eq!((a.count, a.first_at_s, a.last_at_s), (2, 2.0, 4.0));
    assert_eq!(a.message, "no agreement: 310-410 in 001-01 (8)");
    assert_eq!(a.runbook, "https://runbooks.example/agreement");
}

#[test]
fn a_window_reads_the_last_intervals_together() {
    // 2 failures per interval: one interval alone stays below 3, two together reach it.
    let mut e = AlertEvaluator::new(&[alert("attach:failed >= 3", Some("2s"))]);
    let mut one = AlertEvaluator::new(&[alert("attach:failed >= 3", None)]);
    for i in 0..4 {
        e.push(&interval(i, recorder()));
        one.push(&interval(i, recorder()));
    }
    assert_eq!(e.finish()[0].count, 3);
    assert!(one.finish().is_empty());
}

#[test]
fn never_fired_is_absent() {
    let mut e = AlertEvaluator::new(&[alert("attach:timed_out > 0", None)]);
    e.push(&interval(0, recorder()));
    assert!(e.finish().is_empty());
}
