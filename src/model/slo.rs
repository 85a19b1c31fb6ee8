//! Service-level objectives as a user writes them (docs/ARCHITECTURE.md §7): the `[[slo]]` tables
//! of a profile and the compact form of the command line, `attach:p99<150ms`,
//! `attach:success>=99.5%`, `s6a.ulr:timeout<0.1%`. Plain data only; `report::slo` evaluates them
//! against a summary.
//!
//! A spec names a target (a [`Procedure`] or a [`MessageKind`]), a metric (a latency statistic
//! or an outcome ratio), a comparison and a threshold. Thresholds are kept in the unit the summary
//! reports them in: microseconds for latencies, a ratio in [0, 1] for ratios. Parsing rejects
//! what could never be meant (`p99>1s`, `error` of a message) with an error naming the offending
//! word, so a typo such as `atach` is caught when the profile or flag is read, not after a run.
//!
//! In a profile an SLO is either a string or a table:
//! ```toml
//! slo = ["attach:p99<150ms"]                          # or, equivalently:
//! [[slo]]
//! name = "attach latency"                             # optional label for reports
//! check = "attach:p99<150ms"
//! [[slo]]
//! target = "s6a.ulr"                                  # the same, spelled out
//! metric = "timeout"
//! op = "<"
//! threshold = "0.1%"
//! window = "5m"                                       # also checked on every 5 minutes
//! ```

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::message::MessageKind;
use super::procedure::Procedure;
use super::units::{parse_duration, parse_percent, UnitError};

/// What an SLO is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SloTarget {
    /// A roamer procedure (`attach`, ...).
    Procedure(Procedure),
    /// A message kind (`s6a.ulr`, ...).
    Message(MessageKind),
    /// Offline charging's counts (`charging:lost==0`, `charging:spooled_max<10000`).
    Charging,
    /// Offline charging's close→acknowledgement latency (`charging.ack:p95<200ms`).
    ChargingAck,
}

/// The counts `charging:` SLOs can name (`summary.json` `charging`).
pub const CHARGING_COUNTS: &[&str] = &[
    "lost",
    "outstanding",
    "spooled_max",
    "generated",
    "packets_sent",
    "acknowledged",
    "retransmitted",
    "redirected",
    "sent_possibly_duplicated",
    "released",
    "cancelled",
    "spooled",
    "replayed",
    "stored",
    "duplicates_dropped",
    "dropped_while_down",
    "pgw_records",
    "pgw_partial_time",
    "pgw_partial_volume",
    "pgw_sessions_ended",
    "sgw_records",
    "pgw_octets",
    "sgw_octets",
];

impl SloTarget {
    /// The name used in reports: `attach`, `s6a.ulr`.
    pub fn name(self) -> &'static str {
        match self {
            SloTarget::Procedure(p) => p.as_str(),
            SloTarget::Message(m) => m.name(),
            SloTarget::Charging => "charging",
            SloTarget::ChargingAck => "charging.ack",
        }
    }
}

/// A latency statistic of a summary's `latency_us` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LatencyStat {
    /// Median.
    P50,
    /// 90th percentile.
    P90,
    /// 95th percentile.
    P95,
    /// 99th percentile.
    P99,
    /// 99.9th percentile.
    P999,
    /// Largest value.
    Max,
    /// Arithmetic mean.
    Mean,
}

impl LatencyStat {
    /// Every statistic, in the order of the `latency_us` object.
    pub const ALL: &'static [LatencyStat] = &[
        LatencyStat::P50,
        LatencyStat::P90,
        LatencyStat::P95,
        LatencyStat::P99,
        LatencyStat::P999,
        LatencyStat::Max,
        LatencyStat::Mean,
    ];

    /// The key in `latency_us`: `p50` ... `p999`, `max`, `mean`.
    pub fn name(self) -> &'static str {
        match self {
            LatencyStat::P50 => "p50",
            LatencyStat::P90 => "p90",
            LatencyStat::P95 => "p95",
            LatencyStat::P99 => "p99",
            LatencyStat::P999 => "p999",
            LatencyStat::Max => "max",
            LatencyStat::Mean => "mean",
        }
    }

    /// The quantile of a percentile statistic (`p99` → 0.99); `None` for max and mean.
    pub fn quantile(self) -> Option<f64> {
        match self {
            LatencyStat::P50 => Some(0.5),
            LatencyStat::P90 => Some(0.9),
            LatencyStat::P95 => Some(0.95),
            LatencyStat::P99 => Some(0.99),
            LatencyStat::P999 => Some(0.999),
            LatencyStat::Max | LatencyStat::Mean => None,
        }
    }
}

/// What is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SloMetric {
    /// A latency statistic, in microseconds; compared with `<` or `<=`.
    Latency(LatencyStat),
    /// Success ratio, compared with `>=` or `>`: (ok + rejected_expected) / started for a
    /// procedure, answered / sent for a message.
    Success,
    /// Timeout ratio, compared with `<` or `<=`: timed_out / started for a procedure,
    /// (sent - answered) / sent for a message.
    Timeout,
    /// Error ratio (failed / started), compared with `<` or `<=`; procedures only.
    Error,
    /// A count of `charging` (one of [`CHARGING_COUNTS`]), compared with any operator.
    Count(&'static str),
}

impl SloMetric {
    /// The accepted metric names, for error messages.
    pub const NAMES: &'static str = "p50, p90, p95, p99, p999, max, mean, success, timeout, error";

    /// The name in the compact form: `p99`, `success`, ...
    pub fn name(self) -> &'static str {
        match self {
            SloMetric::Latency(s) => s.name(),
            SloMetric::Success => "success",
            SloMetric::Timeout => "timeout",
            SloMetric::Error => "error",
            SloMetric::Count(name) => name,
        }
    }

    /// The comparisons that make sense for this metric.
    pub fn allowed(self) -> &'static [Comparison] {
        match self {
            SloMetric::Success => &[Comparison::Ge, Comparison::Gt],
            SloMetric::Count(_) => &[
                Comparison::Eq,
                Comparison::Lt,
                Comparison::Le,
                Comparison::Gt,
                Comparison::Ge,
            ],
            _ => &[Comparison::Lt, Comparison::Le],
        }
    }
}

impl FromStr for SloMetric {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        if let Some(s) = LatencyStat::ALL.iter().find(|s| s.name() == text) {
            return Ok(SloMetric::Latency(*s));
        }
        match text {
            "success" => Ok(SloMetric::Success),
            "timeout" => Ok(SloMetric::Timeout),
            "error" => Ok(SloMetric::Error),
            _ => CHARGING_COUNTS
                .iter()
                .find(|c| **c == text)
                .map(|c| SloMetric::Count(c))
                .ok_or(()),
        }
    }
}

/// How the observed value must relate to the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparison {
    /// observed < threshold
    Lt,
    /// observed <= threshold
    Le,
    /// observed > threshold
    Gt,
    /// observed >= threshold
    Ge,
    /// observed == threshold (counts only)
    Eq,
}

impl Comparison {
    /// The comparison `text` starts with, and what follows it (`">= 1"` → `Ge`, `" 1"`).
    pub fn split_prefix(text: &str) -> Option<(Comparison, &str)> {
        [
            ("==", Comparison::Eq),
            ("<=", Comparison::Le),
            (">=", Comparison::Ge),
            ("<", Comparison::Lt),
            (">", Comparison::Gt),
        ]
        .into_iter()
        .find_map(|(sym, op)| text.strip_prefix(sym).map(|v| (op, v)))
    }

    /// `<`, `<=`, `>`, `>=`.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Lt => "<",
            Comparison::Le => "<=",
            Comparison::Gt => ">",
            Comparison::Ge => ">=",
            Comparison::Eq => "==",
        }
    }
}

/// Why an SLO could not be read. Every message quotes the SLO and names the offending part.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SloError {
    /// Not of the shape `target:metric<op><threshold>`.
    #[error("invalid SLO `{text}`: {why}; expected e.g. `attach:p99<150ms`, `attach:success>=99.5%` or `s6a.ulr:timeout<0.1%`")]
    Syntax {
        /// The SLO as written.
        text: String,
        /// What is missing or wrong.
        why: &'static str,
    },
    /// The target is neither a procedure nor a message kind.
    #[error(
        "unknown procedure or message `{target}` in SLO `{text}`: expected one of {}, {}",
        procedure_names(),
        MessageKind::NAMES
    )]
    UnknownTarget {
        /// The SLO as written.
        text: String,
        /// The unknown name.
        target: String,
    },
    /// The metric is not one of [`SloMetric::NAMES`].
    #[error(
        "unknown metric `{metric}` in SLO `{text}`: expected one of {}",
        SloMetric::NAMES
    )]
    UnknownMetric {
        /// The SLO as written.
        text: String,
        /// The unknown metric.
        metric: String,
    },
    /// A comparison that cannot express an objective for this metric (`p99>1s`).
    #[error("SLO `{text}`: `{metric}` must be compared with {allowed}, not `{op}`")]
    Comparison {
        /// The SLO as written.
        text: String,
        /// The metric.
        metric: &'static str,
        /// The comparison given.
        op: &'static str,
        /// The comparisons allowed.
        allowed: &'static str,
    },
    /// The threshold is not a duration (latency) or a percentage (ratio).
    #[error("SLO `{text}`: {source}")]
    Threshold {
        /// The SLO as written.
        text: String,
        /// The unit parser's error.
        source: UnitError,
    },
    /// The metric is not measured for this target (`error` of a message).
    #[error("SLO `{text}`: `{metric}` is not measured for message `{target}`; use success, timeout or a latency")]
    NotMeasured {
        /// The SLO as written.
        text: String,
        /// The metric.
        metric: &'static str,
        /// The message kind.
        target: &'static str,
    },
    /// A profile `[[slo]]` table that is neither `check = ...` nor target/metric/op/threshold.
    #[error("invalid [[slo]] table: {0}")]
    Table(String),
}

fn procedure_names() -> String {
    let names: Vec<&str> = Procedure::ALL.iter().map(|p| p.as_str()).collect();
    names.join(", ")
}

/// One service-level objective.
#[derive(Debug, Clone, PartialEq)]
pub struct SloSpec {
    /// A label for reports; `None` uses the compact form ([`fmt::Display`]).
    pub name: Option<String>,
    /// What is measured.
    pub target: SloTarget,
    /// Which metric of it.
    pub metric: SloMetric,
    /// How the observed value must compare with the threshold.
    pub op: Comparison,
    /// Microseconds for a latency, a ratio in [0, 1] otherwise.
    pub threshold: f64,
    /// Also checked on every window of this length (a soak passes only if every window
    /// passed); `None`: on the whole run only, unless `--slo-window` gives one.
    pub window: Option<std::time::Duration>,
}

impl SloSpec {
    /// Parses the compact form `target:metric<op><threshold>`, e.g. `attach:p99<150ms`,
    /// `attach:success>=99.5%`, `s6a.ulr:timeout<0.1%`. Ratios take `%` or a plain ratio
    /// (`0.001`); latencies take a duration with a unit (`150ms`, `1s`, `800us`).
    pub fn parse(text: &str) -> Result<SloSpec, SloError> {
        let syntax = |why| SloError::Syntax {
            text: text.to_string(),
            why,
        };
        let (target, rest) = text
            .trim()
            .split_once(':')
            .ok_or_else(|| syntax("missing `:` between target and metric"))?;
        let op_at = rest
            .find(['<', '>', '='])
            .ok_or_else(|| syntax("missing comparison (<, <=, >, >=)"))?;
        let (metric, rest) = rest.split_at(op_at);
        let (op, value) = Comparison::split_prefix(rest)
            .ok_or_else(|| syntax("the comparison must be <, <=, >, >= or == (counts)"))?;
        let target = parse_target(target.trim()).ok_or_else(|| SloError::UnknownTarget {
            text: text.to_string(),
            target: target.trim().to_string(),
        })?;
        let metric: SloMetric = metric
            .trim()
            .parse()
            .map_err(|()| SloError::UnknownMetric {
                text: text.to_string(),
                metric: metric.trim().to_string(),
            })?;
        check_combination(text, target, metric, op)?;
        let threshold_err = |source| SloError::Threshold {
            text: text.to_string(),
            source,
        };
        let threshold = match metric {
            SloMetric::Latency(_) => {
                parse_duration(value).map_err(threshold_err)?.as_secs_f64() * 1e6
            }
            SloMetric::Count(_) => value.trim().parse::<u64>().map_err(|_| SloError::Syntax {
                text: text.to_string(),
                why: "a count threshold is a whole number",
            })? as f64,
            _ => parse_percent(value).map_err(threshold_err)?,
        };
        Ok(SloSpec {
            name: None,
            target,
            metric,
            op,
            threshold,
            window: None,
        })
    }

    /// The label of reports: the name if given, else the compact form.
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.to_string())
    }

    /// True when the threshold is a latency in microseconds (else a ratio).
    pub fn is_latency(&self) -> bool {
        matches!(self.metric, SloMetric::Latency(_))
    }
}

/// A target by its name: `charging`, `charging.ack`, a procedure or a message kind.
pub fn parse_target(name: &str) -> Option<SloTarget> {
    match name {
        "charging" => return Some(SloTarget::Charging),
        "charging.ack" => return Some(SloTarget::ChargingAck),
        _ => {}
    }
    if let Ok(p) = name.parse::<Procedure>() {
        return Some(SloTarget::Procedure(p));
    }
    name.parse::<MessageKind>().ok().map(SloTarget::Message)
}

fn check_combination(
    text: &str,
    target: SloTarget,
    metric: SloMetric,
    op: Comparison,
) -> Result<(), SloError> {
    let fits = match (target, metric) {
        (SloTarget::Charging, SloMetric::Count(_)) => true,
        (SloTarget::Charging, _) | (_, SloMetric::Count(_)) => false,
        (SloTarget::ChargingAck, m) => matches!(m, SloMetric::Latency(_)),
        _ => true,
    };
    if !fits {
        return Err(SloError::Syntax {
            text: text.to_string(),
            why: "`charging:` takes a count (lost, spooled_max, stored, ...) and `charging.ack:` a latency (p95, ...)",
        });
    }
    if !metric.allowed().contains(&op) {
        return Err(SloError::Comparison {
            text: text.to_string(),
            metric: metric.name(),
            op: op.symbol(),
            allowed: if metric == SloMetric::Success {
                "`>=` or `>`"
            } else {
                "`<` or `<=`"
            },
        });
    }
    if let (SloTarget::Message(m), SloMetric::Error) = (target, metric) {
        return Err(SloError::NotMeasured {
            text: text.to_string(),
            metric: metric.name(),
            target: m.name(),
        });
    }
    Ok(())
}

/// `1.5` not `1.5000000001`: at most `decimals` decimals, trailing zeros dropped.
fn trim_float(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

impl fmt::Display for SloSpec {
    /// The compact form, which [`SloSpec::parse`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = match self.metric {
            SloMetric::Latency(_) if self.threshold >= 1e6 => {
                format!("{}s", trim_float(self.threshold / 1e6, 6))
            }
            SloMetric::Latency(_) if self.threshold >= 1000.0 => {
                format!("{}ms", trim_float(self.threshold / 1000.0, 3))
            }
            SloMetric::Latency(_) => format!("{}us", trim_float(self.threshold, 3)),
            SloMetric::Count(_) => format!("{}", self.threshold as u64),
            _ => format!("{}%", trim_float(self.threshold * 100.0, 6)),
        };
        write!(
            f,
            "{}:{}{}{}",
            self.target.name(),
            self.metric.name(),
            self.op.symbol(),
            value
        )
    }
}

impl FromStr for SloSpec {
    type Err = SloError;
    fn from_str(text: &str) -> Result<Self, SloError> {
        SloSpec::parse(text)
    }
}

/// The `[[slo]]` table of a profile.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SloTable {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    check: Option<String>,
    #[serde(default, skip_serializing)]
    target: Option<String>,
    #[serde(default, skip_serializing)]
    metric: Option<String>,
    #[serde(default, skip_serializing)]
    op: Option<String>,
    #[serde(default, skip_serializing)]
    threshold: Option<Threshold>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    window: Option<String>,
}

/// A table threshold: `"150ms"`, `"99.5%"`, or a bare ratio such as `0.995`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Threshold {
    Text(String),
    Number(f64),
}

impl SloTable {
    fn into_spec(self) -> Result<SloSpec, SloError> {
        let parts = (self.target, self.metric, self.op, self.threshold);
        let check = match (self.check, parts) {
            (Some(check), (None, None, None, None)) => check,
            (None, (Some(t), Some(m), Some(op), Some(threshold))) => {
                let value = match threshold {
                    Threshold::Text(s) => s,
                    Threshold::Number(_)
                        if matches!(m.trim().parse(), Ok(SloMetric::Latency(_))) =>
                    {
                        return Err(SloError::Table(format!(
                            "the threshold of `{t}` `{m}` needs a unit, e.g. \"150ms\""
                        )))
                    }
                    Threshold::Number(n) => n.to_string(),
                };
                format!("{t}:{m}{op}{value}")
            }
            _ => {
                return Err(SloError::Table(
                    "give either `check = \"attach:p99<150ms\"` or all of `target`, `metric`, \
                     `op` and `threshold`"
                        .to_string(),
                ))
            }
        };
        let mut spec = SloSpec::parse(&check)?;
        spec.name = self.name;
        if let Some(w) = self.window {
            let window = parse_duration(&w).map_err(|source| SloError::Threshold {
                text: format!("{check} (window = {w:?})"),
                source,
            })?;
            if window.is_zero() {
                return Err(SloError::Table(format!(
                    "the window of `{check}` must be positive"
                )));
            }
            spec.window = Some(window);
        }
        Ok(spec)
    }
}

impl Serialize for SloSpec {
    /// A table with `check` (and `name` when set), which deserializes back to the same spec.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SloTable {
            name: self.name.clone(),
            check: Some(self.to_string()),
            window: self
                .window
                .map(|w| format!("{}s", trim_float(w.as_secs_f64(), 6))),
            ..SloTable::default()
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SloSpec {
    /// A compact string or a `[[slo]]` table.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SpecVisitor;
        impl<'de> Visitor<'de> for SpecVisitor {
            type Value = SloSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an SLO such as \"attach:p99<150ms\" or a table with `check`")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<SloSpec, E> {
                SloSpec::parse(text).map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<SloSpec, A::Error> {
                let table = SloTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                table.into_spec().map_err(de::Error::custom)
            }
        }
        deserializer.deserialize_any(SpecVisitor)
    }
}

#[cfg(test)]
mod tests;
