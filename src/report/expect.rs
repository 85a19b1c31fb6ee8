//! `[expect]` evaluation (docs/scenarios.md): each [`Check`] of a profile read against a
//! [`Summary`], giving the `expect` array of `summary.json` and, through the verdict, exit 99 when
//! one does not hold. Like the SLOs (`report::slo`), every value is read from the summary itself,
//! so a stored `summary.json` gives the same answer later; the alert evaluator reads the same
//! values from the summary of a window of intervals.
//!
//! A count that the summary does not hold because nothing happened (a message never sent, a
//! reason that never occurred, an alert that never fired) is 0; a latency or ratio with no
//! traffic, or a charging count in a run without charging, has no value, and a check on it fails
//! with `observed: null`.

use super::model::{CheckResult, Summary};
use super::slo::{holds, observe};
use crate::model::expect::{Check, Rhs, Value};
use crate::model::slo::{SloSpec, SloTarget};

/// The value `value` names, read from `summary`; `None` when there is nothing to measure.
pub fn observe_value(summary: &Summary, value: &Value) -> Option<f64> {
    match value {
        Value::Slo(target, metric) => observe(
            summary,
            &SloSpec {
                name: None,
                target: *target,
                metric: *metric,
                op: crate::model::slo::Comparison::Eq,
                threshold: 0.0,
                window: None,
            },
        ),
        Value::ProcedureCount(p, count) => {
            let s = summary.procedure(*p)?;
            Some(match *count {
                "started" => s.started,
                "ok" => s.ok,
                "rejected_expected" => s.rejected_expected,
                "failed" => s.failed,
                _ => s.timed_out,
            } as f64)
        }
        Value::MessageCount(m, count) => {
            let Some(s) = summary.message(*m) else {
                return Some(0.0);
            };
            Some(match *count {
                "sent" => s.sent,
                "answered" => s.answered,
                _ => s.retransmitted,
            } as f64)
        }
        Value::Reasons {
            target,
            outcome,
            selector,
        } => {
            let reasons = match target {
                SloTarget::Procedure(p) => summary.procedure(*p).map(|s| &s.reasons),
                SloTarget::Message(m) => summary.message(*m).map(|s| &s.reasons),
                _ => None,
            };
            let keys = reasons.and_then(|r| r.get(outcome.as_str()));
            let n: u64 = keys
                .map(|keys| {
                    keys.iter()
                        .filter(|(k, _)| selector.matches(k))
                        .map(|(_, n)| *n)
                        .sum()
                })
                .unwrap_or(0);
            Some(n as f64)
        }
        Value::Alert(name) => Some(
            summary
                .alerts
                .iter()
                .find(|a| a.name == *name)
                .map_or(0, |a| a.count) as f64,
        ),
        Value::ProtocolError(key) => Some(
            summary
                .protocol_errors
                .as_ref()
                .and_then(|m| m.get(key))
                .copied()
                .unwrap_or(0) as f64,
        ),
    }
}

/// One check against `summary`: observed, expected and whether it holds.
pub fn evaluate_check(summary: &Summary, check: &Check) -> CheckResult {
    let observed = observe_value(summary, &check.left);
    let expected = match &check.right {
        Rhs::Number(n) => Some(*n),
        Rhs::Values(v) => v.iter().map(|v| observe_value(summary, v)).sum(),
    };
    let pass = match (observed, expected) {
        (Some(o), Some(e)) => holds(check.op, o, e),
        _ => false,
    };
    CheckResult {
        check: check.text.clone(),
        observed,
        expected,
        pass,
    }
}

impl Summary {
    /// Evaluates `checks` into `expect`; a check that fails makes the verdict `fail` (after
    /// [`Summary::evaluate_slos`], which sets it from the SLOs).
    pub fn evaluate_expect(&mut self, checks: &[Check]) {
        self.expect = checks.iter().map(|c| evaluate_check(self, c)).collect();
        self.verdict = self.verdict_with_checks();
    }
}

#[cfg(test)]
pub(crate) mod tests;
