//! `roamsim serve`: the simulated home core on real sockets. One event loop (mio) owns the HSS's
//! S6a listener and connections and the PGW's GTPv2-C/UDP socket; the sans-IO pieces
//! (`proto::diameter::Peer`, `home::s6a::HssService`, `home::s8::PgwService`) do the protocol
//! work, this module only moves bytes and time.
//!
//! S6a runs over the transport in [`ServeConfig::transport`] (RFC 6733 §2.1, TS 29.272 §4.1):
//! TCP, kernel SCTP, or user-space SCTP over UDP (RFC 6951). The HSS logic (`s6a`) is the
//! same for all three; only the listener (`listen`, `sctp`) differs.
//!
//! A CLR for a subscriber whose MME changed goes out on the old MME's own connection, found by
//! its Origin-Host. On stop (Ctrl-C, SIGTERM, `--duration`) every open connection gets DPR
//! (REBOOTING) and up to one second to answer before the sockets close.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use mio::{Events, Interest, Poll, Token};

use crate::engine::sctp_udp::SctpTotals;
use crate::engine::transport::Transport;
use crate::home::hss::Hss;
use crate::home::pgw::Cdr;
use crate::home::s6a::HssService;
use crate::home::s8::{PgwService, PgwServiceConfig};
use crate::io::{RecvBatch, Transmit, UdpConfig, UdpSocket};
use crate::model::config::Profile;
use crate::model::subscriber::Directory;
use crate::model::Micros;
use crate::proto::diameter::LocalIdentity;

mod listen;
mod s6a;
mod sctp;

use listen::{S6aTransport, FIRST_CONN, S6A};
use s6a::S6aCore;

const UDP: Token = Token(1);
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
    /// Where to append charging records (JSON lines).
    pub cdr: Option<PathBuf>,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// New S8 requests a second the PGW should expect (0: unknown), to size its duplicate
    /// cache up front instead of growing it in the middle of a measurement.
    pub s8_rate_hint: f64,
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
    /// Charging records written or counted.
    pub cdrs: u64,
    /// SCTP association counters (`sctp-udp` only).
    pub sctp: Option<SctpTotals>,
    /// Human-readable lines: per-message counts of the HSS and the PGW.
    pub lines: Vec<String>,
}

impl ServeReport {
    /// Adds another core's counts (the per-shard cores of `roamsim run`).
    pub fn merge(&mut self, other: &ServeReport) {
        self.connections += other.connections;
        self.refused += other.refused;
        self.diameter_malformed += other.diameter_malformed;
        self.cdrs += other.cdrs;
        if let Some(t) = &other.sctp {
            self.sctp.get_or_insert_with(SctpTotals::default).merge(t);
        }
        self.lines.extend(other.lines.iter().cloned());
    }
}

impl std::fmt::Display for ServeReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "diameter connections {} (refused {}), malformed messages {}, CDRs {}",
            self.connections, self.refused, self.diameter_malformed, self.cdrs
        )?;
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
    core: S6aCore,
    udp: UdpSocket,
    pgw: PgwService,
    recv: RecvBatch,
    tx: Vec<u8>,
    tx_meta: Vec<(SocketAddr, usize)>,
    start: Instant,
    cdr: Option<BufWriter<File>>,
    report: ServeReport,
}

/// Runs the core until `stop` is set or the duration passes. `ready` is called once both
/// sockets are bound, with their actual addresses (useful with port 0).
pub fn run(
    cfg: ServeConfig,
    stop: &AtomicBool,
    ready: impl FnOnce(SocketAddr, SocketAddr),
) -> anyhow::Result<ServeReport> {
    let mut server = Server::bind(&cfg)?;
    ready(server.s6a.local_addr(), server.udp.local_addr());
    let deadline = cfg.duration.map(|d| server.start + d);
    let mut events = Events::with_capacity(256);
    super::driver::precise_timers();
    let mut moderation = super::driver::Moderation::new(super::driver::turn_gap());
    while !stop.load(Ordering::Relaxed) && deadline.is_none_or(|d| Instant::now() < d) {
        moderation.pace();
        server.turn(&mut events, Duration::from_millis(100))?;
    }
    server.shutdown(&mut events, Duration::from_secs(1))?;
    Ok(server.finish())
}

/// The home core as one component of another event loop: `roamsim run` puts one in every load
/// shard, so that a shard's MMEs and SGW talk over loopback to a core in the same thread (the
/// roamers are partitioned by shard, and so are the HSS registrations they make). The core keeps
/// its own poll; the host registers [`EmbeddedCore::as_raw_fd`] in its own poll to wake on the
/// core's input, and calls [`EmbeddedCore::turn`] every turn, which never waits.
pub struct EmbeddedCore {
    server: Server,
    events: Events,
}

impl EmbeddedCore {
    /// Binds the core's sockets (port 0 picks free ones).
    pub fn bind(cfg: &ServeConfig) -> anyhow::Result<EmbeddedCore> {
        Ok(EmbeddedCore {
            server: Server::bind(cfg)?,
            events: Events::with_capacity(256),
        })
    }

    /// The HSS's and the PGW's addresses.
    pub fn addrs(&self) -> (SocketAddr, SocketAddr) {
        (self.server.s6a.local_addr(), self.server.udp.local_addr())
    }

    /// The core's poll descriptor: readable when the core has input.
    pub fn as_raw_fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        self.server.poll.as_raw_fd()
    }

    /// When the core's next timer is due.
    pub fn next_wake(&mut self) -> Option<Instant> {
        let start = self.server.start;
        self.server
            .next_timeout()
            .map(|us| start + Duration::from_micros(us))
    }

    /// Handles everything ready and due, without waiting.
    pub fn turn(&mut self) -> anyhow::Result<()> {
        self.server.turn(&mut self.events, Duration::ZERO)
    }

    /// Sends DPR to its peers (the host's own MMEs, which no longer listen: no grace period)
    /// and returns what it answered.
    pub fn finish(mut self) -> anyhow::Result<ServeReport> {
        self.server.shutdown(&mut self.events, Duration::ZERO)?;
        Ok(self.server.finish())
    }
}

impl Server {
    fn bind(cfg: &ServeConfig) -> anyhow::Result<Server> {
        let poll = Poll::new().context("create poll")?;
        let mut s6a = listen::bind(cfg.transport, cfg.s6a)?;
        let mut udp = UdpSocket::bind(cfg.s8, &UdpConfig::default())
            .with_context(|| format!("bind the PGW (S8, GTPv2-C/UDP) to {}", cfg.s8))?;
        s6a.register(poll.registry())?;
        poll.registry()
            .register(&mut udp, UDP, Interest::READABLE)?;
        let start = Instant::now();
        let boot = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let hss = Hss::new(&cfg.profile, cfg.directory.clone());
        let id = hss.identity().clone();
        let identity = LocalIdentity {
            origin_host: id.host,
            origin_realm: id.realm,
            host_ip: cfg.s6a.ip(),
            origin_state_id: boot as u32,
            product_name: "roamsim".to_string(),
        };
        // The Recovery counter changes on every restart (TS 29.274 §7.1.1 ... restart counter).
        let recovery = (boot & 0xff) as u8;
        let cdr = match &cfg.cdr {
            Some(path) => {
                Some(BufWriter::new(File::create(path).with_context(|| {
                    format!("create CDR file {}", path.display())
                })?))
            }
            None => None,
        };
        let core = S6aCore::new(
            HssService::new(hss, boot as u32),
            identity,
            cfg.profile.home.allowed_peers(),
            cfg.allow_any_peer || cfg.profile.home.peers.allow_any,
            cfg.profile.seed,
        );
        Ok(Server {
            poll,
            s6a,
            core,
            udp,
            pgw: PgwService::new(&cfg.profile, recovery, {
                let d = PgwServiceConfig::default();
                PgwServiceConfig {
                    responder: d.responder.clone().for_rate(cfg.s8_rate_hint),
                    ..d
                }
            }),
            recv: RecvBatch::new(crate::io::MAX_BATCH, 2048),
            tx: Vec::with_capacity(64 * 1024),
            tx_meta: Vec::with_capacity(crate::io::MAX_BATCH),
            start,
            cdr,
            report: ServeReport::default(),
        })
    }

    fn now_us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }

    /// One turn of the loop: wait for readiness or the next timer, then handle everything due.
    fn turn(&mut self, events: &mut Events, max_wait: Duration) -> anyhow::Result<()> {
        let now = self.now_us();
        let wait = self.next_timeout().map_or(max_wait, |t| {
            Duration::from_micros(t.saturating_sub(now)).min(max_wait)
        });
        match self.poll.poll(events, Some(wait)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(()),
            Err(e) => return Err(e).context("poll"),
        }
        for ev in events.iter() {
            let now = self.now_us();
            let registry = self.poll.registry();
            let (r, w) = (ev.is_readable(), ev.is_writable());
            match ev.token() {
                UDP => self.udp_readable()?,
                S6A => self.s6a.ready(&mut self.core, registry, now, None, r, w)?,
                Token(t) => {
                    let conn = Some(t - FIRST_CONN);
                    self.s6a.ready(&mut self.core, registry, now, conn, r, w)?
                }
            }
        }
        let now = self.now_us();
        self.run_timers(now);
        self.s6a.flush(&mut self.core, self.poll.registry(), now)?;
        self.flush_udp()?;
        self.drain_cdrs()?;
        Ok(())
    }

    fn next_timeout(&mut self) -> Option<u64> {
        [
            self.core.poll_timeout(),
            self.s6a.poll_timeout(),
            self.pgw.poll_timeout().map(u64::from),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn run_timers(&mut self, now: u64) {
        self.core.handle_timeout(now);
        if self.s6a.poll_timeout().is_some_and(|t| t <= now) {
            self.s6a.handle_timeout(&mut self.core, now);
        }
        if self.pgw.poll_timeout().is_some_and(|t| t <= Micros(now)) {
            self.pgw.handle_timeout(Micros(now));
        }
    }

    fn udp_readable(&mut self) -> anyhow::Result<()> {
        loop {
            match self.udp.recv_batch(&mut self.recv) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e).context("receive on the S8 socket"),
            }
            let now = self.now_us();
            for (peer, bytes) in self.recv.datagrams() {
                self.pgw.handle_datagram(Micros(now), peer, bytes);
            }
            self.flush_udp()?;
            if self.recv.drained() {
                return Ok(());
            }
        }
    }

    /// Sends every response the PGW has queued, in batches.
    fn flush_udp(&mut self) -> anyhow::Result<()> {
        loop {
            self.tx.clear();
            self.tx_meta.clear();
            while self.tx_meta.len() < crate::io::MAX_BATCH {
                let start = self.tx.len();
                match self.pgw.poll_transmit(&mut self.tx) {
                    Some(d) => self.tx_meta.push((d.dst, start)),
                    None => break,
                }
            }
            if self.tx_meta.is_empty() {
                return Ok(());
            }
            let mut transmits = Vec::with_capacity(self.tx_meta.len());
            for (i, &(dst, start)) in self.tx_meta.iter().enumerate() {
                let end = self.tx_meta.get(i + 1).map_or(self.tx.len(), |m| m.1);
                transmits.push(Transmit {
                    dst,
                    contents: &self.tx[start..end],
                    segment_size: None,
                });
            }
            let mut sent = 0;
            while sent < transmits.len() {
                match self.udp.send_batch(&transmits[sent..]) {
                    Ok(n) => sent += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    // A full socket buffer: the peer retransmits and gets the cached answer.
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => {
                        eprintln!("roamsim serve: send on the S8 socket failed: {e}");
                        break;
                    }
                }
            }
        }
    }

    fn drain_cdrs(&mut self) -> anyhow::Result<()> {
        // Peer restarts are counted by the PGW's statistics; nothing else to do with them here.
        while self.pgw.poll_event().is_some() {}
        while let Some(cdr) = self.pgw.poll_cdr() {
            self.report.cdrs += 1;
            if let Some(out) = self.cdr.as_mut() {
                writeln!(out, "{}", cdr_json(&cdr)).context("write a CDR")?;
            }
        }
        Ok(())
    }

    /// DPR to every open peer, then up to one second for the DPAs.
    fn shutdown(&mut self, events: &mut Events, grace: Duration) -> anyhow::Result<()> {
        let now = self.now_us();
        self.core.disconnect_all(now, DISCONNECT_REBOOTING);
        self.s6a.flush(&mut self.core, self.poll.registry(), now)?;
        let until = Instant::now() + grace;
        while !self.s6a.is_empty() && Instant::now() < until {
            self.turn(events, Duration::from_millis(50))?;
        }
        let now = self.now_us();
        self.s6a
            .close_all(&mut self.core, self.poll.registry(), now);
        self.drain_cdrs()?;
        if let Some(out) = self.cdr.as_mut() {
            out.flush().context("flush the CDR file")?;
        }
        Ok(())
    }

    fn finish(mut self) -> ServeReport {
        let counts = self.core.counts();
        self.report.connections = counts.connections;
        self.report.refused = counts.refused;
        self.report.diameter_malformed = counts.malformed;
        self.report.sctp = self.s6a.sctp_totals();
        let mut lines = self.core.report_lines();
        lines.extend(self.s6a.report_lines());
        lines.extend(self.pgw.to_string().lines().map(String::from));
        self.report.lines = lines;
        self.report
    }
}

fn cdr_json(c: &Cdr) -> serde_json::Value {
    serde_json::json!({
        "record": format!("{:?}", c.kind).to_ascii_lowercase(),
        "imsi": c.imsi.to_string(),
        "msisdn": c.msisdn.map(|m| m.to_string()),
        "apn": &*c.apn,
        "charging_id": c.charging_id,
        "paa": c.paa.to_string(),
        "serving_network": c.serving_network.to_string(),
        "start_us": c.start_us.as_u64(),
        "stop_us": c.stop_us.map(Micros::as_u64),
    })
}
