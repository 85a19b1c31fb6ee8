//! One generator shard on real sockets (DESIGN.md §5): a thread that owns a slice of the
//! population ([`VisitedNetwork`]), one Diameter connection per MME instance to the HSS, one
//! UDP socket as the SGW towards the PGW, its arrival schedule, its clock and its
//! [`Recorder`]. Nothing is shared with other shards while the run lasts.
//!
//! The MMEs' connections run over the transport of [`ShardSpec::transport`], behind
//! `MmeTransport` (STYLE.md §6: one loop, the transport a value): TCP or kernel SCTP, a
//! socket per MME (`mme_stream`), or SCTP over UDP (RFC 6951, `mme_sctp`).
//!
//! When the run has GRX/IPX links ([`ShardSpec::links`]), each visited PLMN's S6a and S8
//! traffic crosses its link between the visited side and the sockets (`links`), as in a
//! virtual run.
//!
//! Open loop: arrivals have intended times; each turn starts every arrival that is due, and the
//! lag between intended and actual start goes into the lag histogram. Latency is measured from
//! the intended time by the visited side.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Registry, Token};

use super::diameter_conn::{SctpConn, TcpConn};
use super::interval::IntervalTap;
use super::linkshim::LinkPlan;
use super::sctp_udp::SctpTotals;
use super::transport::Transport;
use crate::io::{RecvBatch, Transmit, UdpConfig, UdpSocket};
use crate::model::population::Population;
use crate::model::Micros;
use crate::model::Procedure;
use crate::report::summary::WarmStartSummary;
use crate::report::Recorder;
use crate::visited::{Arrivals, VisitedConfig, VisitedNetwork};

mod links;
mod mme_sctp;
mod mme_stream;

use links::{MmeSide, ShardLinks};

const UDP: Token = Token(0);
/// Readiness of the shard's own home core (its poll descriptor).
const CORE: Token = Token(usize::MAX - 1);
/// Token of the first MME's socket (`FIRST_MME + i` is MME `i`'s).
const FIRST_MME: usize = 1;
/// Asks for WRITABLE readiness of MME `i`'s socket exactly while its output waits (`want`);
/// `current` remembers what is registered, so that nothing is re-registered needlessly.
fn want_writable(
    registry: &Registry,
    source: &mut impl mio::event::Source,
    i: usize,
    want: bool,
    current: &mut bool,
) {
    if want != *current {
        let interest = if want {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        let _ = registry.reregister(source, Token(FIRST_MME + i), interest);
        *current = want;
    }
}

/// When a broken MME connection is opened again: exponential backoff with jitter (200 ms
/// doubling up to 10 s, [`crate::proto::diameter::Backoff`]), back to the start once a
/// connection is up, so that a core that restarts is not hit by every MME at once.
struct Reconnect {
    backoff: crate::proto::diameter::Backoff,
    at: Option<u64>,
}

impl Reconnect {
    fn new() -> Reconnect {
        use std::sync::atomic::AtomicU64;
        // Distinct jitter per connection without threading a seed through every transport.
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let seed = NEXT.fetch_add(1, Ordering::Relaxed);
        Reconnect {
            backoff: crate::proto::diameter::Backoff::new(
                Micros(200_000),
                Micros(10_000_000),
                seed,
            ),
            at: None,
        }
    }

    /// The connection broke at `now`: try again after the next backoff delay.
    fn schedule(&mut self, now: u64) {
        self.at = Some(now + self.backoff.next_delay().as_u64());
    }

    /// A reconnect attempt started.
    fn started(&mut self) {
        self.at = None;
    }

    /// A connection came up: the next failure starts the backoff afresh.
    fn succeeded(&mut self) {
        self.backoff.reset();
    }

    /// When the next attempt is due.
    fn at(&self) -> Option<u64> {
        self.at
    }

    /// Whether an attempt is due at `now`.
    fn due(&self, now: u64) -> bool {
        self.at.is_some_and(|t| t <= now)
    }
}

/// What a shard needs to start.
pub struct ShardSpec {
    /// Index of this shard.
    pub index: u32,
    /// The visited network's settings (SGW/PGW addresses, timeouts, seed, shard split).
    pub visited: VisitedConfig,
    /// The roamers (shared, read-only).
    pub population: Arc<Population>,
    /// The HSS's Diameter address (the UDP address for `sctp-udp`).
    pub s6a: SocketAddr,
    /// Transport of S6a.
    pub transport: Transport,
    /// The SGW's local S8 address (port 0 picks one).
    pub sgw_bind: SocketAddr,
    /// Arrivals per second for this shard.
    pub rate: f64,
    /// Arrival process and seed.
    pub arrivals_seed: u64,
    /// Poisson (true) or uniform arrivals.
    pub poisson: bool,
    /// How long arrivals go on.
    pub duration: Duration,
    /// Extra time after the last arrival to let procedures finish.
    pub drain: Duration,
    /// Hands each interval's measurements to the run thread.
    pub tap: IntervalTap,
    /// The GRX/IPX link each visited PLMN's traffic crosses; empty: unimpaired.
    pub links: LinkPlan,
    /// Seed of the links' random streams (the run's).
    pub seed: u64,
    /// Attach the steady-state share of the roamers before the arrivals, unmeasured
    /// (`[load] warm_start`, `--warm-start`).
    pub warm_start: bool,
    /// This shard's own home core (`roamsim run`): bound by the shard and turned by its loop,
    /// so that the shard's MMEs and SGW talk over loopback to a core in the same thread; its
    /// addresses replace `s6a` and the PGW of `visited`. The roamers are partitioned by
    /// shard, and so are the registrations, CLRs and sessions they cause. `None` for `load`.
    pub core: Option<super::serve::ServeConfig>,
}

/// What a shard measured.
pub struct ShardResult {
    /// Its recorder (procedures, messages, lag).
    pub recorder: Recorder,
    /// Arrivals dropped because every roamer drawn was busy.
    pub busy_skipped: u64,
    /// Arrivals intended within the run.
    pub intended: u64,
    /// When its arrivals really ran (µs from its start).
    pub elapsed: Duration,
    /// SCTP association counters of its MMEs (`sctp-udp` only).
    pub sctp: Option<SctpTotals>,
    /// What its own home core answered (`roamsim run`).
    pub core: Option<super::serve::ServeReport>,
    /// Its own home core's S6a address.
    pub core_s6a: Option<SocketAddr>,
    /// What its warm start did, if it had one.
    pub warm_start: Option<WarmStartSummary>,
}

/// The MMEs' side of S6a on one transport: one Diameter connection (or association) per MME
/// instance of the [`VisitedNetwork`], whose bytes it moves through [`MmeSide`] (the links'
/// seam: every transport reads and writes S6a there and nowhere else). Call order per turn: `ready` for
/// each readiness event, `handle_timeout` when `poll_timeout` is due, then `flush`.
trait MmeTransport {
    /// Registers sockets and starts connecting every MME.
    fn start(&mut self, side: &mut MmeSide<'_>, registry: &Registry, now: u64) -> io::Result<()>;
    /// Readiness of `token` (`FIRST_MME` and above): reads whole messages into `vn`.
    fn ready(
        &mut self,
        side: &mut MmeSide<'_>,
        registry: &Registry,
        now: u64,
        token: usize,
        readable: bool,
        writable: bool,
    ) -> io::Result<()>;
    /// Takes each MME's Diameter output and writes what the sockets accept.
    fn flush(&mut self, side: &mut MmeSide<'_>, registry: &Registry, now: u64) -> io::Result<()>;
    /// The earliest reconnect or transport timer.
    fn poll_timeout(&self) -> Option<u64>;
    /// Reconnects broken MMEs and runs transport timers due at `now`.
    fn handle_timeout(
        &mut self,
        side: &mut MmeSide<'_>,
        registry: &Registry,
        now: u64,
    ) -> io::Result<()>;
    /// Starts closing every connection gracefully (SCTP SHUTDOWN); no reconnects after it.
    fn close(&mut self, _registry: &Registry, _now: u64) {}
    /// Every connection has closed (or closes when dropped).
    fn is_closed(&self) -> bool {
        true
    }
    /// SCTP association counters, where the transport keeps them.
    fn sctp_totals(&mut self) -> Option<SctpTotals> {
        None
    }
}

/// The MME side of `transport` towards the HSS at `hss`; `bind` is the local IP to use.
fn mme_transport(transport: Transport, hss: SocketAddr, bind: SocketAddr) -> Box<dyn MmeTransport> {
    match transport {
        Transport::Tcp => Box::new(mme_stream::StreamMmes::new(hss, TcpConn::connect)),
        Transport::Sctp => Box::new(mme_stream::StreamMmes::new(hss, SctpConn::connect)),
        Transport::SctpUdp => Box::new(mme_sctp::SctpUdpMmes::new(bind, hss)),
    }
}

struct Shard {
    poll: Poll,
    vn: VisitedNetwork,
    /// The partner links; `None` without a link plan (the default path: no shim at all).
    links: Option<ShardLinks>,
    mmes: Box<dyn MmeTransport>,
    udp: UdpSocket,
    recv: RecvBatch,
    tx: Vec<u8>,
    tx_meta: Vec<(SocketAddr, usize)>,
    s6a: SocketAddr,
    clock: Instant,
    rec: Recorder,
    tap: IntervalTap,
    moderation: super::driver::Moderation,
    core: Option<super::serve::EmbeddedCore>,
    /// During the warm start: its attaches' outcomes, instead of the recorder.
    warming: Option<WarmStartSummary>,
}

/// Runs one shard to the end of its arrivals plus the drain time, or until `stop` is set.
pub fn run(mut spec: ShardSpec, stop: &AtomicBool) -> io::Result<ShardResult> {
    super::driver::precise_timers();
    let mut shard = Shard::new(&spec)?;
    shard.tap = std::mem::replace(&mut spec.tap, IntervalTap::disabled());
    let duration_us = spec.duration.as_micros() as u64;
    let process = if spec.poisson {
        crate::model::population::ArrivalProcess::Poisson
    } else {
        crate::model::population::ArrivalProcess::Uniform
    };
    // Let the MMEs finish CER/CEA before the first arrival.
    shard.wait_connected(Duration::from_secs(5), stop)?;
    let warm_start = match spec.warm_start {
        true => Some(shard.warm_up(stop)?),
        false => None,
    };
    let start_us = shard.now_us();
    let mut arrivals = Arrivals::new(
        Micros(start_us),
        Micros(start_us + duration_us),
        spec.rate,
        process,
        spec.arrivals_seed,
    );
    let mut events = Events::with_capacity(256);
    let mut intended = 0u64;
    let mut stopped_at = None;
    let drain_us = spec.drain.as_micros() as u64;
    loop {
        let now = shard.now_us();
        if stopped_at.is_none() && (stop.load(Ordering::Relaxed) || arrivals.peek().is_none()) {
            stopped_at = Some(now);
        }
        match stopped_at {
            None => {
                let mut started = false;
                while let Some(t) = arrivals.peek().map(u64::from).filter(|&t| t <= now) {
                    arrivals.pop();
                    intended += 1;
                    shard.rec.record_lag(now - t);
                    if let Some((_, procedure)) = shard.vn.arrive(Micros(now), Micros(t)) {
                        shard.rec.record_started(procedure);
                        started = true;
                    }
                }
                // The first requests go out now, not after the turn's wait (up to 10 ms).
                if started {
                    shard.flush(now)?;
                }
            }
            Some(at) => {
                if shard.vn.in_flight() == 0 || now >= at + drain_us {
                    break;
                }
            }
        }
        if shard.tap.due(now) {
            // The links' counters and delays since the last interval go with it (/metrics).
            if let Some(l) = shard.links.as_mut() {
                l.record(&mut shard.rec);
            }
        }
        shard.tap.poll(now, &mut shard.rec, &shard.vn);
        let next_arrival = if stopped_at.is_none() {
            arrivals.peek().map(u64::from)
        } else {
            None
        };
        shard.turn(&mut events, next_arrival)?;
    }
    let elapsed = Duration::from_micros(stopped_at.unwrap_or_else(|| shard.now_us()) - start_us);
    // What was measured stands even if the goodbye fails.
    let _ = shard.close(Duration::from_secs(1));
    let mut result = shard.finish(intended, elapsed);
    result.warm_start = warm_start;
    Ok(result)
}

impl Shard {
    fn new(spec: &ShardSpec) -> io::Result<Shard> {
        let poll = Poll::new()?;
        let mut udp = UdpSocket::bind(spec.sgw_bind, &UdpConfig::default())?;
        poll.registry()
            .register(&mut udp, UDP, Interest::READABLE)?;
        let mut visited = spec.visited.clone();
        visited.sgw = udp.local_addr();
        let mut s6a = spec.s6a;
        let core = match &spec.core {
            Some(cfg) => {
                let core = super::serve::EmbeddedCore::bind(cfg)
                    .map_err(|e| io::Error::other(format!("{e:#}")))?;
                let fd = core.as_raw_fd();
                poll.registry().register(
                    &mut mio::unix::SourceFd(&fd),
                    CORE,
                    Interest::READABLE,
                )?;
                (s6a, visited.pgw) = core.addrs();
                Some(core)
            }
            None => None,
        };
        let clock = Instant::now();
        let vn = VisitedNetwork::new(Micros::ZERO, visited, spec.population.clone());
        let links = ShardLinks::new(&spec.links, &vn, spec.seed, spec.index)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("link: {e}")))?;
        let mmes = mme_transport(spec.transport, s6a, spec.sgw_bind);
        let mut shard = Shard {
            poll,
            mmes,
            vn,
            links,
            udp,
            recv: RecvBatch::new(crate::io::MAX_BATCH, 2048),
            tx: Vec::with_capacity(64 * 1024),
            tx_meta: Vec::with_capacity(crate::io::MAX_BATCH),
            s6a,
            clock,
            rec: Recorder::new(),
            tap: IntervalTap::disabled(),
            moderation: super::driver::Moderation::new(super::driver::turn_gap()),
            core,
            warming: None,
        };
        let now = shard.now_us();
        let mut side = MmeSide::new(&mut shard.vn, shard.links.as_mut());
        shard.mmes.start(&mut side, shard.poll.registry(), now)?;
        Ok(shard)
    }

    fn now_us(&self) -> u64 {
        self.clock.elapsed().as_micros() as u64
    }

    fn wait_connected(&mut self, limit: Duration, stop: &AtomicBool) -> io::Result<()> {
        let mut events = Events::with_capacity(64);
        let until = Instant::now() + limit;
        while Instant::now() < until && !stop.load(Ordering::Relaxed) {
            if self.vn.mmes().iter().all(|m| m.open) {
                return Ok(());
            }
            self.turn(&mut events, None)?;
        }
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "the HSS at {} did not accept every MME within {limit:?}",
                self.s6a
            ),
        ))
    }

    /// The warm start: attaches [`VisitedNetwork::warm_start_roamers`] over the real sockets,
    /// [`VisitedNetwork::WARM_START_WINDOW`] at a time, waits for every one to end, then forgets what it measured:
    /// the run's figures start with the population in steady state. A stop ends it early
    /// (the attaches in flight still end first).
    fn warm_up(&mut self, stop: &AtomicBool) -> io::Result<WarmStartSummary> {
        let started = Instant::now();
        let roamers = self.vn.warm_start_roamers();
        self.warming = Some(WarmStartSummary {
            roamers: roamers.len() as u64,
            ..WarmStartSummary::default()
        });
        let mut events = Events::with_capacity(256);
        let mut next = 0;
        while next < roamers.len() || self.vn.in_flight() > 0 {
            if stop.load(Ordering::Relaxed) {
                next = roamers.len();
            }
            let now = self.now_us();
            while next < roamers.len() && self.vn.in_flight() < VisitedNetwork::WARM_START_WINDOW {
                // A roamer that cannot start (never the case at the start) is left detached.
                let _ = self
                    .vn
                    .start(Micros(now), Micros(now), roamers[next], Procedure::Attach);
                next += 1;
            }
            self.flush(now)?;
            self.turn(&mut events, None)?;
        }
        self.collect();
        self.vn.reset_counts();
        let mut summary = self.warming.take().unwrap_or_default();
        summary.seconds = started.elapsed().as_secs_f64();
        Ok(summary)
    }

    /// Closes the MMEs' connections gracefully (SCTP SHUTDOWN), waiting up to `limit`.
    fn close(&mut self, limit: Duration) -> io::Result<()> {
        let now = self.now_us();
        self.mmes.close(self.poll.registry(), now);
        let mut events = Events::with_capacity(64);
        let until = Instant::now() + limit;
        self.flush(now)?;
        while !self.mmes.is_closed() && Instant::now() < until {
            self.turn(&mut events, None)?;
        }
        Ok(())
    }

    /// Waits for readiness or the next deadline, then handles everything that is due.
    fn turn(&mut self, events: &mut Events, next_arrival: Option<u64>) -> io::Result<()> {
        self.moderation.pace();
        let now = self.now_us();
        let core_wake = self
            .core
            .as_mut()
            .and_then(|c| c.next_wake())
            .map(|t| t.saturating_duration_since(self.clock).as_micros() as u64);
        let wake = [
            next_arrival,
            self.vn.poll_timeout().map(u64::from),
            self.mmes.poll_timeout(),
            self.links.as_ref().and_then(ShardLinks::next_release_at),
            core_wake,
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(now + 10_000)
        .min(now + 10_000);
        let wait = Duration::from_micros(wake.saturating_sub(now));
        if !wait.is_zero() {
            crate::io::poll::wait_readable(&self.poll, wait)?;
        }
        // The core answers what the MMEs and the SGW sent; the answers are then ready below.
        self.turn_core()?;
        match self.poll.poll(events, Some(Duration::ZERO)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => events.clear(),
            Err(e) => return Err(e),
        }
        for ev in events.iter() {
            match ev.token() {
                UDP => self.udp_readable()?,
                CORE => {}
                Token(t) => {
                    let now = self.now_us();
                    self.mmes.ready(
                        &mut MmeSide::new(&mut self.vn, self.links.as_mut()),
                        self.poll.registry(),
                        now,
                        t,
                        ev.is_readable(),
                        ev.is_writable(),
                    )?;
                }
            }
        }
        let now = self.now_us();
        if let Some(l) = self.links.as_mut() {
            l.release(now, &mut self.vn);
        }
        if self.vn.poll_timeout().is_some_and(|t| t <= Micros(now)) {
            self.vn.handle_timeout(Micros(now));
        }
        if self.mmes.poll_timeout().is_some_and(|t| t <= now) {
            let mut side = MmeSide::new(&mut self.vn, self.links.as_mut());
            self.mmes
                .handle_timeout(&mut side, self.poll.registry(), now)?;
        }
        self.flush(now)?;
        // The requests just written are answered now rather than a turn later.
        self.turn_core()?;
        self.collect();
        Ok(())
    }

    fn turn_core(&mut self) -> io::Result<()> {
        match self.core.as_mut() {
            Some(c) => c.turn().map_err(|e| io::Error::other(format!("{e:#}"))),
            None => Ok(()),
        }
    }

    /// Writes what the MMEs and the SGW have to send.
    fn flush(&mut self, now: u64) -> io::Result<()> {
        let mut side = MmeSide::new(&mut self.vn, self.links.as_mut());
        self.mmes.flush(&mut side, self.poll.registry(), now)?;
        self.flush_sgw(now)
    }

    fn udp_readable(&mut self) -> io::Result<()> {
        loop {
            match self.udp.recv_batch(&mut self.recv) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            let now = self.now_us();
            for (from, bytes) in self.recv.datagrams() {
                let on_link = self
                    .links
                    .as_mut()
                    .is_some_and(|l| l.offer_s8_response(now, from, bytes));
                if !on_link {
                    self.vn.handle_sgw_datagram(Micros(now), from, bytes);
                }
            }
            if self.recv.drained() {
                return Ok(());
            }
        }
    }

    /// Sends the S8 requests the links released, then the SGW's new ones (onto their links
    /// instead where their PLMN has one).
    fn flush_sgw(&mut self, now: u64) -> io::Result<()> {
        loop {
            self.tx.clear();
            self.tx_meta.clear();
            while self.tx_meta.len() < crate::io::MAX_BATCH {
                let start = self.tx.len();
                if let Some((dst, d)) = self.links.as_mut().and_then(ShardLinks::next_s8) {
                    self.tx.extend_from_slice(&d);
                    self.tx_meta.push((dst, start));
                    continue;
                }
                let Some(d) = self.vn.poll_sgw_transmit(&mut self.tx) else {
                    break;
                };
                if let Some(l) = self.links.as_mut() {
                    if l.offer_s8(now, &self.vn, d.dst, &self.tx[start..]) {
                        self.tx.truncate(start);
                        continue;
                    }
                }
                self.tx_meta.push((d.dst, start));
            }
            if self.tx_meta.is_empty() {
                return Ok(());
            }
            let transmits: Vec<Transmit<'_>> = self
                .tx_meta
                .iter()
                .enumerate()
                .map(|(i, &(dst, start))| Transmit {
                    dst,
                    contents: &self.tx
                        [start..self.tx_meta.get(i + 1).map_or(self.tx.len(), |m| m.1)],
                    segment_size: None,
                })
                .collect();
            let mut sent = 0;
            while sent < transmits.len() {
                match self.udp.send_batch(&transmits[sent..]) {
                    Ok(n) => sent += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    // A full socket buffer: T3 retransmits what did not go out.
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e),
                }
            }
        }
    }

    fn collect(&mut self) {
        while let Some(c) = self.vn.poll_completion() {
            match self.warming.as_mut() {
                Some(w) => w.tally(c.outcome, &c.reason),
                None => self
                    .rec
                    .record_procedure(c.procedure, c.outcome, c.latency_us()),
            }
        }
    }

    fn finish(mut self, intended: u64, elapsed: Duration) -> ShardResult {
        self.collect();
        let now = self.now_us();
        if let Some(l) = self.links.as_mut() {
            l.record(&mut self.rec);
        }
        self.tap.finish(now, &mut self.rec, &self.vn);
        let core_s6a = self.core.is_some().then_some(self.s6a);
        let core = self.core.take().and_then(|c| match c.finish() {
            Ok(r) => Some(r),
            Err(e) => {
                eprintln!("roamsim: shard's home core: {e:#}");
                None
            }
        });
        ShardResult {
            core,
            core_s6a,
            warm_start: None,
            sctp: self.mmes.sctp_totals(),
            busy_skipped: self.vn.procedure_counts().busy_skipped,
            recorder: self.rec,
            intended,
            elapsed,
        }
    }
}
