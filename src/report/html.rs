//! `report.html` (docs/ARCHITECTURE.md §7): one self-contained file, inline CSS and hand-written SVG
//! charts ([`super::svg`]), no script, font or network, so it opens from a CI artifact store or
//! an e-mail the same way. Rendered from `summary.json` and `intervals.hlog` alone, so
//! `roamsim report DIR` re-renders it.
//!
//! Charts: latency percentile spectrum per procedure (whole-run histograms from the log, x in
//! "nines"), throughput and p99 over time (per interval), outcome breakdown per procedure,
//! per-link impairment, and for a sweep, latency against offered load with the knee; also the
//! reasons (why procedures did not succeed), capacity and sweep tables. Reads only `model`, `online`, `format`, `text` and its chart primitives (`svg`).

use std::fmt::Write;

use super::format::{fmt_ms, fmt_percent, slo_value, xml_escape};
use super::model::{Capacity, HlogData, HlogPoint, Summary, Sweep};
use super::svg::{Axis, Chart, Series};
use super::text::{
    attached_sentence, example_text, failure_text, p99_list, reason_rows, warm_start_sentence,
    REASONS_TITLE,
};
use crate::model::Procedure;

/// Most points a time chart draws; longer runs are drawn from merged intervals.
pub const MAX_POINTS: usize = 360;

const STYLE: &str = "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}\
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}\
td:first-child,th:first-child{text-align:left}th{background:#f4f4f4}\
.pass{color:#08702a;font-weight:bold}.fail{color:#b00020;font-weight:bold}\
svg.chart{width:100%;height:auto;background:#fff;margin:6px 0}\
.grid{stroke:#e6e6e6}.frame{fill:none;stroke:#888}.tick{font-size:11px;fill:#333}\
.label{font-size:12px;fill:#333}.title{font-size:13px;font-weight:bold;fill:#222}.note{font-size:13px;fill:#777}\
code{background:#f4f4f4;padding:0 3px}";

/// Merges consecutive points so that at most `max` remain: counts and lengths add up, p99 and
/// max are the worst of the merged intervals (percentiles are never averaged).
pub fn downsample(points: &[HlogPoint], max: usize) -> Vec<HlogPoint> {
    let group = points.len().div_ceil(max.max(1)).max(1);
    points
        .chunks(group)
        .map(|c| HlogPoint {
            start_s: c[0].start_s,
            length_s: c.iter().map(|p| p.length_s).sum(),
            count: c.iter().map(|p| p.count).sum(),
            p50: c.iter().map(|p| p.p50).max().unwrap_or(0),
            p99: c.iter().map(|p| p.p99).max().unwrap_or(0),
            max: c.iter().map(|p| p.max).max().unwrap_or(0),
        })
        .collect()
}

fn run_duration(hlog: &HlogData, summary: &Summary) -> f64 {
    hlog.tags
        .iter()
        .filter_map(|t| t.points.last().map(|p| p.start_s + p.length_s))
        .fold(summary.run.info.duration_s, f64::max)
        .max(1e-3)
}

/// Latency (ms, log) against percentile ("nines"), per procedure with data.
pub fn spectrum_chart(hlog: &HlogData) -> String {
    let mut series = Vec::new();
    for p in Procedure::ALL {
        let Some(t) = hlog.tag(p.as_str()).filter(|t| !t.total.is_empty()) else {
            continue;
        };
        let nines = (t.total.len() as f64).log10().clamp(1.0, 5.0);
        let steps = (nines * 20.0).ceil() as usize;
        let points = (0..=steps)
            .map(|i| {
                let x = nines * i as f64 / steps as f64;
                let q = 1.0 - 10f64.powf(-x);
                (x, t.total.value_at_quantile(q).max(1) as f64 / 1000.0)
            })
            .collect();
        series.push(Series {
            name: p.as_str().to_string(),
            points,
        });
    }
    let (lo, hi) = bounds(&series, |p| p.1);
    let x = Axis::linear(0.0, series_max_x(&series).max(1.0), "percentile");
    let mut c = Chart::new(
        "Latency percentile spectrum (whole run)",
        x,
        Axis::log(lo, hi, "latency ms (log)"),
        1000.0,
        340.0,
    );
    if series.is_empty() {
        c.note("no latency recorded (no intervals.hlog, or no procedure ended)");
    }
    c.lines(&series, false);
    c.finish()
}

fn bounds(series: &[Series], f: impl Fn(&(f64, f64)) -> f64) -> (f64, f64) {
    let vals = series.iter().flat_map(|s| s.points.iter().map(&f));
    let (lo, hi) = vals.fold((f64::MAX, 0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        (1.0, 10.0)
    } else {
        (lo, hi)
    }
}

fn series_max_x(series: &[Series]) -> f64 {
    series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .fold(0.0, f64::max)
}

/// Completions per second and p99 per interval, per procedure with data.
pub fn time_charts(hlog: &HlogData, summary: &Summary) -> (String, String) {
    let mut rate = Vec::new();
    let mut p99 = Vec::new();
    for p in Procedure::ALL {
        let Some(t) = hlog.tag(p.as_str()).filter(|t| !t.total.is_empty()) else {
            continue;
        };
        let pts = downsample(&t.points, MAX_POINTS);
        let end = |q: &HlogPoint| q.start_s + q.length_s;
        rate.push(Series {
            name: p.as_str().to_string(),
            points: pts
                .iter()
                .map(|q| (end(q), q.count as f64 / q.length_s.max(1e-6)))
                .collect(),
        });
        p99.push(Series {
            name: p.as_str().to_string(),
            points: pts
                .iter()
                .filter(|q| q.count > 0)
                .map(|q| (end(q), q.p99.max(1) as f64 / 1000.0))
                .collect(),
        });
    }
    let duration = run_duration(hlog, summary);
    let (_, top) = bounds(&rate, |p| p.1);
    let mut c = Chart::new(
        "Throughput: completed procedures per second, per interval",
        Axis::linear(0.0, duration, "time since start, s"),
        Axis::linear(0.0, top.max(1.0), "procedures/s"),
        1000.0,
        300.0,
    );
    if rate.is_empty() {
        c.note("no intervals recorded");
    }
    c.lines(&rate, false);
    let rate_svg = c.finish();
    let (lo, hi) = bounds(&p99, |p| p.1);
    let mut c = Chart::new(
        "p99 latency per interval",
        Axis::linear(0.0, duration, "time since start, s"),
        Axis::log(lo, hi, "p99 ms (log)"),
        1000.0,
        300.0,
    );
    if p99.is_empty() {
        c.note("no intervals recorded");
    }
    c.lines(&p99, true);
    (rate_svg, c.finish())
}

/// Share of each outcome among ended procedures, one bar per procedure that started.
pub fn outcome_chart(summary: &Summary) -> String {
    let rows: Vec<(String, Vec<f64>)> = summary
        .procedures
        .iter()
        .filter(|(_, p)| p.started > 0)
        .map(|(name, p)| {
            let ended = p.ended().max(1) as f64;
            let pct = |n: u64| 100.0 * n as f64 / ended;
            (
                name.to_string(),
                vec![
                    pct(p.ok),
                    pct(p.rejected_expected),
                    pct(p.failed),
                    pct(p.timed_out),
                ],
            )
        })
        .collect();
    let h = 60.0 + 34.0 * rows.len().max(1) as f64;
    let mut c = Chart::new(
        "Outcomes: share of ended procedures",
        Axis::linear(0.0, 100.0, "% of ended procedures"),
        Axis::linear(0.0, 1.0, ""),
        1000.0,
        h + 40.0,
    );
    if rows.is_empty() {
        c.note("no procedure started");
    }
    c.stacked_rows(&rows, &["ok", "rejected_expected", "failed", "timed_out"]);
    c.finish()
}

/// Delivered and dropped share of each emulated link's packets.
pub fn link_chart(summary: &Summary) -> String {
    let rows: Vec<(String, Vec<f64>)> = summary
        .links
        .iter()
        .map(|(name, l)| {
            let n = l.packets.max(1) as f64;
            let pct = |v: u64| 100.0 * v as f64 / n;
            let delivered = l.packets.saturating_sub(l.dropped);
            (
                name.to_string(),
                vec![
                    pct(delivered),
                    pct(l.dropped),
                    pct(l.duplicated),
                    pct(l.reordered),
                ],
            )
        })
        .collect();
    let h = 60.0 + 34.0 * rows.len().max(1) as f64;
    let mut c = Chart::new(
        "Link impairment: share of packets offered",
        Axis::linear(0.0, 100.0, "% of packets (duplicated and reordered on top)"),
        Axis::linear(0.0, 1.0, ""),
        1000.0,
        h + 40.0,
    );
    if rows.is_empty() {
        c.note("no emulated link in this run");
    }
    c.stacked_rows(&rows, &["delivered", "dropped", "duplicated", "reordered"]);
    c.finish()
}

fn run_section(out: &mut String, s: &Summary) {
    let run = &s.run.info;
    let verdict = s.verdict.as_str().to_uppercase();
    let _ = write!(
        out,
        "<h1>roamsim run <code>{}</code> — <span class=\"{}\">{verdict}</span></h1>\
<p>Profile <code>{}</code>, seed {}, started {}; {:.1} s on {} shard(s). Offered {:.1}/s, achieved {:.1}/s. \
Generator saturated: <b>{}</b> (lag p99 {} ms).</p>",
        xml_escape(&run.id),
        s.verdict.as_str(),
        xml_escape(&run.profile),
        run.seed,
        xml_escape(&run.started_at),
        run.duration_s,
        run.shards,
        run.offered_rate,
        run.achieved_rate,
        if run.generator_saturated { "yes" } else { "no" },
        fmt_ms(s.run.lag_us.p99 as f64)
    );
    if let Some(w) = &s.run.warm_start {
        let _ = write!(out, "<p>{}</p>", xml_escape(&warm_start_sentence(w)));
    }
}

fn slo_section(out: &mut String, s: &Summary) {
    out.push_str("<h2>SLOs</h2>");
    if s.slo.is_empty() {
        out.push_str("<p>No SLOs given.</p>");
        return;
    }
    out.push_str("<table><tr><th>SLO</th><th>threshold</th><th>observed</th><th>windows</th><th>result</th></tr>");
    for r in &s.slo {
        let windows = r.windows.as_ref().map_or("-".to_string(), |w| {
            format!("{} failed of {} ({} s)", w.failed, w.evaluated, w.window_s)
        });
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{windows}</td><td class=\"{}\">{}</td></tr>",
            xml_escape(&r.name),
            slo_value(r.is_latency(), r.threshold),
            r.observed.map_or("no data".into(), |v| slo_value(r.is_latency(), v)),
            if r.pass { "pass" } else { "fail" },
            if r.pass { "PASS" } else { "FAIL" }
        );
    }
    out.push_str("</table>");
    for r in s.slo.iter().filter(|r| !r.pass) {
        let _ = write!(
            out,
            "<p class=\"fail\">{}</p>",
            xml_escape(&failure_text(r))
        );
    }
}

fn tables(out: &mut String, s: &Summary) {
    out.push_str("<h2>Procedures</h2><table><tr><th>procedure</th><th>started</th><th>ok</th><th>rejected_expected</th><th>failed</th><th>timed_out</th><th>p50 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th></tr>");
    for (name, p) in s.procedures.iter() {
        let l = &p.latency_us;
        let _ = write!(
            out,
            "<tr><td>{name}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            p.started, p.ok, p.rejected_expected, p.failed, p.timed_out,
            fmt_ms(l.p50 as f64), fmt_ms(l.p99 as f64), fmt_ms(l.p999 as f64), fmt_ms(l.max as f64)
        );
    }
    out.push_str("</table><h2>Messages</h2><table><tr><th>message</th><th>sent</th><th>answered</th><th>retransmitted</th><th>p50 ms</th><th>p99 ms</th><th>max ms</th></tr>");
    for (name, m) in s.messages.iter() {
        let l = &m.latency_us;
        let _ = write!(
            out,
            "<tr><td>{name}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            m.sent, m.answered, m.retransmitted,
            fmt_ms(l.p50 as f64), fmt_ms(l.p99 as f64), fmt_ms(l.max as f64)
        );
    }
    out.push_str("</table>");
    for (name, l) in s.links.iter() {
        let _ = write!(
            out,
            "<p>Link <code>{name}</code>: {} packets, {} dropped ({}), {} duplicated, {} reordered; added delay p50 {} ms, p99 {} ms.</p>",
            l.packets, l.dropped, fmt_percent(l.dropped as f64 / l.packets.max(1) as f64),
            l.duplicated, l.reordered, fmt_ms(l.delay_us.p50 as f64), fmt_ms(l.delay_us.p99 as f64)
        );
    }
}

/// The reasons table, under the outcomes chart; nothing when every procedure ended ok.
fn reasons_section(out: &mut String, s: &Summary) {
    let rows = reason_rows(s);
    if rows.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<h2>{REASONS_TITLE}</h2><table><tr><th>procedure</th><th>outcome</th><th>reason</th><th>count</th><th>first example</th></tr>"
    );
    for (procedure, r) in rows {
        let example = r.example.map_or("-".to_string(), example_text);
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td style=\"text-align:left\">{}</td></tr>",
            xml_escape(procedure),
            xml_escape(r.outcome),
            xml_escape(r.key),
            r.count,
            xml_escape(&example)
        );
    }
    out.push_str("</table>");
}

fn capacity_section(out: &mut String, c: &Capacity) {
    out.push_str("<h2>Capacity</h2>");
    out.push_str(&render_capacity_html(c));
}

/// The capacity section of `report.html`.
pub fn render_capacity_html(c: &Capacity) -> String {
    let mut out = format!(
        "<p>Offered {:.1}/s, achieved {:.1}/s, completed {:.1}/s; mean latency {:.1} ms → {:.1} procedures in flight (Little's law).",
        c.offered_rate, c.achieved_rate, c.completed_rate, c.mean_latency_us / 1000.0, c.mean_in_flight
    );
    if let Some(line) = attached_sentence(c) {
        let _ = write!(out, " {}", xml_escape(&line));
    }
    out.push_str("</p>");
    if !c.instances.is_empty() {
        out.push_str(
            "<table><tr><th>MME/VLR instance</th><th>PLMN</th><th>peak attached</th></tr>",
        );
        for i in &c.instances {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                xml_escape(&i.mme),
                xml_escape(&i.plmn),
                i.peak_attached
            );
        }
        out.push_str("</table>");
    }
    out
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
        let _ = write!(
            out,
            "<tr><td>{:.0}</td><td>{:.1}</td><td>{}</td><td class=\"{}\">{}</td><td><code>{}</code></td></tr>",
            p.offered_rate,
            p.achieved_rate,
            xml_escape(&p99_list(p)),
            if p.pass { "pass" } else { "fail" },
            if p.pass { "met" } else { "breached" },
            xml_escape(&p.dir)
        );
    }
    out.push_str("</table>");
    out
}

/// The online charging (Gy) section of `report.html`: the figures of `charging.online` and a
/// table of bill shock per zone pair.
pub fn render_online_html(o: &crate::report::online::OnlineChargingSummary) -> String {
    let mut out = String::from("<h2>Online charging (Gy)</h2><table>");
    let join = |m: &std::collections::BTreeMap<String, u64>| {
        let v: Vec<String> = m
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{} {n}", xml_escape(k)))
            .collect();
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    let rows = [
        ("sessions authorised", o.sessions_authorised.to_string()),
        ("refused", join(&o.refused)),
        ("ended by credit control", join(&o.terminated)),
        (
            "Delete Bearer sent / accepted / refused",
            format!(
                "{} / {} / {}",
                o.delete_bearer.sent, o.delete_bearer.accepted, o.delete_bearer.refused
            ),
        ),
        ("failure handling", join(&o.failure_handling)),
        ("Final-Unit-Indications", join(&o.final_unit_indications)),
        (
            "under credit control at the end",
            o.sessions_at_end.to_string(),
        ),
    ];
    for (k, v) in rows {
        let _ = write!(out, "<tr><th>{k}</th><td>{v}</td></tr>");
    }
    out.push_str("</table>");
    if !o.bill_shock.is_empty() {
        out.push_str(
            "<table><tr><th>zones</th><th>warnings</th><th>cut-offs</th><th>opted out</th></tr>",
        );
        for (zones, b) in &o.bill_shock {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                xml_escape(zones),
                b.warnings,
                b.cutoffs,
                b.opted_out
            );
        }
        out.push_str("</table>");
    }
    out
}

/// The whole `report.html`.
pub fn render_html(summary: &Summary, hlog: &HlogData) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>roamsim {}</title><style>{STYLE}</style></head><body>",
        xml_escape(&summary.run.info.id)
    );
    run_section(&mut out, summary);
    slo_section(&mut out, summary);
    out.push_str("<h2>Latency</h2>");
    out.push_str(&spectrum_chart(hlog));
    let (rate, p99) = time_charts(hlog, summary);
    out.push_str("<h2>Over time</h2>");
    out.push_str(&rate);
    out.push_str(&p99);
    out.push_str("<h2>Outcomes</h2>");
    out.push_str(&outcome_chart(summary));
    reasons_section(&mut out, summary);
    out.push_str("<h2>Links</h2>");
    out.push_str(&link_chart(summary));
    out.push_str(&super::acceptance::acceptance_html(summary));
    out.push_str(&super::charging::charging_html(summary));
    if let Some(c) = &summary.capacity {
        capacity_section(&mut out, c);
    }
    if let Some(o) = summary.charging.as_ref().and_then(|c| c.online.as_ref()) {
        out.push_str(&render_online_html(o));
    }
    if let Some(sweep) = &summary.sweep {
        out.push_str("<h2>Sweep: latency against offered load</h2>");
        out.push_str(&sweep_chart(sweep));
        out.push_str(&sweep_table_html(sweep));
    }
    tables(&mut out, summary);
    out.push_str("</body></html>\n");
    out
}
