//! Building `summary.json` (docs/ARCHITECTURE.md §7): the [`Summary`] of the merged
//! [`Recorder`] of all shards plus what only the caller knows (run id, clock readings, rates),
//! with the statistics of every histogram; also the shards' warm-start tallies. SLOs are not
//! evaluated here: the caller applies them afterwards ([`Summary::evaluate_slos`], in `slo`),
//! and a window's summary (in `window`) needs none.
//!
//! The types themselves live in `model`; the `summary.json` types are re-exported here, where
//! other layers already find them (`report::summary::WarmStartSummary`).

use hdrhistogram::Histogram;

use super::model::Verdict;
use super::model::{ChargingPoint, ChargingSummary};
pub use super::model::{
    LatencySummary, LinkSummary, MessageSummary, NamedMap, ProcedureSummary, ReasonExample,
    ReasonExamples, Reasons, RunInfo, RunSummary, SctpSummary, Summary, SummaryError,
    TransportSummary, WarmStartSummary, SCHEMA,
};
use super::recorder::{
    ChargingCounter, ChargingStats, LinkReport, MessageStats, ProcedureStats, ReasonTable, Recorder,
};
use crate::model::message::MessageKind;
use crate::model::slo::LatencyStat;
use crate::model::{Outcome, Procedure};

/// A non-finite rate (a zero-length run) would be written as `null` and not read back.
fn finite(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

impl Summary {
    /// The summary of the merged `recorder` of a run, with no SLO result yet and the verdict
    /// of no SLO (`pass`): the caller evaluates its SLOs next ([`Summary::evaluate_slos`]).
    pub fn new(recorder: &Recorder, mut info: RunInfo) -> Summary {
        info.duration_s = finite(info.duration_s);
        info.offered_rate = finite(info.offered_rate);
        info.achieved_rate = finite(info.achieved_rate);
        let procedures = Procedure::ALL
            .iter()
            .map(|&p| {
                let mut summary: ProcedureSummary = recorder.procedure(p).into();
                (summary.reasons, summary.reason_examples) =
                    reasons_of(recorder.procedure_reasons(), p);
                (p.as_str().to_string(), summary)
            })
            .collect();
        let messages = MessageKind::ALL
            .iter()
            .filter(|k| recorder.message(**k).sent > 0)
            .map(|&k| {
                let mut summary: MessageSummary = recorder.message(k).into();
                summary.reasons = reasons_of(recorder.message_reasons(), k).0;
                (k.name().to_string(), summary)
            })
            .collect();
        let links = recorder
            .links()
            .map(|(name, link)| (name.to_string(), link.into()))
            .collect();
        Summary {
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
            charging: None,
            protocol_errors: None,
            log: None,
            alerts: Vec::new(),
            expect: Vec::new(),
        }
    }
}

/// The `reasons` and `reason_examples` of `at` in `table`: outcomes in [`Outcome::ALL`] order,
/// keys by count (largest first, then by name); empty maps left out.
fn reasons_of<T: Ord + Copy>(table: &ReasonTable<T>, at: T) -> (Reasons, ReasonExamples) {
    let (mut counts, mut examples) = (NamedMap::default(), NamedMap::default());
    for &outcome in Outcome::ALL {
        let mut keys: Vec<(&str, u64, Option<&ReasonExample>)> = table
            .iter()
            .filter(|(t, o, _, _)| *t == at && *o == outcome)
            .map(|(_, _, key, c)| (key, c.count, c.first.as_ref()))
            .collect();
        if keys.is_empty() {
            continue;
        }
        keys.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let name = outcome.as_str().to_string();
        let firsts: Vec<(String, ReasonExample)> = keys
            .iter()
            .filter_map(|(k, _, e)| Some((k.to_string(), (*e)?.clone())))
            .collect();
        counts.0.push((
            name.clone(),
            NamedMap(keys.iter().map(|(k, n, _)| (k.to_string(), *n)).collect()),
        ));
        if !firsts.is_empty() {
            examples.0.push((name, NamedMap(firsts)));
        }
    }
    (counts, examples)
}

impl WarmStartSummary {
    /// Counts one warm-start attach that ended with `outcome`, for `reason`.
    pub fn tally(&mut self, outcome: Outcome, reason: &dyn std::fmt::Debug) {
        if outcome == Outcome::Ok {
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
            reasons: NamedMap::default(),
            reason_examples: NamedMap::default(),
        }
    }
}

impl From<&MessageStats> for MessageSummary {
    fn from(s: &MessageStats) -> Self {
        MessageSummary {
            sent: s.sent,
            answered: s.answered,
            retransmitted: s.retransmitted,
            latency_us: LatencySummary::from_histogram(&s.latency_us),
            reasons: NamedMap::default(),
        }
    }
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

impl ChargingSummary {
    /// The run's summary from its merged stats and per-interval points. `lost` counts records
    /// generated that no CGF acknowledged and that are not still waiting (spooled or held):
    /// with the embedded CGFs, also records acknowledged but never stored.
    pub fn new(total: &ChargingStats, intervals: Vec<ChargingPoint>, outstanding: u64) -> Self {
        let counters = ChargingCounter::ALL
            .iter()
            .map(|&c| (c.name().to_string(), total.get(c)))
            .collect();
        // Records the gateways closed; a record never handed to a CDF is lost too.
        let written =
            total.get(ChargingCounter::PgwRecords) + total.get(ChargingCounter::SgwRecords);
        let generated = written.max(total.get(ChargingCounter::Generated));
        let stored = total.get(ChargingCounter::Stored);
        let delivered = if stored > 0 || total.get(ChargingCounter::DroppedWhileDown) > 0 {
            stored
        } else {
            // External CGFs: what they acknowledged is what counts.
            total.ack_latency_us.len()
        };
        ChargingSummary {
            counters: NamedMap(counters),
            lost: generated
                .saturating_sub(delivered)
                .saturating_sub(outstanding),
            outstanding,
            spooled_max: intervals.iter().map(|p| p.spool_depth).max().unwrap_or(0),
            ack_latency_us: LatencySummary::from_histogram(&total.ack_latency_us),
            intervals,
            online: None,
        }
    }
}

impl ChargingPoint {
    /// The point of an interval ending `end_us` after the start.
    pub fn of(end_us: u64, s: &ChargingStats) -> ChargingPoint {
        ChargingPoint {
            t_s: end_us as f64 / 1e6,
            spool_depth: s.spool_depth,
            generated: s.get(ChargingCounter::Generated),
            stored: s.get(ChargingCounter::Stored),
            ack_p95_us: if s.ack_latency_us.is_empty() {
                0
            } else {
                s.ack_latency_us.value_at_quantile(0.95)
            },
        }
    }
}
