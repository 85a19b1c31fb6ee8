//! The alerts and `[expect]` checks of a run in report.md and report.html (docs/scenarios.md):
//! which alert fired, when first, how often, its runbook and message; which check held, with
//! the observed value against the expected one. Renderer only: reads [`Summary`].

use std::fmt::Write;

use super::format::xml_escape;
use super::model::{CheckResult, Summary};

/// A check's value for a reader: `null` as `no data`, whole numbers without decimals.
pub fn check_value(v: Option<f64>) -> String {
    match v {
        None => "no data".to_string(),
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{v:.0}"),
        Some(v) => format!("{v:.6}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string(),
    }
}

/// `attach:failed == 0: observed 2, expected 0`.
pub fn check_failure(r: &CheckResult) -> String {
    format!(
        "`{}`: observed {}, expected {}",
        r.check,
        check_value(r.observed),
        check_value(r.expected)
    )
}

/// The "Alerts" and "Checks" sections of report.md (nothing when the run has neither).
pub fn acceptance_md(s: &Summary) -> String {
    let mut out = String::new();
    if !s.alerts.is_empty() {
        out.push_str("## Alerts\n\n| alert | severity | first at | intervals | runbook | message |\n|:--|:--|--:|--:|:--|:--|\n");
        for a in &s.alerts {
            let _ = writeln!(
                out,
                "| {} | {} | {:.1} s | {} | {} | {} |",
                a.name,
                a.severity,
                a.first_at_s,
                a.count,
                a.runbook,
                a.message.replace('|', "\\|")
            );
        }
        out.push('\n');
    }
    if !s.expect.is_empty() {
        out.push_str("## Checks\n\n| check | observed | expected | result |\n|:--|--:|--:|:--|\n");
        for r in &s.expect {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                r.check.replace('|', "\\|"),
                check_value(r.observed),
                check_value(r.expected),
                if r.pass { "PASS" } else { "**FAIL**" }
            );
        }
        out.push('\n');
    }
    out
}

/// The same sections as HTML tables.
pub fn acceptance_html(s: &Summary) -> String {
    let mut out = String::new();
    if !s.alerts.is_empty() {
        out.push_str("<h2>Alerts</h2><table><tr><th>alert</th><th>severity</th><th>first at</th><th>intervals</th><th>runbook</th><th>message</th></tr>");
        for a in &s.alerts {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{:.1} s</td><td>{}</td><td><a href=\"{runbook}\">{runbook}</a></td><td>{}</td></tr>",
                xml_escape(&a.name),
                xml_escape(&a.severity),
                a.first_at_s,
                a.count,
                xml_escape(&a.message),
                runbook = xml_escape(&a.runbook),
            );
        }
        out.push_str("</table>");
    }
    if !s.expect.is_empty() {
        out.push_str("<h2>Checks</h2><table><tr><th>check</th><th>observed</th><th>expected</th><th>result</th></tr>");
        for r in &s.expect {
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                xml_escape(&r.check),
                check_value(r.observed),
                check_value(r.expected),
                if r.pass { "PASS" } else { "<b>FAIL</b>" }
            );
        }
        out.push_str("</table>");
    }
    out
}
