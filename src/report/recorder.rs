//! The per-shard measurement store (docs/ARCHITECTURE.md §7): outcome counters and HDR latency
//! histograms per procedure and per message kind, the generator-lag histogram, and link counters.
//!
//! One `Recorder` per shard, owned by it, so recording is a few additions and one histogram
//! increment with no lock, no allocation and no string lookup (procedures and message kinds index
//! dense arrays). Shards' recorders are combined with [`Recorder::merge`], which adds histograms
//! bucket by bucket: percentiles are never averaged and raw samples are never kept.
//!
//! Latencies are microseconds from the *intended* start (open loop, no coordinated omission); the
//! caller measures them, as this layer reads no clock.

use hdrhistogram::Histogram;

use crate::model::message::MessageKind;
use crate::model::reason::ReasonExample;
use crate::model::{Outcome, Procedure};

mod charging;
mod reasons;

pub use charging::{ChargingCounter, ChargingStats, LedgerCounts};

pub use reasons::{ReasonCount, ReasonTable, MAX_KEYS as MAX_REASON_KEYS, OTHER as OTHER_REASON};

pub use super::histogram::{
    latency_histogram, merge_histogram, MAX_TRACKED_US, SIGNIFICANT_DIGITS,
};

/// Counters and latency of one procedure.
#[derive(Debug, Clone)]
pub struct ProcedureStats {
    /// Procedures begun (at their intended start).
    pub started: u64,
    /// Completed successfully.
    pub ok: u64,
    /// Negative cases answered with the expected error.
    pub rejected_expected: u64,
    /// Unexpected error or protocol failure.
    pub failed: u64,
    /// Given up for lack of an answer.
    pub timed_out: u64,
    /// Latency of every ended procedure, whatever its outcome, microseconds.
    pub latency_us: Histogram<u64>,
}

impl Default for ProcedureStats {
    fn default() -> Self {
        ProcedureStats {
            started: 0,
            ok: 0,
            rejected_expected: 0,
            failed: 0,
            timed_out: 0,
            latency_us: latency_histogram(),
        }
    }
}

impl ProcedureStats {
    /// Procedures that ended, whatever the outcome.
    pub fn ended(&self) -> u64 {
        self.ok + self.rejected_expected + self.failed + self.timed_out
    }

    /// The counter of `outcome`.
    pub fn count(&self, outcome: Outcome) -> u64 {
        match outcome {
            Outcome::Ok => self.ok,
            Outcome::RejectedExpected => self.rejected_expected,
            Outcome::Failed => self.failed,
            Outcome::TimedOut => self.timed_out,
        }
    }

    fn merge(&mut self, other: &ProcedureStats) {
        self.started += other.started;
        self.ok += other.ok;
        self.rejected_expected += other.rejected_expected;
        self.failed += other.failed;
        self.timed_out += other.timed_out;
        merge_histogram(&mut self.latency_us, &other.latency_us);
    }

    fn reset(&mut self) {
        (self.started, self.ok, self.rejected_expected) = (0, 0, 0);
        (self.failed, self.timed_out) = (0, 0);
        self.latency_us.reset();
    }
}

/// Counters and latency of one message kind (a request and its answer).
#[derive(Debug, Clone)]
pub struct MessageStats {
    /// Requests sent, each counted once however often it was retransmitted.
    pub sent: u64,
    /// Requests that got an answer.
    pub answered: u64,
    /// Extra copies sent by retransmission timers (GTPv2-C T3/N3, Diameter failover).
    pub retransmitted: u64,
    /// Request-to-answer latency of answered requests, microseconds from the first send.
    pub latency_us: Histogram<u64>,
}

impl Default for MessageStats {
    fn default() -> Self {
        MessageStats {
            sent: 0,
            answered: 0,
            retransmitted: 0,
            latency_us: latency_histogram(),
        }
    }
}

impl MessageStats {
    fn merge(&mut self, other: &MessageStats) {
        self.sent += other.sent;
        self.answered += other.answered;
        self.retransmitted += other.retransmitted;
        merge_histogram(&mut self.latency_us, &other.latency_us);
    }

    fn reset(&mut self) {
        (self.sent, self.answered, self.retransmitted) = (0, 0, 0);
        self.latency_us.reset();
    }
}

/// What one emulated link did, counted by its driver and handed to the recorder.
#[derive(Debug, Clone)]
pub struct LinkReport {
    /// Packets offered to the link.
    pub packets: u64,
    /// Packets lost (loss models, queue limit, outages).
    pub dropped: u64,
    /// Extra copies made by duplication.
    pub duplicated: u64,
    /// Packets released out of order.
    pub reordered: u64,
    /// Delay added to each delivered packet, microseconds.
    pub delay_us: Histogram<u64>,
}

impl Default for LinkReport {
    fn default() -> Self {
        LinkReport {
            packets: 0,
            dropped: 0,
            duplicated: 0,
            reordered: 0,
            delay_us: latency_histogram(),
        }
    }
}

impl LinkReport {
    /// Records the delay a delivered packet was given.
    pub fn record_delay(&mut self, delay_us: u64) {
        self.delay_us.saturating_record(delay_us);
    }

    /// Adds another report of the same link (e.g. another shard's).
    pub fn merge(&mut self, other: &LinkReport) {
        self.packets += other.packets;
        self.dropped += other.dropped;
        self.duplicated += other.duplicated;
        self.reordered += other.reordered;
        merge_histogram(&mut self.delay_us, &other.delay_us);
    }

    fn reset(&mut self) {
        (self.packets, self.dropped, self.duplicated, self.reordered) = (0, 0, 0, 0);
        self.delay_us.reset();
    }
}

/// One shard's measurements, merged across shards into the run's.
#[derive(Debug, Clone)]
pub struct Recorder {
    procedures: Vec<ProcedureStats>,
    messages: Vec<MessageStats>,
    lag_us: Histogram<u64>,
    links: Vec<(String, LinkReport)>,
    /// Ended procedures other than ok, by procedure, outcome and reason key.
    reasons: ReasonTable<Procedure>,
    /// The same reasons by the message whose answer (or its absence) ended the procedure.
    message_reasons: ReasonTable<MessageKind>,
    /// Offline charging.
    pub charging: ChargingStats,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new()
    }
}

impl Recorder {
    /// An empty recorder; all histograms are allocated here, none while recording.
    pub fn new() -> Recorder {
        Recorder {
            procedures: Procedure::ALL.iter().map(|_| Default::default()).collect(),
            messages: MessageKind::ALL
                .iter()
                .map(|_| Default::default())
                .collect(),
            lag_us: latency_histogram(),
            links: Vec::new(),
            reasons: ReasonTable::default(),
            message_reasons: ReasonTable::default(),
            charging: ChargingStats::default(),
        }
    }

    /// Counts a procedure begun; call at its intended start.
    pub fn record_started(&mut self, procedure: Procedure) {
        self.procedures[procedure.index()].started += 1;
    }

    /// Counts a procedure ended with `outcome` after `latency_us` from its intended start. Timed
    /// out procedures are recorded too, at the time they were given up, so that a target that
    /// stops answering cannot improve its percentiles.
    pub fn record_procedure(&mut self, procedure: Procedure, outcome: Outcome, latency_us: u64) {
        let stats = &mut self.procedures[procedure.index()];
        match outcome {
            Outcome::Ok => stats.ok += 1,
            Outcome::RejectedExpected => stats.rejected_expected += 1,
            Outcome::Failed => stats.failed += 1,
            Outcome::TimedOut => stats.timed_out += 1,
        }
        stats.latency_us.saturating_record(latency_us);
    }

    /// Counts why a procedure ended with `outcome` (not ok): `key` names the layer and the code,
    /// e.g. `s6a.5001` or `ue.auth_mac`. Costs two map lookups, on the unsuccessful ends only;
    /// `first` is called for the key's example only when the key is new to this recorder.
    pub fn record_reason(
        &mut self,
        procedure: Procedure,
        outcome: Outcome,
        key: &str,
        first: impl FnOnce() -> Option<ReasonExample>,
    ) {
        self.reasons.record(procedure, outcome, key, first);
    }

    /// Counts the reason of a procedure's end against `kind`, the message whose answer (or the
    /// lack of one) ended it; `outcome` is the procedure's.
    pub fn record_message_reason(&mut self, kind: MessageKind, outcome: Outcome, key: &str) {
        self.message_reasons.record(kind, outcome, key, || None);
    }

    /// How many procedures of `procedure` ended with `outcome` for reason `key`.
    pub fn reason_count(&self, procedure: Procedure, outcome: Outcome, key: &str) -> u64 {
        self.reasons.count(procedure, outcome, key)
    }

    /// Every reason counted: procedure, outcome, key and count, ordered by the three.
    pub fn reasons(&self) -> impl Iterator<Item = (Procedure, Outcome, &str, u64)> + '_ {
        self.reasons.iter().map(|(p, o, k, c)| (p, o, k, c.count))
    }

    /// The reasons of procedures' ends, with their first examples.
    pub fn procedure_reasons(&self) -> &ReasonTable<Procedure> {
        &self.reasons
    }

    /// The reasons by message kind.
    pub fn message_reasons(&self) -> &ReasonTable<MessageKind> {
        &self.message_reasons
    }

    /// Counts a request of `kind` answered after `latency_us`, which needed `retransmissions`
    /// extra copies.
    pub fn record_message(&mut self, kind: MessageKind, latency_us: u64, retransmissions: u32) {
        let stats = &mut self.messages[kind.index()];
        stats.sent += 1;
        stats.answered += 1;
        stats.retransmitted += u64::from(retransmissions);
        stats.latency_us.saturating_record(latency_us);
    }

    /// Counts a request of `kind` that was never answered, after `retransmissions` extra copies.
    pub fn record_unanswered(&mut self, kind: MessageKind, retransmissions: u32) {
        let stats = &mut self.messages[kind.index()];
        stats.sent += 1;
        stats.retransmitted += u64::from(retransmissions);
    }

    /// Adds totals of `procedure` counted elsewhere (e.g. by a virtual-time run): `started`,
    /// the count per [`Outcome`] (in [`Outcome::ALL`] order) and their latency histogram.
    pub fn add_procedure_stats(
        &mut self,
        procedure: Procedure,
        started: u64,
        outcomes: [u64; 4],
        latency_us: &Histogram<u64>,
    ) {
        let stats = &mut self.procedures[procedure.index()];
        stats.started += started;
        for (o, n) in Outcome::ALL.iter().zip(outcomes) {
            match o {
                Outcome::Ok => stats.ok += n,
                Outcome::RejectedExpected => stats.rejected_expected += n,
                Outcome::Failed => stats.failed += n,
                Outcome::TimedOut => stats.timed_out += n,
            }
        }
        merge_histogram(&mut stats.latency_us, latency_us);
    }

    /// Adds totals of `kind` counted elsewhere (e.g. by the visited side's own counters):
    /// `sent` requests, `answered`, extra `retransmitted` copies and their latency histogram.
    pub fn add_message_stats(
        &mut self,
        kind: MessageKind,
        sent: u64,
        answered: u64,
        retransmitted: u64,
        latency_us: &Histogram<u64>,
    ) {
        let stats = &mut self.messages[kind.index()];
        stats.sent += sent;
        stats.answered += answered;
        stats.retransmitted += retransmitted;
        merge_histogram(&mut stats.latency_us, latency_us);
    }

    /// Records how late the generator started a procedure: actual minus intended start, µs.
    pub fn record_lag(&mut self, lag_us: u64) {
        self.lag_us.saturating_record(lag_us);
    }

    /// The report of link `name`, created empty on first use (at setup, not per packet).
    pub fn link_mut(&mut self, name: &str) -> &mut LinkReport {
        let at = match self.links.iter().position(|(n, _)| n == name) {
            Some(at) => at,
            None => {
                self.links.push((name.to_string(), LinkReport::default()));
                self.links.len() - 1
            }
        };
        &mut self.links[at].1
    }

    /// Adds `other` (another shard's, or a later interval's) into this one.
    pub fn merge(&mut self, other: &Recorder) {
        for (mine, theirs) in self.procedures.iter_mut().zip(&other.procedures) {
            mine.merge(theirs);
        }
        for (mine, theirs) in self.messages.iter_mut().zip(&other.messages) {
            mine.merge(theirs);
        }
        merge_histogram(&mut self.lag_us, &other.lag_us);
        for (name, link) in &other.links {
            self.link_mut(name).merge(link);
        }
        self.reasons.merge(&other.reasons);
        self.message_reasons.merge(&other.message_reasons);
        self.charging.merge(&other.charging);
    }

    /// Clears every counter and histogram, keeping allocations and link names, so that a shard
    /// can hand over an interval's snapshot (a clone) and start the next.
    pub fn reset(&mut self) {
        self.procedures.iter_mut().for_each(ProcedureStats::reset);
        self.messages.iter_mut().for_each(MessageStats::reset);
        self.lag_us.reset();
        self.links.iter_mut().for_each(|(_, link)| link.reset());
        self.reasons.clear();
        self.message_reasons.clear();
        self.charging.reset();
    }

    /// The measurements of `procedure`.
    pub fn procedure(&self, procedure: Procedure) -> &ProcedureStats {
        &self.procedures[procedure.index()]
    }

    /// The measurements of `kind`.
    pub fn message(&self, kind: MessageKind) -> &MessageStats {
        &self.messages[kind.index()]
    }

    /// The generator-lag histogram, microseconds.
    pub fn lag_us(&self) -> &Histogram<u64> {
        &self.lag_us
    }

    /// The links, in the order they were first named.
    pub fn links(&self) -> impl Iterator<Item = (&str, &LinkReport)> {
        self.links.iter().map(|(n, l)| (n.as_str(), l))
    }
}

#[cfg(test)]
mod tests;
