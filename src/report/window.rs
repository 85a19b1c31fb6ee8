//! Windowed SLO evaluation (docs/ARCHITECTURE.md §7): an SLO with a window (`--slo-window 5m`, or
//! `window = "5m"` in its `[[slo]]` table) is also checked on every window of the run, so that
//! a 24-hour soak with one bad hour does not pass on its average. A soak passes only if every
//! window passed; the report lists the windows that failed. [`WindowedSlos`] fills a
//! [`WindowReport`] per SLO as intervals arrive; [`Summary::attach_windows`] (defined here) puts
//! them into the SLO results and updates the verdict.
//!
//! Windows are made of whole intervals, cut from the start of the run: a window closes with the
//! first interval that brings it to its length (a window shorter than the interval is one
//! interval). The last, partial window is checked too. A window in which the SLO's target saw
//! no traffic is counted as `no_data`, not as a failure: the whole-run check already fails an
//! SLO that measured nothing, and a rare procedure should not fail a soak by being rare.

use super::interval::Interval;
pub use super::model::WindowReport;
use super::model::{FailedWindow, RunInfo, SloResult, Summary, MAX_LISTED};
use super::recorder::Recorder;
use super::slo::{holds, observe};
use crate::model::slo::SloSpec;

/// The window being filled for one window length.
struct Open {
    window_us: u64,
    start_us: u64,
    end_us: u64,
    recorder: Recorder,
    intervals: u32,
}

/// Evaluates SLOs on every window as intervals arrive; memory is one recorder per distinct
/// window length.
pub struct WindowedSlos {
    specs: Vec<(SloSpec, Option<usize>)>,
    open: Vec<Open>,
    reports: Vec<Option<WindowReport>>,
}

impl WindowedSlos {
    /// Windows of `specs`: each its own `window`, else `default_window` (`--slo-window`),
    /// else none.
    pub fn new(specs: &[SloSpec], default_window: Option<std::time::Duration>) -> WindowedSlos {
        let mut open: Vec<Open> = Vec::new();
        let mut out = Vec::new();
        let mut reports = Vec::new();
        for spec in specs {
            let window = spec.window.or(default_window).map(|w| w.as_micros() as u64);
            let slot = window.filter(|w| *w > 0).map(|w| {
                open.iter()
                    .position(|o| o.window_us == w)
                    .unwrap_or_else(|| {
                        open.push(Open {
                            window_us: w,
                            start_us: 0,
                            end_us: 0,
                            recorder: Recorder::new(),
                            intervals: 0,
                        });
                        open.len() - 1
                    })
            });
            reports.push(slot.map(|s| WindowReport {
                window_s: open[s].window_us as f64 / 1e6,
                evaluated: 0,
                failed: 0,
                no_data: 0,
                failures: Vec::new(),
            }));
            out.push((spec.clone(), slot));
        }
        WindowedSlos {
            specs: out,
            open,
            reports,
        }
    }

    /// Whether any SLO has a window.
    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// Adds one interval; closes and checks every window it completes.
    pub fn push(&mut self, interval: &Interval) {
        for slot in 0..self.open.len() {
            let o = &mut self.open[slot];
            if o.intervals == 0 {
                o.start_us = interval.start_us;
            }
            o.recorder.merge(&interval.recorder);
            o.end_us = interval.end_us;
            o.intervals += 1;
            if o.end_us.saturating_sub(o.start_us) >= o.window_us {
                self.close(slot);
            }
        }
    }

    /// Checks the last, partial windows and returns one report per spec (`None` without a window).
    pub fn finish(mut self) -> Vec<Option<WindowReport>> {
        for slot in 0..self.open.len() {
            if self.open[slot].intervals > 0 {
                self.close(slot);
            }
        }
        self.reports
    }

    fn close(&mut self, slot: usize) {
        let o = &mut self.open[slot];
        let summary = Summary::new(&o.recorder, blank_info());
        let (start_s, end_s) = (o.start_us as f64 / 1e6, o.end_us as f64 / 1e6);
        o.recorder.reset();
        o.intervals = 0;
        for (i, (spec, s)) in self.specs.iter().enumerate() {
            if *s != Some(slot) {
                continue;
            }
            let report = self.reports[i]
                .as_mut()
                .expect("a windowed spec has a report");
            match observe(&summary, spec) {
                None => report.no_data += 1,
                Some(v) => {
                    report.evaluated += 1;
                    if !holds(spec.op, v, spec.threshold) {
                        report.failed += 1;
                        if report.failures.len() < MAX_LISTED {
                            report.failures.push(FailedWindow {
                                start_s,
                                end_s,
                                observed: v,
                            });
                        }
                    }
                }
            }
        }
    }
}

/// Run information for the summary of a window (only its measurements are read).
pub(crate) fn blank_info() -> RunInfo {
    RunInfo {
        id: String::new(),
        seed: 0,
        profile: String::new(),
        started_at: String::new(),
        duration_s: 0.0,
        shards: 0,
        offered_rate: 0.0,
        achieved_rate: 0.0,
        generator_saturated: false,
    }
}

/// Puts each spec's window report into its result: an SLO with a failed window fails.
pub fn attach_windows(results: &mut [SloResult], reports: Vec<Option<WindowReport>>) {
    for (r, w) in results.iter_mut().zip(reports) {
        if let Some(w) = &w {
            r.pass &= w.failed == 0;
        }
        r.windows = w;
    }
}

impl Summary {
    /// Adds the per-window evaluation of the SLOs (in the order they were evaluated): an SLO
    /// with a failed window fails, and the verdict follows.
    pub fn attach_windows(&mut self, reports: Vec<Option<WindowReport>>) {
        attach_windows(&mut self.slo, reports);
        self.verdict = self.verdict_with_checks();
    }
}
