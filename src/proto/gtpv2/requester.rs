//! Requester side of GTPv2-C reliable delivery (TS 29.274 §7.6): sequence number allocation,
//! T3-RESPONSE retransmission of identical bytes up to N3-REQUESTS times, matching of
//! responses by (peer, sequence number), and timeout reporting.
//!
//! Outstanding requests live in a slab of slots whose byte buffers are reused, indexed by
//! (peer, seq); deadlines sit in a binary heap with lazy deletion (an answered request leaves
//! its heap entry behind, recognised as stale by a generation number and dropped when it
//! surfaces, with a rebuild when stale entries dominate).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::net::SocketAddr;

use super::{Datagram, SEQ_MASK};
use crate::model::Micros;

/// Caller's handle for a request, returned in its [`Response`] or [`RequesterEvent`].
pub type Token = u64;

/// Requester timers and limits.
#[derive(Debug, Clone)]
pub struct RequesterConfig {
    /// T3-RESPONSE: wait before retransmitting, in microseconds (default 3 s).
    pub t3_us: Micros,
    /// N3-REQUESTS: retransmissions before giving up (default 3).
    pub n3: u32,
    /// Most requests outstanding at once (capped below 2^24, the sequence space).
    pub max_outstanding: usize,
    /// First sequence number handed out (masked to 24 bits).
    pub first_seq: u32,
}

impl Default for RequesterConfig {
    fn default() -> Self {
        RequesterConfig {
            t3_us: Micros::from_secs(3),
            n3: 3,
            max_outstanding: 1 << 20,
            first_seq: 0,
        }
    }
}

/// Why a request could not be started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// `max_outstanding` requests are already waiting for answers.
    #[error("{limit} GTPv2-C requests already outstanding")]
    TooManyOutstanding {
        /// The configured limit.
        limit: usize,
    },
}

/// A response matched to its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response {
    /// The request's token.
    pub token: Token,
    /// Message type of the request.
    pub request_type: u8,
    /// When the request was first sent.
    pub first_sent_us: Micros,
    /// `now` at the response minus `first_sent_us`.
    pub rtt_us: Micros,
    /// How many times the request was retransmitted.
    pub retransmissions: u32,
}

/// Something the requester reports through [`Requester::poll_event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequesterEvent {
    /// No response after the original and N3 retransmissions, each given T3.
    TimedOut {
        /// The request's token.
        token: Token,
        /// Where it was sent.
        peer: SocketAddr,
        /// Its sequence number.
        seq: u32,
        /// Its message type.
        request_type: u8,
    },
}

/// Requester counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequesterStats {
    /// Requests started.
    pub sent: u64,
    /// Retransmissions queued.
    pub retransmitted: u64,
    /// Responses matched.
    pub responses: u64,
    /// Responses matching nothing outstanding (late, duplicated or stray).
    pub unmatched_responses: u64,
    /// Requests given up after N3 retransmissions.
    pub timed_out: u64,
}

#[derive(Debug, Default)]
struct Slot {
    peer: Option<SocketAddr>,
    seq: u32,
    token: Token,
    msg_type: u8,
    bytes: Vec<u8>,
    first_sent: Micros,
    deadline: Micros,
    retransmissions: u32,
    generation: u32,
}

/// Sans-IO GTPv2-C requester; time is `now`, a [`Micros`] instant of any monotonic clock (real or
/// virtual).
///
/// Call order: `send_request` to start a transaction; `handle_response` for every response
/// datagram (the caller has decoded its header: peer, sequence number); `handle_timeout(now)`
/// when `now` reaches `poll_timeout()`; after any of these, drain `poll_transmit` (into the
/// socket) and `poll_event` (timeouts).
#[derive(Debug)]
pub struct Requester {
    cfg: RequesterConfig,
    next_seq: u32,
    slots: Vec<Slot>,
    free: Vec<u32>,
    index: HashMap<(SocketAddr, u32), u32>,
    timers: BinaryHeap<Reverse<(Micros, u32, u32)>>,
    to_send: VecDeque<(u32, u32)>,
    events: VecDeque<RequesterEvent>,
    stats: RequesterStats,
}

impl Requester {
    /// A requester with no outstanding requests.
    pub fn new(cfg: RequesterConfig) -> Self {
        let max_outstanding = cfg.max_outstanding.clamp(1, SEQ_MASK as usize);
        Requester {
            next_seq: cfg.first_seq & SEQ_MASK,
            cfg: RequesterConfig {
                max_outstanding,
                ..cfg
            },
            slots: Vec::new(),
            free: Vec::new(),
            index: HashMap::new(),
            timers: BinaryHeap::new(),
            to_send: VecDeque::new(),
            events: VecDeque::new(),
            stats: RequesterStats::default(),
        }
    }

    /// Starts a request to `peer`: allocates its sequence number, lets `encode(seq, buf)` write
    /// the whole message into a reused buffer (cleared first), queues it for
    /// `poll_transmit` and arms T3. Returns the sequence number.
    pub fn send_request(
        &mut self,
        now: Micros,
        peer: SocketAddr,
        token: Token,
        msg_type: u8,
        encode: impl FnOnce(u32, &mut Vec<u8>),
    ) -> Result<u32, RequestError> {
        if self.index.len() >= self.cfg.max_outstanding {
            return Err(RequestError::TooManyOutstanding {
                limit: self.cfg.max_outstanding,
            });
        }
        let seq = self.alloc_seq(peer);
        let idx = self.free.pop().unwrap_or_else(|| {
            self.slots.push(Slot::default());
            (self.slots.len() - 1) as u32
        });
        let deadline = now + self.cfg.t3_us;
        let slot = &mut self.slots[idx as usize];
        slot.peer = Some(peer);
        slot.seq = seq;
        slot.token = token;
        slot.msg_type = msg_type;
        slot.first_sent = now;
        slot.deadline = deadline;
        slot.retransmissions = 0;
        slot.bytes.clear();
        encode(seq, &mut slot.bytes);
        let generation = slot.generation;
        self.index.insert((peer, seq), idx);
        self.timers.push(Reverse((deadline, idx, generation)));
        self.to_send.push_back((idx, generation));
        self.stats.sent += 1;
        Ok(seq)
    }

    /// Next free 24-bit sequence number, skipping any still outstanding towards `peer`.
    fn alloc_seq(&mut self, peer: SocketAddr) -> u32 {
        loop {
            let seq = self.next_seq;
            self.next_seq = (seq + 1) & SEQ_MASK;
            if !self.index.contains_key(&(peer, seq)) {
                return seq;
            }
        }
    }

    /// Matches a response from `peer` with sequence number `seq`; returns `None` (and counts
    /// it) when nothing is outstanding for that pair.
    pub fn handle_response(&mut self, now: Micros, peer: SocketAddr, seq: u32) -> Option<Response> {
        let Some(idx) = self.index.remove(&(peer, seq & SEQ_MASK)) else {
            self.stats.unmatched_responses += 1;
            return None;
        };
        self.stats.responses += 1;
        let slot = self.release(idx);
        Some(Response {
            token: slot.token,
            request_type: slot.msg_type,
            first_sent_us: slot.first_sent,
            rtt_us: now.saturating_sub(slot.first_sent),
            retransmissions: slot.retransmissions,
        })
    }

    /// The token of the request outstanding towards `peer` with sequence number `seq`, without
    /// matching it (for a driver that routes the datagram, e.g. over the partner's link).
    pub fn token_of(&self, peer: SocketAddr, seq: u32) -> Option<Token> {
        let idx = *self.index.get(&(peer, seq & SEQ_MASK))?;
        Some(self.slots[idx as usize].token)
    }

    /// Abandons an outstanding request (no more retransmissions, no event); returns its token.
    pub fn cancel(&mut self, peer: SocketAddr, seq: u32) -> Option<Token> {
        let idx = self.index.remove(&(peer, seq & SEQ_MASK))?;
        Some(self.release(idx).token)
    }

    /// Frees slot `idx` (already removed from the index); returns a view of it.
    fn release(&mut self, idx: u32) -> &Slot {
        self.free.push(idx);
        let slot = &mut self.slots[idx as usize];
        slot.peer = None;
        slot.generation = slot.generation.wrapping_add(1);
        self.maybe_compact_timers();
        &self.slots[idx as usize]
    }

    /// Retransmits requests whose T3 expired and times out those past N3.
    pub fn handle_timeout(&mut self, now: Micros) {
        while let Some(&Reverse((deadline, idx, generation))) = self.timers.peek() {
            if deadline > now {
                break;
            }
            self.timers.pop();
            let slot = &mut self.slots[idx as usize];
            if slot.generation != generation || slot.deadline != deadline {
                continue;
            }
            let Some(peer) = slot.peer else { continue };
            if slot.retransmissions < self.cfg.n3 {
                slot.retransmissions += 1;
                slot.deadline = now + self.cfg.t3_us;
                self.timers.push(Reverse((slot.deadline, idx, generation)));
                self.to_send.push_back((idx, generation));
                self.stats.retransmitted += 1;
            } else {
                let (token, seq, request_type) = (slot.token, slot.seq, slot.msg_type);
                self.index.remove(&(peer, seq));
                self.release(idx);
                self.stats.timed_out += 1;
                self.events.push_back(RequesterEvent::TimedOut {
                    token,
                    peer,
                    seq,
                    request_type,
                });
            }
        }
    }

    /// Earliest pending deadline, if any request is outstanding.
    pub fn poll_timeout(&mut self) -> Option<Micros> {
        while let Some(&Reverse((deadline, idx, generation))) = self.timers.peek() {
            let slot = &self.slots[idx as usize];
            if slot.generation == generation && slot.deadline == deadline && slot.peer.is_some() {
                return Some(deadline);
            }
            self.timers.pop();
        }
        None
    }

    /// Appends the next datagram to send (a new request or an identical retransmission) to
    /// `buf` and says where it goes and how long it is.
    pub fn poll_transmit(&mut self, buf: &mut Vec<u8>) -> Option<Datagram> {
        while let Some((idx, generation)) = self.to_send.pop_front() {
            let slot = &self.slots[idx as usize];
            match slot.peer {
                Some(dst) if slot.generation == generation => {
                    buf.extend_from_slice(&slot.bytes);
                    return Some(Datagram {
                        dst,
                        len: slot.bytes.len(),
                    });
                }
                _ => continue,
            }
        }
        None
    }

    /// Next event (timeouts).
    pub fn poll_event(&mut self) -> Option<RequesterEvent> {
        self.events.pop_front()
    }

    /// Requests waiting for a response.
    pub fn outstanding(&self) -> usize {
        self.index.len()
    }

    /// Counters so far.
    pub fn stats(&self) -> RequesterStats {
        self.stats
    }

    /// Rebuilds the heap from live deadlines once stale entries outnumber live ones 2:1.
    fn maybe_compact_timers(&mut self) {
        if self.timers.len() <= 1024 || self.timers.len() <= 3 * self.index.len() {
            return;
        }
        let live = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.peer.is_some());
        self.timers = live
            .map(|(i, s)| Reverse((s.deadline, i as u32, s.generation)))
            .collect();
    }
}
