//! Offline charging as a run measures it: the counters of the gateways' charging data functions
//! and of the embedded CGF, the close→acknowledgement latency of every record, and the depth of
//! the dead-letter spools.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use super::{latency_histogram, merge_histogram, MAX_TRACKED_US};

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

/// `summary.json` `charging` (offline): what the gateways generated and sent, what the CGFs
/// stored, what is lost, and the close→acknowledgement latency.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChargingSummary {
    /// The counters, by [`ChargingCounter::name`].
    pub counters: super::super::model::NamedMap<u64>,
    /// Generated minus acknowledged minus still spooled or held at the end: 0 when a run that
    /// drained lost nothing.
    pub lost: u64,
    /// Records still spooled or in the CDFs at the end.
    pub outstanding: u64,
    /// Deepest dead-letter spool of any interval, all shards together.
    pub spooled_max: u64,
    /// Close→acknowledgement latency, µs.
    pub ack_latency_us: super::super::model::LatencySummary,
    /// Per interval: time, spool depth, records generated and stored, acknowledgement p95.
    #[serde(default)]
    pub intervals: Vec<ChargingPoint>,
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
            counters: super::super::model::NamedMap(counters),
            lost: generated
                .saturating_sub(delivered)
                .saturating_sub(outstanding),
            outstanding,
            spooled_max: intervals.iter().map(|p| p.spool_depth).max().unwrap_or(0),
            ack_latency_us: super::super::model::LatencySummary::from_histogram(
                &total.ack_latency_us,
            ),
            intervals,
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
