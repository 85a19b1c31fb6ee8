//! `summary.json`, schema `roamsim/summary/v1` (DESIGN.md §7): the machine-readable result of a
//! run that CI gates on and that `roamsim report` / `compare` read back.
//!
//! Built from the merged [`Recorder`] of all shards plus what only the caller knows (run id,
//! clock readings, rates). Every key of the schema is always present: all five procedures even
//! when nothing ran, and `observed: null` for an SLO without data. Extra keys are allowed by the
//! schema (`run.lag_us` is one), so reading ignores keys it does not know; a missing key or another
//! schema is an error. Maps keep their order both ways (procedures in [`Procedure::ALL`] order).

use std::fmt;
use std::marker::PhantomData;

use hdrhistogram::Histogram;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::recorder::{LinkReport, MessageStats, ProcedureStats, Recorder};
use super::slo::{evaluate, verdict, SloResult, Verdict};
use crate::model::message::MessageKind;
use crate::model::slo::{LatencyStat, SloSpec};
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

/// What the caller knows about the run: identity, clock readings and rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Run id, also the results folder name (see [`super::run_id`]).
    pub id: String,
    /// The seed of every random stream.
    pub seed: u64,
    /// Profile name (file stem, or `default`).
    pub profile: String,
    /// Start of the run, RFC 3339 (see [`super::rfc3339_utc`]).
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

impl WarmStartSummary {
    /// Counts one warm-start attach that ended with `outcome`, for `reason`.
    pub fn tally(&mut self, outcome: crate::model::Outcome, reason: &dyn std::fmt::Debug) {
        if outcome == crate::model::Outcome::Ok {
            self.attached += 1;
        } else {
            self.failed += 1;
            if self.first_failure.is_none() {
                self.first_failure = Some(format!("{reason:?}"));
            }
        }
    }

    /// Adds another shard's.
    pub fn merge(&mut self, other: &WarmStartSummary) {
        self.roamers += other.roamers;
        self.attached += other.attached;
        self.failed += other.failed;
        if self.first_failure.is_none() {
            self.first_failure.clone_from(&other.first_failure);
        }
        self.seconds = self.seconds.max(other.seconds);
    }
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
    /// The statistics of a histogram (all zero when it is empty).
    pub fn from_histogram(h: &Histogram<u64>) -> LatencySummary {
        let q = |stat: LatencyStat| h.value_at_quantile(stat.quantile().unwrap_or(1.0));
        LatencySummary {
            p50: q(LatencyStat::P50),
            p90: q(LatencyStat::P90),
            p95: q(LatencyStat::P95),
            p99: q(LatencyStat::P99),
            p999: q(LatencyStat::P999),
            max: h.max(),
            mean: if h.is_empty() {
                0.0
            } else {
                (h.mean() * 10.0).round() / 10.0
            },
        }
    }

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
}

impl ProcedureSummary {
    /// Procedures that ended, whatever the outcome.
    pub fn ended(&self) -> u64 {
        self.ok + self.rejected_expected + self.failed + self.timed_out
    }
}

impl From<&ProcedureStats> for ProcedureSummary {
    fn from(s: &ProcedureStats) -> Self {
        ProcedureSummary {
            started: s.started,
            ok: s.ok,
            rejected_expected: s.rejected_expected,
            failed: s.failed,
            timed_out: s.timed_out,
            latency_us: LatencySummary::from_histogram(&s.latency_us),
        }
    }
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
}

impl From<&MessageStats> for MessageSummary {
    fn from(s: &MessageStats) -> Self {
        MessageSummary {
            sent: s.sent,
            answered: s.answered,
            retransmitted: s.retransmitted,
            latency_us: LatencySummary::from_histogram(&s.latency_us),
        }
    }
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

impl From<&LinkReport> for LinkSummary {
    fn from(l: &LinkReport) -> Self {
        LinkSummary {
            packets: l.packets,
            dropped: l.dropped,
            duplicated: l.duplicated,
            reordered: l.reordered,
            delay_us: LatencySummary::from_histogram(&l.delay_us),
        }
    }
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
    pub capacity: Option<super::capacity::Capacity>,
    /// The steps and knee of a rate sweep (an extra key of v1, in a sweep's own summary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<super::sweep::Sweep>,
}

/// A non-finite rate (a zero-length run) would be written as `null` and not read back.
fn finite(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

impl Summary {
    /// The summary of the merged `recorder` of a run, with `slos` evaluated against it.
    pub fn new(recorder: &Recorder, mut info: RunInfo, slos: &[SloSpec]) -> Summary {
        info.duration_s = finite(info.duration_s);
        info.offered_rate = finite(info.offered_rate);
        info.achieved_rate = finite(info.achieved_rate);
        let procedures = Procedure::ALL
            .iter()
            .map(|p| (p.as_str().to_string(), recorder.procedure(*p).into()))
            .collect();
        let messages = MessageKind::ALL
            .iter()
            .filter(|k| recorder.message(**k).sent > 0)
            .map(|k| (k.name().to_string(), recorder.message(*k).into()))
            .collect();
        let links = recorder
            .links()
            .map(|(name, link)| (name.to_string(), link.into()))
            .collect();
        let mut summary = Summary {
            schema: SCHEMA.to_string(),
            run: RunSummary {
                info,
                lag_us: LatencySummary::from_histogram(recorder.lag_us()),
                transport: None,
                warm_start: None,
            },
            procedures: NamedMap(procedures),
            messages: NamedMap(messages),
            links: NamedMap(links),
            slo: Vec::new(),
            verdict: Verdict::Pass,
            capacity: None,
            sweep: None,
        };
        summary.evaluate_slos(slos);
        summary
    }

    /// Replaces the SLO results and verdict with those of `slos` (e.g. `roamsim report --slo`
    /// re-gating a stored summary).
    pub fn evaluate_slos(&mut self, slos: &[SloSpec]) {
        self.slo = evaluate(self, slos);
        self.verdict = verdict(&self.slo);
    }

    /// Adds the per-window evaluation of the SLOs (in the order they were evaluated): an SLO
    /// with a failed window fails, and the verdict follows.
    pub fn attach_windows(&mut self, reports: Vec<Option<super::window::WindowReport>>) {
        super::window::attach_windows(&mut self.slo, reports);
        self.verdict = verdict(&self.slo);
    }

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
