//! The shard side of interval reporting (docs/ARCHITECTURE.md §5): every `--interval` a shard hands
//! its interval [`Recorder`] (then cleared), the messages its visited network answered since the
//! last one, its MMEs' attached roamers and its procedures in flight to the run thread, as a
//! [`Snapshot`] over a channel. Shards share nothing else while they run.
//!
//! One call per turn ([`IntervalTap::poll`]) and one at the end ([`IntervalTap::finish`]); the
//! clock is the caller's (real or virtual microseconds), so virtual-time runs cut intervals by
//! virtual time. Message counts come from the visited side's cumulative counters, as the
//! difference from the previous snapshot (histograms subtracted bucket by bucket).

use std::sync::mpsc::Sender;

use crate::report::interval::{MmeLoad, Snapshot};
use crate::report::Recorder;
use crate::visited::{MessageCounters, VisitedNetwork};

/// Default interval: 10 s.
pub const DEFAULT_INTERVAL_US: u64 = 10_000_000;

/// One shard's interval clock and channel to the run thread.
pub struct IntervalTap {
    shard: u32,
    every_us: u64,
    origin_us: Option<u64>,
    index: u64,
    tx: Option<Sender<Snapshot>>,
    prev: MessageCounters,
}

impl IntervalTap {
    /// A tap for `shard` cutting intervals of `every_us` from its first [`poll`](Self::poll),
    /// sending to `tx`.
    pub fn new(shard: u32, every_us: u64, tx: Sender<Snapshot>) -> IntervalTap {
        IntervalTap {
            shard,
            every_us: every_us.max(1),
            origin_us: None,
            index: 0,
            tx: Some(tx),
            prev: MessageCounters::default(),
        }
    }

    /// A tap that sends nothing: the shard's recorder keeps everything (for callers that
    /// merge recorders at the end).
    pub fn disabled() -> IntervalTap {
        IntervalTap {
            shard: 0,
            every_us: u64::MAX,
            origin_us: None,
            index: 0,
            tx: None,
            prev: MessageCounters::default(),
        }
    }

    /// Whether [`poll`](Self::poll) at `now_us` sends an interval (so that whatever the caller
    /// keeps outside the recorder, like its links' counters, can be added first).
    pub fn due(&self, now_us: u64) -> bool {
        self.tx.is_some()
            && self
                .origin_us
                .is_some_and(|o| now_us >= o + (self.index + 1) * self.every_us)
    }

    /// Call once per turn with the shard's clock: at an interval boundary, sends the interval.
    pub fn poll(&mut self, now_us: u64, rec: &mut Recorder, vn: &VisitedNetwork) {
        let origin = *self.origin_us.get_or_insert(now_us);
        if self.tx.is_none() || now_us < origin + (self.index + 1) * self.every_us {
            return;
        }
        let end = (self.index + 1) * self.every_us;
        self.send(end, rec, vn, false);
        self.index = (now_us - origin) / self.every_us;
    }

    /// Sends the last, partial interval (call once, when the shard stops).
    pub fn finish(&mut self, now_us: u64, rec: &mut Recorder, vn: &VisitedNetwork) {
        if self.tx.is_none() {
            add_messages(rec, vn.counters());
            return;
        }
        let origin = *self.origin_us.get_or_insert(now_us);
        self.send(now_us.saturating_sub(origin), rec, vn, true);
        self.tx = None;
    }

    fn send(&mut self, end_us: u64, rec: &mut Recorder, vn: &VisitedNetwork, last: bool) {
        let mut recorder = rec.clone();
        rec.reset();
        let now = vn.counters();
        add_message_delta(&mut recorder, now, &self.prev);
        self.prev = now.clone();
        let mmes = vn
            .mmes()
            .into_iter()
            .map(|m| MmeLoad {
                host: m.host,
                plmn: m.plmn.to_string(),
                roamers: m.roamers as u64,
            })
            .collect();
        let snapshot = Snapshot {
            shard: self.shard,
            index: self.index,
            end_us,
            recorder,
            mmes,
            in_flight: vn.in_flight() as u64,
            last,
        };
        if let Some(tx) = &self.tx {
            // The run thread gone (it failed) is not this shard's problem: it keeps measuring.
            let _ = tx.send(snapshot);
        }
    }
}

/// The visited side's message counters in the recorder.
fn add_messages(rec: &mut Recorder, counters: &crate::visited::MessageCounters) {
    for (kind, m) in counters.iter() {
        // A CLR is a request the MME receives: its "sent" is what arrived, "answered" the CLAs.
        let sent = if m.sent == 0 { m.received } else { m.sent };
        rec.add_message_stats(kind, sent, m.answered, m.retransmitted, &m.latency_us);
    }
}

/// Adds `now − prev` of every message kind to `rec` (a CLR's `sent` is what arrived).
fn add_message_delta(rec: &mut Recorder, now: &MessageCounters, prev: &MessageCounters) {
    for ((kind, n), (_, p)) in now.iter().zip(prev.iter()) {
        let sent = |m: &crate::visited::MessageStats| if m.sent == 0 { m.received } else { m.sent };
        let mut latency = n.latency_us.clone();
        if latency.subtract(&p.latency_us).is_err() {
            latency = n.latency_us.clone();
        }
        rec.add_message_stats(
            kind,
            sent(n).saturating_sub(sent(p)),
            n.answered.saturating_sub(p.answered),
            n.retransmitted.saturating_sub(p.retransmitted),
            &latency,
        );
    }
}
