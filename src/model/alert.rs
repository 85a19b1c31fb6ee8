//! Alerts (`[[alerts]]` of a profile, docs/scenarios.md): a named condition on the results of the
//! last intervals, written in the `[expect]` grammar ([`super::expect`]), with a severity, a
//! runbook link and a message template. The run's collector evaluates every alert at each
//! interval (`report::alerts`); the reports, junit.xml, `/metrics` and `summary.json` `alerts`
//! say which fired, when first, and how often.
//!
//! ```toml
//! [[alerts]]
//! name = "agreement_missing"
//! condition = "attach:rejected_expected[s6a.5004] >= 1"
//! window = "10s"                   # the intervals the condition reads; default: one interval
//! severity = "warning"             # info, warning (default) or critical
//! runbook = "https://runbooks.example/roaming/agreement-missing"
//! message = "no roaming agreement: roamers of {home_plmn} rejected in {visited_plmn}"
//! ```
//!
//! The message may name `{alert}`, `{value}` (the condition's left side, measured) and, when the
//! condition counts a reason key, `{home_plmn}`, `{visited_plmn}`, `{node}` and `{code}` from the
//! first procedure that ended with that reason in the window.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::expect::{Check, Value};
use super::units::parse_duration;

/// How urgent an alert is (the Prometheus convention's labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Needs a look.
    #[default]
    Warning,
    /// Needs action now.
    Critical,
}

impl Severity {
    /// `info`, `warning` or `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// One `[[alerts]]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertConfig {
    /// Name: a Prometheus label value and the key of `alerts[NAME]` checks.
    pub name: String,
    /// When it fires.
    pub condition: Check,
    /// The intervals the condition is evaluated on (the last ones whose total length reaches
    /// it); absent: the interval just closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    /// How urgent.
    #[serde(default)]
    pub severity: Severity,
    /// A link to what an operator should do.
    pub runbook: String,
    /// The message; absent: the condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl AlertConfig {
    /// The window as a duration (`None`: one interval).
    pub fn window(&self) -> Result<Option<Duration>, String> {
        self.window
            .as_deref()
            .map(|w| {
                parse_duration(w)
                    .map_err(|e| e.to_string())
                    .and_then(|d| match d.is_zero() {
                        true => Err(format!("the window `{w}` must be positive")),
                        false => Ok(d),
                    })
            })
            .transpose()
    }

    /// Checks what serde cannot: a usable name, a window, a condition that names no alert.
    /// The error is `(field, message)`.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        let ok_name = !self.name.is_empty()
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
        if !ok_name {
            return Err((
                "name",
                format!("`{}`: letters, digits, `_`, `-` and `.` only", self.name),
            ));
        }
        if matches!(self.condition.left, Value::Alert(_))
            || self.condition.alerts().next().is_some()
        {
            return Err((
                "condition",
                format!(
                    "`{}`: an alert's condition cannot name alerts",
                    self.condition
                ),
            ));
        }
        self.window().map_err(|e| ("window", e))?;
        Ok(())
    }
}
