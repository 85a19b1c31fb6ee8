//! The run thread's side of interval reporting (docs/ARCHITECTURE.md §5, §7): receives the shards'
//! [`Snapshot`]s, merges them into whole-run [`Interval`]s in order, and for each interval
//! appends it to `intervals.hlog`, checks windowed SLOs, follows MME loads for the capacity
//! report, evaluates the profile's alerts, adds it to the run's totals and hands it to live observers (progress line,
//! `/metrics`). Nothing grows with the length of the run but the log file.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::Path;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use crate::model::alert::AlertConfig;
use crate::model::slo::SloSpec;
use crate::report::alerts::AlertEvaluator;
use crate::report::capacity::CapacityTracker;
use crate::report::hlog::HlogWriter;
use crate::report::interval::{Interval, IntervalMerger, Snapshot};
use crate::report::model::AlertSummary;
use crate::report::window::{WindowReport, WindowedSlos};
use crate::report::Recorder;

/// Something that watches intervals as they close: the interval, and the run's totals so far.
pub type Observer = Box<dyn FnMut(&Interval, &Recorder) + Send>;

/// Told of every alert that fired in an interval: its name and severity (`/metrics`).
pub type AlertSink = Box<dyn FnMut(&str, &str) + Send>;

/// Merges, logs and evaluates intervals; see the module docs.
pub struct Collector {
    merger: IntervalMerger,
    total: Recorder,
    hlog: HlogWriter<BufWriter<File>>,
    hlog_error: Option<io::Error>,
    windows: WindowedSlos,
    capacity: CapacityTracker,
    observers: Vec<Observer>,
    intervals: u64,
    charging: Vec<crate::report::model::ChargingPoint>,
    charging_outstanding: u64,
    alerts: AlertEvaluator,
    alert_sinks: Vec<AlertSink>,
}

/// What a collector gathered over the run.
pub struct Collected {
    /// The run's totals: the sum of its intervals.
    pub total: Recorder,
    /// Per-window SLO results, one per spec.
    pub windows: Vec<Option<WindowReport>>,
    /// MME loads for the capacity report.
    pub capacity: CapacityTracker,
    /// The first error writing `intervals.hlog`, if any (the run goes on without the log).
    pub hlog_error: Option<io::Error>,
    /// Intervals merged.
    pub intervals: u64,
    /// Offline charging per interval (empty without charging).
    pub charging: Vec<crate::report::model::ChargingPoint>,
    /// Charging records still outstanding at the end of the last interval.
    pub charging_outstanding: u64,
    /// The alerts that fired.
    pub alerts: Vec<AlertSummary>,
}

/// Where and how a collector works.
pub struct CollectorConfig<'a> {
    /// The `intervals.hlog` to create.
    pub hlog_path: &'a Path,
    /// Run id, for the log's header.
    pub run_id: &'a str,
    /// Start of the run, Unix ms (the log's StartTime and BaseTime).
    pub start_unix_ms: u64,
    /// Shards that send snapshots.
    pub shards: u32,
    /// Interval length.
    pub every: Duration,
    /// SLOs, for windowed evaluation.
    pub slos: &'a [SloSpec],
    /// `--slo-window`, for SLOs without their own.
    pub slo_window: Option<Duration>,
    /// The profile's `[[alerts]]`, evaluated at every interval.
    pub alerts: &'a [AlertConfig],
}

impl Collector {
    /// Creates `intervals.hlog` and an empty collector.
    pub fn new(cfg: &CollectorConfig, observers: Vec<Observer>) -> io::Result<Collector> {
        let file = BufWriter::new(File::create(cfg.hlog_path)?);
        Ok(Collector {
            merger: IntervalMerger::new(cfg.shards, cfg.every.as_micros() as u64),
            total: Recorder::new(),
            hlog: HlogWriter::new(file, cfg.run_id, cfg.start_unix_ms)?,
            hlog_error: None,
            windows: WindowedSlos::new(cfg.slos, cfg.slo_window),
            capacity: CapacityTracker::default(),
            observers,
            intervals: 0,
            charging: Vec::new(),
            charging_outstanding: 0,
            alerts: AlertEvaluator::new(cfg.alerts),
            alert_sinks: Vec::new(),
        })
    }

    /// Also tells `sink` of every alert that fires.
    pub fn add_alert_sink(&mut self, sink: AlertSink) {
        self.alert_sinks.push(sink);
    }

    /// Takes snapshots until every sender is gone, then whatever is still pending.
    pub fn drain(&mut self, rx: Receiver<Snapshot>) {
        for s in rx {
            for i in self.merger.push(s) {
                self.take(i);
            }
        }
        for i in self.merger.finish() {
            self.take(i);
        }
    }

    fn take(&mut self, interval: Interval) {
        if self.hlog_error.is_none() {
            if let Err(e) = self.hlog.append(&interval) {
                self.hlog_error = Some(e);
            }
        }
        self.windows.push(&interval);
        self.capacity.push(&interval);
        self.total.merge(&interval.recorder);
        self.intervals += 1;
        let c = &interval.recorder.charging;
        if c.active {
            self.charging
                .push(crate::report::model::ChargingPoint::of(interval.end_us, c));
            self.charging_outstanding = c.outstanding;
        }
        for fired in self.alerts.push(&interval) {
            for sink in &mut self.alert_sinks {
                sink(fired.name, fired.severity);
            }
        }
        for o in &mut self.observers {
            o(&interval, &self.total);
        }
    }

    /// The run's totals and evaluations.
    pub fn finish(self) -> Collected {
        Collected {
            total: self.total,
            windows: self.windows.finish(),
            capacity: self.capacity,
            hlog_error: self.hlog_error,
            intervals: self.intervals,
            charging: self.charging,
            charging_outstanding: self.charging_outstanding,
            alerts: self.alerts.finish(),
        }
    }
}

#[cfg(test)]
mod tests;
