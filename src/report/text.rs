//! Sentences about a result that more than one renderer writes (docs/ARCHITECTURE.md §7): why an
//! SLO failed (`junit.xml`, `report.md`, `report.html`); what the warm start did, what the run
//! says about attached roamers, the p99s of a sweep step, and the reasons of unsuccessful
//! procedures with their first examples (`report.md`, `report.html`, `junit.xml`). Plain text:
//! each renderer escapes it for its own format.
//!
//! Reads the result types of `model`, formats numbers through `format`; nothing else.

use std::fmt::Write;

use super::format::{fmt_ms, slo_value};
use super::model::{
    Capacity, ReasonExample, ReasonRow, SloResult, Summary, SweepPoint, WarmStartSummary,
    STEADY_STAYS,
};

/// Why `r` failed, in one line: observed against threshold, then the failed windows.
pub fn failure_text(r: &SloResult) -> String {
    let op = r
        .name
        .find(['<', '>'])
        .map(|i| {
            let rest = &r.name[i..];
            if rest.starts_with("<=") || rest.starts_with(">=") {
                &rest[..2]
            } else {
                &rest[..1]
            }
        })
        .unwrap_or("vs");
    let mut text = match r.observed {
        Some(v) => format!(
            "{}: observed {}, threshold {op} {}",
            r.metric,
            slo_value(r.is_latency(), v),
            slo_value(r.is_latency(), r.threshold)
        ),
        None => format!(
            "{}: no data (nothing measured), threshold {op} {}",
            r.metric,
            slo_value(r.is_latency(), r.threshold)
        ),
    };
    if let Some(w) = r.windows.as_ref().filter(|w| w.failed > 0) {
        let _ = write!(
            text,
            "; {} of {} windows of {} s failed:",
            w.failed, w.evaluated, w.window_s
        );
        for f in w.failures.iter().take(10) {
            let _ = write!(
                text,
                " [{:.0}s-{:.0}s] {}",
                f.start_s,
                f.end_s,
                slo_value(r.is_latency(), f.observed)
            );
        }
        if w.failed > 10 {
            text.push_str(" ...");
        }
    }
    text
}

/// The warm start in one sentence (report.md and report.html).
pub fn warm_start_sentence(w: &WarmStartSummary) -> String {
    let mut s = format!(
        "Warm start: {} of {} roamers attached in {:.1} s before the arrivals (not measured), the steady-state share of each persona.",
        w.attached, w.roamers, w.seconds
    );
    if w.failed > 0 {
        s.push_str(&format!(
            " {} of those attaches failed (first: {}): the core could not take the population (an address pool too small?), and the run starts from what that left.",
            w.failed,
            w.first_failure.as_deref().unwrap_or("unknown")
        ));
    }
    s
}

/// What the run says about attached roamers: Little's law when the run reached steady state,
/// otherwise why not and the sampled figures (the law would count the fill-up's attaches as if
/// they went on for a whole stay, and can exceed the population).
pub fn attached_sentence(c: &Capacity) -> Option<String> {
    let (w, l) = (c.mean_stay_s?, c.mean_attached?);
    let sampled = format!(
        "mean {:.0}, peak {}",
        c.mean_attached_sampled, c.peak_attached
    );
    Some(if c.steady_state {
        format!(
            "Attaches {:.2}/s × mean stay {w:.0} s / time scale {:.2} = {l:.0} roamers attached (Little's law, steady state); sampled: {sampled}.",
            c.attach_rate, c.time_scale
        )
    } else {
        let stay = w / c.time_scale.max(1e-12);
        format!(
            "Attached roamers, sampled at each interval: {sampled}. Not in steady state: a mean stay lasts {stay:.0} s of run time and the run was shorter than {STEADY_STAYS:.0} of them, so Little's law ({:.2} attaches/s × {stay:.0} s = {l:.0}) does not apply yet (`--warm-start` begins in steady state).",
            c.attach_rate
        )
    })
}

/// The p99 latency of each procedure of a sweep step, in ms: `attach 12.3, detach 0.456`.
pub fn p99_list(p: &SweepPoint) -> String {
    let p99: Vec<String> = p
        .p99_us
        .iter()
        .map(|(n, v)| format!("{n} {}", fmt_ms(*v as f64)))
        .collect();
    p99.join(", ")
}

/// Title of the reasons table in report.md and report.html.
pub const REASONS_TITLE: &str = "Why procedures did not succeed";

/// Every procedure's reasons, in report order: (procedure, row).
pub fn reason_rows(s: &Summary) -> Vec<(&str, ReasonRow<'_>)> {
    s.procedures
        .iter()
        .flat_map(|(name, p)| p.reason_rows().into_iter().map(move |r| (name, r)))
        .collect()
}

/// A first example in one line: `at 12.345 s, mme1.epc.mnc001.mcc208.3gppnetwork.org (visited
/// 208-01, home 310-410): s6a.ulr 5004, subscriber 6296c0e0fbc3`.
pub fn example_text(e: &ReasonExample) -> String {
    let code = e.code.map_or(String::new(), |c| format!(" {c}"));
    format!(
        "at {:.3} s, {} (visited {}, home {}): {}{code}, subscriber {}",
        e.at_us as f64 / 1e6,
        e.node,
        e.visited_plmn,
        e.home_plmn,
        e.message,
        e.subscriber
    )
}

/// The `n` largest reasons of `target` (a procedure or message name) over every outcome:
/// `failed ue.auth_mac 441, timed_out timeout.s6a.ulr 3`; `None` when it has none.
pub fn top_reasons(s: &Summary, target: &str, n: usize) -> Option<String> {
    let reasons = match s.procedures.get(target) {
        Some(p) => &p.reasons,
        None => &s.messages.get(target)?.reasons,
    };
    let mut all: Vec<(&str, &str, u64)> = reasons
        .iter()
        .flat_map(|(o, keys)| keys.iter().map(move |(k, &c)| (o, k, c)))
        .collect();
    if all.is_empty() {
        return None;
    }
    all.sort_by_key(|r| std::cmp::Reverse(r.2));
    let listed: Vec<String> = all
        .iter()
        .take(n)
        .map(|(o, k, c)| format!("{o} {k} {c}"))
        .collect();
    let more = if all.len() > n { ", ..." } else { "" };
    Some(format!("{}{more}", listed.join(", ")))
}
