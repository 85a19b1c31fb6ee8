//! Per-link counters and the histogram of the delay each packet was given (docs/ARCHITECTURE.md §7
//! `links`).

use hdrhistogram::Histogram;

/// Why a packet (or a copy of it) was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropCause {
    /// The loss model (netem `loss`).
    Loss,
    /// The queue was full (netem `limit`).
    Limit,
    /// Offered inside an outage window.
    Outage,
}

/// Counters of one direction. Copies made by duplication count like packets, so
/// `packets + duplicated == queued + dropped()` and `queued == released + queue length`.
#[derive(Debug, Clone)]
pub struct LinkStats {
    /// Packets offered to [`super::Link::enqueue`].
    pub packets: u64,
    /// Copies accepted into the queue.
    pub queued: u64,
    /// Copies handed out by [`super::Link::poll_release`].
    pub released: u64,
    /// Copies dropped by the loss model.
    pub dropped_loss: u64,
    /// Copies dropped because the queue was full.
    pub dropped_limit: u64,
    /// Packets dropped by an outage window.
    pub dropped_outage: u64,
    /// Extra copies made by duplication.
    pub duplicated: u64,
    /// Copies with one bit flipped.
    pub corrupted: u64,
    /// Copies released while a copy that entered earlier was still queued.
    pub reordered: u64,
    /// Delay applied to each queued copy (release time minus offer time), µs, 3 significant digits.
    pub delay_us: Histogram<u64>,
}

impl Default for LinkStats {
    fn default() -> LinkStats {
        LinkStats {
            packets: 0,
            queued: 0,
            released: 0,
            dropped_loss: 0,
            dropped_limit: 0,
            dropped_outage: 0,
            duplicated: 0,
            corrupted: 0,
            reordered: 0,
            delay_us: Histogram::new(3)
                .expect("3 significant digits is a valid histogram precision"),
        }
    }
}

impl LinkStats {
    /// All drops, whatever the cause.
    pub fn dropped(&self) -> u64 {
        self.dropped_loss + self.dropped_limit + self.dropped_outage
    }

    /// Drops of one cause.
    pub fn dropped_by(&self, cause: DropCause) -> u64 {
        match cause {
            DropCause::Loss => self.dropped_loss,
            DropCause::Limit => self.dropped_limit,
            DropCause::Outage => self.dropped_outage,
        }
    }

    pub(crate) fn record_drop(&mut self, cause: DropCause, copies: u64) {
        match cause {
            DropCause::Loss => self.dropped_loss += copies,
            DropCause::Limit => self.dropped_limit += copies,
            DropCause::Outage => self.dropped_outage += copies,
        }
    }

    /// Adds another link's (or interval's) counters into these.
    pub fn add(&mut self, other: &LinkStats) {
        self.packets += other.packets;
        self.queued += other.queued;
        self.released += other.released;
        self.dropped_loss += other.dropped_loss;
        self.dropped_limit += other.dropped_limit;
        self.dropped_outage += other.dropped_outage;
        self.duplicated += other.duplicated;
        self.corrupted += other.corrupted;
        self.reordered += other.reordered;
        // Both histograms auto-resize, so adding cannot fail on range.
        let _ = self.delay_us.add(&other.delay_us);
    }
}
