//! The GRX/IPX links of one shard (docs/ARCHITECTURE.md §1, §6): every visited PLMN's traffic to
//! and from the home core crosses its partner's [`BiLink`] (uplink = visited → home, downlink =
//! home → visited), as a [`LinkPlan`] says; PLMNs without a link pass unimpaired.
//!
//! What a link verdict means depends on what carries the message ([`Carrier`]):
//! - **Datagrams** (GTPv2-C over UDP on S8; SCTP-over-UDP packets, RFC 6951, would be offered the
//!   same way, one packet each, and recovered by SCTP itself): impaired for real. A lost
//!   request or response is gone and the SGW's T3/N3 retransmission (TS 29.274 §7.6) recovers
//!   it; a duplicate arrives twice; corruption flips a bit.
//! - **Streams** (Diameter over TCP on S6a): TCP cannot lose a message, so a loss (or queue
//!   limit, outage, or corruption, which the TCP checksum would catch) becomes delay: the
//!   segment is sent again one RTO after it was sent, the RTO doubling for each consecutive loss
//!   of the same segment (RFC 6298 §5.5), from `max(200 ms, RTT + 4 × jitter)` (Linux's minimum
//!   RTO of 200 ms; RTT and jitter from the link's two directions), capped at 120 s
//!   (`TCP_RTO_MAX`); after 15 retransmissions (`tcp_retries2`) the segment is abandoned, as the
//!   connection would be reset. Messages of one connection are delivered in order and once
//!   (head-of-line blocking, duplicates discarded), as TCP's receiver does. Fast retransmit is
//!   not modelled: under load a real sender would often recover a loss in about one RTT.
//!
//! Call order (sans-IO, quinn-proto style): offer each message leaving the visited side with
//! [`LinkShim::up`] and each leaving the home side with [`LinkShim::down`]; wake up at
//! [`LinkShim::next_release_at`]; then drain [`LinkShim::poll_up`] (deliver to the home side)
//! and [`LinkShim::poll_down`] (deliver to the visited side) until `None`. Hand the counters to
//! the summary with [`LinkShim::record`]. Time is microseconds of any monotonic clock.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, VecDeque};

use hdrhistogram::Histogram;

use crate::link::{BiLink, ConfigError, Direction, DropCause, Link, LinkStats, Packet};
use crate::model::rng::derive_seed;
use crate::model::Micros;
use crate::model::Plmn;
use crate::report::recorder::{latency_histogram, merge_histogram};
use crate::report::Recorder;

mod plan;
mod routes;
#[cfg(test)]
mod tests;

pub use plan::{LinkPlan, LinkPlanError, PlannedLink, NO_LINK};
pub use routes::S8Routes;

/// Label of the links' seed, derived from the run's.
const LINK_SEED_LABEL: u64 = 0x4c49_4e4b;

/// Linux's minimum retransmission timeout (`TCP_RTO_MIN`), µs.
pub const TCP_RTO_MIN_US: u64 = 200_000;
/// Linux's maximum retransmission timeout (`TCP_RTO_MAX`), µs.
pub const TCP_RTO_MAX_US: u64 = 120_000_000;
/// Retransmissions of one segment before TCP gives up (`tcp_retries2`).
pub const TCP_MAX_RETRIES: u8 = 15;

/// What carries a message across the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    /// A UDP datagram (GTPv2-C, or an SCTP-over-UDP packet): loss is loss.
    Datagram,
    /// A message on TCP connection `conn` (the caller's number for it, e.g. the MME index):
    /// loss becomes a retransmission delay, delivery is in order.
    Stream(u32),
}

/// What became of an offered message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// On its way: `copies` (2 when duplicated) will come out of `poll_up`/`poll_down`.
    Queued {
        /// Copies queued.
        copies: u8,
    },
    /// A datagram lost for good.
    Dropped(DropCause),
    /// A stream segment lost on the wire: TCP sends it again after the RTO, and it comes out
    /// later (unless 15 retransmissions in a row are lost).
    Retransmitting(DropCause),
    /// The PLMN has no link: it comes out of the next poll, undelayed.
    Unimpaired,
}

/// Stream counters of one link, beyond the netem ones of [`LinkStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamStats {
    /// Segments sent again after an RTO (a loss, an outage, a full queue or a corrupted copy).
    pub retransmitted: u64,
    /// Segments given up after [`TCP_MAX_RETRIES`] retransmissions.
    pub abandoned: u64,
    /// Duplicate copies the receiver discarded.
    pub duplicates_discarded: u64,
}

/// Per-segment bookkeeping of a stream message.
#[derive(Debug, Clone, Copy)]
struct Segment {
    conn: u32,
    seq: u64,
    /// When the message was first offered (its delivery delay counts from here).
    first_us: u64,
    /// When this attempt was sent.
    sent_us: u64,
    /// Retransmissions so far.
    attempt: u8,
}

/// A message inside a link: the caller's packet and where it belongs.
#[derive(Debug, Clone)]
struct Carried<P> {
    plmn: u16,
    offered_us: u64,
    segment: Option<Segment>,
    corrupted: bool,
    packet: P,
}

impl<P: Packet> Packet for Carried<P> {
    fn wire_len(&self) -> usize {
        self.packet.wire_len()
    }
    /// A datagram gets the bit flipped; a stream segment is marked, to be discarded by the
    /// receiver's checksum and sent again.
    fn flip_bit(&mut self, bit: usize) {
        match self.segment {
            Some(_) => self.corrupted = true,
            None => self.packet.flip_bit(bit),
        }
    }
}

/// A segment waiting for its retransmission timer.
struct Resend<P> {
    at_us: u64,
    order: u64,
    link: usize,
    carried: Carried<P>,
}

impl<P> PartialEq for Resend<P> {
    fn eq(&self, o: &Self) -> bool {
        (self.at_us, self.order) == (o.at_us, o.order)
    }
}
impl<P> Eq for Resend<P> {}
impl<P> PartialOrd for Resend<P> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<P> Ord for Resend<P> {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.at_us, self.order).cmp(&(o.at_us, o.order))
    }
}

/// TCP's receive side of one connection and direction.
struct Stream<P> {
    next_offer: u64,
    next_deliver: u64,
    held: BTreeMap<u64, (u16, u64, P)>,
    /// Segments given up: the receiver stops waiting for them.
    abandoned: BTreeSet<u64>,
}

impl<P> Default for Stream<P> {
    fn default() -> Self {
        Stream {
            next_offer: 0,
            next_deliver: 0,
            held: BTreeMap::new(),
            abandoned: BTreeSet::new(),
        }
    }
}

/// One link of the shard with what the summary needs of it.
struct ShimLink<P> {
    name: String,
    bilink: BiLink<Carried<P>>,
    /// RTO before any backoff, µs.
    rto_us: u64,
    /// Delay of each delivered message (release minus first offer), both directions.
    delay_us: Histogram<u64>,
    streams: StreamStats,
    /// Counters already handed to a recorder: packets, dropped, duplicated, reordered.
    recorded: [u64; 4],
}

/// Per-direction state that is not inside a link.
struct Side<P> {
    /// Messages of PLMNs without a link: (offered at, plmn, packet).
    bypass: VecDeque<(u64, u16, P)>,
    /// Stream messages released in order, waiting to be polled.
    ready: VecDeque<(u16, P)>,
    resend: BinaryHeap<Reverse<Resend<P>>>,
    streams: HashMap<u32, Stream<P>>,
}

impl<P> Default for Side<P> {
    fn default() -> Self {
        Side {
            bypass: VecDeque::new(),
            ready: VecDeque::new(),
            resend: BinaryHeap::new(),
            streams: HashMap::new(),
        }
    }
}

/// The links of one shard (see the module docs for the call order).
pub struct LinkShim<P> {
    links: Vec<ShimLink<P>>,
    of_plmn: Vec<Option<usize>>,
    sides: [Side<P>; 2],
    resend_order: u64,
}

fn side(dir: Direction) -> usize {
    match dir {
        Direction::Uplink => 0,
        Direction::Downlink => 1,
    }
}

/// RTT + 4 × jitter of a link, at least [`TCP_RTO_MIN_US`].
fn base_rto_us<P: Packet>(b: &BiLink<P>) -> u64 {
    let (up, down) = (b.uplink.config(), b.downlink.config());
    let rtt = up.delay_us + down.delay_us;
    (rtt + 4 * (up.jitter_us + down.jitter_us)).max(TCP_RTO_MIN_US)
}

impl<P: Packet> LinkShim<P> {
    /// The links of shard `shard` for the visited PLMNs `visited` (the population's list, whose
    /// indices the `plmn` arguments below use). Each link's random streams come from the
    /// profile's `seed` if it pins one, else from `seed`, and differ per shard and per link.
    pub fn new(
        plan: &LinkPlan,
        visited: &[Plmn],
        seed: u64,
        shard: u32,
    ) -> Result<LinkShim<P>, ConfigError> {
        let mut links = Vec::with_capacity(plan.links().len());
        for (i, l) in plan.links().iter().enumerate() {
            let base = l.profile.seed.unwrap_or(seed);
            let link_seed = derive_seed(base, (u64::from(shard) << 32) | i as u64);
            let bilink = BiLink::new(
                l.profile.uplink.clone(),
                l.profile.downlink.clone(),
                link_seed,
            )
            .map_err(|e| e.within(&l.name))?;
            links.push(ShimLink {
                name: l.name.clone(),
                rto_us: base_rto_us(&bilink),
                bilink,
                delay_us: latency_histogram(),
                streams: StreamStats::default(),
                recorded: [0; 4],
            });
        }
        Ok(LinkShim {
            links,
            of_plmn: visited.iter().map(|&p| plan.link_of(p)).collect(),
            sides: [Side::default(), Side::default()],
            resend_order: 0,
        })
    }

    /// The links of shard `shard` of a run, for its population's visited PLMNs, seeded from the
    /// run's `seed`; `None` when the plan has no link (the shard then skips the shim).
    pub fn for_shard(
        plan: &LinkPlan,
        population: &crate::model::population::Population,
        seed: u64,
        shard: u32,
    ) -> Result<Option<LinkShim<P>>, ConfigError> {
        if plan.is_empty() {
            return Ok(None);
        }
        let plmns: Vec<Plmn> = population.visited().iter().map(|v| v.plmn).collect();
        LinkShim::new(plan, &plmns, derive_seed(seed, LINK_SEED_LABEL), shard).map(Some)
    }

    /// Whether visited PLMN `plmn`'s traffic crosses a link.
    pub fn impairs(&self, plmn: usize) -> bool {
        self.of_plmn.get(plmn).copied().flatten().is_some()
    }

    /// Offers a message from visited PLMN `plmn` to the home side at `now_us`.
    pub fn up(&mut self, now_us: u64, plmn: usize, carrier: Carrier, packet: P) -> Fate {
        self.offer(Direction::Uplink, now_us, plmn, carrier, packet)
    }

    /// Offers a message from the home side to visited PLMN `plmn` at `now_us`.
    pub fn down(&mut self, now_us: u64, plmn: usize, carrier: Carrier, packet: P) -> Fate {
        self.offer(Direction::Downlink, now_us, plmn, carrier, packet)
    }

    fn offer(&mut self, dir: Direction, now: u64, plmn: usize, carrier: Carrier, p: P) -> Fate {
        let tag = plmn.min(u16::MAX as usize) as u16;
        let s = &mut self.sides[side(dir)];
        let Some(link) = self.of_plmn.get(plmn).copied().flatten() else {
            s.bypass.push_back((now, tag, p));
            return Fate::Unimpaired;
        };
        let segment = match carrier {
            Carrier::Datagram => None,
            Carrier::Stream(conn) => {
                let st = s.streams.entry(conn).or_default();
                st.next_offer += 1;
                Some(Segment {
                    conn,
                    seq: st.next_offer - 1,
                    first_us: now,
                    sent_us: now,
                    attempt: 0,
                })
            }
        };
        let carried = Carried {
            plmn: tag,
            offered_us: now,
            segment,
            corrupted: false,
            packet: p,
        };
        self.send(dir, now, link, carried)
    }

    /// Puts one copy (a first send or a retransmission) on `link`.
    fn send(&mut self, dir: Direction, now: u64, link: usize, c: Carried<P>) -> Fate {
        let keep = c.segment.is_some().then(|| c.clone());
        match (self.links[link].bilink.enqueue(dir, Micros(now), c), keep) {
            (crate::link::Verdict::Queued { copies }, _) => Fate::Queued { copies },
            (crate::link::Verdict::Dropped(cause), None) => Fate::Dropped(cause),
            (crate::link::Verdict::Dropped(cause), Some(c)) => {
                self.resend_later(dir, link, c);
                Fate::Retransmitting(cause)
            }
        }
    }

    /// Arms the retransmission timer of a lost or corrupted segment (RTO doubled per attempt).
    fn resend_later(&mut self, dir: Direction, link: usize, mut c: Carried<P>) {
        let Some(seg) = c.segment.as_mut() else {
            return;
        };
        let l = &mut self.links[link];
        if seg.attempt >= TCP_MAX_RETRIES {
            l.streams.abandoned += 1;
            let side = &mut self.sides[side(dir)];
            let st = side.streams.entry(seg.conn).or_default();
            st.abandoned.insert(seg.seq);
            Self::deliver_in_order(st, &mut side.ready, l, seg.sent_us);
            return;
        }
        let rto = l
            .rto_us
            .saturating_mul(1 << seg.attempt.min(20))
            .min(TCP_RTO_MAX_US);
        seg.attempt += 1;
        seg.sent_us = seg.sent_us.saturating_add(rto);
        l.streams.retransmitted += 1;
        c.corrupted = false;
        self.resend_order += 1;
        self.sides[side(dir)].resend.push(Reverse(Resend {
            at_us: seg.sent_us,
            order: self.resend_order,
            link,
            carried: c,
        }));
    }

    /// Sends the segments whose retransmission timer expired by `now`, each at its own time.
    fn fire_resends(&mut self, dir: Direction, now: u64) {
        let s = side(dir);
        while self.sides[s]
            .resend
            .peek()
            .is_some_and(|r| r.0.at_us <= now)
        {
            let Reverse(r) = self.sides[s].resend.pop().expect("peeked");
            self.send(dir, r.at_us, r.link, r.carried);
        }
    }

    /// When the next message is due (a release, a retransmission or an undelayed message), µs;
    /// `None` when nothing is in flight. Poll both directions at or after that time.
    pub fn next_release_at(&self) -> Option<u64> {
        let links = self
            .links
            .iter()
            .filter_map(|l| l.bilink.poll_timeout().map(u64::from));
        let sides = self.sides.iter().flat_map(|s| {
            let ready = (!s.ready.is_empty()).then_some(0);
            [
                ready,
                s.bypass.front().map(|b| b.0),
                s.resend.peek().map(|r| r.0.at_us),
            ]
        });
        links.chain(sides.flatten()).min()
    }

    /// The next message due at `now_us` for the home side, with the visited PLMN it came from.
    pub fn poll_up(&mut self, now_us: u64) -> Option<(usize, P)> {
        self.poll(Direction::Uplink, now_us)
    }

    /// The next message due at `now_us` for the visited side, with the visited PLMN it goes to.
    pub fn poll_down(&mut self, now_us: u64) -> Option<(usize, P)> {
        self.poll(Direction::Downlink, now_us)
    }

    fn poll(&mut self, dir: Direction, now: u64) -> Option<(usize, P)> {
        let s = side(dir);
        self.fire_resends(dir, now);
        if let Some((plmn, p)) = self.sides[s].ready.pop_front() {
            return Some((plmn as usize, p));
        }
        if let Some((_, plmn, p)) = self.sides[s].bypass.pop_front() {
            return Some((plmn as usize, p));
        }
        loop {
            let link = self.due_link(dir, now)?;
            let c = self.links[link]
                .bilink
                .direction(dir)
                .poll_release(Micros(now))
                .expect("due");
            match c.segment {
                None => {
                    let l = &mut self.links[link];
                    l.delay_us
                        .saturating_record(now.saturating_sub(c.offered_us).max(1));
                    return Some((c.plmn as usize, c.packet));
                }
                Some(_) if c.corrupted => self.resend_later(dir, link, c),
                Some(seg) => {
                    if let Some(out) = self.receive(dir, now, link, seg, c) {
                        return Some(out);
                    }
                }
            }
        }
    }

    /// The link whose next release in `dir` is due by `now`, earliest first.
    fn due_link(&self, dir: Direction, now: u64) -> Option<usize> {
        (0..self.links.len())
            .filter_map(|i| {
                let at = match dir {
                    Direction::Uplink => self.links[i].bilink.uplink.poll_timeout(),
                    Direction::Downlink => self.links[i].bilink.downlink.poll_timeout(),
                }?;
                (at <= Micros(now)).then_some((at, i))
            })
            .min()
            .map(|(_, i)| i)
    }

    /// TCP's receiver: delivers a segment in order (with any held ones it unblocks), holds one
    /// that is ahead, discards a duplicate.
    fn receive(
        &mut self,
        dir: Direction,
        now: u64,
        link: usize,
        seg: Segment,
        c: Carried<P>,
    ) -> Option<(usize, P)> {
        let side = &mut self.sides[side(dir)];
        let l = &mut self.links[link];
        let st = side.streams.entry(seg.conn).or_default();
        if seg.seq < st.next_deliver || st.held.contains_key(&seg.seq) {
            l.streams.duplicates_discarded += 1;
            return None;
        }
        st.held.insert(seg.seq, (c.plmn, seg.first_us, c.packet));
        Self::deliver_in_order(st, &mut side.ready, l, now);
        side.ready.pop_front().map(|(plmn, p)| (plmn as usize, p))
    }

    /// Moves the held segments that are next in order (skipping abandoned ones) to `ready`.
    fn deliver_in_order(
        st: &mut Stream<P>,
        ready: &mut VecDeque<(u16, P)>,
        l: &mut ShimLink<P>,
        now: u64,
    ) {
        loop {
            if st.abandoned.remove(&st.next_deliver) {
                st.next_deliver += 1;
                continue;
            }
            let Some((plmn, first, p)) = st.held.remove(&st.next_deliver) else {
                break;
            };
            st.next_deliver += 1;
            l.delay_us
                .saturating_record(now.saturating_sub(first).max(1));
            ready.push_back((plmn, p));
        }
    }

    /// The netem counters of link `i` (both directions).
    pub fn link_stats(&self, i: usize) -> Option<(&LinkStats, &LinkStats)> {
        let b = &self.links.get(i)?.bilink;
        Some((b.uplink.stats(), b.downlink.stats()))
    }

    /// The stream (TCP) counters of link `i`.
    pub fn stream_stats(&self, i: usize) -> Option<StreamStats> {
        self.links.get(i).map(|l| l.streams)
    }

    /// The links' names, in plan order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.links.iter().map(|l| l.name.as_str())
    }

    /// Adds what every link did since the previous call into `rec`'s `links` (by name):
    /// packets offered (retransmitted segments included), dropped, duplicated, reordered (both
    /// directions), and the delay each delivered message was given (for a stream message, from
    /// its first offer, so TCP retransmissions and head-of-line blocking count).
    pub fn record(&mut self, rec: &mut Recorder) {
        for l in &mut self.links {
            let counts = [&l.bilink.uplink, &l.bilink.downlink]
                .map(|d: &Link<Carried<P>>| {
                    let s = d.stats();
                    [s.packets, s.dropped(), s.duplicated, s.reordered]
                })
                .iter()
                .fold([0u64; 4], |acc, c| std::array::from_fn(|k| acc[k] + c[k]));
            if counts[0] == 0 {
                continue; // never used (e.g. a PLMN whose MMEs are another's): not worth a line
            }
            let r = rec.link_mut(&l.name);
            r.packets += counts[0] - l.recorded[0];
            r.dropped += counts[1] - l.recorded[1];
            r.duplicated += counts[2] - l.recorded[2];
            r.reordered += counts[3] - l.recorded[3];
            merge_histogram(&mut r.delay_us, &l.delay_us);
            l.delay_us.reset();
            l.recorded = counts;
        }
    }
}
