//! `report.md` (docs/ARCHITECTURE.md §7): the human-readable report, also printed at the end of a run.
//!
//! Rendered from a [`Summary`] alone, so `roamsim report` can re-render a stored `summary.json`.
//! Latencies are shown in milliseconds with precision that follows their size (`0.123`, `1.23`,
//! `12.3`, `123`), ratios as percentages; GitHub-flavoured tables, numbers right-aligned. Sections:
//! run, procedures, why procedures did not succeed, messages, links, SLOs, capacity, sweep,
//! verdict. Reads only `model`, `format`
//! and `text`.

use std::fmt::Write;

use super::format::{fmt_ms, fmt_rate, slo_value};
use super::model::{Capacity, LatencySummary, Summary, Sweep, Verdict};
use super::text::{
    attached_sentence, example_text, failure_text, p99_list, reason_rows, warm_start_sentence,
    REASONS_TITLE,
};

/// The `p50 | p90 | p99 | p99.9 | max` cells of a latency object, in ms; dashes when nothing
/// was measured (`any` false), rather than zeros that read as "instant".
fn latency_cells(l: &LatencySummary, any: bool) -> String {
    [l.p50, l.p90, l.p99, l.p999, l.max]
        .iter()
        .map(|v| {
            if any {
                fmt_ms(*v as f64)
            } else {
                "-".to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// A table header row with its alignment row: the first `left` columns left-aligned (names),
/// the others right-aligned (numbers).
fn header(out: &mut String, columns: &[&str], left: usize) {
    let _ = writeln!(out, "| {} |", columns.join(" | "));
    let align: Vec<&str> = (0..columns.len())
        .map(|i| if i < left { ":--" } else { "--:" })
        .collect();
    let _ = writeln!(out, "|{}|", align.join("|"));
}

const LATENCY_COLUMNS: [&str; 5] = ["p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms"];

fn run_section(out: &mut String, s: &Summary) {
    let run = &s.run.info;
    let _ = writeln!(out, "# roamsim run `{}`\n", run.id);
    let _ = writeln!(
        out,
        "Profile `{}`, seed {}, started {}; {:.1} s on {} shard{}.\n",
        run.profile,
        run.seed,
        run.started_at,
        run.duration_s,
        run.shards,
        if run.shards == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        out,
        "Rate: offered {}, achieved {}. Generator saturated: {} (lag p99 {} ms, max {} ms).\n",
        fmt_rate(run.offered_rate),
        fmt_rate(run.achieved_rate),
        if run.generator_saturated {
            "**yes**"
        } else {
            "no"
        },
        fmt_ms(s.run.lag_us.p99 as f64),
        fmt_ms(s.run.lag_us.max as f64),
    );
    if let Some(w) = &s.run.warm_start {
        let _ = writeln!(out, "{}\n", warm_start_sentence(w));
    }
}

fn procedures_section(out: &mut String, s: &Summary) {
    out.push_str("## Procedures\n\n");
    let mut columns = vec![
        "procedure",
        "started",
        "ok",
        "rejected_expected",
        "failed",
        "timed_out",
    ];
    columns.extend(LATENCY_COLUMNS);
    header(out, &columns, 1);
    for (name, p) in s.procedures.iter() {
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} | {} |",
            p.started,
            p.ok,
            p.rejected_expected,
            p.failed,
            p.timed_out,
            latency_cells(&p.latency_us, p.ended() > 0)
        );
    }
    out.push('\n');
}

/// Every reason of every procedure with its count and first example; nothing when every
/// procedure ended ok (or the summary predates reasons).
fn reasons_section(out: &mut String, s: &Summary) {
    let rows = reason_rows(s);
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "## {REASONS_TITLE}\n");
    // Names on the left, the count on the right, the example (a sentence) on the left.
    out.push_str(
        "| procedure | outcome | reason | count | first example |\n|:--|:--|:--|--:|:--|\n",
    );
    for (procedure, r) in rows {
        let example = r.example.map_or("-".to_string(), example_text);
        let _ = writeln!(
            out,
            "| {procedure} | {} | `{}` | {} | {} |",
            r.outcome,
            r.key.replace('|', "\\|"),
            r.count,
            example.replace('|', "\\|")
        );
    }
    out.push('\n');
}

fn messages_section(out: &mut String, s: &Summary) {
    out.push_str("## Messages\n\n");
    if s.messages.is_empty() {
        out.push_str("No messages sent.\n\n");
        return;
    }
    let mut columns = vec!["message", "sent", "answered", "retransmitted"];
    columns.extend(LATENCY_COLUMNS);
    header(out, &columns, 1);
    for (name, m) in s.messages.iter() {
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} |",
            m.sent,
            m.answered,
            m.retransmitted,
            latency_cells(&m.latency_us, m.answered > 0)
        );
    }
    out.push('\n');
}

fn links_section(out: &mut String, s: &Summary) {
    if s.links.is_empty() {
        return;
    }
    out.push_str("## Links\n\n");
    let columns = [
        "link",
        "packets",
        "dropped",
        "duplicated",
        "reordered",
        "delay p50 ms",
        "delay p99 ms",
        "delay max ms",
    ];
    header(out, &columns, 1);
    for (name, l) in s.links.iter() {
        let d = &l.delay_us;
        let delay = |v: u64| {
            if l.packets > l.dropped {
                fmt_ms(v as f64)
            } else {
                "-".to_string()
            }
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} | {} | {} |",
            l.packets,
            l.dropped,
            l.duplicated,
            l.reordered,
            delay(d.p50),
            delay(d.p99),
            delay(d.max)
        );
    }
    out.push('\n');
}

fn slo_section(out: &mut String, s: &Summary) {
    out.push_str("## SLOs\n\n");
    if s.slo.is_empty() {
        out.push_str("No SLOs given.\n\n");
        return;
    }
    header(
        out,
        &["SLO", "metric", "threshold", "observed", "result"],
        2,
    );
    for r in &s.slo {
        let observed = r
            .observed
            .map_or("no data".to_string(), |v| slo_value(r.is_latency(), v));
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            r.name.replace('|', "\\|"),
            r.metric,
            slo_value(r.is_latency(), r.threshold),
            observed,
            if r.pass { "PASS" } else { "**FAIL**" }
        );
    }
    out.push('\n');
    for r in s.slo.iter().filter(|r| !r.pass) {
        let _ = writeln!(out, "- `{}` failed: {}", r.name, failure_text(r));
    }
    if s.slo.iter().any(|r| !r.pass) {
        out.push('\n');
    }
}

/// The capacity section of `report.md`.
pub fn render_capacity_md(c: &Capacity) -> String {
    let mut out = String::from("## Capacity\n\n");
    let _ = writeln!(
        out,
        "Offered {:.1}/s, achieved {:.1}/s, completed {:.1}/s. Mean latency {:.1} ms, so by Little's law {:.1} procedures in flight on average.",
        c.offered_rate, c.achieved_rate, c.completed_rate, c.mean_latency_us / 1000.0, c.mean_in_flight
    );
    if let Some(line) = attached_sentence(c) {
        let _ = writeln!(out, "{line}");
    }
    if !c.instances.is_empty() {
        out.push_str("\n| MME/VLR instance | PLMN | peak attached |\n|:--|:--|--:|\n");
        for i in &c.instances {
            let _ = writeln!(out, "| {} | {} | {} |", i.mme, i.plmn, i.peak_attached);
        }
    }
    out.push('\n');
    out
}

/// The sweep section of `report.md`.
pub fn render_sweep_md(sweep: &Sweep) -> String {
    let mut out =
        String::from("## Sweep\n\n| offered/s | achieved/s | p99 ms | SLOs |\n|--:|--:|:--|:--|\n");
    for p in &sweep.points {
        let _ = writeln!(
            out,
            "| {:.0} | {:.1} | {} | {} |",
            p.offered_rate,
            p.achieved_rate,
            p99_list(p),
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

/// The online charging (Gy) section: sessions authorised, refused and ended by credit
/// control, failure handling, bill shock per zone pair, the OCS's figures.
pub fn render_online_md(o: &crate::report::online::OnlineChargingSummary) -> String {
    let mut out = String::from(
        "## Online charging (Gy)

",
    );
    let list = |m: &std::collections::BTreeMap<String, u64>| {
        let v: Vec<String> = m
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    let _ = writeln!(
        out,
        "Sessions authorised {}; refused: {}; ended by credit control: {} (Delete Bearer \
         sent {}, accepted {}, refused {}); still under credit control at the end {}.\n",
        o.sessions_authorised,
        list(&o.refused),
        list(&o.terminated),
        o.delete_bearer.sent,
        o.delete_bearer.accepted,
        o.delete_bearer.refused,
        o.sessions_at_end
    );
    let _ = writeln!(
        out,
        "Failure handling: {}. Final-Unit-Indications: {}. Octets reported used: {}.\n",
        list(&o.failure_handling),
        list(&o.final_unit_indications),
        o.reported_octets
    );
    if !o.bill_shock.is_empty() {
        header(&mut out, &["zones", "warnings", "cut-offs", "opted out"], 1);
        for (zones, b) in &o.bill_shock {
            let _ = writeln!(
                out,
                "| {zones} | {} | {} | {} |",
                b.warnings, b.cutoffs, b.opted_out
            );
        }
        out.push('\n');
    }
    if let Some(c) = &o.ocs {
        let _ = writeln!(
            out,
            "OCS: CCR initial {}, update {}, termination {}; sessions opened {}, closed {}, \
             open at the end {}; 4010 {}, 4012 {}; octets granted {}, used {}.\n",
            c.requests[0],
            c.requests[1],
            c.requests[2],
            c.sessions_opened,
            c.sessions_closed,
            c.sessions_at_end,
            c.service_denied,
            c.credit_limit_reached,
            c.granted_octets,
            c.used_octets
        );
    }
    out
}

/// The whole `report.md`.
pub fn render_markdown(summary: &Summary) -> String {
    let mut out = String::new();
    run_section(&mut out, summary);
    procedures_section(&mut out, summary);
    reasons_section(&mut out, summary);
    messages_section(&mut out, summary);
    links_section(&mut out, summary);
    if let Some(o) = summary.charging.as_ref().and_then(|c| c.online.as_ref()) {
        out.push_str(&render_online_md(o));
    }
    slo_section(&mut out, summary);
    out.push_str(&super::acceptance::acceptance_md(summary));
    out.push_str(&super::charging::charging_md(summary));
    if let Some(c) = &summary.capacity {
        out.push_str(&render_capacity_md(c));
    }
    if let Some(sweep) = &summary.sweep {
        out.push_str(&render_sweep_md(sweep));
    }
    let met = summary.slo.iter().filter(|r| r.pass).count();
    let checks = match summary.expect.len() {
        0 => String::new(),
        n => format!(
            ", {} of {n} checks held",
            summary.expect.iter().filter(|r| r.pass).count()
        ),
    };
    let _ = writeln!(
        out,
        "**Verdict: {}** ({met} of {} SLOs met{checks})",
        match summary.verdict {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
        },
        summary.slo.len()
    );
    out
}
