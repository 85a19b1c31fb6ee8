//! One generator shard on real sockets (docs/ARCHITECTURE.md §5): a thread that runs the
//! generator loop (`super::generator`) over `SocketNet`: one Diameter connection per MME
//! instance to the HSS, one UDP socket as the SGW towards the PGW, the monotonic [`Clock`],
//! and, for `roamsim run`, the shard's own home core. It owns a slice of the population
//! ([`VisitedNetwork`]) and its [`Recorder`]; nothing is shared with other shards while the run
//! lasts.
//!
//! The MMEs' connections run over the transport of [`ShardSpec::transport`], behind
//! `MmeTransport` (CONTRIBUTING.md §6: one loop, the transport a value): TCP or kernel SCTP, a
//! socket per MME (`mme_stream`), or SCTP over UDP (RFC 6951, `mme_sctp`).
//!
//! When the run has GRX/IPX links ([`ShardSpec::links`]), each visited PLMN's S6a and S8
//! traffic crosses its link between the visited side and the sockets (`links`), as in a
//! virtual run.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Token};

use super::generator::{self, Generated, Network, Schedule};
use super::interval::IntervalTap;
use super::linkshim::LinkPlan;
use crate::engine::clock::{self, Clock, Moderation};
use crate::engine::diameter::conn::{SctpConn, TcpConn};
use crate::engine::diameter::sctp_udp::SctpTotals;
use crate::engine::diameter::Transport;
use crate::io::{RecvBatch, TxBatch, UdpConfig, UdpSocket};
use crate::model::population::{ArrivalProcess, Population};
use crate::model::Micros;
use crate::report::summary::WarmStartSummary;
use crate::report::Recorder;
use crate::visited::{VisitedConfig, VisitedNetwork};

mod links;
mod mme_sctp;
mod mme_stream;
mod mmes;

use links::{MmeSide, ShardLinks};
use mmes::MmeTransport;

const UDP: Token = Token(0);
/// Readiness of the shard's own home core (its poll descriptor).
const CORE: Token = Token(usize::MAX - 1);
/// The SGW's charging data function (GTP' towards the CGFs).
const CDF: Token = Token(usize::MAX - 2);
/// Longest wait, after the last procedure, for the CGFs to acknowledge every record.
const CHARGING_DRAIN: Duration = Duration::from_secs(20);
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
    pub core: Option<crate::engine::serve::ServeConfig>,
    /// Offline charging of the SGW: where its SGW-CDRs go. `None`: no records.
    pub charging: Option<ShardCharging>,
    /// This shard's structured log (`--log`).
    pub log: Option<crate::engine::log::ProcedureLog>,
    /// Its embedded core's structured log (`run --log`).
    pub core_log: Option<crate::engine::log::ProcedureLog>,
}

/// Where a shard's SGW sends its records.
#[derive(Clone, Debug)]
pub struct ShardCharging {
    /// The CGFs, primary first; empty: the shard's own core's CGFs.
    pub cgfs: Vec<SocketAddr>,
    /// The dead-letter spool file.
    pub spool: std::path::PathBuf,
    /// `nodeID` of the SGW's records.
    pub node_id: String,
    /// Unix time, in µs, of the shard's clock zero.
    pub epoch_unix_us: u64,
    /// `[charging]`.
    pub config: crate::model::config::ChargingConfig,
    /// The traffic model.
    pub usage: crate::model::usage::UsageModel,
    /// Seed of the CDF's jitter.
    pub seed: u64,
    /// The link its Ga traffic crosses.
    pub link: Option<crate::link::LinkProfile>,
}

/// The SGW's CDF on its socket.
struct SgwCdf {
    socket: UdpSocket,
    driver: crate::engine::charging::CdfDriver,
    recv: RecvBatch,
    tx: TxBatch,
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
    pub core: Option<crate::engine::serve::ServeReport>,
    /// Its own home core's S6a address.
    pub core_s6a: Option<SocketAddr>,
    /// What its warm start did, if it had one.
    pub warm_start: Option<WarmStartSummary>,
}

/// The MME side of `transport` towards the HSS at `hss`; `bind` is the local IP to use.
fn mme_transport(transport: Transport, hss: SocketAddr, bind: SocketAddr) -> Box<dyn MmeTransport> {
    match transport {
        Transport::Tcp => Box::new(mme_stream::StreamMmes::new(hss, TcpConn::connect)),
        Transport::Sctp => Box::new(mme_stream::StreamMmes::new(hss, SctpConn::connect)),
        Transport::SctpUdp => Box::new(mme_sctp::SctpUdpMmes::new(bind, hss)),
    }
}

/// The real network of one shard: its sockets, its clock and, for `roamsim run`, its own home
/// core, which it turns in the same thread.
struct SocketNet {
    poll: Poll,
    events: Events,
    /// Readiness of this turn's events (token, readable, writable), so that handling them can
    /// borrow the rest of the shard.
    ready: Vec<(usize, bool, bool)>,
    /// The partner links; `None` without a link plan (the default path: no shim at all).
    links: Option<ShardLinks>,
    mmes: Box<dyn MmeTransport>,
    udp: UdpSocket,
    recv: RecvBatch,
    tx: TxBatch,
    s6a: SocketAddr,
    clock: Clock,
    moderation: Moderation,
    core: Option<crate::engine::serve::EmbeddedCore>,
    cdf: Option<SgwCdf>,
    /// Charging measured since the last interval.
    charging: crate::report::recorder::ChargingStats,
    /// The SGW's records already reported.
    tally: crate::engine::charging::RecordTally,
}

/// Runs one shard to the end of its arrivals plus the drain time, or until `stop` is set.
pub fn run(mut spec: ShardSpec, stop: &AtomicBool) -> io::Result<ShardResult> {
    clock::precise_timers();
    let (mut net, vn) = SocketNet::new(&spec)?;
    let tap = std::mem::replace(&mut spec.tap, IntervalTap::disabled());
    let schedule = Schedule {
        rate: spec.rate,
        process: match spec.poisson {
            true => ArrivalProcess::Poisson,
            false => ArrivalProcess::Uniform,
        },
        seed: spec.arrivals_seed,
        duration: Micros::from_duration(spec.duration),
        drain: Micros::from_duration(spec.drain),
        warm_start: spec.warm_start,
    };
    if let (Some(core), Some(l)) = (net.core.as_mut(), spec.core_log.take()) {
        core.set_log(l);
    }
    let log = spec.log.take();
    let generated = generator::run(&mut net, vn, tap, &schedule, stop, log)?;
    Ok(net.finish(generated))
}

impl Network for SocketNet {
    fn now(&self) -> Micros {
        self.clock.now()
    }

    /// Lets the MMEs finish CER/CEA before the first arrival (5 s at most).
    fn connect(&mut self, vn: &mut VisitedNetwork, stop: &AtomicBool) -> io::Result<()> {
        let limit = Duration::from_secs(5);
        let until = Instant::now() + limit;
        while Instant::now() < until && !stop.load(Ordering::Relaxed) {
            if vn.mmes().iter().all(|m| m.open) {
                return Ok(());
            }
            self.turn(vn, None)?;
        }
        let waiting: Vec<String> = vn
            .mmes()
            .into_iter()
            .filter(|m| !m.open)
            .map(|m| m.host)
            .collect();
        let shown = waiting
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "the HSS at {} did not accept every MME within {limit:?} ({} of them still waiting: {shown}{}); \
                 an HSS answers CER from a peer it does not know with 3010 DIAMETER_UNKNOWN_PEER: \
                 add the MMEs' realms to its peer list (roamsim serve: [home.peers] or --allow-any-peer), \
                 or give them a realm it knows with --origin-realm",
                self.s6a,
                waiting.len(),
                if waiting.len() > 3 { ", ..." } else { "" }
            ),
        ))
    }

    /// Writes what the MMEs and the SGW have to send.
    fn flush(&mut self, vn: &mut VisitedNetwork) -> io::Result<()> {
        let now = self.clock.now_us();
        let mut side = MmeSide::new(vn, self.links.as_mut());
        self.mmes.flush(&mut side, self.poll.registry(), now)?;
        self.flush_sgw(vn, now)
    }

    /// Waits for readiness or the next deadline (to the microsecond, 10 ms at most), then
    /// handles everything that is due.
    fn turn(&mut self, vn: &mut VisitedNetwork, deadline: Option<Micros>) -> io::Result<()> {
        self.moderation.pace();
        let now = self.clock.now_us();
        let core_wake = self.core.as_mut().and_then(|c| c.poll_timeout());
        let wake = [
            deadline.map(u64::from),
            vn.poll_timeout().map(u64::from),
            self.mmes.poll_timeout(),
            self.links.as_ref().and_then(ShardLinks::next_release_at),
            core_wake,
            self.cdf
                .as_mut()
                .and_then(|c| c.driver.poll_timeout())
                .map(u64::from),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(now + 10_000)
        .min(now + 10_000);
        clock::wait_until(&self.poll, &self.clock, wake)?;
        // The core answers what the MMEs and the SGW sent; the answers are then ready below.
        self.turn_core()?;
        clock::poll_ready(&mut self.poll, &mut self.events)?;
        self.ready.clear();
        self.ready.extend(
            self.events
                .iter()
                .map(|e| (e.token().0, e.is_readable(), e.is_writable())),
        );
        for i in 0..self.ready.len() {
            let (token, readable, writable) = self.ready[i];
            match Token(token) {
                UDP => self.udp_readable(vn)?,
                CORE => {}
                CDF => self.cdf_readable()?,
                Token(t) => {
                    let now = self.clock.now_us();
                    self.mmes.ready(
                        &mut MmeSide::new(vn, self.links.as_mut()),
                        self.poll.registry(),
                        now,
                        t,
                        readable,
                        writable,
                    )?;
                }
            }
        }
        let now = self.clock.now_us();
        if let Some(l) = self.links.as_mut() {
            l.release(now, vn);
        }
        if vn.poll_timeout().is_some_and(|t| t <= Micros(now)) {
            vn.handle_timeout(Micros(now));
        }
        if self.mmes.poll_timeout().is_some_and(|t| t <= now) {
            let mut side = MmeSide::new(vn, self.links.as_mut());
            self.mmes
                .handle_timeout(&mut side, self.poll.registry(), now)?;
        }
        self.flush(vn)?;
        self.cdf_turn(vn)?;
        // The requests just written are answered now rather than a turn later.
        self.turn_core()
    }

    fn record_links(&mut self, vn: &VisitedNetwork, rec: &mut Recorder) {
        if let Some(l) = self.links.as_mut() {
            l.record(rec);
        }
        self.tally.report(false, vn.ledger(), &mut self.charging);
        // Charging goes with the interval too: the SGW's CDF, the core's CDF and CGFs.
        if let Some(c) = &mut self.cdf {
            c.driver.report(&mut self.charging);
        }
        if let Some(core) = &mut self.core {
            core.take_charging(&mut self.charging);
        }
        rec.charging.merge(&self.charging);
        self.charging.reset();
        if let Some(c) = self.core.as_mut() {
            c.record_gy(rec);
        }
    }

    /// Closes the MMEs' connections gracefully (SCTP SHUTDOWN), waiting up to a second.
    fn close(&mut self, vn: &mut VisitedNetwork) -> io::Result<()> {
        let now = self.clock.now_us();
        self.mmes.close(self.poll.registry(), now);
        let until = Instant::now() + Duration::from_secs(1);
        self.flush(vn)?;
        while !self.mmes.is_closed() && Instant::now() < until {
            self.turn(vn, None)?;
        }
        // The gateways close their records of the sessions still open, then the CDFs get
        // every record acknowledged (spools replayed) or the drain time runs out.
        let now = self.clock.now();
        vn.close_records(now);
        if let Some(core) = &mut self.core {
            core.close_records();
        }
        let until = Instant::now() + CHARGING_DRAIN;
        // One turn hands the records just closed to the CDFs.
        self.turn(vn, Some(self.clock.now()))?;
        while !self.charging_drained() && Instant::now() < until {
            self.turn(vn, Some(self.clock.now() + Micros::from_millis(10)))?;
        }
        Ok(())
    }
}

impl SocketNet {
    /// Binds the shard's sockets (and its own core's), and sets up the visited side.
    fn new(spec: &ShardSpec) -> io::Result<(SocketNet, VisitedNetwork)> {
        let poll = Poll::new()?;
        let clock = Clock::real();
        let mut udp = UdpSocket::bind(spec.sgw_bind, &UdpConfig::default())?;
        poll.registry()
            .register(&mut udp, UDP, Interest::READABLE)?;
        let mut visited = spec.visited.clone();
        visited.sgw = udp.local_addr();
        let mut s6a = spec.s6a;
        let core = match &spec.core {
            Some(cfg) => {
                let core = crate::engine::serve::EmbeddedCore::bind(cfg, clock)
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
        let cgfs_of_core = core.as_ref().map(|c| c.cgf_addrs()).unwrap_or_default();
        let mut vn = VisitedNetwork::new(Micros::ZERO, visited, spec.population.clone());
        let cdf = match &spec.charging {
            Some(ch) if ch.config.offline => {
                use crate::engine::charging::{cdf_config, ledger_config, CdfDriver};
                let targets = if ch.cgfs.is_empty() {
                    cgfs_of_core
                } else {
                    ch.cgfs.clone()
                };
                let mut socket = UdpSocket::bind(spec.sgw_bind, &UdpConfig::default())?;
                poll.registry()
                    .register(&mut socket, CDF, Interest::READABLE)?;
                vn.enable_charging(
                    ledger_config(
                        &ch.config,
                        crate::wire::cdr::RecordKind::Sgw,
                        &ch.node_id,
                        udp.local_addr().ip(),
                        ch.epoch_unix_us,
                    ),
                    ch.usage.clone(),
                );
                let mut driver =
                    CdfDriver::new(cdf_config(&ch.config, targets, ch.seed), Some(&ch.spool))
                        .map_err(|e| io::Error::other(format!("{e:#}")))?;
                if let Some(l) = &ch.link {
                    driver
                        .set_link(l, ch.seed)
                        .map_err(|e| io::Error::other(format!("{e:#}")))?;
                }
                Some(SgwCdf {
                    socket,
                    driver,
                    recv: RecvBatch::new(crate::io::MAX_BATCH, 2048),
                    tx: TxBatch::new(),
                })
            }
            _ => None,
        };
        let links = ShardLinks::new(&spec.links, &vn, spec.seed, spec.index)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("link: {e}")))?;
        let mmes = mme_transport(spec.transport, s6a, spec.sgw_bind);
        let mut net = SocketNet {
            poll,
            events: Events::with_capacity(256),
            ready: Vec::with_capacity(256),
            mmes,
            links,
            udp,
            recv: RecvBatch::new(crate::io::MAX_BATCH, 2048),
            tx: TxBatch::new(),
            s6a,
            clock,
            moderation: Moderation::from_env(),
            core,
            cdf,
            charging: Default::default(),
            tally: Default::default(),
        };
        let now = net.clock.now_us();
        let mut side = MmeSide::new(&mut vn, net.links.as_mut());
        net.mmes.start(&mut side, net.poll.registry(), now)?;
        Ok((net, vn))
    }

    fn charging_drained(&self) -> bool {
        self.cdf.as_ref().is_none_or(|c| c.driver.drained())
            && self.core.as_ref().is_none_or(|c| c.charging_drained())
    }

    fn cdf_readable(&mut self) -> io::Result<()> {
        let Some(c) = &mut self.cdf else {
            return Ok(());
        };
        loop {
            match c.socket.recv_batch(&mut c.recv) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            let now = self.clock.now();
            for (from, bytes) in c.recv.datagrams() {
                c.driver.handle_datagram(now, from, bytes);
            }
            if c.recv.drained() {
                return Ok(());
            }
        }
    }

    /// The SGW's new records to its CDF; the CDF's timers, spool and datagrams.
    fn cdf_turn(&mut self, vn: &mut VisitedNetwork) -> io::Result<()> {
        let Some(c) = &mut self.cdf else {
            return Ok(());
        };
        let now = self.clock.now();
        while let Some((cdr, closed_at)) = vn.poll_cdr() {
            c.driver.record(now, cdr, closed_at);
        }
        if c.driver.poll_timeout().is_some_and(|t| t <= now) {
            c.driver.handle_timeout(now);
        }
        let charging = &mut self.charging;
        c.driver
            .pump(now, charging)
            .map_err(|e| io::Error::other(format!("{e:#}")))?;
        let driver = &mut c.driver;
        c.tx.send_all(&mut c.socket, |buf| driver.poll_transmit(now, buf))?;
        c.driver
            .pump(now, charging)
            .map_err(|e| io::Error::other(format!("{e:#}")))
    }

    fn turn_core(&mut self) -> io::Result<()> {
        match self.core.as_mut() {
            Some(c) => c.turn().map_err(|e| io::Error::other(format!("{e:#}"))),
            None => Ok(()),
        }
    }

    fn udp_readable(&mut self, vn: &mut VisitedNetwork) -> io::Result<()> {
        loop {
            match self.udp.recv_batch(&mut self.recv) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            let now = self.clock.now_us();
            for (from, bytes) in self.recv.datagrams() {
                let on_link = self
                    .links
                    .as_mut()
                    .is_some_and(|l| l.offer_s8_response(now, from, bytes));
                if !on_link {
                    vn.handle_sgw_datagram(Micros(now), from, bytes);
                }
            }
            if self.recv.drained() {
                return Ok(());
            }
        }
    }

    /// Sends the S8 requests the links released, then the SGW's new ones (onto their links
    /// instead where their PLMN has one). A full socket buffer leaves the rest to T3.
    fn flush_sgw(&mut self, vn: &mut VisitedNetwork, now: u64) -> io::Result<()> {
        let links = &mut self.links;
        self.tx.send_all(&mut self.udp, |buf| loop {
            if let Some((dst, d)) = links.as_mut().and_then(ShardLinks::next_s8) {
                buf.extend_from_slice(&d);
                return Some(dst);
            }
            let start = buf.len();
            let d = vn.poll_sgw_transmit(buf)?;
            if let Some(l) = links.as_mut() {
                if l.offer_s8(now, vn, d.dst, &buf[start..]) {
                    buf.truncate(start);
                    continue;
                }
            }
            return Some(d.dst);
        })
    }

    /// What the shard measured, with its core's and its MMEs' counters.
    fn finish(mut self, g: Generated) -> ShardResult {
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
            warm_start: g.warm_start,
            sctp: self.mmes.sctp_totals(),
            busy_skipped: g.vn.procedure_counts().busy_skipped,
            recorder: g.recorder,
            intended: g.intended,
            elapsed: g.elapsed.as_duration(),
        }
    }
}
