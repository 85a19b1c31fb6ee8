//! The collector evaluates the profile's alerts on every merged interval, tells its sinks
//! (`/metrics`) each time one fires, and hands the alerts that fired to the summary.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use super::*;
use crate::model::alert::{AlertConfig, Severity};
use crate::model::expect::Check;
use crate::model::{Outcome, Procedure};
use crate::report::interval::Snapshot;

fn snapshot(shard: u32, index: u64, failed: u64, last: bool) -> Snapshot {
    let mut recorder = Recorder::new();
    for _ in 0..failed {
        recorder.record_started(Procedure::Attach);
        recorder.record_procedure(Procedure::Attach, Outcome::Failed, 1_000);
    }
    Snapshot {
        shard,
        index,
        end_us: (index + 1) * 1_000_000,
        recorder,
        mmes: Vec::new(),
        in_flight: 0,
        last,
    }
}

#[test]
fn alerts_fire_per_merged_interval_and_reach_the_sinks() {
    let dir = std::env::temp_dir().join(format!("roamsim-collect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let alerts = [AlertConfig {
        name: "attach_failures".into(),
        condition: Check::parse("attach:failed >= 2").unwrap(),
        window: None,
        severity: Severity::Critical,
        runbook: "https://runbooks.example/attach".into(),
        message: None,
    }];
    let hlog = dir.join("intervals.hlog");
    let cfg = CollectorConfig {
        hlog_path: &hlog,
        run_id: "t",
        start_unix_ms: 0,
        shards: 2,
        every: Duration::from_secs(1),
        slos: &[],
        slo_window: None,
        alerts: &alerts,
    };
    let mut c = Collector::new(&cfg, Vec::new()).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    c.add_alert_sink(Box::new(move |name, severity| {
        s.lock().unwrap().push(format!("{name}/{severity}"))
    }));
    let (tx, rx) = mpsc::channel();
    // Interval 0: one failure on each shard (2 merged: fires); interval 1: one in all (quiet);
    // interval 2: two on one shard (fires).
    for s in [
        snapshot(0, 0, 1, false),
        snapshot(1, 0, 1, false),
        snapshot(0, 1, 1, false),
        snapshot(1, 1, 0, false),
        snapshot(0, 2, 2, true),
        snapshot(1, 2, 0, true),
    ] {
        tx.send(s).unwrap();
    }
    drop(tx);
    c.drain(rx);
    let collected = c.finish();
    assert_eq!(
        *seen.lock().unwrap(),
        ["attach_failures/critical", "attach_failures/critical"]
    );
    let a = &collected.alerts[0];
    assert_eq!((a.count, a.first_at_s, a.last_at_s), (2, 1.0, 3.0));
    assert_eq!(a.message, "attach:failed >= 2");
    let _ = std::fs::remove_dir_all(dir);
}
