//! Rate sweeps (`roamsim run --sweep FROM:TO:STEP`): one run per offered rate, and the knee,
//! the highest offered rate at which every SLO was met (docs/ARCHITECTURE.md §7). Here: the step
//! list parsed, each step's [`SweepPoint`] and the knee of the [`Sweep`] (both in `model`). Kept
//! in the sweep's `summary.json` (`sweep`, an extra key of v1); `markdown` and `html` render it.

use super::model::{Summary, Verdict};
pub use super::model::{Sweep, SweepPoint};

impl SweepPoint {
    /// The point of one step's summary.
    pub fn of(summary: &Summary, dir: &str) -> SweepPoint {
        SweepPoint {
            offered_rate: summary.run.info.offered_rate,
            achieved_rate: summary.run.info.achieved_rate,
            pass: summary.verdict == Verdict::Pass,
            p99_us: summary
                .procedures
                .iter()
                .filter(|(_, p)| p.ended() > 0)
                .map(|(n, p)| (n.to_string(), p.latency_us.p99))
                .collect(),
            dir: dir.to_string(),
        }
    }
}

impl Sweep {
    /// A sweep of `points`, with its knee.
    pub fn new(mut points: Vec<SweepPoint>) -> Sweep {
        points.sort_by(|a, b| a.offered_rate.total_cmp(&b.offered_rate));
        let knee = points
            .iter()
            .filter(|p| p.pass)
            .map(|p| p.offered_rate)
            .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))));
        Sweep { points, knee }
    }
}

/// Parses `FROM:TO:STEP` (procedures per second) into the rates of the sweep.
pub fn parse_sweep(text: &str) -> Result<Vec<f64>, String> {
    let parts: Vec<&str> = text.split(':').collect();
    let [from, to, step] = parts.as_slice() else {
        return Err(format!(
            "--sweep {text:?}: expected FROM:TO:STEP, e.g. 500:5000:500"
        ));
    };
    let num = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v > 0.0)
            .ok_or_else(|| format!("--sweep {text:?}: `{s}` is not a positive rate"))
    };
    let (from, to, step) = (num(from)?, num(to)?, num(step)?);
    if to < from {
        return Err(format!("--sweep {text:?}: TO is below FROM"));
    }
    let n = ((to - from) / step + 1e-9).floor() as usize + 1;
    if n > 100 {
        return Err(format!("--sweep {text:?}: {n} steps; at most 100"));
    }
    Ok((0..n).map(|i| from + step * i as f64).collect())
}
