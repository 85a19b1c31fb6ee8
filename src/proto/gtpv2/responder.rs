//! Responder side of GTPv2-C reliable delivery (TS 29.274 §7.6): a retransmitted request
//! (same peer, same sequence number) is not processed again; the response already sent is
//! sent again from a cache, byte for byte, without the application building anything.
//!
//! Entries are kept for a window that must cover the requester's whole retransmission span,
//! T3 × (N3 + 1) (see [`ResponderConfig::covering`]). Because the window is constant and `now`
//! never goes back, expiry times are pushed in nondecreasing order: a FIFO queue suffices, with
//! re-armed entries recognised as stale when they reach its front.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;

use super::{Datagram, SEQ_MASK};
use crate::model::Micros;

/// Responder cache settings.
#[derive(Debug, Clone)]
pub struct ResponderConfig {
    /// How long a request (and its response) is remembered after the last activity on it.
    pub window_us: Micros,
    /// Most entries kept; when full, the oldest is evicted.
    pub max_entries: usize,
    /// Entries to make room for up front (at most `max_entries`). The tables grow by doubling
    /// beyond it, and each doubling rehashes every entry inside one turn of the event loop
    /// (tens of ms at a few hundred thousand entries): a loop that knows its load sizes
    /// for it ([`ResponderConfig::for_rate`]).
    pub expected_entries: usize,
}

impl ResponderConfig {
    /// A window matching a peer's T3-RESPONSE and N3-REQUESTS: T3 × (N3 + 1).
    pub fn covering(t3_us: Micros, n3: u32) -> Self {
        ResponderConfig {
            window_us: t3_us * (u64::from(n3) + 1),
            ..Self::default()
        }
    }

    /// Sized for `requests_per_s` new requests a second over the window, with a quarter to
    /// spare (the cache holds one window of requests in steady state).
    pub fn for_rate(self, requests_per_s: f64) -> Self {
        let window_s = self.window_us.as_duration().as_secs_f64();
        let expected = (requests_per_s.max(0.0) * window_s * 1.25).ceil() as usize;
        ResponderConfig {
            expected_entries: expected.max(self.expected_entries).min(self.max_entries),
            ..self
        }
    }
}

impl Default for ResponderConfig {
    /// Covers the default T3 = 3 s, N3 = 3: 12 s.
    fn default() -> Self {
        ResponderConfig {
            window_us: Micros::from_secs(12),
            max_entries: 1 << 20,
            expected_entries: 1 << 14,
        }
    }
}

/// What to do with an incoming request, from [`Responder::handle_request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// First time seen: process it and answer with [`Responder::send_response`].
    New,
    /// A retransmission already answered: the cached response is queued; drop the request.
    Replayed,
    /// A retransmission of a request still being processed: drop it.
    InProgress,
}

/// Responder counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponderStats {
    /// New requests.
    pub requests: u64,
    /// Retransmitted requests answered from the cache.
    pub replayed: u64,
    /// Retransmitted requests dropped because no response existed yet.
    pub in_progress_duplicates: u64,
    /// Entries expired after the window.
    pub expired: u64,
    /// Entries evicted early because the cache was full.
    pub evicted: u64,
}

#[derive(Debug, Default)]
struct Entry {
    peer: Option<SocketAddr>,
    seq: u32,
    response: Vec<u8>,
    answered: bool,
    expires: Micros,
    generation: u32,
}

/// Sans-IO duplicate-request cache; time is `now`, a [`Micros`] instant of any monotonic clock.
///
/// Call order: `handle_request(now, peer, seq)` for each request datagram (header decoded by
/// the caller) and act on the [`Disposition`]; `send_response(now, ...)` to answer a `New`
/// request; `handle_timeout(now)` when `now` reaches `poll_timeout()`; after any of these,
/// drain `poll_transmit`.
#[derive(Debug)]
pub struct Responder {
    cfg: ResponderConfig,
    slots: Vec<Entry>,
    free: Vec<u32>,
    index: HashMap<(SocketAddr, u32), u32>,
    expiry: VecDeque<(Micros, u32, u32)>,
    to_send: VecDeque<(u32, u32)>,
    stats: ResponderStats,
}

impl Responder {
    /// An empty cache.
    pub fn new(cfg: ResponderConfig) -> Self {
        // Sized for the expected load, not the bound: a million entries' tables would be
        // touched page by page at random, whatever the load.
        let max = cfg.max_entries.max(1);
        let initial = cfg.expected_entries.clamp(1, max);
        Responder {
            cfg: ResponderConfig {
                max_entries: max,
                ..cfg
            },
            slots: Vec::with_capacity(initial),
            free: Vec::new(),
            index: HashMap::with_capacity(initial),
            expiry: VecDeque::with_capacity(initial),
            to_send: VecDeque::new(),
            stats: ResponderStats::default(),
        }
    }

    /// Classifies a request from `peer` with sequence number `seq`; a `New` one is remembered
    /// so that its retransmissions are caught even before it is answered.
    pub fn handle_request(&mut self, now: Micros, peer: SocketAddr, seq: u32) -> Disposition {
        self.handle_timeout(now);
        let seq = seq & SEQ_MASK;
        if let Some(&idx) = self.index.get(&(peer, seq)) {
            let entry = &self.slots[idx as usize];
            if entry.answered {
                self.to_send.push_back((idx, entry.generation));
                self.stats.replayed += 1;
                return Disposition::Replayed;
            }
            self.stats.in_progress_duplicates += 1;
            return Disposition::InProgress;
        }
        self.insert(now, peer, seq);
        self.stats.requests += 1;
        Disposition::New
    }

    /// Answers the request (`peer`, `seq`): `encode` writes the response into a reused buffer
    /// (cleared first), which is cached for replays and queued for `poll_transmit`. Works too
    /// for a request whose entry already expired or was never registered.
    pub fn send_response(
        &mut self,
        now: Micros,
        peer: SocketAddr,
        seq: u32,
        encode: impl FnOnce(&mut Vec<u8>),
    ) {
        let seq = seq & SEQ_MASK;
        let idx = match self.index.get(&(peer, seq)) {
            Some(&idx) => idx,
            None => self.insert(now, peer, seq),
        };
        let expires = now + self.cfg.window_us;
        let entry = &mut self.slots[idx as usize];
        entry.response.clear();
        encode(&mut entry.response);
        entry.answered = true;
        entry.expires = expires;
        let generation = entry.generation;
        self.expiry.push_back((expires, idx, generation));
        self.to_send.push_back((idx, generation));
    }

    fn insert(&mut self, now: Micros, peer: SocketAddr, seq: u32) -> u32 {
        if self.index.len() >= self.cfg.max_entries {
            self.evict_oldest();
        }
        let idx = self.free.pop().unwrap_or_else(|| {
            self.slots.push(Entry::default());
            (self.slots.len() - 1) as u32
        });
        let expires = now + self.cfg.window_us;
        let entry = &mut self.slots[idx as usize];
        entry.peer = Some(peer);
        entry.seq = seq;
        entry.answered = false;
        entry.expires = expires;
        self.index.insert((peer, seq), idx);
        self.expiry.push_back((expires, idx, entry.generation));
        idx
    }

    /// Removes the live entry that expires first.
    fn evict_oldest(&mut self) {
        while let Some((expires, idx, generation)) = self.expiry.pop_front() {
            if self.is_live(expires, idx, generation) {
                self.remove(idx);
                self.stats.evicted += 1;
                return;
            }
        }
    }

    fn is_live(&self, expires: Micros, idx: u32, generation: u32) -> bool {
        let e = &self.slots[idx as usize];
        e.peer.is_some() && e.generation == generation && e.expires == expires
    }

    fn remove(&mut self, idx: u32) {
        let entry = &mut self.slots[idx as usize];
        if let Some(peer) = entry.peer.take() {
            self.index.remove(&(peer, entry.seq));
        }
        entry.generation = entry.generation.wrapping_add(1);
        self.free.push(idx);
    }

    /// Forgets entries whose window has passed, oldest first.
    pub fn handle_timeout(&mut self, now: Micros) {
        while let Some(&(expires, idx, generation)) = self.expiry.front() {
            if expires > now {
                break;
            }
            self.expiry.pop_front();
            if self.is_live(expires, idx, generation) {
                self.remove(idx);
                self.stats.expired += 1;
            }
        }
    }

    /// When the oldest entry expires.
    pub fn poll_timeout(&mut self) -> Option<Micros> {
        while let Some(&(expires, idx, generation)) = self.expiry.front() {
            if self.is_live(expires, idx, generation) {
                return Some(expires);
            }
            self.expiry.pop_front();
        }
        None
    }

    /// Appends the next response (new or replayed) to `buf`; says where it goes and its length.
    pub fn poll_transmit(&mut self, buf: &mut Vec<u8>) -> Option<Datagram> {
        while let Some((idx, generation)) = self.to_send.pop_front() {
            let entry = &self.slots[idx as usize];
            match entry.peer {
                Some(dst) if entry.generation == generation && entry.answered => {
                    buf.extend_from_slice(&entry.response);
                    return Some(Datagram {
                        dst,
                        len: entry.response.len(),
                    });
                }
                _ => continue,
            }
        }
        None
    }

    /// Requests remembered now.
    pub fn cached(&self) -> usize {
        self.index.len()
    }

    /// Counters so far.
    pub fn stats(&self) -> ResponderStats {
        self.stats
    }
}
