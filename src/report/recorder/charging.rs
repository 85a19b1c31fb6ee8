//! Offline charging as a run measures it: the counters of the gateways' charging data functions
//! and of the embedded CGF, the close→acknowledgement latency of every record, and the depth of
//! the dead-letter spools.

use hdrhistogram::Histogram;

use crate::report::histogram::{latency_histogram, merge_histogram, MAX_TRACKED_US};

/// A charging counter, in `summary.json` order; [`ChargingCounter::name`] is its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChargingCounter {
    /// Records closed by the gateways and handed to their CDFs.
    Generated,
    /// Data Record Transfer Requests sent (first attempts).
    PacketsSent,
    /// Requests acknowledged.
    PacketsAcked,
    /// Requests sent again after T3.
    Retransmitted,
    /// Redirection Requests obeyed.
    Redirected,
    /// Packets sent as "possibly duplicated".
    SentPossiblyDuplicated,
    /// Possibly duplicated packets released.
    Released,
    /// Possibly duplicated packets cancelled.
    Cancelled,
    /// Records written to a dead-letter spool.
    Spooled,
    /// Spooled records read back and sent.
    Replayed,
    /// Records the embedded CGFs stored (each once).
    Stored,
    /// Copies the embedded CGFs recognised as already stored.
    DuplicatesDropped,
    /// Requests the embedded CGFs dropped while down.
    DroppedWhileDown,
    /// PGW-CDRs written (partial and final).
    PgwRecords,
    /// PGW-CDRs closed as partial on the time limit.
    PgwPartialTime,
    /// PGW-CDRs closed as partial on the volume limit.
    PgwPartialVolume,
    /// PDN connections the PGW ended (Delete Session accepted, local release, collision, or
    /// still open when the run ended), counted by the PGW itself.
    PgwSessionsEnded,
    /// SGW-CDRs written (partial and final).
    SgwRecords,
    /// Octets in the PGW-CDRs' containers.
    PgwOctets,
    /// Octets in the SGW-CDRs' containers.
    SgwOctets,
}

impl ChargingCounter {
    /// Every counter.
    pub const ALL: &'static [ChargingCounter] = &[
        ChargingCounter::Generated,
        ChargingCounter::PacketsSent,
        ChargingCounter::PacketsAcked,
        ChargingCounter::Retransmitted,
        ChargingCounter::Redirected,
        ChargingCounter::SentPossiblyDuplicated,
        ChargingCounter::Released,
        ChargingCounter::Cancelled,
        ChargingCounter::Spooled,
        ChargingCounter::Replayed,
        ChargingCounter::Stored,
        ChargingCounter::DuplicatesDropped,
        ChargingCounter::DroppedWhileDown,
        ChargingCounter::PgwRecords,
        ChargingCounter::PgwPartialTime,
        ChargingCounter::PgwPartialVolume,
        ChargingCounter::PgwSessionsEnded,
        ChargingCounter::SgwRecords,
        ChargingCounter::PgwOctets,
        ChargingCounter::SgwOctets,
    ];

    /// The key in `summary.json` and the SLO grammar (`charging:stored`).
    pub fn name(self) -> &'static str {
        match self {
            ChargingCounter::Generated => "generated",
            ChargingCounter::PacketsSent => "packets_sent",
            ChargingCounter::PacketsAcked => "acknowledged",
            ChargingCounter::Retransmitted => "retransmitted",
            ChargingCounter::Redirected => "redirected",
            ChargingCounter::SentPossiblyDuplicated => "sent_possibly_duplicated",
            ChargingCounter::Released => "released",
            ChargingCounter::Cancelled => "cancelled",
            ChargingCounter::Spooled => "spooled",
            ChargingCounter::Replayed => "replayed",
            ChargingCounter::Stored => "stored",
            ChargingCounter::DuplicatesDropped => "duplicates_dropped",
            ChargingCounter::DroppedWhileDown => "dropped_while_down",
            ChargingCounter::PgwRecords => "pgw_records",
            ChargingCounter::PgwPartialTime => "pgw_partial_time",
            ChargingCounter::PgwPartialVolume => "pgw_partial_volume",
            ChargingCounter::PgwSessionsEnded => "pgw_sessions_ended",
            ChargingCounter::SgwRecords => "sgw_records",
            ChargingCounter::PgwOctets => "pgw_octets",
            ChargingCounter::SgwOctets => "sgw_octets",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

const COUNTERS: usize = 20;

/// What a gateway's record keeper counted (the report layer's copy of
/// `proto::gtpprime::LedgerStats`, which it cannot name).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LedgerCounts {
    /// Records written.
    pub records: u64,
    /// Partial records on the time limit.
    pub partial_time: u64,
    /// Partial records on the volume limit.
    pub partial_volume: u64,
    /// Octets in their containers.
    pub octets: u64,
}

/// Charging measurements of one shard and interval (or, merged, of a run).
#[derive(Debug, Clone)]
pub struct ChargingStats {
    counters: [u64; COUNTERS],
    /// From a record's closing to its acknowledgement by a CGF, µs.
    pub ack_latency_us: Histogram<u64>,
    /// Records in the dead-letter spools at the end of the interval, all shards together.
    pub spool_depth: u64,
    /// Records still spooled or in the CDFs' memory at the end (a run that drained has 0).
    pub outstanding: u64,
    /// Whether any charging happened (the section is left out of reports otherwise).
    pub active: bool,
}

impl Default for ChargingStats {
    fn default() -> Self {
        ChargingStats {
            counters: [0; COUNTERS],
            ack_latency_us: latency_histogram(),
            spool_depth: 0,
            outstanding: 0,
            active: false,
        }
    }
}

impl ChargingStats {
    /// Adds what a gateway's record keeper wrote since `before` (PGW or SGW).
    pub fn add_records(&mut self, pgw: bool, now: &LedgerCounts, before: &LedgerCounts) {
        let (records, octets) = match pgw {
            true => (ChargingCounter::PgwRecords, ChargingCounter::PgwOctets),
            false => (ChargingCounter::SgwRecords, ChargingCounter::SgwOctets),
        };
        self.add(records, now.records.saturating_sub(before.records));
        self.add(octets, now.octets.saturating_sub(before.octets));
        if pgw {
            self.add(
                ChargingCounter::PgwPartialTime,
                now.partial_time.saturating_sub(before.partial_time),
            );
            self.add(
                ChargingCounter::PgwPartialVolume,
                now.partial_volume.saturating_sub(before.partial_volume),
            );
        }
    }

    /// Adds `n` to `counter`.
    pub fn add(&mut self, counter: ChargingCounter, n: u64) {
        self.counters[counter.index()] += n;
        self.active = true;
    }

    /// One counter.
    pub fn get(&self, counter: ChargingCounter) -> u64 {
        self.counters[counter.index()]
    }

    /// Records one acknowledgement `latency_us` after the record closed.
    pub fn record_ack(&mut self, latency_us: u64) {
        let _ = self
            .ack_latency_us
            .record(latency_us.clamp(1, MAX_TRACKED_US));
        self.active = true;
    }

    /// Adds another shard's (or interval's): counters and histograms add, and so do the spool
    /// depths (the caller takes the maximum over intervals for a run).
    pub fn merge(&mut self, other: &ChargingStats) {
        for (a, b) in self.counters.iter_mut().zip(other.counters) {
            *a += b;
        }
        merge_histogram(&mut self.ack_latency_us, &other.ack_latency_us);
        self.spool_depth += other.spool_depth;
        self.outstanding += other.outstanding;
        self.active |= other.active;
    }

    /// Clears everything but the allocation.
    pub fn reset(&mut self) {
        self.counters = [0; COUNTERS];
        self.ack_latency_us.reset();
        self.spool_depth = 0;
        self.outstanding = 0;
        self.active = false;
    }
}
