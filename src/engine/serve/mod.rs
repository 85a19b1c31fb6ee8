//! `roamsim serve`: the simulated home core on real sockets. One event loop (mio) owns the HSS's
//! S6a listener and connections and the PGW's GTPv2-C/UDP socket; the sans-IO
//! [`HomeCore`] (the same value a virtual run steps) does the protocol work, this module only
//! moves bytes and time.
//!
//! S6a runs over the transport in [`ServeConfig::transport`] (RFC 6733 §2.1, TS 29.272 §4.1):
//! TCP, kernel SCTP, or user-space SCTP over UDP (RFC 6951). The HSS logic
//! ([`crate::home::S6aCore`]) is the same for all three; only the listener (`listen`, `sctp`)
//! differs.
//!
//! A CLR for a subscriber whose MME changed goes out on the old MME's own connection, found by
//! its Origin-Host. On stop (Ctrl-C, SIGTERM, `--duration`) every open connection gets DPR
//! (REBOOTING) and up to one second to answer before the sockets close.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::engine::clock::{self, Clock, Moderation};

use anyhow::Context;
use mio::{Events, Interest, Poll, Token};

use crate::engine::charging::{
    cdf_config, ledger_config, CdfDriver, CgfNode, FileWriter, RecordTally,
};
use crate::engine::diameter::sctp_udp::SctpTotals;
use crate::engine::diameter::Transport;
use crate::engine::log::{LogWriter, ProcedureLog};
use crate::engine::state::{Journal, StateHandle};
use crate::home::s8::PgwServiceConfig;
use crate::home::state::Change;
use crate::home::{HomeCore, HomeSettings};
use crate::io::{RecvBatch, TxBatch, UdpConfig, UdpSocket};
use crate::model::config::Profile;
use crate::model::protocol_errors::ProtocolErrors;
use crate::model::subscriber::Directory;
use crate::model::Micros;
use crate::report::log::LogSummary;
use crate::report::recorder::ChargingStats;
use crate::wire::cdr::RecordKind;

mod gy;
mod listen;
mod sctp;

pub(crate) use gy::{count_bill_shock, online_summary};
pub use gy::{record_gy, OnlineServe};

use listen::{S6aTransport, FIRST_CONN, S6A};

const UDP: Token = Token(1);
/// The CGFs' GTP' sockets (`serve --cgf`): the primary, then the secondary.
const CGF: Token = Token(2);
/// The PGW's CDF's GTP' socket.
const CDF: Token = Token(4);
/// Disconnect-Cause REBOOTING (RFC 6733 §5.4.3).
const DISCONNECT_REBOOTING: u32 = 0;

/// What `serve` runs with.
#[derive(Clone)]
pub struct ServeConfig {
    /// The core profile.
    pub profile: Profile,
    /// Subscribers (generated from the profile and/or loaded from CSV).
    pub directory: Directory,
    /// HSS address: TCP or kernel SCTP port, or the UDP port of SCTP over UDP.
    pub s6a: SocketAddr,
    /// Transport of S6a (already resolved: `auto` is the caller's business).
    pub transport: Transport,
    /// PGW address (GTPv2-C over UDP).
    pub s8: SocketAddr,
    /// Accept any Diameter peer.
    pub allow_any_peer: bool,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// New S8 requests a second the PGW should expect (0: unknown), to size its duplicate
    /// cache up front instead of growing it in the middle of a measurement.
    pub s8_rate_hint: f64,
    /// Keep the core's state (SQNs, registrations, sessions) in a store (`--state DIR`).
    pub state: Option<StateHandle>,
    /// Run a CGF (billing mediation) on GTP' at this address, writing its CDR files into
    /// the folder (`serve --cgf ADDR:PORT --cgf-dir DIR`); with `[charging.cgf] secondary`, a
    /// second one beside it (files in `DIR/secondary`).
    pub cgf: Option<(SocketAddr, PathBuf)>,
    /// Offline charging of the PGW: where its PGW-CDRs go. `None`: no records.
    pub charging: Option<PgwCharging>,
    /// The roamers, for their personas' traffic in the charging records; `None`: every
    /// subscriber at the share-weighted mean persona.
    pub population: Option<std::sync::Arc<crate::model::population::Population>>,
    /// Log every rejected request and malformed input (`serve --log FILE`).
    pub log: Option<crate::engine::log::LogSettings>,
    /// Online charging: the OCS's address (`serve --ocs`), the PGW's OCS (`run --ocs`).
    pub online: OnlineServe,
}

/// Where the PGW's charging data function sends its records.
#[derive(Clone, Debug)]
pub struct PgwCharging {
    /// The CGFs, primary first; empty: the core's own CGFs ([`ServeConfig::cgf`]).
    pub cgfs: Vec<SocketAddr>,
    /// Its dead-letter spool file; `None`: in memory.
    pub spool: Option<PathBuf>,
    /// Its `nodeID` (e.g. `pgw-0`).
    pub node_id: String,
    /// Unix time, in µs, of the clock's zero (the records' time stamps).
    pub epoch_unix_us: u64,
    /// The link its Ga traffic crosses.
    pub link: Option<crate::link::LinkProfile>,
}

/// The Unix time now in µs: the epoch of a clock started now (record time stamps).
pub fn unix_now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// What the core answered, printed when `serve` stops.
#[derive(Debug, Default, Clone)]
pub struct ServeReport {
    /// Diameter connections accepted.
    pub connections: u64,
    /// Connections refused in CER (unknown peer, no common application).
    pub refused: u64,
    /// Malformed Diameter messages received.
    pub diameter_malformed: u64,
    /// PGW-CDRs written.
    pub cdrs: u64,
    /// Offline charging, all of it (the PGW's CDF and the CGFs).
    pub charging: ChargingStats,
    /// SCTP association counters (`sctp-udp` only).
    pub sctp: Option<SctpTotals>,
    /// Error answers to bad input (RFC 6733 §7, TS 29.274 §7.7) by protocol and code.
    pub protocol_errors: ProtocolErrors,
    /// What `--log` wrote and held back (`serve` only).
    pub log: Option<LogSummary>,
    /// Human-readable lines: per-message counts of the HSS and the PGW.
    pub lines: Vec<String>,
    /// What online charging did, when it was on.
    pub online: Option<crate::report::online::OnlineChargingSummary>,
}

impl ServeReport {
    /// Adds another core's counts (the per-shard cores of `roamsim run`).
    pub fn merge(&mut self, other: &ServeReport) {
        self.connections += other.connections;
        self.refused += other.refused;
        self.diameter_malformed += other.diameter_malformed;
        self.cdrs += other.cdrs;
        self.charging.merge(&other.charging);
        self.protocol_errors.merge(&other.protocol_errors);
        if let Some(t) = &other.sctp {
            self.sctp.get_or_insert_with(SctpTotals::default).merge(t);
        }
        self.lines.extend(other.lines.iter().cloned());
        if let Some(o) = &other.online {
            self.online.get_or_insert_with(Default::default).merge(o);
        }
    }
}

impl std::fmt::Display for ServeReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "diameter connections {} (refused {}), malformed messages {}, CDRs {}",
            self.connections, self.refused, self.diameter_malformed, self.cdrs
        )?;
        writeln!(f, "protocol errors answered: {}", self.protocol_errors)?;
        if let Some(l) = &self.log {
            writeln!(f, "{l}")?;
        }
        for l in &self.lines {
            writeln!(f, "{l}")?;
        }
        Ok(())
    }
}

/// The running core.
struct Server {
    poll: Poll,
    s6a: Box<dyn S6aTransport>,
    core: HomeCore,
    udp: UdpSocket,
    recv: RecvBatch,
    tx: TxBatch,
    clock: Clock,
    report: ServeReport,
    persist: Option<Persist>,
    cgfs: Vec<CgfSide>,
    cdf: Option<CdfSide>,
    /// Charging measured since the host last took it ([`EmbeddedCore::take_charging`]).
    charging: ChargingStats,
    /// The PGW's records already reported.
    tally: RecordTally,
    /// `serve --log`: rejected requests and malformed input, one line each.
    log: Option<ProcedureLog>,
    /// The error answers already logged.
    logged_errors: ProtocolErrors,
    gy: gy::GySide,
}

/// A CGF on its GTP' socket: CDF requests in, acknowledgements out, closed files to disk.
struct CgfSide {
    socket: UdpSocket,
    node: CgfNode,
    dir: PathBuf,
    /// Write the closed files (`[charging.cgf] files`).
    keep: bool,
    /// Writes them off the loop's thread.
    writer: FileWriter,
    recv: RecvBatch,
    tx: TxBatch,
}

/// The PGW's charging data function on its GTP' socket.
struct CdfSide {
    socket: UdpSocket,
    driver: CdfDriver,
    recv: RecvBatch,
    tx: TxBatch,
}

/// The journal the core's changes go to before the answers of the same turn are sent.
struct Persist {
    journal: Journal,
    changes: Vec<Change>,
    handle: StateHandle,
}

/// Runs the core until `stop` is set or the duration passes. `ready` is called once the
/// sockets are bound, with their actual addresses (useful with port 0): S6a, S8, the CGF's,
/// the OCS's.
pub fn run(
    cfg: ServeConfig,
    stop: &AtomicBool,
    ready: impl FnOnce(SocketAddr, SocketAddr, Option<SocketAddr>, Option<SocketAddr>),
) -> anyhow::Result<ServeReport> {
    let mut server = Server::bind(&cfg, Clock::real())?;
    let log = cfg.log.clone().map(|s| LogWriter::open(s, 1)).transpose()?;
    if let Some(w) = &log {
        let mut l = w.logger(0);
        l.start(Micros(server.clock.now_us()));
        server.log = Some(l);
    }
    ready(
        server.s6a.local_addr(),
        server.udp.local_addr(),
        server.cgfs.first().map(|c| c.socket.local_addr()),
        server.gy.ocs_addr(),
    );
    let end_us = cfg.duration.map(|d| d.as_micros() as u64);
    let mut events = Events::with_capacity(256);
    clock::precise_timers();
    let mut moderation = Moderation::from_env();
    while !stop.load(Ordering::Relaxed) && end_us.is_none_or(|end| server.clock.now_us() < end) {
        moderation.pace();
        let wake = clock::wake_at(server.clock.now_us(), [server.next_timeout(), end_us]);
        server.turn(&mut events, wake)?;
    }
    server.shutdown(&mut events, Duration::from_secs(1))?;
    let mut report = server.finish();
    report.log = log.map(LogWriter::finish).transpose()?;
    Ok(report)
}

/// The home core as one component of another event loop: `roamsim run` puts one in every load
/// shard, so that a shard's MMEs and SGW talk over loopback to a core in the same thread (the
/// roamers are partitioned by shard, and so are the HSS registrations they make). The core keeps
/// its own poll; the host registers [`EmbeddedCore::as_raw_fd`] in its own poll to wake on the
/// core's input, and calls [`EmbeddedCore::turn`] every turn, which never waits. Host and core
/// share one [`Clock`].
pub struct EmbeddedCore {
    server: Server,
    events: Events,
}

impl EmbeddedCore {
    /// Binds the core's sockets (port 0 picks free ones); `clock` is the host's.
    pub fn bind(cfg: &ServeConfig, clock: Clock) -> anyhow::Result<EmbeddedCore> {
        Ok(EmbeddedCore {
            server: Server::bind(cfg, clock)?,
            events: Events::with_capacity(256),
        })
    }

    /// The HSS's and the PGW's addresses.
    pub fn addrs(&self) -> (SocketAddr, SocketAddr) {
        (self.server.s6a.local_addr(), self.server.udp.local_addr())
    }

    /// The core's own CGFs' addresses, primary first.
    pub fn cgf_addrs(&self) -> Vec<SocketAddr> {
        self.server
            .cgfs
            .iter()
            .map(|c| c.socket.local_addr())
            .collect()
    }

    /// Adds the charging measured since the last call (the PGW's CDF, the CGFs) to `stats`.
    pub fn take_charging(&mut self, stats: &mut ChargingStats) {
        self.server.report_charging();
        stats.merge(&self.server.charging);
        self.server.charging.reset();
    }

    /// Closes the PGW's open records (the run ends with those sessions open).
    pub fn close_records(&mut self) {
        let now = Micros(self.server.clock.now_us());
        self.server.core.close_records(now);
    }

    /// Nothing left to send: the PGW's CDF has every record stored.
    pub fn charging_drained(&self) -> bool {
        self.server.cdf.as_ref().is_none_or(|c| c.driver.drained())
    }

    /// The core's poll descriptor: readable when the core has input.
    pub fn as_raw_fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        self.server.poll.as_raw_fd()
    }

    /// When the core's next timer is due, on the host's clock.
    pub fn poll_timeout(&mut self) -> Option<u64> {
        self.server.next_timeout()
    }

    /// Logs the core's rejections and malformed input from now on (`run --log`).
    pub fn set_log(&mut self, mut log: ProcedureLog) {
        log.start(Micros(self.server.clock.now_us()));
        self.server.log = Some(log);
    }

    /// Moves the outcomes of the PGW's Gy requests into `rec` (see [`record_gy`]).
    pub fn record_gy(&mut self, rec: &mut crate::report::Recorder) {
        record_gy(&mut self.server.core, rec);
    }

    /// Handles everything ready and due, without waiting.
    pub fn turn(&mut self) -> anyhow::Result<()> {
        let now = self.server.clock.now_us();
        self.server.turn(&mut self.events, now)
    }

    /// Sends DPR to its peers (the host's own MMEs, which no longer listen: no grace period)
    /// and returns what it answered.
    pub fn finish(mut self) -> anyhow::Result<ServeReport> {
        self.server.shutdown(&mut self.events, Duration::ZERO)?;
        Ok(self.server.finish())
    }
}

impl Server {
    fn bind(cfg: &ServeConfig, clock: Clock) -> anyhow::Result<Server> {
        let poll = Poll::new().context("create poll")?;
        let mut s6a = bind_s6a(cfg.transport, cfg.s6a)?;
        let mut udp = UdpSocket::bind(cfg.s8, &UdpConfig::default())
            .with_context(|| format!("bind the PGW (S8, GTPv2-C/UDP) to {}", cfg.s8))?;
        s6a.register(poll.registry())?;
        poll.registry()
            .register(&mut udp, UDP, Interest::READABLE)?;
        let boot = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let settings = HomeSettings {
            host_ip: cfg.s6a.ip(),
            boot: boot as u32,
            // The Recovery counter changes on every restart (TS 29.274 §7.1.1), unless the
            // sessions come back from a store.
            recovery: cfg
                .state
                .as_ref()
                .map_or((boot & 0xff) as u8, |s| s.recovery),
            allow_any_peer: cfg.allow_any_peer,
            seed: cfg.profile.seed,
            pgw: {
                let d = PgwServiceConfig::default();
                PgwServiceConfig {
                    responder: d.responder.clone().for_rate(cfg.s8_rate_hint),
                    ..d
                }
            },
            population: cfg.population.clone(),
        };
        let epoch = clock.now_us();
        let epoch_unix_s = boot.saturating_sub(epoch / 1_000_000);
        let mut cgfs = Vec::new();
        if let Some((addr, dir)) = &cfg.cgf {
            let charging = &cfg.profile.charging;
            cgfs.push(bind_cgf(&poll, *addr, dir, charging, epoch_unix_s, false)?);
            if charging.cgf.secondary {
                let any = SocketAddr::new(addr.ip(), 0);
                let dir = dir.join("secondary");
                cgfs.push(bind_cgf(&poll, any, &dir, charging, epoch_unix_s, true)?);
            }
        }
        let mut core = HomeCore::new(&cfg.profile, cfg.directory.clone(), &settings);
        let cdf = match &cfg.charging {
            Some(c) => {
                let targets = if c.cgfs.is_empty() {
                    cgfs.iter().map(|g| g.socket.local_addr()).collect()
                } else {
                    c.cgfs.clone()
                };
                if targets.is_empty() {
                    anyhow::bail!("offline charging needs a CGF: give --cgf ADDR or embed one");
                }
                let pgw_ip = cfg.profile.home.pgw.control_ipv4;
                let mut socket =
                    UdpSocket::bind(SocketAddr::new(cfg.s8.ip(), 0), &UdpConfig::default())
                        .with_context(|| format!("bind the PGW's CDF (GTP') on {}", cfg.s8.ip()))?;
                poll.registry()
                    .register(&mut socket, CDF, Interest::READABLE)?;
                let charging = &cfg.profile.charging;
                core.enable_charging(
                    ledger_config(
                        charging,
                        RecordKind::Pgw,
                        &c.node_id,
                        pgw_ip.into(),
                        c.epoch_unix_us,
                    ),
                    Micros(epoch),
                );
                let seed = crate::model::rng::derive_seed(cfg.profile.seed, 0xcdf0);
                let mut driver =
                    CdfDriver::new(cdf_config(charging, targets, seed), c.spool.as_deref())?;
                if let Some(l) = &c.link {
                    driver.set_link(l, seed)?;
                }
                Some(CdfSide {
                    socket,
                    driver,
                    recv: RecvBatch::new(crate::io::MAX_BATCH, 2048),
                    tx: TxBatch::new(),
                })
            }
            _ => None,
        };
        let gy = gy::GySide::bind(
            &cfg.online,
            &mut core,
            &cfg.profile,
            cfg.population.clone(),
            poll.registry(),
            u32::from(udp.local_addr().port()),
        )?;
        let persist = match &cfg.state {
            Some(handle) => {
                core.restore(
                    &handle.restored,
                    &handle.writer,
                    crate::engine::state::SQN_SKIP,
                );
                core.track_changes();
                Some(Persist {
                    journal: handle.journal()?,
                    changes: Vec::new(),
                    handle: handle.clone(),
                })
            }
            None => None,
        };
        Ok(Server {
            poll,
            s6a,
            core,
            persist,
            cgfs,
            cdf,
            charging: ChargingStats::default(),
            tally: RecordTally::default(),
            gy,
            udp,
            recv: RecvBatch::new(crate::io::MAX_BATCH, 2048),
            tx: TxBatch::new(),
            clock,
            report: ServeReport::default(),
            log: None,
            logged_errors: ProtocolErrors::default(),
        })
    }

    /// One turn of the loop: wait for readiness or until `wake_at` (to the microsecond), then
    /// handle everything due.
    fn turn(&mut self, events: &mut Events, wake_at: u64) -> anyhow::Result<()> {
        clock::poll_until(&mut self.poll, events, &self.clock, wake_at).context("poll")?;
        for ev in events.iter() {
            let now = self.clock.now_us();
            if gy::owns(ev.token()) {
                let registry = self.poll.registry();
                self.gy.ready(&mut self.core, registry, now, ev.token())?;
                continue;
            }
            let registry = self.poll.registry();
            let (r, w) = (ev.is_readable(), ev.is_writable());
            let s6a = self.core.s6a();
            match ev.token() {
                UDP => self.udp_readable()?,
                CDF => self.cdf_readable()?,
                Token(t) if (CGF.0..CGF.0 + 2).contains(&t) => self.cgf_readable(t - CGF.0)?,
                S6A => self.s6a.ready(s6a, registry, now, None, r, w)?,
                Token(t) => {
                    let conn = Some(t - FIRST_CONN);
                    self.s6a.ready(s6a, registry, now, conn, r, w)?
                }
            }
        }
        let now = self.clock.now_us();
        self.run_timers(now);
        self.cdf_turn(now)?;
        self.cgf_turn(now)?;
        self.gy.flush(&mut self.core, self.poll.registry(), now)?;
        self.persist()?;
        self.s6a.flush(self.core.s6a(), self.poll.registry(), now)?;
        self.flush_udp()?;
        self.drain_notices();
        Ok(())
    }

    fn cgf_readable(&mut self, i: usize) -> anyhow::Result<()> {
        let Some(c) = self.cgfs.get_mut(i) else {
            return Ok(());
        };
        while recv_more(&mut c.socket, &mut c.recv, "CGF")? {
            let now = Micros(self.clock.now_us());
            for (peer, bytes) in c.recv.datagrams() {
                c.node.cgf.handle_datagram(now, peer, bytes);
            }
            if c.recv.drained() {
                break;
            }
        }
        Ok(())
    }

    fn cdf_readable(&mut self) -> anyhow::Result<()> {
        let Some(c) = &mut self.cdf else {
            return Ok(());
        };
        while recv_more(&mut c.socket, &mut c.recv, "CDF")? {
            let now = Micros(self.clock.now_us());
            for (peer, bytes) in c.recv.datagrams() {
                c.driver.handle_datagram(now, peer, bytes);
            }
            if c.recv.drained() {
                break;
            }
        }
        Ok(())
    }

    /// The CGFs' schedules, timers, answers and closed files.
    fn cgf_turn(&mut self, now: u64) -> anyhow::Result<()> {
        for c in &mut self.cgfs {
            c.node.follow_schedule(Micros(now));
            if c.node.cgf.poll_timeout().is_some_and(|t| t.0 <= now) {
                c.node.cgf.handle_timeout(Micros(now));
            }
            let cgf = &mut c.node.cgf;
            if let Err(e) =
                c.tx.send_all(&mut c.socket, |buf| cgf.poll_transmit(buf).map(|d| d.dst))
            {
                eprintln!("roamsim serve: send on the CGF socket failed: {e}");
            }
            write_cdr_files(c)?;
        }
        Ok(())
    }

    /// The PGW's new records to its CDF, the CDF's timers, spool and datagrams.
    fn cdf_turn(&mut self, now: u64) -> anyhow::Result<()> {
        let Some(c) = &mut self.cdf else {
            while self.core.poll_cdr().is_some() {}
            return Ok(());
        };
        let now = Micros(now);
        while let Some((cdr, closed_at)) = self.core.poll_cdr() {
            self.report.cdrs += 1;
            c.driver.record(now, cdr, closed_at);
        }
        if c.driver.poll_timeout().is_some_and(|t| t <= now) {
            c.driver.handle_timeout(now);
        }
        c.driver.pump(now, &mut self.charging)?;
        let driver = &mut c.driver;
        if let Err(e) =
            c.tx.send_all(&mut c.socket, |buf| driver.poll_transmit(now, buf))
        {
            eprintln!("roamsim serve: send on the CDF socket failed: {e}");
        }
        c.driver.pump(now, &mut self.charging)
    }

    /// Moves the CDF's and the CGFs' counters into `self.charging`.
    fn report_charging(&mut self) {
        if let Some(c) = &mut self.cdf {
            c.driver.report(&mut self.charging);
            self.tally
                .report(true, self.core.ledger(), &mut self.charging);
            self.tally
                .report_sessions(self.core.sessions_ended(), &mut self.charging);
        }
        for c in &mut self.cgfs {
            c.node.report(&mut self.charging);
        }
    }

    /// Writes the state changes of this turn to the journal, before any answer leaves.
    fn persist(&mut self) -> anyhow::Result<()> {
        let Some(p) = &mut self.persist else {
            return Ok(());
        };
        self.core.take_changes(&mut p.changes);
        if p.changes.is_empty() {
            return Ok(());
        }
        p.journal.append(&p.changes);
        p.changes.clear();
        p.journal
            .commit()
            .with_context(|| format!("write the state journal {}", p.journal.path().display()))?;
        p.handle.fold(p.journal.take_closed());
        Ok(())
    }

    fn next_timeout(&mut self) -> Option<u64> {
        [
            self.core.poll_timeout().map(u64::from),
            self.s6a.poll_timeout(),
            self.cgfs
                .iter()
                .filter_map(|c| {
                    let now = Micros(self.clock.now_us());
                    [c.node.cgf.poll_timeout(), c.node.next_change(now)]
                        .into_iter()
                        .flatten()
                        .min()
                })
                .min()
                .map(u64::from),
            self.cdf
                .as_mut()
                .and_then(|c| c.driver.poll_timeout())
                .map(u64::from),
            self.gy.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn run_timers(&mut self, now: u64) {
        self.core.handle_timeout(Micros(now));
        if self.s6a.poll_timeout().is_some_and(|t| t <= now) {
            self.s6a.handle_timeout(self.core.s6a(), now);
        }
    }

    fn udp_readable(&mut self) -> anyhow::Result<()> {
        while recv_more(&mut self.udp, &mut self.recv, "S8")? {
            let now = self.clock.now_us();
            for (peer, bytes) in self.recv.datagrams() {
                self.core.handle_datagram(Micros(now), peer, bytes);
            }
            self.flush_udp()?;
            if self.recv.drained() {
                break;
            }
        }
        Ok(())
    }

    /// Sends every response the PGW has queued, in batches (after the journal has their state
    /// changes). A socket error is reported and the rest waits for the next turn: the peer
    /// retransmits and gets the cached answer.
    fn flush_udp(&mut self) -> anyhow::Result<()> {
        self.persist()?;
        let core = &mut self.core;
        let sent = self
            .tx
            .send_all(&mut self.udp, |buf| core.poll_transmit(buf).map(|d| d.dst));
        if let Err(e) = sent {
            eprintln!("roamsim serve: send on the S8 socket failed: {e}");
        }
        Ok(())
    }

    fn drain_notices(&mut self) {
        while let Some(notice) = self.core.poll_notice() {
            eprintln!("roamsim serve: {notice}");
            if let Some(log) = self.log.as_mut() {
                let now = Micros(self.clock.now_us());
                log.core_event(now, "home.hss", "malformed_input", &notice);
            }
        }
        if self.log.is_some() {
            self.log_rejections();
        }
    }

    /// One log line per error answer sent since the last call (`--log`).
    fn log_rejections(&mut self) {
        let (Some(log), now) = (self.log.as_mut(), Micros(self.clock.now_us())) else {
            return;
        };
        let all = self.core.errors_answered();
        if all == self.logged_errors {
            return;
        }
        let before: std::collections::HashMap<String, u64> = self.logged_errors.iter().collect();
        for (key, n) in all.iter() {
            let component = match key.starts_with("gtpv2") {
                true => "home.pgw",
                false => "home.hss",
            };
            for _ in before.get(&key).copied().unwrap_or(0)..n {
                log.core_event(now, component, "request_rejected", &key);
            }
        }
        self.logged_errors = all;
    }

    /// DPR to every open peer, then up to one second for the DPAs.
    fn shutdown(&mut self, events: &mut Events, grace: Duration) -> anyhow::Result<()> {
        let now = self.clock.now_us();
        self.core.disconnect_all(Micros(now), DISCONNECT_REBOOTING);
        self.persist()?;
        self.s6a.flush(self.core.s6a(), self.poll.registry(), now)?;
        let until = Instant::now() + grace;
        while !self.s6a.is_empty() && Instant::now() < until {
            let now = self.clock.now_us();
            self.turn(events, clock::wake_at(now, [Some(now + 50_000)]))?;
        }
        let now = self.clock.now_us();
        self.s6a
            .close_all(self.core.s6a(), self.poll.registry(), now);
        self.drain_notices();
        for c in &mut self.cgfs {
            c.node.cgf.flush();
            write_cdr_files(c)?;
            c.writer.close()?;
        }
        Ok(())
    }

    fn finish(mut self) -> ServeReport {
        let counts = self.core.s6a_ref().counts();
        self.report.connections = counts.connections;
        self.report.refused = counts.refused;
        self.report.diameter_malformed = counts.malformed;
        self.report.protocol_errors = self.core.errors_answered();
        self.report.sctp = self.s6a.sctp_totals();
        let mut lines = self.core.s6a_ref().report_lines();
        lines.extend(self.s6a.report_lines());
        lines.extend(self.core.pgw().to_string().lines().map(String::from));
        lines.extend(self.gy.report_lines(&self.core));
        self.report.online = self.gy.summary(&self.core);
        self.report_charging();
        self.report.charging = std::mem::take(&mut self.charging);
        if let Some(c) = &self.cdf {
            let s = c.driver.outstanding();
            lines.push(format!(
                "cdf outstanding {s}{}",
                c.driver
                    .spool_path()
                    .map(|p| format!(" spool {}", p.display()))
                    .unwrap_or_default()
            ));
        }
        for c in &self.cgfs {
            let s = c.node.cgf.stats();
            lines.push(format!(
                "cgf requests {} stored {} duplicates_dropped {} released {} cancelled {} decode_errors {} files {} in {}",
                s.requests,
                s.stored,
                s.duplicates_dropped,
                s.released,
                s.cancelled,
                s.decode_errors,
                s.files,
                c.dir.display()
            ));
        }
        self.report.lines = lines;
        self.report
    }
}

/// One batch from `socket` into `recv`; false when nothing more is waiting.
fn recv_more(socket: &mut UdpSocket, recv: &mut RecvBatch, what: &str) -> anyhow::Result<bool> {
    loop {
        match socket.recv_batch(recv) {
            Ok(0) => return Ok(false),
            Ok(_) => return Ok(true),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("receive on the {what} socket")),
        }
    }
}

/// Writes the CGF's closed files, each under a temporary name first so that a reader never
/// sees half of one.
fn write_cdr_files(c: &mut CgfSide) -> anyhow::Result<()> {
    while let Some(f) = c.node.cgf.poll_file() {
        if !c.keep {
            continue;
        }
        c.writer.write(c.dir.join(&f.name), f.bytes)?;
    }
    Ok(())
}

/// Binds a CGF on `addr` writing its files into `dir`; the secondary follows
/// `[charging.cgf] secondary_outages`.
fn bind_cgf(
    poll: &Poll,
    addr: SocketAddr,
    dir: &Path,
    charging: &crate::model::config::ChargingConfig,
    epoch_unix_s: u64,
    secondary: bool,
) -> anyhow::Result<CgfSide> {
    let mut socket = UdpSocket::bind(addr, &UdpConfig::default())
        .with_context(|| format!("bind the CGF (GTP'/UDP) to {addr}"))?;
    let token = Token(CGF.0 + usize::from(secondary));
    poll.registry()
        .register(&mut socket, token, Interest::READABLE)?;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("create the CGF's folder {}", dir.display()))?;
    let outages = match secondary {
        false => &charging.cgf.outages,
        true => &charging.cgf.secondary_outages,
    };
    Ok(CgfSide {
        node: CgfNode::new(charging, socket.local_addr().ip(), epoch_unix_s, outages),
        socket,
        dir: dir.to_path_buf(),
        keep: charging.cgf.files,
        writer: FileWriter::new("cgf-files"),
        recv: RecvBatch::new(crate::io::MAX_BATCH, 65_536),
        tx: TxBatch::new(),
    })
}

/// Binds the S6a side of `transport` on `addr`.
fn bind_s6a(transport: Transport, addr: SocketAddr) -> anyhow::Result<Box<dyn S6aTransport>> {
    let what = |t: &str| format!("bind the HSS (S6a, Diameter over {t}) to {addr}");
    Ok(match transport {
        Transport::Tcp => Box::new(listen::StreamS6a::new(
            crate::io::tcp::listen(addr, &crate::io::TcpConfig::default())
                .with_context(|| what("TCP"))?,
        )),
        Transport::Sctp => Box::new(listen::StreamS6a::new(
            crate::io::SctpListener::bind(addr, &crate::io::SctpConfig::default())
                .with_context(|| what("SCTP"))?,
        )),
        Transport::SctpUdp => {
            Box::new(sctp::SctpUdpS6a::bind(addr).with_context(|| what("SCTP over UDP, RFC 6951"))?)
        }
    })
}
