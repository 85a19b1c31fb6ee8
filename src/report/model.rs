//! The results of a run as data (docs/ARCHITECTURE.md §7): `summary.json` (schema
//! `roamsim/summary/v1`) with everything it holds (run information, procedure, message and link
//! summaries, SLO results and verdict, per-window SLO reports, capacity, sweep), and what
//! `intervals.hlog` holds once read back. Renderers read these types; `summary`, `slo`, `window`,
//! `capacity`, `sweep` and `hlog` compute them.
//!
//! Data and serde only: fields, plain accessors, and reading and writing the JSON. Every key of the
//! schema is always present: all five procedures even when nothing ran, and `observed: null` for
//! an SLO without data. Extra keys are allowed by the schema (`run.lag_us` is one), so reading
//! ignores keys it does not know; a missing key or another schema is an error. Maps keep their
//! order both ways (procedures in [`Procedure::ALL`] order). Imports nothing from the rest of
//! `report` but `online`, the data of `charging.online`.

use std::fmt;
use std::marker::PhantomData;

use hdrhistogram::Histogram;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::message::MessageKind;
pub use crate::model::reason::ReasonExample;
use crate::model::slo::LatencyStat;
use crate::model::Procedure;

/// The `schema` value this module writes and reads.
pub const SCHEMA: &str = "roamsim/summary/v1";

/// A summary that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    /// Not JSON, or a key of the schema missing or of the wrong type.
    #[error("not a valid {SCHEMA} summary: {0}")]
    Json(#[from] serde_json::Error),
    /// Another schema (or version).
    #[error("unsupported summary schema `{0}`: expected `{SCHEMA}`")]
    Schema(String),
}

/// The whole `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// Run information.
    pub run: RunSummary,
    /// Every procedure, in [`Procedure::ALL`] order.
    pub procedures: NamedMap<ProcedureSummary>,
    /// Message kinds that were sent, in [`MessageKind::ALL`] order.
    pub messages: NamedMap<MessageSummary>,
    /// Emulated links, in the order they were named.
    pub links: NamedMap<LinkSummary>,
    /// One result per SLO, in the order given.
    pub slo: Vec<SloResult>,
    /// `pass` iff every SLO passed (and with no SLO).
    pub verdict: Verdict,
    /// Rates, Little's law and peak attached roamers per instance (an extra key of v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Capacity>,
    /// The steps and knee of a rate sweep (an extra key of v1, in a sweep's own summary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<Sweep>,
    /// Charging (an extra key of v1): offline records, transfer, storage, loss, and
    /// `charging.online` for Gy credit control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charging: Option<ChargingSummary>,
    /// Error answers the embedded cores sent to bad input, by key (`diameter.5001`,
    /// `gtpv2.70`; an extra key of v1, present when the run had a core).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_errors: Option<std::collections::BTreeMap<String, u64>>,
    /// What the structured log (`--log`) wrote and held back (an extra key of v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<super::log::LogSummary>,
    /// The alerts the run raised (`[[alerts]]`), in the order of the profile (an extra key of
    /// v1; absent when none fired).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<AlertSummary>,
    /// The `[expect]` checks and what they found (an extra key of v1; absent without checks).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<CheckResult>,
}

/// One entry of `alerts`: an alert that fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertSummary {
    /// Its name (`agreement_missing`).
    pub name: String,
    /// `info`, `warning` or `critical`.
    pub severity: String,
    /// Where an operator reads what to do.
    pub runbook: String,
    /// Intervals in which its condition held.
    pub count: u64,
    /// End of the first of them, seconds from the start of the run.
    pub first_at_s: f64,
    /// End of the last of them.
    pub last_at_s: f64,
    /// Its message, filled in when it first fired.
    pub message: String,
}

/// One entry of `expect`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The check as written.
    pub check: String,
    /// The left side's value; `null` when the run did not measure it.
    pub observed: Option<f64>,
    /// The right side's value (a number, or the value it names).
    pub expected: Option<f64>,
    /// Whether the check held.
    pub pass: bool,
}

impl Summary {
    /// The entry of `procedure`.
    pub fn procedure(&self, procedure: Procedure) -> Option<&ProcedureSummary> {
        self.procedures.get(procedure.as_str())
    }

    /// The entry of `kind`, if any was sent.
    pub fn message(&self, kind: MessageKind) -> Option<&MessageSummary> {
        self.messages.get(kind.name())
    }

    /// Pretty-printed JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a summary always serializes");
        text.push('\n');
        text
    }

    /// Reads a summary written by [`Self::to_json`] (or by a later v1 writer with extra keys).
    pub fn from_json(text: &str) -> Result<Summary, SummaryError> {
        #[derive(Deserialize)]
        struct Header {
            schema: String,
        }
        let header: Header = serde_json::from_str(text)?;
        if header.schema != SCHEMA {
            return Err(SummaryError::Schema(header.schema));
        }
        Ok(serde_json::from_str(text)?)
    }
}

/// What the caller knows about the run: identity, clock readings and rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Run id, also the results folder name (see `format::run_id`).
    pub id: String,
    /// The seed of every random stream.
    pub seed: u64,
    /// Profile name (file stem, or `default`).
    pub profile: String,
    /// Start of the run, RFC 3339 (see `format::rfc3339_utc`).
    pub started_at: String,
    /// Measured duration, seconds.
    pub duration_s: f64,
    /// Worker shards.
    pub shards: u32,
    /// Procedures per second asked for.
    pub offered_rate: f64,
    /// Procedures per second started.
    pub achieved_rate: f64,
    /// Whether the generator fell behind its schedule (see `lag_us`).
    pub generator_saturated: bool,
}

/// The `run` object: [`RunInfo`] plus the generator-lag percentiles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// The caller's run information, flattened into `run`.
    #[serde(flatten)]
    pub info: RunInfo,
    /// Lateness of actual against intended starts, microseconds (an extra key of v1).
    #[serde(default)]
    pub lag_us: LatencySummary,
    /// The S6a transport and its counters (an extra key of v1; absent in virtual runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<TransportSummary>,
    /// What the warm start did before the measured arrivals (an extra key of v1; absent
    /// without `--warm-start`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warm_start: Option<WarmStartSummary>,
}

/// `run.warm_start`: the unmeasured attaches that put the population in steady state first.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WarmStartSummary {
    /// Roamers picked by their personas' steady-state share of attached roamers.
    pub roamers: u64,
    /// Of those, attaches that ended ok.
    pub attached: u64,
    /// Attaches that failed or timed out (a core that cannot hold the population: an address
    /// pool too small, ...); those roamers start the run in whatever state that left.
    #[serde(default)]
    pub failed: u64,
    /// Why the first of them failed, as the procedure reasons are written (`GtpCause(73)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_failure: Option<String>,
    /// How long the warm start took (the slowest shard), seconds.
    pub seconds: f64,
}

/// `run.transport`: which transport carried S6a and, over roamsim's SCTP, what the
/// associations did on each side (an extra key of v1).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TransportSummary {
    /// `tcp`, `sctp` or `sctp-udp`.
    pub s6a: String,
    /// The generator's (MMEs') associations, summed over shards (`sctp-udp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mme: Option<SctpSummary>,
    /// The embedded HSS's associations (`run --transport sctp-udp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hss: Option<SctpSummary>,
}

/// SCTP association counters of one side (RFC 9260; see `proto::sctp::AssocStats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SctpSummary {
    /// Associations established.
    pub associations: u64,
    /// SCTP packets sent.
    pub packets_sent: u64,
    /// SCTP packets received.
    pub packets_received: u64,
    /// DATA chunks sent, first transmissions and retransmissions.
    pub data_chunks_sent: u64,
    /// DATA chunks sent again (fast retransmit and T3 expiry).
    pub retransmissions: u64,
    /// Of which by fast retransmit (RFC 9260 §7.2.4).
    pub fast_retransmissions: u64,
    /// T3-rtx expirations (RFC 9260 §6.3.3).
    pub t3_expirations: u64,
    /// DATA chunks received twice.
    pub duplicate_tsns: u64,
}

/// A `latency_us` / `delay_us` object, microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct LatencySummary {
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 95th percentile.
    pub p95: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest value.
    pub max: u64,
    /// Mean, to 0.1 µs.
    pub mean: f64,
}

impl LatencySummary {
    /// One statistic, as a number.
    pub fn get(&self, stat: LatencyStat) -> f64 {
        match stat {
            LatencyStat::P50 => self.p50 as f64,
            LatencyStat::P90 => self.p90 as f64,
            LatencyStat::P95 => self.p95 as f64,
            LatencyStat::P99 => self.p99 as f64,
            LatencyStat::P999 => self.p999 as f64,
            LatencyStat::Max => self.max as f64,
            LatencyStat::Mean => self.mean,
        }
    }
}

/// One entry of `procedures`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcedureSummary {
    /// Procedures begun.
    pub started: u64,
    /// Completed successfully.
    pub ok: u64,
    /// Negative cases answered with the expected error.
    pub rejected_expected: u64,
    /// Unexpected error or protocol failure.
    pub failed: u64,
    /// No answer in time.
    pub timed_out: u64,
    /// Latency from the intended start, all outcomes.
    pub latency_us: LatencySummary,
    /// Why procedures did not end ok: per outcome, each reason key and its count (an extra key
    /// of v1; absent when every procedure ended ok).
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub reasons: Reasons,
    /// The first procedure that ended for each key of `reasons`, same layout (an extra key of
    /// v1).
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub reason_examples: ReasonExamples,
}

impl ProcedureSummary {
    /// Procedures that ended, whatever the outcome.
    pub fn ended(&self) -> u64 {
        self.ok + self.rejected_expected + self.failed + self.timed_out
    }

    /// Every reason: outcome, key, count and the first example, outcomes in report order and
    /// keys by count (largest first).
    pub fn reason_rows(&self) -> Vec<ReasonRow<'_>> {
        let mut rows = Vec::new();
        for (outcome, keys) in self.reasons.iter() {
            let examples = self.reason_examples.get(outcome);
            for (key, &count) in keys.iter() {
                let example = examples.and_then(|e| e.get(key));
                rows.push(ReasonRow {
                    outcome,
                    key,
                    count,
                    example,
                });
            }
        }
        rows
    }
}

/// `reasons` of a procedure or message: per outcome other than ok (`failed`,
/// `rejected_expected`, `timed_out`), each reason key (`s6a.5004`) with its count, largest first.
pub type Reasons = NamedMap<NamedMap<u64>>;

/// `reason_examples` of a procedure: per outcome, each reason key with its first example.
pub type ReasonExamples = NamedMap<NamedMap<ReasonExample>>;

/// One line of a procedure's reasons.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReasonRow<'a> {
    /// `failed`, `rejected_expected` or `timed_out`.
    pub outcome: &'a str,
    /// The reason key.
    pub key: &'a str,
    /// How many procedures ended so.
    pub count: u64,
    /// The first of them, when the summary has it.
    pub example: Option<&'a ReasonExample>,
}

/// One entry of `messages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageSummary {
    /// Requests sent (once each, however often retransmitted).
    pub sent: u64,
    /// Requests answered.
    pub answered: u64,
    /// Extra copies sent by retransmission.
    pub retransmitted: u64,
    /// Request-to-answer latency of answered requests.
    pub latency_us: LatencySummary,
    /// The reasons of the procedures this message's answer (or its absence) ended, by their
    /// outcome, as in [`ProcedureSummary::reasons`] (an extra key of v1; absent when none).
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub reasons: Reasons,
}

/// One entry of `links`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkSummary {
    /// Packets offered to the link.
    pub packets: u64,
    /// Packets lost.
    pub dropped: u64,
    /// Extra copies made.
    pub duplicated: u64,
    /// Packets released out of order.
    pub reordered: u64,
    /// Delay added to delivered packets.
    pub delay_us: LatencySummary,
}

/// A JSON object whose keys keep their order: written in the order of the entries, read in the
/// order of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedMap<T>(pub Vec<(String, T)>);

impl<T> Default for NamedMap<T> {
    fn default() -> Self {
        NamedMap(Vec::new())
    }
}

impl<T> NamedMap<T> {
    /// The value under `name`.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there is no entry.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: Serialize> Serialize for NamedMap<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for NamedMap<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for MapVisitor<T> {
            type Value = NamedMap<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NamedMap<T>, A::Error> {
                let mut entries: Vec<(String, T)> = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, T>()? {
                    if entries.iter().any(|(n, _)| *n == k) {
                        return Err(serde::de::Error::custom(format!("duplicate key `{k}`")));
                    }
                    entries.push((k, v));
                }
                Ok(NamedMap(entries))
            }
        }
        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

/// One entry of the `slo` array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SloResult {
    /// The SLO's name, or its compact form (`attach:p99<150ms`).
    pub name: String,
    /// What was compared, `target:key` with the key's unit in its name: `attach:latency_us.p99`,
    /// `attach:success_ratio`, `s6a.ulr:timeout_ratio`.
    pub metric: String,
    /// The threshold in the metric's unit (microseconds or a ratio in [0, 1]).
    pub threshold: f64,
    /// The measured value in the same unit; `null` when the target saw no traffic.
    pub observed: Option<f64>,
    /// Whether the objective was met, on the whole run and in every window.
    pub pass: bool,
    /// The per-window evaluation, when the SLO has a window (an extra key of v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows: Option<WindowReport>,
}

impl SloResult {
    /// True when `metric` is a latency in microseconds (else a ratio).
    pub fn is_latency(&self) -> bool {
        self.metric.contains(":latency_us.")
    }
}

/// The run's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every SLO met (or none given).
    Pass,
    /// At least one SLO breached.
    Fail,
}

impl Verdict {
    /// `pass` or `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
        }
    }
}

/// Failed windows kept in a report; more are counted, not listed.
pub const MAX_LISTED: usize = 100;

/// One window that failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedWindow {
    /// Start, seconds from the start of the run.
    pub start_s: f64,
    /// End, seconds from the start of the run.
    pub end_s: f64,
    /// The value measured in it (the SLO's unit).
    pub observed: f64,
}

/// The `windows` object of an SLO result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowReport {
    /// The window length, seconds.
    pub window_s: f64,
    /// Windows checked (with data).
    pub evaluated: u64,
    /// Windows that failed.
    pub failed: u64,
    /// Windows in which the target saw no traffic.
    pub no_data: u64,
    /// The first [`MAX_LISTED`] failed windows, in order.
    pub failures: Vec<FailedWindow>,
}

/// Peak attached roamers of one MME/VLR instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstancePeak {
    /// Origin-Host of the instance.
    pub mme: String,
    /// Its pool's PLMN.
    pub plmn: String,
    /// Most roamers attached to it at an interval's end.
    pub peak_attached: u64,
}

/// The `capacity` object of `summary.json` (an extra key of v1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capacity {
    /// Procedures per second asked for.
    pub offered_rate: f64,
    /// Procedures per second started.
    pub achieved_rate: f64,
    /// Procedures per second ended (any outcome).
    pub completed_rate: f64,
    /// Mean procedure latency, µs (all procedures, all outcomes).
    pub mean_latency_us: f64,
    /// Little's law: completed_rate × mean latency = mean procedures in flight.
    pub mean_in_flight: f64,
    /// Successful attaches per second.
    pub attach_rate: f64,
    /// Mean time a roamer stays attached, seconds, from the profile's personas.
    pub mean_stay_s: Option<f64>,
    /// How much faster than the personas' own rates the run went: offered / natural rate.
    pub time_scale: f64,
    /// Little's law: attach_rate × mean_stay_s / time_scale = mean attached roamers.
    pub mean_attached: Option<f64>,
    /// Whether the run lasted long enough for that figure to hold: at least
    /// [`STEADY_STAYS`] mean stays in run time (`mean_stay_s / time_scale`). A shorter run
    /// starts with every roamer detached and ends while the attached population still grows;
    /// its attach rate is the fill-up's, and only the sampled figures describe it.
    #[serde(default)]
    pub steady_state: bool,
    /// Attached roamers (all instances), time average of the interval samples.
    pub mean_attached_sampled: f64,
    /// Most attached roamers (all instances) at an interval's end.
    pub peak_attached: u64,
    /// Peak attached roamers per MME/VLR instance.
    pub instances: Vec<InstancePeak>,
}

/// Mean stays (in run time) a run must last before Little's law on attached roamers is
/// reported as its result.
pub const STEADY_STAYS: f64 = 3.0;

/// One step of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// Procedures per second offered.
    pub offered_rate: f64,
    /// Procedures per second started.
    pub achieved_rate: f64,
    /// Whether every SLO was met.
    pub pass: bool,
    /// p99 latency per procedure that ended, µs, in [`Procedure::ALL`] order.
    pub p99_us: Vec<(String, u64)>,
    /// The step's results folder, relative to the sweep's.
    pub dir: String,
}

/// The `sweep` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// Steps in offered-rate order.
    pub points: Vec<SweepPoint>,
    /// Highest offered rate meeting every SLO (`None` when none did).
    pub knee: Option<f64>,
}

/// One interval of one tag.
#[derive(Debug, Clone, PartialEq)]
pub struct HlogPoint {
    /// Start, seconds from the start of the run.
    pub start_s: f64,
    /// Length, seconds.
    pub length_s: f64,
    /// Values recorded (completions).
    pub count: u64,
    /// Median, µs.
    pub p50: u64,
    /// 99th percentile, µs.
    pub p99: u64,
    /// Largest value, µs.
    pub max: u64,
}

/// All intervals of one tag, and their sum.
#[derive(Debug, Clone)]
pub struct TagSeries {
    /// The tag: a procedure or message kind name.
    pub tag: String,
    /// Every interval, in log order.
    pub points: Vec<HlogPoint>,
    /// All intervals merged: the whole run's histogram.
    pub total: Histogram<u64>,
}

/// What a log holds, by tag (in first-seen order).
#[derive(Debug, Clone, Default)]
pub struct HlogData {
    /// Per tag.
    pub tags: Vec<TagSeries>,
}

impl HlogData {
    /// The series of `tag`.
    pub fn tag(&self, tag: &str) -> Option<&TagSeries> {
        self.tags.iter().find(|t| t.tag == tag)
    }
}

/// `summary.json` `charging` (offline): what the gateways generated and sent, what the CGFs
/// stored, what is lost, and the close→acknowledgement latency.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChargingSummary {
    /// The counters, by [`ChargingCounter::name`].
    pub counters: NamedMap<u64>,
    /// Generated minus acknowledged minus still spooled or held at the end: 0 when a run that
    /// drained lost nothing.
    pub lost: u64,
    /// Records still spooled or in the CDFs at the end.
    pub outstanding: u64,
    /// Deepest dead-letter spool of any interval, all shards together.
    pub spooled_max: u64,
    /// Close→acknowledgement latency, µs.
    pub ack_latency_us: LatencySummary,
    /// Per interval: time, spool depth, records generated and stored, acknowledgement p95.
    #[serde(default)]
    pub intervals: Vec<ChargingPoint>,
    /// Online charging (Gy), when it was on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online: Option<super::online::OnlineChargingSummary>,
}

/// One interval of charging, for the report's spool depth and latency over time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ChargingPoint {
    /// End of the interval, seconds from the start.
    pub t_s: f64,
    /// Records in the spools at its end.
    pub spool_depth: u64,
    /// Records generated in it.
    pub generated: u64,
    /// Records the CGFs stored in it.
    pub stored: u64,
    /// 95th percentile of the acknowledgement latency in it, µs (0: none acknowledged).
    pub ack_p95_us: u64,
}

impl ChargingSummary {
    /// A count by its SLO name (`lost`, `spooled_max`, `stored`, ...).
    pub fn count(&self, name: &str) -> Option<u64> {
        match name {
            "lost" => Some(self.lost),
            "outstanding" => Some(self.outstanding),
            "spooled_max" => Some(self.spooled_max),
            _ => self.counters.get(name).copied(),
        }
    }
}
