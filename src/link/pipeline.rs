//! One direction of an emulated link: netem's enqueue path (`netem_enqueue` in `sch_netem.c`) over a
//! time-ordered release queue (netem's `tfifo`).
//!
//! Call order, sans-IO (quinn-proto style): [`Link::enqueue`] each packet as it is offered at
//! `now`; ask [`Link::poll_timeout`] when to wake up; at or after that time call
//! [`Link::poll_release`] until it returns `None`. The link reads no clock: `now` is a
//! [`Micros`] instant of the caller's monotonic clock, real or virtual.
//!
//! Per packet, in netem's order: outage windows first (a roamsim addition: while the link is down
//! nothing enters it and no random number is drawn), then duplicate, loss, corrupt, limit, reorder,
//! delay + jitter, rate. As in netem, a duplicate is cloned before corruption and re-enters the
//! pipeline on its own (with duplication off) just before the original is queued, and the
//! reordered packets ("sent at once") go ahead of every delayed packet.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use super::config::{Config, ConfigError};
use super::dist::{Crandom, Event, LossState};
use super::stats::{DropCause, LinkStats};
use crate::model::rng::Rng;
use crate::model::Micros;

/// A packet the link can carry: it knows its length on the wire (for the rate limit) and can have
/// one bit flipped (netem `corrupt`). Implemented for byte buffers and for `(metadata, buffer)`
/// pairs, so a driver can carry addresses alongside the bytes.
pub trait Packet: Clone {
    /// Length in bytes, as the rate limit counts it.
    fn wire_len(&self) -> usize;
    /// Flips bit `bit` (0 ≤ bit < 8 × `wire_len()`), counting from the first byte's lowest bit.
    fn flip_bit(&mut self, bit: usize);
}

fn flip(bytes: &mut [u8], bit: usize) {
    if let Some(b) = bytes.get_mut(bit / 8) {
        *b ^= 1 << (bit % 8);
    }
}

impl Packet for Vec<u8> {
    fn wire_len(&self) -> usize {
        self.len()
    }
    fn flip_bit(&mut self, bit: usize) {
        flip(self, bit)
    }
}

impl Packet for Box<[u8]> {
    fn wire_len(&self) -> usize {
        self.len()
    }
    fn flip_bit(&mut self, bit: usize) {
        flip(self, bit)
    }
}

impl Packet for bytes::BytesMut {
    fn wire_len(&self) -> usize {
        self.len()
    }
    fn flip_bit(&mut self, bit: usize) {
        flip(self, bit)
    }
}

impl Packet for bytes::Bytes {
    fn wire_len(&self) -> usize {
        self.len()
    }
    /// Copies the buffer (it is shared), then flips the bit in the copy.
    fn flip_bit(&mut self, bit: usize) {
        let mut owned = self.to_vec();
        flip(&mut owned, bit);
        *self = bytes::Bytes::from(owned);
    }
}

impl<M: Clone, B: Packet> Packet for (M, B) {
    fn wire_len(&self) -> usize {
        self.1.wire_len()
    }
    fn flip_bit(&mut self, bit: usize) {
        self.1.flip_bit(bit)
    }
}

/// What became of an offered packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// `copies` (1, or 2 when duplicated) entered the queue.
    Queued {
        /// Number of copies queued.
        copies: u8,
    },
    /// Nothing entered the queue.
    Dropped(DropCause),
}

/// A queued copy. Ordered so the `BinaryHeap` (a max-heap) pops the earliest release first;
/// "sent at once" copies (netem's head queue) go before delayed ones due at the same time; ties
/// keep FIFO order through `seq`.
struct Entry<P> {
    at_ns: u64,
    delayed: bool,
    seq: u64,
    packet: P,
}

impl<P> Entry<P> {
    fn key(&self) -> (u64, bool, u64) {
        (self.at_ns, self.delayed, self.seq)
    }
}

impl<P> PartialEq for Entry<P> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<P> Eq for Entry<P> {}
impl<P> PartialOrd for Entry<P> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<P> Ord for Entry<P> {
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// Seeded run-time state, kept apart from the validated [`Config`].
struct State {
    rng: Rng,
    duplicate: Event,
    loss: LossState,
    corrupt: Event,
    reorder: Option<Event>,
    delay: Crandom,
    /// netem's `q->counter`: delayed packets since the last reordered one.
    counter: u32,
    /// Latest release time given to a delayed copy (netem's "last packet in queue" for `rate`).
    tail_ns: u64,
    next_seq: u64,
    /// Sequence number of `pending[0]`; `pending[i]` says whether copy `base + i` is still queued.
    base_seq: u64,
    pending: VecDeque<bool>,
}

/// One direction of an emulated GRX/IPX link carrying packets of type `P`.
pub struct Link<P> {
    config: Config,
    state: State,
    queue: BinaryHeap<Entry<P>>,
    stats: LinkStats,
}

impl<P: Packet> Link<P> {
    /// Validates `config` and seeds the link's random stream with `seed`.
    pub fn new(config: Config, seed: u64) -> Result<Link<P>, ConfigError> {
        config.validate()?;
        let mut rng = Rng::new(seed);
        let state = State {
            duplicate: Event::new(config.duplicate, &mut rng),
            loss: LossState::new(&config.loss, &mut rng),
            corrupt: Event::new(config.corrupt, &mut rng),
            reorder: config.reorder.map(|r| Event::new(r.chance, &mut rng)),
            delay: Crandom::new(config.delay_correlation, &mut rng),
            rng,
            counter: 0,
            tail_ns: 0,
            next_seq: 0,
            base_seq: 0,
            pending: VecDeque::new(),
        };
        Ok(Link {
            config,
            state,
            queue: BinaryHeap::new(),
            stats: LinkStats::default(),
        })
    }

    /// The configuration this link runs.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Counters and delay histogram so far.
    pub fn stats(&self) -> &LinkStats {
        &self.stats
    }

    /// Copies waiting in the queue (counted against the `limit`).
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Offers `packet` at `now` and runs it through the pipeline.
    pub fn enqueue(&mut self, now: Micros, packet: P) -> Verdict {
        self.stats.packets += 1;
        if self.config.outages.iter().any(|o| o.covers(now.as_u64())) {
            self.stats.record_drop(DropCause::Outage, 1);
            return Verdict::Dropped(DropCause::Outage);
        }
        self.enqueue_copy(now.as_u64().saturating_mul(1000), packet, true)
    }

    /// `netem_enqueue` for one copy; `may_duplicate` is false for the duplicate itself.
    fn enqueue_copy(&mut self, now_ns: u64, mut packet: P, may_duplicate: bool) -> Verdict {
        let st = &mut self.state;
        let mut count = 1u8;
        if may_duplicate && st.duplicate.happens(&mut st.rng) {
            count += 1;
            self.stats.duplicated += 1;
        }
        if st.loss.lose(&self.config.loss, &mut st.rng) {
            count -= 1;
            self.stats.record_drop(DropCause::Loss, 1);
        }
        if count == 0 {
            return Verdict::Dropped(DropCause::Loss);
        }
        let duplicate = (count > 1).then(|| packet.clone());
        if st.corrupt.happens(&mut st.rng) && packet.wire_len() > 0 {
            let bits = packet.wire_len() as u64 * 8;
            packet.flip_bit(st.rng.below(bits) as usize);
            self.stats.corrupted += 1;
        }
        if self.queue.len() >= self.config.limit {
            self.stats.record_drop(DropCause::Limit, u64::from(count));
            return Verdict::Dropped(DropCause::Limit);
        }
        let mut copies = 1;
        if let Some(dup) = duplicate {
            if let Verdict::Queued { .. } = self.enqueue_copy(now_ns, dup, false) {
                copies += 1;
            }
        }
        self.schedule(now_ns, packet);
        Verdict::Queued { copies }
    }

    /// Reorder, delay + jitter and rate: picks the release time and queues the copy.
    fn schedule(&mut self, now_ns: u64, packet: P) {
        let st = &mut self.state;
        let send_now = match (&self.config.reorder, &mut st.reorder) {
            (Some(reorder), Some(event)) => {
                st.counter >= reorder.gap - 1 && event.happens(&mut st.rng)
            }
            _ => false,
        };
        let at_ns = if send_now {
            st.counter = 0;
            now_ns
        } else {
            st.counter = st.counter.saturating_add(1);
            let mut at = now_ns.saturating_add(self.delay_ns());
            if let Some(rate) = self.config.rate {
                let len = (packet.wire_len() as i64 + i64::from(rate.packet_overhead)).max(0);
                let ser_ns = (len as u128 * 8 * 1_000_000_000 / u128::from(rate.bits_per_sec))
                    .min(u128::from(u64::MAX)) as u64;
                at = at.max(self.state.tail_ns).saturating_add(ser_ns);
            }
            self.state.tail_ns = self.state.tail_ns.max(at);
            at
        };
        let delay_us = (at_ns - now_ns + 500) / 1000;
        let _ = self.stats.delay_us.record(delay_us);
        self.stats.queued += 1;
        let st = &mut self.state;
        let seq = st.next_seq;
        st.next_seq += 1;
        st.pending.push_back(true);
        self.queue.push(Entry {
            at_ns,
            delayed: !send_now,
            seq,
            packet,
        });
    }

    /// netem's `tabledist(latency, jitter, ...)`, clamped at zero, in nanoseconds.
    fn delay_ns(&mut self) -> u64 {
        let delay = self.config.delay_us as f64 * 1000.0;
        if self.config.jitter_us == 0 {
            return delay as u64;
        }
        let st = &mut self.state;
        let u = st.delay.next(&mut st.rng);
        let t = self.config.distribution.quantile(u);
        let jitter = self.config.jitter_us as f64 * 1000.0;
        (delay + jitter * t).max(0.0).round() as u64
    }

    /// When the earliest queued copy is due (rounded up to the microsecond), or `None` when the
    /// queue is empty: the time to call [`poll_release`](Link::poll_release) next.
    pub fn poll_timeout(&self) -> Option<Micros> {
        self.queue.peek().map(|e| Micros(e.at_ns.div_ceil(1000)))
    }

    /// The earliest queued copy if it is due at `now`, in release-time order (FIFO among equal
    /// times). Call repeatedly until `None`.
    pub fn poll_release(&mut self, now: Micros) -> Option<P> {
        let due = self.queue.peek()?.at_ns <= now.as_u64().saturating_mul(1000);
        if !due {
            return None;
        }
        let entry = self.queue.pop()?;
        self.stats.released += 1;
        self.note_released(entry.seq);
        Some(entry.packet)
    }

    /// Counts the copy as reordered if an earlier-entered copy is still queued.
    fn note_released(&mut self, seq: u64) {
        let st = &mut self.state;
        if seq != st.base_seq {
            self.stats.reordered += 1;
        }
        if let Some(slot) = st.pending.get_mut((seq - st.base_seq) as usize) {
            *slot = false;
        }
        while st.pending.front() == Some(&false) {
            st.pending.pop_front();
            st.base_seq += 1;
        }
    }
}
