//! The charging section of report.md and report.html: offline charging's counts, what was lost,
//! the close→acknowledgement latency, and the dead-letter spool's depth over time (the DLQ-depth
//! and billing-trigger-latency KPIs of a mediation outage).

use std::fmt::Write;

use super::format::fmt_ms;
use super::model::ChargingSummary;
use super::model::Summary;
use super::svg::{nice_ceil, Axis, Chart, Series};

/// The counts shown, with their labels.
const ROWS: &[(&str, &str)] = &[
    ("generated", "records generated"),
    ("pgw_records", "of which PGW-CDRs"),
    ("sgw_records", "of which SGW-CDRs"),
    ("stored", "stored at the CGFs"),
    ("packets_sent", "packets sent"),
    ("acknowledged", "packets acknowledged"),
    ("retransmitted", "packets retransmitted"),
    ("redirected", "redirections obeyed"),
    ("sent_possibly_duplicated", "sent as possibly duplicated"),
    ("released", "released"),
    ("cancelled", "cancelled"),
    ("spooled", "records spooled"),
    ("replayed", "records replayed"),
    ("duplicates_dropped", "duplicates dropped by the CGFs"),
    (
        "dropped_while_down",
        "requests dropped by a CGF that was down",
    ),
];

/// `## Charging` of report.md; empty without charging.
pub fn charging_md(s: &Summary) -> String {
    let Some(c) = &s.charging else {
        return String::new();
    };
    let mut out = String::from("## Charging\n\n");
    let _ = writeln!(
        out,
        "Offline charging (CDRs over GTP'): **{} lost**, {} still outstanding, deepest spool {} records; close→ack p50 {} ms, p95 {} ms, max {} ms.\n",
        c.lost,
        c.outstanding,
        c.spooled_max,
        fmt_ms(c.ack_latency_us.p50 as f64),
        fmt_ms(c.ack_latency_us.p95 as f64),
        fmt_ms(c.ack_latency_us.max as f64),
    );
    out.push_str("| count | value |\n|:--|--:|\n");
    for (key, label) in ROWS {
        if let Some(v) = c.count(key) {
            let _ = writeln!(out, "| {label} | {v} |");
        }
    }
    out.push('\n');
    if c.intervals.iter().any(|p| p.spool_depth > 0) {
        out.push_str("Spool depth over time (intervals where it was not empty, and the next):\n\n");
        out.push_str("| t s | spool | generated | stored | ack p95 ms |\n|--:|--:|--:|--:|--:|\n");
        let mut last_nonzero = false;
        for p in &c.intervals {
            if p.spool_depth > 0 || last_nonzero {
                let _ = writeln!(
                    out,
                    "| {:.0} | {} | {} | {} | {} |",
                    p.t_s,
                    p.spool_depth,
                    p.generated,
                    p.stored,
                    fmt_ms(p.ack_p95_us as f64)
                );
            }
            last_nonzero = p.spool_depth > 0;
        }
        out.push('\n');
    }
    out
}

/// The charging section of report.html: the counts and a chart of the spool depth and the
/// acknowledgement p95 over time; empty without charging.
pub fn charging_html(s: &Summary) -> String {
    let Some(c) = &s.charging else {
        return String::new();
    };
    let mut out = String::from("<h2>Charging</h2>");
    let _ = write!(
        out,
        "<p>Offline charging: <b>{} lost</b>, {} outstanding, deepest spool {} records, close→ack p95 {} ms.</p><table><tr><th>count</th><th>value</th></tr>",
        c.lost,
        c.outstanding,
        c.spooled_max,
        fmt_ms(c.ack_latency_us.p95 as f64)
    );
    for (key, label) in ROWS {
        if let Some(v) = c.count(key) {
            let _ = write!(out, "<tr><td>{label}</td><td>{v}</td></tr>");
        }
    }
    out.push_str("</table>");
    out.push_str(&spool_chart(c));
    out
}

fn spool_chart(c: &ChargingSummary) -> String {
    let end = c.intervals.last().map_or(1.0, |p| p.t_s).max(1.0);
    let top = nice_ceil(c.spooled_max.max(1) as f64);
    let mut chart = Chart::new(
        "Dead-letter spool depth over time",
        Axis::linear(0.0, end, "seconds from the start"),
        Axis::linear(0.0, top, "records spooled"),
        1000.0,
        300.0,
    );
    let series = [Series {
        name: "spool depth".into(),
        points: c
            .intervals
            .iter()
            .map(|p| (p.t_s, p.spool_depth as f64))
            .collect(),
    }];
    chart.lines(&series, true);
    chart.finish()
}
