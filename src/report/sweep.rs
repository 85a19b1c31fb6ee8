//! Rate sweeps (`roamsim run --sweep FROM:TO:STEP`): one run per offered rate, and the knee,
//! the highest offered rate at which every SLO was met. Kept in the sweep's `summary.json`
//! (`sweep`, an extra key of v1) and drawn in its `report.html` as latency against offered load.

use std::fmt::Write;

use super::format::{fmt_ms, xml_escape};
use super::model::{Summary, Verdict};
pub use super::model::{Sweep, SweepPoint};
use super::svg::{Axis, Chart, Series};
use crate::model::Procedure;

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

/// p99 latency (ms, log) against offered rate, per procedure, with the knee marked.
pub fn sweep_chart(sweep: &Sweep) -> String {
    let mut series: Vec<Series> = Vec::new();
    for p in Procedure::ALL {
        let points: Vec<(f64, f64)> = sweep
            .points
            .iter()
            .filter_map(|s| {
                let v = s.p99_us.iter().find(|(n, _)| n == p.as_str())?.1;
                Some((s.offered_rate, v.max(1) as f64 / 1000.0))
            })
            .collect();
        if !points.is_empty() {
            series.push(Series {
                name: format!("{} p99", p.as_str()),
                points,
            });
        }
    }
    let vals = series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
    let (lo, hi) = vals.fold((f64::MAX, 0f64), |(l, h), v| (l.min(v), h.max(v)));
    let (lo, hi) = if lo > hi { (1.0, 10.0) } else { (lo, hi) };
    let top = sweep.points.last().map_or(1.0, |p| p.offered_rate);
    let mut c = Chart::new(
        "p99 latency against offered load",
        Axis::linear(0.0, top * 1.05, "offered procedures/s"),
        Axis::log(lo, hi, "p99 ms (log)"),
        1000.0,
        340.0,
    );
    c.lines(&series, true);
    match sweep.knee {
        Some(k) => c.marker(k, &format!("knee {k:.0}/s")),
        None => c.note("no step met every SLO"),
    }
    c.finish()
}

/// The table of steps.
pub fn sweep_table_html(sweep: &Sweep) -> String {
    let mut out = String::from(
        "<table><tr><th>offered/s</th><th>achieved/s</th><th>p99 per procedure (ms)</th><th>SLOs</th><th>folder</th></tr>",
    );
    for p in &sweep.points {
        let p99: Vec<String> = p
            .p99_us
            .iter()
            .map(|(n, v)| format!("{n} {}", fmt_ms(*v as f64)))
            .collect();
        let _ = write!(
            out,
            "<tr><td>{:.0}</td><td>{:.1}</td><td>{}</td><td class=\"{}\">{}</td><td><code>{}</code></td></tr>",
            p.offered_rate,
            p.achieved_rate,
            xml_escape(&p99.join(", ")),
            if p.pass { "pass" } else { "fail" },
            if p.pass { "met" } else { "breached" },
            xml_escape(&p.dir)
        );
    }
    out.push_str("</table>");
    out
}

/// The sweep section of `report.md`.
pub fn render_sweep_md(sweep: &Sweep) -> String {
    let mut out =
        String::from("## Sweep\n\n| offered/s | achieved/s | p99 ms | SLOs |\n|--:|--:|:--|:--|\n");
    for p in &sweep.points {
        let p99: Vec<String> = p
            .p99_us
            .iter()
            .map(|(n, v)| format!("{n} {}", fmt_ms(*v as f64)))
            .collect();
        let _ = writeln!(
            out,
            "| {:.0} | {:.1} | {} | {} |",
            p.offered_rate,
            p.achieved_rate,
            p99.join(", "),
            if p.pass { "met" } else { "**breached**" }
        );
    }
    let _ = writeln!(
        out,
        "\nKnee (highest offered rate meeting every SLO): {}\n",
        sweep
            .knee
            .map_or("none".to_string(), |k| format!("**{k:.0}/s**"))
    );
    out
}
