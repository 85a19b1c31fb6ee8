//! `junit.xml` (docs/ARCHITECTURE.md §7): one test case per SLO and per `[expect]` check (the
//! alerts that fired are `alert` properties), so that a CI system (Jenkins, GitLab,
//! GitHub test reporters) shows which objective a nightly run breached. A failed case says the
//! observed value against the threshold, for a windowed SLO which windows failed, and the top
//! reasons of the procedure or message it is about (why its procedures did not succeed).
//!
//! The JUnit XML dialect accepted by those tools: `<testsuites>` with one `<testsuite
//! name="roamsim">`, `<testcase classname="roamsim.slo" name=... time=...>`, a `<failure
//! message=... type="slo">` child on a breach, `<properties>` naming the run.

use std::fmt::Write;

use super::acceptance::check_failure;
use super::format::xml_escape;
use super::model::Summary;
use super::text::{failure_text, top_reasons};

/// Reasons named in a failure message.
const TOP_REASONS: usize = 3;

/// The whole `junit.xml`.
pub fn render_junit(summary: &Summary) -> String {
    let run = &summary.run.info;
    let failures = summary.slo.iter().filter(|r| !r.pass).count()
        + summary.expect.iter().filter(|r| !r.pass).count();
    let tests = summary.slo.len() + summary.expect.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"roamsim\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"{:.3}\">",
        run.duration_s
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"roamsim.{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{:.3}\" timestamp=\"{}\">",
        xml_escape(&run.id),
        run.duration_s,
        xml_escape(run.started_at.trim_end_matches('Z')),
    );
    out.push_str("    <properties>\n");
    for (k, v) in [
        ("run_id", run.id.clone()),
        ("profile", run.profile.clone()),
        ("seed", run.seed.to_string()),
        ("offered_rate", format!("{:.1}", run.offered_rate)),
        ("achieved_rate", format!("{:.1}", run.achieved_rate)),
        ("verdict", summary.verdict.as_str().to_string()),
    ]
    .into_iter()
    .chain(summary.alerts.iter().map(|a| {
        (
            "alert",
            format!(
                "{} ({}): fired in {} intervals, first at {:.1} s; runbook {}; {}",
                a.name, a.severity, a.count, a.first_at_s, a.runbook, a.message
            ),
        )
    })) {
        let _ = writeln!(
            out,
            "      <property name=\"{k}\" value=\"{}\"/>",
            xml_escape(&v)
        );
    }
    out.push_str("    </properties>\n");
    for r in &summary.slo {
        let failure = (!r.pass).then(|| {
            let mut text = failure_text(r);
            let target = r.metric.split(':').next().unwrap_or("");
            if let Some(top) = top_reasons(summary, target, TOP_REASONS) {
                text.push_str(&format!("; top reasons of {target}: {top}"));
            }
            text
        });
        testcase(&mut out, "slo", &r.name, run.duration_s, failure);
    }
    for r in &summary.expect {
        let failure = (!r.pass).then(|| check_failure(r));
        testcase(&mut out, "expect", &r.check, run.duration_s, failure);
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// One `<testcase classname="roamsim.KIND">`, with a `<failure type="KIND">` when it failed.
fn testcase(out: &mut String, kind: &str, name: &str, time_s: f64, failure: Option<String>) {
    let _ = write!(
        out,
        "    <testcase classname=\"roamsim.{kind}\" name=\"{}\" time=\"{time_s:.3}\"",
        xml_escape(name)
    );
    match failure {
        None => out.push_str("/>\n"),
        Some(text) => {
            let _ = writeln!(
                out,
                ">\n      <failure type=\"{kind}\" message=\"{0}\">{0}</failure>\n    </testcase>",
                xml_escape(&text)
            );
        }
    }
}
