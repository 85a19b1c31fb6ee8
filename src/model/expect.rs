//! Acceptance checks (`[expect]` of a profile or scenario, docs/scenarios.md): statements about
//! a run's results, `summary.json`, that must hold. The grammar extends the SLO grammar of
//! [`super::slo`] with counts, reason keys, alerts and protocol errors, and compares with any
//! operator against a number or another value of the same kind:
//!
//! ```text
//! attach:p50 < 150ms                         an SLO metric (latency, success, timeout, error)
//! attach:success > 99%
//! charging:lost == 0                         a charging count (model::slo::CHARGING_COUNTS)
//! charging:stored == charging:generated      against another value, or a sum of counts:
//! charging:pgw_records == attach:ok + plmn_change:ok + data_session:ok
//! attach:started > 0                         a procedure count: started, ok, rejected_expected,
//!                                            failed, timed_out
//! s8.create_session:sent == 0                a message count: sent, answered, retransmitted
//! attach:rejected_expected[s6a.5004] >= 1    the count of one reason key of an outcome
//! attach:failed[*] == 0                      every reason of the outcome
//! attach:rejected_expected[!s6a.5001,s6a.5004] == 0   every reason but those
//! alerts[agreement_missing] >= 1             intervals in which an alert fired
//! protocol_errors[diameter.5004] == 0        the embedded cores' error answers
//! ```
//!
//! Plain data only; `report::expect` evaluates checks against a summary. Parsing rejects an
//! unknown target, metric, outcome or operator with an error that quotes the check and names the
//! offending word, so a typo fails when the profile is read (exit 2), not after the run.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::message::MessageKind;
use super::procedure::{Outcome, Procedure};
use super::slo::{parse_target, Comparison, SloMetric, SloTarget};
use super::units::{parse_duration, parse_percent};

/// What kind of number a value is; both sides of a check must be of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Microseconds.
    Latency,
    /// A ratio in [0, 1].
    Ratio,
    /// A count.
    Count,
}

/// Which reasons of an outcome are counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReasonSelector {
    /// `[*]`: all of them.
    All,
    /// `[a,b]`: the listed keys.
    Only(Vec<String>),
    /// `[!a,b]`: every key but the listed ones.
    Except(Vec<String>),
}

impl ReasonSelector {
    /// Whether the reason `key` is counted.
    pub fn matches(&self, key: &str) -> bool {
        match self {
            ReasonSelector::All => true,
            ReasonSelector::Only(l) => l.iter().any(|x| x == key),
            ReasonSelector::Except(l) => !l.iter().any(|x| x == key),
        }
    }
}

/// One side of a check: something `summary.json` holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An SLO metric or a charging count (`attach:p99`, `charging:lost`).
    Slo(SloTarget, SloMetric),
    /// A procedure's outcome count (`attach:ok`); `"started"` is allowed too.
    ProcedureCount(Procedure, &'static str),
    /// A message's count (`s6a.ulr:sent`).
    MessageCount(MessageKind, &'static str),
    /// Reason counts of one outcome of a procedure or message.
    Reasons {
        /// The procedure or message.
        target: SloTarget,
        /// `failed`, `rejected_expected` or `timed_out`.
        outcome: Outcome,
        /// Which keys.
        selector: ReasonSelector,
    },
    /// Intervals in which the named alert fired.
    Alert(String),
    /// Error answers of the embedded cores under one key (`diameter.5001`).
    ProtocolError(String),
}

/// The counts a procedure has besides its outcomes' reasons.
pub const PROCEDURE_COUNTS: &[&str] =
    &["started", "ok", "rejected_expected", "failed", "timed_out"];
/// The counts of a message.
pub const MESSAGE_COUNTS: &[&str] = &["sent", "answered", "retransmitted"];

impl Value {
    /// The kind of number it is.
    pub fn kind(&self) -> Kind {
        match self {
            Value::Slo(_, SloMetric::Latency(_)) => Kind::Latency,
            Value::Slo(_, SloMetric::Count(_)) => Kind::Count,
            Value::Slo(..) => Kind::Ratio,
            _ => Kind::Count,
        }
    }

    /// The alert a value names, if it is one.
    pub fn alert(&self) -> Option<&str> {
        match self {
            Value::Alert(name) => Some(name),
            _ => None,
        }
    }
}

/// The right-hand side of a check.
#[derive(Debug, Clone, PartialEq)]
pub enum Rhs {
    /// A number in the left side's unit (µs, ratio, count).
    Number(f64),
    /// Another value of the same kind, or the sum of several (`attach:ok + plmn_change:ok`).
    Values(Vec<Value>),
}

/// One check: `left op right`.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The check as written (trimmed), for reports.
    pub text: String,
    /// What is measured.
    pub left: Value,
    /// How it must compare.
    pub op: Comparison,
    /// With what.
    pub right: Rhs,
}

/// Why a check could not be read; every variant quotes the check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpectError {
    /// Not `value op value`.
    #[error("check `{text}`: {why}; expected e.g. `attach:p50 < 150ms`, `charging:lost == 0` or `attach:rejected_expected[s6a.5004] >= 1`")]
    Syntax {
        /// The check.
        text: String,
        /// What is wrong.
        why: String,
    },
    /// A word that names nothing the summary holds.
    #[error("check `{text}`: unknown {what} `{word}`: expected {expected}")]
    Unknown {
        /// The check.
        text: String,
        /// `target`, `metric`, `outcome`, ...
        what: &'static str,
        /// The offending word.
        word: String,
        /// What would have been accepted.
        expected: String,
    },
}

impl Check {
    /// Parses `value op (number | value)`.
    pub fn parse(text: &str) -> Result<Check, ExpectError> {
        let text = text.trim();
        let syntax = |why: &str| ExpectError::Syntax {
            text: text.to_string(),
            why: why.to_string(),
        };
        let at =
            op_position(text).ok_or_else(|| syntax("missing comparison (<, <=, >, >=, ==)"))?;
        let (left, rest) = text.split_at(at);
        let (op, right) = Comparison::split_prefix(rest)
            .ok_or_else(|| syntax("the comparison must be <, <=, >, >= or =="))?;
        let left = parse_value(text, left.trim())?;
        let right = right.trim();
        if right.is_empty() {
            return Err(syntax("nothing after the comparison"));
        }
        let right = if right.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            Rhs::Number(parse_number(text, left.kind(), right)?)
        } else {
            let mut values = Vec::new();
            for term in right.split('+') {
                let value = parse_value(text, term.trim())?;
                if value.kind() != left.kind() {
                    return Err(syntax(&format!(
                        "`{}` and `{}` are not the same kind of number",
                        text[..at].trim(),
                        term.trim()
                    )));
                }
                values.push(value);
            }
            if values.len() > 1 && left.kind() != Kind::Count {
                return Err(syntax("only counts can be added"));
            }
            Rhs::Values(values)
        };
        Ok(Check {
            text: text.to_string(),
            left,
            op,
            right,
        })
    }

    /// The alerts the check names (on either side).
    pub fn alerts(&self) -> impl Iterator<Item = &str> {
        let right: &[Value] = match &self.right {
            Rhs::Values(v) => v,
            Rhs::Number(_) => &[],
        };
        self.left
            .alert()
            .into_iter()
            .chain(right.iter().filter_map(Value::alert))
    }
}

/// Where the comparison starts: the first `<`, `>` or `=` outside brackets.
fn op_position(text: &str) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '<' | '>' | '=' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

fn parse_number(text: &str, kind: Kind, value: &str) -> Result<f64, ExpectError> {
    let bad = |why: String| ExpectError::Syntax {
        text: text.to_string(),
        why,
    };
    match kind {
        Kind::Latency if value.chars().all(|c| c.is_ascii_digit() || c == '.') => Err(bad(
            format!("the latency `{value}` needs a unit, e.g. `150ms`"),
        )),
        Kind::Latency => parse_duration(value)
            .map(|d| d.as_secs_f64() * 1e6)
            .map_err(|e| bad(e.to_string())),
        Kind::Ratio => parse_percent(value).map_err(|e| bad(e.to_string())),
        Kind::Count => value
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| bad(format!("`{value}` is not a count"))),
    }
}

fn unknown(text: &str, what: &'static str, word: &str, expected: impl Into<String>) -> ExpectError {
    ExpectError::Unknown {
        text: text.to_string(),
        what,
        word: word.to_string(),
        expected: expected.into(),
    }
}

/// `name[key]` → (`name`, `key`).
fn bracketed(s: &str) -> Option<(&str, &str)> {
    let (name, rest) = s.split_once('[')?;
    Some((name.trim(), rest.strip_suffix(']')?.trim()))
}

fn parse_value(text: &str, s: &str) -> Result<Value, ExpectError> {
    if s.is_empty() {
        return Err(ExpectError::Syntax {
            text: text.to_string(),
            why: "nothing before the comparison".into(),
        });
    }
    let Some((target_name, metric)) = s.split_once(':') else {
        let (name, key) = bracketed(s).ok_or_else(|| {
            unknown(
                text,
                "value",
                s,
                "`target:metric`, `alerts[NAME]` or `protocol_errors[KEY]`",
            )
        })?;
        if key.is_empty() {
            return Err(unknown(text, "key", "", "a name inside the brackets"));
        }
        return match name {
            "alerts" => Ok(Value::Alert(key.to_string())),
            "protocol_errors" => Ok(Value::ProtocolError(key.to_string())),
            _ => Err(unknown(
                text,
                "value",
                name,
                "alerts[NAME] or protocol_errors[KEY]",
            )),
        };
    };
    let target_name = target_name.trim();
    let target = parse_target(target_name).ok_or_else(|| {
        unknown(
            text,
            "target",
            target_name,
            format!(
                "a procedure, a message ({}), charging or charging.ack",
                MessageKind::NAMES
            ),
        )
    })?;
    let metric = metric.trim();
    if let Some((outcome, keys)) = bracketed(metric) {
        let outcome: Outcome = outcome
            .parse()
            .ok()
            .filter(|o| *o != Outcome::Ok)
            .ok_or_else(|| {
                unknown(
                    text,
                    "outcome",
                    outcome,
                    "failed, rejected_expected or timed_out",
                )
            })?;
        if !matches!(target, SloTarget::Procedure(_) | SloTarget::Message(_)) {
            return Err(unknown(
                text,
                "target",
                target_name,
                "a procedure or a message for reasons",
            ));
        }
        let list = |k: &str| -> Vec<String> {
            k.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let selector = match keys {
            "*" => ReasonSelector::All,
            k if k.starts_with('!') => ReasonSelector::Except(list(&k[1..])),
            k => ReasonSelector::Only(list(k)),
        };
        if matches!(&selector, ReasonSelector::Only(l) if l.is_empty()) {
            return Err(unknown(
                text,
                "reason key",
                keys,
                "e.g. s6a.5004, `*` or `!s6a.5001`",
            ));
        }
        return Ok(Value::Reasons {
            target,
            outcome,
            selector,
        });
    }
    match target {
        SloTarget::Procedure(p) => {
            if let Some(c) = PROCEDURE_COUNTS.iter().find(|c| **c == metric) {
                return Ok(Value::ProcedureCount(p, c));
            }
        }
        SloTarget::Message(m) => {
            if let Some(c) = MESSAGE_COUNTS.iter().find(|c| **c == metric) {
                return Ok(Value::MessageCount(m, c));
            }
        }
        _ => {}
    }
    let parsed: Option<SloMetric> = metric.parse().ok();
    let fits = |m: SloMetric| match (target, m) {
        (SloTarget::Charging, SloMetric::Count(_)) => true,
        (SloTarget::Charging, _) | (_, SloMetric::Count(_)) => false,
        (SloTarget::ChargingAck, m) => matches!(m, SloMetric::Latency(_)),
        (SloTarget::Message(_), SloMetric::Error) => false,
        _ => true,
    };
    match parsed.filter(|m| fits(*m)) {
        Some(m) => Ok(Value::Slo(target, m)),
        None => Err(unknown(
            text,
            "metric",
            metric,
            match target {
                SloTarget::Charging => {
                    format!("a count: {}", super::slo::CHARGING_COUNTS.join(", "))
                }
                SloTarget::ChargingAck => "a latency: p50 ... p999, max, mean".to_string(),
                SloTarget::Procedure(_) => format!(
                    "{}, {}, or OUTCOME[REASON]",
                    SloMetric::NAMES,
                    PROCEDURE_COUNTS.join(", ")
                ),
                SloTarget::Message(_) => format!(
                    "p50 ... p999, max, mean, success, timeout, {}, or OUTCOME[REASON]",
                    MESSAGE_COUNTS.join(", ")
                ),
            },
        )),
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Check {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Check {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Check::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// `[expect]` of a profile: the checks a run must pass besides its SLOs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectConfig {
    /// The checks, in order.
    #[serde(default)]
    pub checks: Vec<Check>,
}

#[cfg(test)]
mod tests;
