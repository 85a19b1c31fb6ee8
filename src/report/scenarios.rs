//! The results of `roamsim scenario run` (docs/scenarios.md): the top-level `junit.xml` (one
//! testsuite, one testcase per scenario, one `<failure>` per unmet check with observed against
//! expected) and `summary.md` (a line per scenario). Each scenario's own folder holds the
//! usual results of its run (docs/ARCHITECTURE.md §7). Renderer only.

use std::fmt::Write;

use super::acceptance::check_failure;
use super::format::xml_escape;
use super::model::Summary;
use super::text::failure_text;

/// How one scenario ended.
#[derive(Debug, Clone)]
pub struct ScenarioOutcome {
    /// Its name (`happy-path-attach`).
    pub name: String,
    /// Its one line.
    pub description: String,
    /// Wall-clock seconds it took.
    pub wall_s: f64,
    /// Its results folder, as given to the user.
    pub dir: String,
    /// What happened.
    pub result: ScenarioResult,
}

/// The end of one scenario.
#[derive(Debug, Clone)]
pub enum ScenarioResult {
    /// It ran; the summary says which checks and SLOs held.
    Ran(Box<Summary>),
    /// It could not run: the capability roamsim lacks for it.
    Missing(String),
    /// The run failed (a runtime error).
    Error(String),
}

impl ScenarioOutcome {
    /// Why it did not pass: one line per unmet check or SLO, the missing capability or the
    /// error; empty when it passed.
    pub fn failures(&self) -> Vec<String> {
        match &self.result {
            ScenarioResult::Ran(s) => s
                .slo
                .iter()
                .filter(|r| !r.pass)
                .map(|r| format!("SLO `{}`: {}", r.name, failure_text(r)))
                .chain(s.expect.iter().filter(|r| !r.pass).map(check_failure))
                .collect(),
            ScenarioResult::Missing(m) => vec![format!("not runnable yet: {m}")],
            ScenarioResult::Error(e) => vec![format!("error: {e}")],
        }
    }

    /// Whether every check and SLO held.
    pub fn passed(&self) -> bool {
        matches!(&self.result, ScenarioResult::Ran(_)) && self.failures().is_empty()
    }
}

/// The top-level `junit.xml`.
pub fn render_scenarios_junit(outcomes: &[ScenarioOutcome]) -> String {
    let failures = outcomes
        .iter()
        .filter(|o| !o.passed() && !matches!(o.result, ScenarioResult::Error(_)))
        .count();
    let errors = outcomes
        .iter()
        .filter(|o| matches!(o.result, ScenarioResult::Error(_)))
        .count();
    let time: f64 = outcomes.iter().map(|o| o.wall_s).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"roamsim\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.3}\">",
        outcomes.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"roamsim.scenarios\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" time=\"{time:.3}\">",
        outcomes.len()
    );
    for o in outcomes {
        let _ = write!(
            out,
            "    <testcase classname=\"roamsim.scenario\" name=\"{}\" time=\"{:.3}\"",
            xml_escape(&o.name),
            o.wall_s
        );
        if o.passed() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        let kind = match o.result {
            ScenarioResult::Ran(_) => ("failure", "check"),
            ScenarioResult::Missing(_) => ("failure", "missing_capability"),
            ScenarioResult::Error(_) => ("error", "error"),
        };
        for f in o.failures() {
            let _ = writeln!(
                out,
                "      <{0} type=\"{1}\" message=\"{2}\">{2}</{0}>",
                kind.0,
                kind.1,
                xml_escape(&f)
            );
        }
        let _ = writeln!(
            out,
            "      <system-out>results: {}</system-out>\n    </testcase>",
            xml_escape(&o.dir)
        );
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// The top-level `summary.md`.
pub fn render_scenarios_md(outcomes: &[ScenarioOutcome]) -> String {
    let passed = outcomes.iter().filter(|o| o.passed()).count();
    let mut out = String::from("# Scenarios\n\n| scenario | result | checks held | wall s | results |\n|:--|:--|--:|--:|:--|\n");
    for o in outcomes {
        let (result, checks) = match &o.result {
            ScenarioResult::Ran(s) => (
                if o.passed() { "PASS" } else { "**FAIL**" },
                format!(
                    "{} of {}",
                    s.expect.iter().filter(|r| r.pass).count(),
                    s.expect.len()
                ),
            ),
            ScenarioResult::Missing(_) => ("**FAIL** (not runnable yet)", "-".to_string()),
            ScenarioResult::Error(_) => ("**ERROR**", "-".to_string()),
        };
        let _ = writeln!(
            out,
            "| {} | {result} | {checks} | {:.1} | {} |",
            o.name, o.wall_s, o.dir
        );
    }
    out.push('\n');
    for o in outcomes.iter().filter(|o| !o.passed()) {
        for f in o.failures() {
            let _ = writeln!(out, "- {}: {}", o.name, f.replace('\n', " "));
        }
    }
    let _ = writeln!(out, "\n**{passed} of {} scenarios passed**", outcomes.len());
    out
}
