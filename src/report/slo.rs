//! SLO evaluation (docs/ARCHITECTURE.md §7): each [`SloSpec`] of the profile and the command line
//! checked against a [`Summary`], giving the `slo` array and the `verdict` of `summary.json`, and
//! through them the exit code (99 on a breach). The caller applies it after building the summary:
//! [`Summary::evaluate_slos`] (defined here), or [`evaluate`] and [`verdict`] directly.
//!
//! The observed value is read from the summary itself, not from the recorder, so a stored
//! `summary.json` can be re-gated later with other SLOs and gives the same answer. An SLO whose
//! target saw no traffic fails with `observed: null`: a gate that measured nothing has not been
//! met, and a typo-free but empty objective is worth noticing.

use super::model::{SloResult, Summary, Verdict};
use crate::model::slo::{Comparison, SloMetric, SloSpec, SloTarget};

/// The `metric` string of a spec: `attach:latency_us.p99`, `s6a.ulr:timeout_ratio`.
pub fn metric_key(spec: &SloSpec) -> String {
    let key = match spec.metric {
        SloMetric::Latency(stat) => {
            return format!("{}:latency_us.{}", spec.target.name(), stat.name())
        }
        SloMetric::Success => "success_ratio",
        SloMetric::Timeout => "timeout_ratio",
        SloMetric::Error => "error_ratio",
        SloMetric::Count(name) => name,
    };
    format!("{}:{key}", spec.target.name())
}

/// The value `spec` is about, read from `summary`; `None` when there is nothing to measure.
pub fn observe(summary: &Summary, spec: &SloSpec) -> Option<f64> {
    let ratio = |num: u64, den: u64| (den > 0).then(|| num as f64 / den as f64);
    match spec.target {
        SloTarget::Procedure(p) => {
            let s = summary.procedure(p)?;
            match spec.metric {
                SloMetric::Latency(stat) => (s.ended() > 0).then(|| s.latency_us.get(stat)),
                SloMetric::Success => ratio(s.ok + s.rejected_expected, s.started),
                SloMetric::Timeout => ratio(s.timed_out, s.started),
                SloMetric::Error => ratio(s.failed, s.started),
                SloMetric::Count(_) => None,
            }
        }
        SloTarget::Message(k) => {
            let s = summary.message(k)?;
            match spec.metric {
                SloMetric::Latency(stat) => (s.answered > 0).then(|| s.latency_us.get(stat)),
                SloMetric::Success => ratio(s.answered, s.sent),
                SloMetric::Timeout => ratio(s.sent.saturating_sub(s.answered), s.sent),
                SloMetric::Error | SloMetric::Count(_) => None,
            }
        }
        SloTarget::Charging => {
            let c = summary.charging.as_ref()?;
            let SloMetric::Count(name) = spec.metric else {
                return None;
            };
            c.count(name).map(|v| v as f64)
        }
        SloTarget::ChargingAck => {
            let c = summary.charging.as_ref()?;
            match spec.metric {
                SloMetric::Latency(stat) => {
                    (c.count("acknowledged")? > 0).then(|| c.ack_latency_us.get(stat))
                }
                _ => None,
            }
        }
    }
}

/// Whether `observed op threshold` holds, forgiving the last bits of floating-point noise, so
/// that 5 timeouts in 5000 are exactly at a `0.1%` threshold however the percentage was parsed.
pub(crate) fn holds(op: Comparison, observed: f64, threshold: f64) -> bool {
    let eps = 1e-12 * threshold.abs().max(1.0);
    match op {
        Comparison::Lt => observed < threshold - eps,
        Comparison::Le => observed <= threshold + eps,
        Comparison::Gt => observed > threshold + eps,
        Comparison::Ge => observed >= threshold - eps,
        Comparison::Eq => (observed - threshold).abs() <= eps,
    }
}

/// Checks every spec against `summary`, in order.
pub fn evaluate(summary: &Summary, specs: &[SloSpec]) -> Vec<SloResult> {
    specs
        .iter()
        .map(|spec| {
            let observed = observe(summary, spec);
            SloResult {
                name: spec.label(),
                metric: metric_key(spec),
                threshold: spec.threshold,
                observed,
                pass: observed.is_some_and(|v| holds(spec.op, v, spec.threshold)),
                windows: None,
            }
        })
        .collect()
}

/// `pass` iff every result passed; no SLO passes.
pub fn verdict(results: &[SloResult]) -> Verdict {
    if results.iter().all(|r| r.pass) {
        Verdict::Pass
    } else {
        Verdict::Fail
    }
}

impl Summary {
    /// Replaces the SLO results and verdict with those of `slos`: after [`Summary::new`], and
    /// when `roamsim report --slo` re-gates a stored summary.
    pub fn evaluate_slos(&mut self, slos: &[SloSpec]) {
        self.slo = evaluate(self, slos);
        self.verdict = self.verdict_with_checks();
    }

    /// [`verdict`] of the SLOs, and `fail` when an `[expect]` check failed.
    pub fn verdict_with_checks(&self) -> Verdict {
        match self.expect.iter().all(|r| r.pass) {
            true => verdict(&self.slo),
            false => Verdict::Fail,
        }
    }
}
