//! `roamsim compare BASELINE CURRENT` (docs/ARCHITECTURE.md §7): the nightly gate. Compares
//! achieved throughput and latency percentiles per procedure of two `summary.json`s and flags a
//! regression beyond a tolerance: throughput lower, or a latency higher, by more than
//! `max_regression` of the baseline.
//!
//! Two guards keep a gate from flapping on noise: a latency difference smaller than
//! `min_latency_delta_us` (default 1 ms, the scale of loopback jitter) is never a regression,
//! and a percentile is compared only when both runs hold at least ten samples beyond it (p99
//! needs 1,000 ended procedures, p99.9 10,000).

use std::fmt::Write;

use super::format::fmt_ms;
use super::model::Summary;
use crate::model::slo::LatencyStat;

/// How strict the gate is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Largest accepted relative change for the worse (0.05 = 5 %).
    pub max_regression: f64,
    /// Latency differences below this many µs are never regressions.
    pub min_latency_delta_us: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance {
            max_regression: 0.05,
            min_latency_delta_us: 1000.0,
        }
    }
}

/// One compared figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `run` or a procedure name.
    pub target: String,
    /// `achieved_rate`, `throughput` or a latency statistic (`p99`).
    pub metric: String,
    /// Baseline value (procedures/s or µs).
    pub baseline: f64,
    /// Current value.
    pub current: f64,
    /// Relative change for the worse (positive: worse), e.g. 0.12 = 12 % worse.
    pub worse_by: f64,
    /// Beyond the tolerance.
    pub regression: bool,
}

/// The result of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Every figure compared, in order.
    pub rows: Vec<Row>,
    /// The tolerance applied.
    pub tolerance: Tolerance,
}

impl Comparison {
    /// Whether any figure regressed.
    pub fn regressed(&self) -> bool {
        self.rows.iter().any(|r| r.regression)
    }
}

fn rate_row(target: &str, metric: &str, base: f64, cur: f64, tol: &Tolerance) -> Row {
    let worse_by = if base > 0.0 { (base - cur) / base } else { 0.0 };
    Row {
        target: target.to_string(),
        metric: metric.to_string(),
        baseline: base,
        current: cur,
        worse_by,
        regression: worse_by > tol.max_regression + 1e-12,
    }
}

fn latency_row(target: &str, stat: LatencyStat, base: f64, cur: f64, tol: &Tolerance) -> Row {
    let worse_by = if base > 0.0 { (cur - base) / base } else { 0.0 };
    Row {
        target: target.to_string(),
        metric: stat.name().to_string(),
        baseline: base,
        current: cur,
        worse_by,
        regression: worse_by > tol.max_regression + 1e-12 && cur - base >= tol.min_latency_delta_us,
    }
}

/// Compares `current` against `baseline`.
pub fn compare(baseline: &Summary, current: &Summary, tol: Tolerance) -> Comparison {
    let (b, c) = (&baseline.run.info, &current.run.info);
    let mut rows = vec![rate_row(
        "run",
        "achieved_rate",
        b.achieved_rate,
        c.achieved_rate,
        &tol,
    )];
    for (name, bp) in baseline.procedures.iter() {
        let Some(cp) = current.procedures.get(name) else {
            continue;
        };
        if bp.ended() == 0 {
            continue;
        }
        let rate = |n: u64, secs: f64| n as f64 / secs.max(1e-9);
        rows.push(rate_row(
            name,
            "throughput",
            rate(bp.ended(), b.duration_s),
            rate(cp.ended(), c.duration_s),
            &tol,
        ));
        let samples = bp.ended().min(cp.ended()) as f64;
        for &stat in &[
            LatencyStat::P50,
            LatencyStat::P90,
            LatencyStat::P99,
            LatencyStat::P999,
        ] {
            let q = stat.quantile().expect("a percentile");
            if samples * (1.0 - q) < 10.0 - 1e-9 {
                continue;
            }
            rows.push(latency_row(
                name,
                stat,
                bp.latency_us.get(stat),
                cp.latency_us.get(stat),
                &tol,
            ));
        }
    }
    Comparison {
        rows,
        tolerance: tol,
    }
}

/// The comparison as a Markdown table, regressions marked, and a verdict line.
pub fn render_comparison(c: &Comparison) -> String {
    let mut out = String::from(
        "| target | metric | baseline | current | change | result |\n|:--|:--|--:|--:|--:|:--|\n",
    );
    for r in &c.rows {
        let fmt = |v: f64| {
            if r.metric.starts_with('p') {
                format!("{} ms", fmt_ms(v))
            } else {
                format!("{v:.1}/s")
            }
        };
        let change = if r.metric.starts_with('p') {
            r.worse_by
        } else {
            -r.worse_by
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:+.1}% | {} |",
            r.target,
            r.metric,
            fmt(r.baseline),
            fmt(r.current),
            change * 100.0,
            if r.regression { "**REGRESSION**" } else { "ok" }
        );
    }
    let n = c.rows.iter().filter(|r| r.regression).count();
    let _ = writeln!(
        out,
        "\n{} ({} of {} figures beyond {:.1}% tolerance; latency differences under {} ms ignored)",
        if n > 0 { "**REGRESSED**" } else { "**OK**" },
        n,
        c.rows.len(),
        c.tolerance.max_regression * 100.0,
        fmt_ms(c.tolerance.min_latency_delta_us)
    );
    out
}
