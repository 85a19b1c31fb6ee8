//! `roamsim link`: a UDP relay with the link emulator in the middle (docs/ARCHITECTURE.md §6, the
//! "UDP relay" driver). Any UDP protocol works — GTPv2-C, SCTP over UDP (RFC 6951), Diameter tests
//! over UDP.
//!
//! A client sends to the listen address; each datagram goes through the uplink [`Link`] and then
//! out to the upstream from a socket of that client's own (so the upstream's replies, which come
//! back to that socket, map to the right client); replies go through the downlink [`Link`] and
//! back to the client from the listen socket. The number of clients is bounded: a new client
//! beyond [`RelayConfig::max_clients`] takes the slot of the least recently active one, and
//! datagrams still in the link for the evicted client are dropped (counted as `stale`).
//!
//! One thread, one mio loop: batched receives (`recvmmsg`) are offered to the link with
//! `now` = monotonic microseconds since start; the loop sleeps until `next_release_at()` (to the
//! microsecond, see [`super`]), and releases go out with batched sends (`sendmmsg`). A
//! send refused because the socket buffer is full drops the datagram, as a full interface
//! queue would, and counts it.
//!
//! One difference from netem: a corrupted datagram reaches the peer with one payload bit flipped,
//! since the kernel computes a fresh UDP checksum when the relay sends it (netem flips the bit
//! after the checksum, so a receiver usually discards the packet). That exercises the peer's
//! decoder, which is what corruption is for here; `roamsim ipx` keeps netem's behaviour.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use mio::{Interest, Poll, Token};

use super::{write_directions, DriverError, DEFAULT_SEED};
use crate::io::{RecvBatch, Transmit, UdpConfig, UdpSocket};
use crate::link::{BiLink, Link, LinkProfile, LinkStats};
use crate::model::Micros;

/// Default bound on simultaneous clients (each holds one upstream socket).
pub const DEFAULT_MAX_CLIENTS: usize = 256;
/// Receive buffer per datagram: the largest UDP payload fits.
const RECV_BUF: usize = 65_536;
/// Datagrams per `recvmmsg`.
const RECV_BATCH: usize = 32;
/// Batches read from one socket per wake-up before the loop releases due packets again.
const MAX_BATCHES_PER_WAKE: usize = 8;
/// Spare packet buffers kept for reuse.
const POOL_MAX: usize = 4096;
const LISTEN: Token = Token(0);

/// What the relay runs.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Address clients send to.
    pub listen: SocketAddr,
    /// Where their datagrams go.
    pub upstream: SocketAddr,
    /// Impairments of both directions.
    pub profile: LinkProfile,
    /// Seed of the link's random streams.
    pub seed: u64,
    /// Stop after this long (otherwise when `stop` is set).
    pub duration: Option<Duration>,
    /// Most clients served at once.
    pub max_clients: usize,
}

impl RelayConfig {
    /// A relay from `listen` to `upstream` through `profile`, seeded by the profile's seed (or
    /// [`DEFAULT_SEED`]), running until stopped, with [`DEFAULT_MAX_CLIENTS`].
    pub fn new(listen: SocketAddr, upstream: SocketAddr, profile: LinkProfile) -> RelayConfig {
        RelayConfig {
            listen,
            upstream,
            seed: profile.seed.unwrap_or(DEFAULT_SEED),
            profile,
            duration: None,
            max_clients: DEFAULT_MAX_CLIENTS,
        }
    }
}

/// Relay-level counters (the link's own are in [`LinkStats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelayCounters {
    /// Distinct clients served.
    pub clients: u64,
    /// Clients evicted to make room for a new one.
    pub evicted: u64,
    /// Released datagrams whose client had been evicted meanwhile.
    pub stale: u64,
    /// Released datagrams the kernel would not take (socket buffer full, unreachable).
    pub send_failed: u64,
    /// Receive errors other than "nothing waiting".
    pub recv_errors: u64,
    /// Datagrams dropped because no upstream socket could be opened for their client.
    pub no_socket: u64,
}

/// What a relay run did.
#[derive(Debug, Clone)]
pub struct RelayReport {
    /// The bound listen address.
    pub listen: SocketAddr,
    /// The upstream.
    pub upstream: SocketAddr,
    /// How long it ran.
    pub elapsed: Duration,
    /// Client → upstream.
    pub uplink: LinkStats,
    /// Upstream → client.
    pub downlink: LinkStats,
    /// Copies still in the uplink and downlink when it stopped.
    pub in_flight: [usize; 2],
    /// Relay counters.
    pub counters: RelayCounters,
}

impl fmt::Display for RelayReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.counters;
        writeln!(
            f,
            "link {} -> {}: {:.1} s, {} clients ({} evicted)",
            self.listen,
            self.upstream,
            self.elapsed.as_secs_f64(),
            c.clients,
            c.evicted
        )?;
        write_directions(f, [&self.uplink, &self.downlink], self.in_flight)?;
        write!(
            f,
            "  relay:    stale {}  send failed {}  receive errors {}  no socket {}",
            c.stale, c.send_failed, c.recv_errors, c.no_socket
        )
    }
}

/// Which client a datagram in the link belongs to; `gen` tells a reused slot from its last owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Route {
    slot: usize,
    gen: u64,
}

type Datagram = (Route, Vec<u8>);

struct Client {
    addr: SocketAddr,
    socket: UdpSocket,
    gen: u64,
    last_us: u64,
}

/// The bounded client table: slot `i` is registered with mio as `Token(i + 1)`.
struct Clients {
    slots: Vec<Option<Client>>,
    index: HashMap<SocketAddr, usize>,
    max: usize,
    next_gen: u64,
    bind: SocketAddr,
}

impl Clients {
    fn new(max: usize, upstream: SocketAddr) -> Clients {
        let bind = match upstream {
            SocketAddr::V4(_) => SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
            SocketAddr::V6(_) => SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)),
        };
        Clients {
            slots: Vec::new(),
            index: HashMap::new(),
            max: max.max(1),
            next_gen: 0,
            bind,
        }
    }

    /// The live client of `route`, if it still owns its slot.
    fn get_mut(&mut self, route: Route) -> Option<&mut Client> {
        self.slots
            .get_mut(route.slot)?
            .as_mut()
            .filter(|c| c.gen == route.gen)
    }

    /// The route of client `addr`, opening its upstream socket (and evicting the least recently
    /// active client when full) if it is new.
    fn route(
        &mut self,
        addr: SocketAddr,
        now_us: u64,
        poll: &Poll,
        counters: &mut RelayCounters,
    ) -> io::Result<Route> {
        if let Some(&slot) = self.index.get(&addr) {
            let client = self.slots[slot].as_mut().expect("indexed slot is live");
            client.last_us = now_us;
            return Ok(Route {
                slot,
                gen: client.gen,
            });
        }
        let slot = self.free_slot(poll, counters);
        let mut socket = UdpSocket::bind(self.bind, &UdpConfig::default())?;
        poll.registry()
            .register(&mut socket, Token(slot + 1), Interest::READABLE)?;
        let gen = self.next_gen;
        self.next_gen += 1;
        self.slots[slot] = Some(Client {
            addr,
            socket,
            gen,
            last_us: now_us,
        });
        self.index.insert(addr, slot);
        counters.clients += 1;
        Ok(Route { slot, gen })
    }

    fn free_slot(&mut self, poll: &Poll, counters: &mut RelayCounters) -> usize {
        if let Some(slot) = self.slots.iter().position(Option::is_none) {
            return slot;
        }
        if self.slots.len() < self.max {
            self.slots.push(None);
            return self.slots.len() - 1;
        }
        let (slot, _) = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.as_ref().map(|c| (i, c.last_us)))
            .min_by_key(|&(_, last)| last)
            .expect("a full table has a live slot");
        if let Some(mut old) = self.slots[slot].take() {
            let _ = poll.registry().deregister(&mut old.socket);
            self.index.remove(&old.addr);
            counters.evicted += 1;
        }
        slot
    }
}

/// A bound relay, ready to [`Relay::run`].
pub struct Relay {
    poll: Poll,
    listen: UdpSocket,
    upstream: SocketAddr,
    clients: Clients,
    link: BiLink<Datagram>,
    duration: Option<Duration>,
    recv: RecvBatch,
    pool: Vec<Vec<u8>>,
    out: Vec<Datagram>,
    counters: RelayCounters,
}

/// Binds a relay for `config` and runs it until `stop` is set or the duration has passed.
pub fn run(config: &RelayConfig, stop: &AtomicBool) -> Result<RelayReport, DriverError> {
    Relay::bind(config)?.run(stop)
}

impl Relay {
    /// Validates the link configuration and binds the listen socket.
    pub fn bind(config: &RelayConfig) -> Result<Relay, DriverError> {
        let link = BiLink::new(
            config.profile.uplink.clone(),
            config.profile.downlink.clone(),
            config.seed,
        )
        .map_err(|e| DriverError::Config(format!("link profile: {e}")))?;
        if config.max_clients == 0 {
            return Err(DriverError::Config("max clients must be at least 1".into()));
        }
        let poll = Poll::new().map_err(|e| DriverError::io("mio poll", e))?;
        let mut listen = UdpSocket::bind(config.listen, &UdpConfig::default())
            .map_err(|e| DriverError::io(format!("bind {}", config.listen), e))?;
        poll.registry()
            .register(&mut listen, LISTEN, Interest::READABLE)
            .map_err(|e| DriverError::io("register listen socket", e))?;
        Ok(Relay {
            poll,
            listen,
            upstream: config.upstream,
            clients: Clients::new(config.max_clients, config.upstream),
            link,
            duration: config.duration,
            recv: RecvBatch::new(RECV_BATCH, RECV_BUF),
            pool: Vec::new(),
            out: Vec::new(),
            counters: RelayCounters::default(),
        })
    }

    /// The bound listen address (with the port the kernel chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listen.local_addr()
    }

    /// Relays until `stop` is set or the configured duration has passed; datagrams still in
    /// the link then are not sent (they show as "in flight").
    pub fn run(mut self, stop: &AtomicBool) -> Result<RelayReport, DriverError> {
        let duration = self.duration;
        let elapsed = super::run_loop(&mut self, stop, duration, 256)?;
        Ok(self.report(elapsed))
    }

    fn report(&self, elapsed: Duration) -> RelayReport {
        RelayReport {
            listen: self.listen.local_addr(),
            upstream: self.upstream,
            elapsed,
            uplink: self.link.uplink.stats().clone(),
            downlink: self.link.downlink.stats().clone(),
            in_flight: [self.link.uplink.len(), self.link.downlink.len()],
            counters: self.counters,
        }
    }

    /// Reads what `token`'s socket holds (a bounded number of batches) into the link; true if
    /// more may be waiting.
    fn drain_source(&mut self, token: Token, now_us: u64) -> bool {
        for _ in 0..MAX_BATCHES_PER_WAKE {
            let got = if token == LISTEN {
                self.listen.recv_batch(&mut self.recv)
            } else {
                match self.clients.slots.get_mut(token.0 - 1) {
                    Some(Some(client)) => client.socket.recv_batch(&mut self.recv),
                    _ => return false,
                }
            };
            match got {
                Ok(_) if token == LISTEN => self.offer_uplink(now_us),
                Ok(_) => self.offer_downlink(token.0 - 1, now_us),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
                Err(_) => {
                    self.counters.recv_errors += 1;
                    return false;
                }
            }
        }
        true
    }

    /// Offers the datagrams just read from the listen socket to the uplink.
    fn offer_uplink(&mut self, now_us: u64) {
        for (addr, data) in self.recv.datagrams() {
            let route = match self
                .clients
                .route(addr, now_us, &self.poll, &mut self.counters)
            {
                Ok(route) => route,
                Err(_) => {
                    self.counters.no_socket += 1;
                    continue;
                }
            };
            let buf = copy_into(&mut self.pool, data);
            self.link.uplink.enqueue(Micros(now_us), (route, buf));
        }
    }

    /// Offers the datagrams just read from client `slot`'s upstream socket to the downlink.
    fn offer_downlink(&mut self, slot: usize, now_us: u64) {
        let Some(client) = self.clients.slots[slot].as_mut() else {
            return;
        };
        client.last_us = now_us;
        let route = Route {
            slot,
            gen: client.gen,
        };
        for (_, data) in self.recv.datagrams() {
            let buf = copy_into(&mut self.pool, data);
            self.link.downlink.enqueue(Micros(now_us), (route, buf));
        }
    }

    /// Sends every datagram due at `now_us`, batched per socket.
    fn release_due(&mut self, now_us: u64) {
        self.release_downlink(now_us);
        self.release_uplink(now_us);
    }

    fn release_downlink(&mut self, now_us: u64) {
        collect_due(&mut self.link.downlink, now_us, &mut self.out);
        if self.out.is_empty() {
            return;
        }
        let mut transmits = Vec::with_capacity(self.out.len());
        for (route, bytes) in &self.out {
            match self.clients.get_mut(*route) {
                Some(client) => transmits.push(Transmit {
                    dst: client.addr,
                    contents: bytes,
                    segment_size: None,
                }),
                None => self.counters.stale += 1,
            }
        }
        self.counters.send_failed += send_all(&mut self.listen, &transmits);
        recycle(&mut self.pool, &mut self.out);
    }

    fn release_uplink(&mut self, now_us: u64) {
        collect_due(&mut self.link.uplink, now_us, &mut self.out);
        if self.out.is_empty() {
            return;
        }
        // Group by client (stable, so each client's datagrams keep their release order).
        self.out.sort_by_key(|(route, _)| route.slot);
        let upstream = self.upstream;
        for group in self.out.chunk_by(|a, b| a.0 == b.0) {
            let Some(client) = self.clients.get_mut(group[0].0) else {
                self.counters.stale += group.len() as u64;
                continue;
            };
            let transmits: Vec<Transmit<'_>> = group
                .iter()
                .map(|(_, bytes)| Transmit {
                    dst: upstream,
                    contents: bytes,
                    segment_size: None,
                })
                .collect();
            self.counters.send_failed += send_all(&mut client.socket, &transmits);
        }
        recycle(&mut self.pool, &mut self.out);
    }
}

/// Moves every copy of `link` due at `now_us` into `out`, in release order.
fn collect_due(link: &mut Link<Datagram>, now_us: u64, out: &mut Vec<Datagram>) {
    while let Some(d) = link.poll_release(Micros(now_us)) {
        out.push(d);
    }
}

/// Sends `transmits` with batched sends; returns how many the kernel did not take.
fn send_all(socket: &mut UdpSocket, transmits: &[Transmit<'_>]) -> u64 {
    let mut sent = 0;
    while sent < transmits.len() {
        match socket.send_batch(&transmits[sent..]) {
            Ok(n) if n > 0 => sent += n,
            // Buffer full: drop the rest, as a full interface queue would.
            Ok(_) => break,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            // One datagram refused (e.g. unreachable): skip it and go on with the rest.
            Err(_) => sent += 1,
        }
    }
    (transmits.len() - sent) as u64
}

fn copy_into(pool: &mut Vec<Vec<u8>>, data: &[u8]) -> Vec<u8> {
    let mut buf = pool.pop().unwrap_or_default();
    buf.clear();
    buf.extend_from_slice(data);
    buf
}

fn recycle(pool: &mut Vec<Vec<u8>>, out: &mut Vec<Datagram>) {
    for (_, buf) in out.drain(..) {
        if pool.len() < POOL_MAX {
            pool.push(buf);
        }
    }
}

impl super::LinkDriver for Relay {
    fn poll(&mut self) -> &mut Poll {
        &mut self.poll
    }

    fn next_release_at(&self) -> Option<u64> {
        self.link.poll_timeout().map(u64::from)
    }

    fn release(&mut self, now_us: u64) {
        self.release_due(now_us)
    }

    fn drain(&mut self, token: Token, now_us: u64) -> bool {
        self.drain_source(token, now_us)
    }
}
