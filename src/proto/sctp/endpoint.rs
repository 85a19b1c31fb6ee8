//! An SCTP endpoint on one local port (RFC 4960 §2.1): demultiplexes packets to associations
//! by (remote address, remote port, verification tag), answers INIT statelessly with a sealed
//! State Cookie (§5.1.3) and creates an association only from a valid COOKIE ECHO (§5.1.5),
//! handles out-of-the-blue packets (§8.4) and a peer's restart (§5.2.4 case A).
//!
//! The remote address is the UDP source of the datagram under RFC 6951; the endpoint never
//! touches a socket. Associations live in a slab; `poll_*` visit them in turn, which is cheap
//! for the few associations a Diameter peer has (one per peer connection).

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;

use super::cookie::{CookieError, CookieParams};
use super::{Association, Config, Event, State};
use crate::model::rng::Rng;
use crate::model::Micros;
use crate::wire::sctp::{
    cause_code, chunk_type as ct, Chunk, ChunkRepr, Chunks, Header, InitChunk, Packet,
    PacketBuilder, Param, HEADER_LEN,
};

/// Settings of an [`Endpoint`].
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    /// Our SCTP port (3868 for Diameter, RFC 6733 §2.1).
    pub local_port: u16,
    /// Settings of every association.
    pub assoc: Config,
    /// Valid.Cookie.Life, µs (RFC default 60 s).
    pub cookie_lifetime_us: Micros,
    /// Answer INITs (server role).
    pub accept: bool,
    /// Most associations at once.
    pub max_associations: usize,
    /// Most stateless replies (INIT ACK, ABORT, ...) waiting for `poll_transmit`; more are
    /// dropped, so a flood cannot grow memory.
    pub max_queued_replies: usize,
}

impl Default for EndpointConfig {
    fn default() -> Self {
        EndpointConfig {
            local_port: 3868,
            assoc: Config::default(),
            cookie_lifetime_us: Micros::from_secs(60),
            accept: true,
            max_associations: 4096,
            max_queued_replies: 1024,
        }
    }
}

/// Handle of an association inside an [`Endpoint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AssocId {
    index: u32,
    generation: u32,
}

/// A packet `poll_transmit` appended to the caller's buffer: its destination and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Datagram {
    /// Where to send it (the UDP destination under RFC 6951).
    pub dst: SocketAddr,
    /// Bytes appended to the buffer.
    pub len: usize,
}

/// Why `connect` failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConnectError {
    /// An association with this peer address and port exists.
    #[error("an SCTP association with {peer} port {port} already exists")]
    Exists {
        /// Peer address.
        peer: SocketAddr,
        /// Peer SCTP port.
        port: u16,
    },
    /// `max_associations` reached.
    #[error("{limit} SCTP associations already open")]
    TooMany {
        /// The limit.
        limit: usize,
    },
}

/// Endpoint counters (associations keep their own).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndpointStats {
    /// INIT chunks answered with INIT ACK.
    pub init_acks_sent: u64,
    /// Associations created from valid cookies.
    pub cookies_accepted: u64,
    /// COOKIE ECHOs dropped: not ours, forged, altered or from another address.
    pub cookies_rejected: u64,
    /// COOKIE ECHOs answered with a Stale Cookie error.
    pub cookies_stale: u64,
    /// Associations replaced by a peer's restart.
    pub restarts: u64,
    /// Packets dropped for a bad checksum.
    pub bad_checksums: u64,
    /// Packets dropped as malformed or for another port.
    pub malformed: u64,
    /// Out-of-the-blue packets (no association).
    pub out_of_the_blue: u64,
    /// Stateless replies dropped because `max_queued_replies` were waiting.
    pub replies_dropped: u64,
}

#[derive(Debug)]
struct Slot {
    generation: u32,
    entry: Option<(SocketAddr, Association)>,
}

/// A sans-IO SCTP endpoint.
///
/// Call order: `handle_packet(now, from, bytes)` for every received datagram payload;
/// `connect` to open an association; `association(id)` to `send`, `shutdown` or `abort`;
/// `handle_timeout(now)` when `now` reaches `poll_timeout()`; then drain `poll_transmit` and
/// `poll_event`. An association is forgotten once closed, its events polled and its last
/// packet sent.
#[derive(Debug)]
pub struct Endpoint {
    cfg: EndpointConfig,
    secret: [u8; 32],
    rng: Rng,
    slots: Vec<Slot>,
    free: Vec<u32>,
    by_tag: HashMap<(SocketAddr, u16, u32), u32>,
    by_peer: HashMap<(SocketAddr, u16), u32>,
    replies: VecDeque<(SocketAddr, Vec<u8>)>,
    spare: Vec<Vec<u8>>,
    tx_cursor: usize,
    ev_cursor: usize,
    live: usize,
    stats: EndpointStats,
}

impl Endpoint {
    /// An endpoint whose cookies are sealed with `cookie_secret` and whose tags and TSNs come
    /// from `seed`; both should come from the operating system's random source.
    pub fn new(cfg: EndpointConfig, cookie_secret: [u8; 32], seed: u64) -> Self {
        Endpoint {
            cfg,
            secret: cookie_secret,
            rng: Rng::new(seed),
            slots: Vec::new(),
            free: Vec::new(),
            by_tag: HashMap::new(),
            by_peer: HashMap::new(),
            replies: VecDeque::new(),
            spare: Vec::new(),
            tx_cursor: 0,
            ev_cursor: 0,
            live: 0,
            stats: EndpointStats::default(),
        }
    }

    /// Counters.
    pub fn stats(&self) -> EndpointStats {
        self.stats
    }

    /// Open associations (including closed ones not yet drained).
    pub fn len(&self) -> usize {
        self.live
    }

    /// No associations.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The association behind `id`, while it exists.
    pub fn association(&mut self, id: AssocId) -> Option<&mut Association> {
        let s = self.slots.get_mut(id.index as usize)?;
        match &mut s.entry {
            Some((_, a)) if s.generation == id.generation => Some(a),
            _ => None,
        }
    }

    /// Opens an association to `peer` (UDP address) and its SCTP port `port`.
    pub fn connect(
        &mut self,
        now: Micros,
        peer: SocketAddr,
        port: u16,
    ) -> Result<AssocId, ConnectError> {
        if self.by_peer.contains_key(&(peer, port)) {
            return Err(ConnectError::Exists { peer, port });
        }
        if self.live >= self.cfg.max_associations {
            return Err(ConnectError::TooMany {
                limit: self.cfg.max_associations,
            });
        }
        let a = loop {
            let a = Association::connect(
                now,
                self.cfg.assoc.clone(),
                self.cfg.local_port,
                port,
                self.rng.next_u64(),
            );
            if !self.by_tag.contains_key(&(peer, port, a.local_tag())) {
                break a;
            }
        };
        Ok(self.insert(peer, a))
    }

    fn insert(&mut self, peer: SocketAddr, a: Association) -> AssocId {
        let (_, port) = a.ports();
        let key = (peer, port, a.local_tag());
        let index = self.free.pop().unwrap_or_else(|| {
            self.slots.push(Slot {
                generation: 0,
                entry: None,
            });
            (self.slots.len() - 1) as u32
        });
        let slot = &mut self.slots[index as usize];
        slot.entry = Some((peer, a));
        self.by_tag.insert(key, index);
        self.by_peer.insert((peer, port), index);
        self.live += 1;
        AssocId {
            index,
            generation: slot.generation,
        }
    }

    fn unmap(&mut self, index: u32) {
        if let Some((peer, a)) = &self.slots[index as usize].entry {
            let (_, port) = a.ports();
            if self.by_tag.get(&(*peer, port, a.local_tag())) == Some(&index) {
                self.by_tag.remove(&(*peer, port, a.local_tag()));
            }
            if self.by_peer.get(&(*peer, port)) == Some(&index) {
                self.by_peer.remove(&(*peer, port));
            }
        }
    }

    fn reap(&mut self, index: usize) {
        self.unmap(index as u32);
        let s = &mut self.slots[index];
        s.entry = None;
        s.generation = s.generation.wrapping_add(1);
        self.free.push(index as u32);
        self.live -= 1;
    }

    fn assoc_at(&mut self, index: u32) -> &mut Association {
        &mut self.slots[index as usize]
            .entry
            .as_mut()
            .expect("mapped slot")
            .1
    }

    /// Takes one datagram payload (an SCTP packet) from `from`.
    pub fn handle_packet(&mut self, now: Micros, from: SocketAddr, bytes: &[u8]) {
        let Ok(p) = Packet::new_checked(bytes) else {
            self.stats.malformed += 1;
            return;
        };
        if p.verify_checksum().is_err() {
            self.stats.bad_checksums += 1;
            return;
        }
        if p.dst_port() != self.cfg.local_port {
            self.stats.malformed += 1;
            return;
        }
        let (port, vtag) = (p.src_port(), p.verification_tag());
        if let Some(&i) = self.by_tag.get(&(from, port, vtag)) {
            let a = self.assoc_at(i);
            if a.state() != State::Closed {
                a.handle_verified(now, bytes);
                return;
            }
        }
        let Some(Ok(first)) = Chunks::new(&bytes[HEADER_LEN..]).next() else {
            self.stats.malformed += 1;
            return;
        };
        self.stats.out_of_the_blue += 1;
        let reflected = first.flags & 1 != 0;
        match first.chunk_type {
            ct::INIT => self.on_init(now, from, port, vtag, &first),
            ct::COOKIE_ECHO => self.on_cookie_echo(now, from, bytes, &first),
            ct::ABORT | ct::SHUTDOWN_COMPLETE if reflected => {
                if let Some(&i) = self.by_peer.get(&(from, port)) {
                    self.assoc_at(i).handle_verified(now, bytes);
                }
            }
            ct::ABORT | ct::SHUTDOWN_COMPLETE => {}
            ct::SHUTDOWN_ACK => {
                let complete = ChunkRepr::ShutdownComplete {
                    tag_reflected: true,
                };
                self.reply(from, port, vtag, &complete);
            }
            _ => {
                let abort = ChunkRepr::Abort {
                    tag_reflected: true,
                    causes: &[],
                };
                self.reply(from, port, vtag, &abort);
            }
        }
    }

    /// Queues a one-chunk packet to `to`; false when the queue is full.
    fn reply(
        &mut self,
        to: SocketAddr,
        port: u16,
        verification_tag: u32,
        chunk: &ChunkRepr<'_>,
    ) -> bool {
        if self.replies.len() >= self.cfg.max_queued_replies {
            self.stats.replies_dropped += 1;
            return false;
        }
        let mut buf = self.spare.pop().unwrap_or_default();
        buf.clear();
        let header = Header {
            src_port: self.cfg.local_port,
            dst_port: port,
            verification_tag,
        };
        let mut pb = PacketBuilder::new(&mut buf, &header);
        pb.push(chunk);
        pb.finish();
        self.replies.push_back((to, buf));
        true
    }

    /// Stateless INIT ACK (§5.1.3): the new association exists only inside the cookie.
    fn on_init(&mut self, now: Micros, from: SocketAddr, port: u16, vtag: u32, c: &Chunk<'_>) {
        let Ok(ChunkRepr::Init(init)) = ChunkRepr::parse(c) else {
            self.stats.malformed += 1;
            return;
        };
        if !self.cfg.accept
            || vtag != 0
            || init.initiate_tag == 0
            || init.inbound_streams == 0
            || init.outbound_streams == 0
        {
            return;
        }
        let a = &self.cfg.assoc;
        let params = CookieParams {
            created_us: now,
            expires_us: now + self.cfg.cookie_lifetime_us,
            local_tag: (self.rng.next_u64() as u32).max(1),
            peer_tag: init.initiate_tag,
            local_tsn: self.rng.next_u64() as u32,
            peer_tsn: init.initial_tsn,
            peer_rwnd: init.a_rwnd,
            outbound_streams: a.outbound_streams.min(init.inbound_streams),
            inbound_streams: a.inbound_streams.min(init.outbound_streams),
            local_port: self.cfg.local_port,
            peer_port: port,
        };
        let cookie = params.seal(&self.secret, from.ip());
        let ack = ChunkRepr::InitAck(InitChunk {
            initiate_tag: params.local_tag,
            a_rwnd: a.rx_window.min(u32::MAX as usize) as u32,
            outbound_streams: a.outbound_streams,
            inbound_streams: a.inbound_streams,
            initial_tsn: params.local_tsn,
            state_cookie: Some(&cookie),
            address_types: None,
        });
        if self.reply(from, port, init.initiate_tag, &ack) {
            self.stats.init_acks_sent += 1;
        }
    }

    /// COOKIE ECHO without an association (§5.1.5): verify, then create it and let it
    /// process the packet (which answers COOKIE ACK and takes any bundled DATA).
    fn on_cookie_echo(&mut self, now: Micros, from: SocketAddr, bytes: &[u8], c: &Chunk<'_>) {
        let p = Packet::new_unchecked(bytes);
        let params = match CookieParams::open(c.value, &self.secret, from.ip(), now) {
            Ok(params) => params,
            Err(CookieError::Stale {
                staleness_us,
                peer_tag,
            }) => {
                self.stats.cookies_stale += 1;
                let mut cause = [0u8; 8];
                let staleness = staleness_us.as_u64().min(u32::MAX as u64) as u32;
                Param {
                    param_type: cause_code::STALE_COOKIE,
                    value: &staleness.to_be_bytes(),
                }
                .emit(&mut cause);
                self.reply(
                    from,
                    p.src_port(),
                    peer_tag,
                    &ChunkRepr::Error { causes: &cause },
                );
                return;
            }
            Err(_) => {
                self.stats.cookies_rejected += 1;
                return;
            }
        };
        if params.local_tag != p.verification_tag()
            || params.peer_port != p.src_port()
            || params.local_port != p.dst_port()
        {
            self.stats.cookies_rejected += 1;
            return;
        }
        if let Some(&old) = self.by_peer.get(&(from, params.peer_port)) {
            self.stats.restarts += 1;
            self.unmap(old);
            self.assoc_at(old).restarted();
        }
        if self.live >= self.cfg.max_associations {
            return;
        }
        let a = Association::accept(now, self.cfg.assoc.clone(), &params, self.rng.next_u64());
        let id = self.insert(from, a);
        self.stats.cookies_accepted += 1;
        self.assoc_at(id.index).handle_verified(now, bytes);
    }

    /// Appends the next packet to `buf`: stateless replies first, then associations in turn.
    pub fn poll_transmit(&mut self, now: Micros, buf: &mut Vec<u8>) -> Option<Datagram> {
        if let Some((dst, b)) = self.replies.pop_front() {
            buf.extend_from_slice(&b);
            let len = b.len();
            self.spare.push(b);
            return Some(Datagram { dst, len });
        }
        let n = self.slots.len();
        for k in 0..n {
            let i = (self.tx_cursor + k) % n;
            let Some((dst, a)) = &mut self.slots[i].entry else {
                continue;
            };
            if let Some(len) = a.poll_transmit(now, buf) {
                let dst = *dst;
                self.tx_cursor = i;
                return Some(Datagram { dst, len });
            }
            if a.is_drained() {
                self.reap(i);
            }
        }
        None
    }

    /// Next event of any association.
    pub fn poll_event(&mut self) -> Option<(AssocId, Event)> {
        let n = self.slots.len();
        for k in 0..n {
            let i = (self.ev_cursor + k) % n;
            let generation = self.slots[i].generation;
            let Some((_, a)) = &mut self.slots[i].entry else {
                continue;
            };
            if let Some(e) = a.poll_event() {
                self.ev_cursor = i;
                return Some((
                    AssocId {
                        index: i as u32,
                        generation,
                    },
                    e,
                ));
            }
        }
        None
    }

    /// Earliest deadline of any association.
    pub fn poll_timeout(&self) -> Option<Micros> {
        self.slots
            .iter()
            .filter_map(|s| s.entry.as_ref()?.1.poll_timeout())
            .min()
    }

    /// Runs the timers due at `now` in every association.
    pub fn handle_timeout(&mut self, now: Micros) {
        for s in &mut self.slots {
            if let Some((_, a)) = &mut s.entry {
                if a.poll_timeout().is_some_and(|t| t <= now) {
                    a.handle_timeout(now);
                }
            }
        }
    }
}
