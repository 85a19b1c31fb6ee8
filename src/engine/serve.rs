//! `roamsim serve`: the simulated home core on real sockets. One event loop (mio) owns the HSS's
//! Diameter/TCP listener and connections and the PGW's GTPv2-C/UDP socket; the sans-IO pieces
//! (`proto::diameter::Peer`, `home::s6a::HssService`, `home::s8::PgwService`) do the protocol
//! work, this module only moves bytes and time.
//!
//! A CLR for a subscriber whose MME changed goes out on the old MME's own connection, found by
//! its Origin-Host. On stop (Ctrl-C, SIGTERM, `--duration`) every open connection gets DPR
//! (REBOOTING) and up to one second to answer before the sockets close.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

use crate::home::hss::Hss;
use crate::home::pgw::Cdr;
use crate::home::s6a::HssService;
use crate::home::s8::{PgwService, PgwServiceConfig};
use crate::io::{
    tcp, ReadStatus, RecvBatch, StreamBuf, TcpConfig, Transmit, UdpConfig, UdpSocket, WriteQueue,
};
use crate::model::config::{AllowedPeer, Profile};
use crate::model::subscriber::Directory;
use crate::proto::diameter::{Event, Incoming, LocalIdentity, Peer, PeerConfig};
use crate::wire::diameter::message_len;

const LISTENER: Token = Token(0);
const UDP: Token = Token(1);
const FIRST_CONN: usize = 2;
/// Disconnect-Cause REBOOTING (RFC 6733 §5.4.3).
const DISCONNECT_REBOOTING: u32 = 0;
const MAX_DIAMETER_MESSAGE: usize = 1 << 20;

/// What `serve` runs with.
pub struct ServeConfig {
    /// The core profile.
    pub profile: Profile,
    /// Subscribers (generated from the profile and/or loaded from CSV).
    pub directory: Directory,
    /// HSS address (Diameter over TCP).
    pub s6a: SocketAddr,
    /// PGW address (GTPv2-C over UDP).
    pub s8: SocketAddr,
    /// Accept any Diameter peer.
    pub allow_any_peer: bool,
    /// Where to append charging records (JSON lines).
    pub cdr: Option<PathBuf>,
    /// Stop after this long.
    pub duration: Option<Duration>,
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
    /// Human-readable lines: per-message counts of the HSS and the PGW.
    pub lines: Vec<String>,
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

struct Conn {
    stream: TcpStream,
    rbuf: StreamBuf,
    wq: WriteQueue,
    peer: Peer,
    writable: bool,
}

/// The running core.
struct Server {
    poll: Poll,
    listener: TcpListener,
    udp: UdpSocket,
    conns: Vec<Option<Conn>>,
    by_host: HashMap<String, usize>,
    hss: HssService,
    pgw: PgwService,
    identity: LocalIdentity,
    allowed: std::sync::Arc<Vec<AllowedPeer>>,
    allow_any: bool,
    recv: RecvBatch,
    tx: Vec<u8>,
    tx_meta: Vec<(SocketAddr, usize)>,
    start: Instant,
    cdr: Option<BufWriter<File>>,
    report: ServeReport,
    seed: u64,
}

/// Runs the core until `stop` is set or the duration passes. `ready` is called once both
/// sockets are bound, with their actual addresses (useful with port 0).
pub fn run(
    cfg: ServeConfig,
    stop: &AtomicBool,
    ready: impl FnOnce(SocketAddr, SocketAddr),
) -> anyhow::Result<ServeReport> {
    let mut server = Server::bind(&cfg)?;
    ready(server.listener.local_addr()?, server.udp.local_addr());
    let deadline = cfg.duration.map(|d| server.start + d);
    let mut events = Events::with_capacity(256);
    while !stop.load(Ordering::Relaxed) && deadline.is_none_or(|d| Instant::now() < d) {
        server.turn(&mut events, Duration::from_millis(100))?;
    }
    server.shutdown(&mut events)?;
    Ok(server.finish())
}

impl Server {
    fn bind(cfg: &ServeConfig) -> anyhow::Result<Server> {
        let poll = Poll::new().context("create poll")?;
        let tcp_cfg = TcpConfig::default();
        let mut listener = tcp::listen(cfg.s6a, &tcp_cfg)
            .with_context(|| format!("bind the HSS (S6a, Diameter/TCP) to {}", cfg.s6a))?;
        let mut udp = UdpSocket::bind(cfg.s8, &UdpConfig::default())
            .with_context(|| format!("bind the PGW (S8, GTPv2-C/UDP) to {}", cfg.s8))?;
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)?;
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
        Ok(Server {
            poll,
            listener,
            udp,
            conns: Vec::new(),
            by_host: HashMap::new(),
            hss: HssService::new(hss, boot as u32),
            pgw: PgwService::new(&cfg.profile, recovery, PgwServiceConfig::default()),
            identity,
            allowed: std::sync::Arc::new(cfg.profile.home.allowed_peers()),
            allow_any: cfg.allow_any_peer || cfg.profile.home.peers.allow_any,
            recv: RecvBatch::new(crate::io::MAX_BATCH, 2048),
            tx: Vec::with_capacity(64 * 1024),
            tx_meta: Vec::with_capacity(crate::io::MAX_BATCH),
            start,
            cdr,
            report: ServeReport::default(),
            seed: cfg.profile.seed,
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
            match ev.token() {
                LISTENER => self.accept_all()?,
                UDP => self.udp_readable()?,
                Token(t) => self.conn_ready(t - FIRST_CONN, ev.is_readable(), ev.is_writable()),
            }
        }
        let now = self.now_us();
        self.run_timers(now);
        self.flush_conns();
        self.flush_udp()?;
        self.drain_cdrs()?;
        Ok(())
    }

    fn next_timeout(&mut self) -> Option<u64> {
        let conns = self
            .conns
            .iter()
            .flatten()
            .filter_map(|c| c.peer.poll_timeout());
        conns.chain(self.pgw.poll_timeout()).min()
    }

    fn accept_all(&mut self) -> anyhow::Result<()> {
        loop {
            let (mut stream, _addr) = match self.listener.accept() {
                Ok(s) => s,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    eprintln!("roamsim serve: accept failed: {e}");
                    return Ok(());
                }
            };
            let _ = tcp::configure_accepted(&stream, &TcpConfig::default());
            let idx = match self.conns.iter().position(Option::is_none) {
                Some(i) => i,
                None => {
                    self.conns.push(None);
                    self.conns.len() - 1
                }
            };
            self.poll.registry().register(
                &mut stream,
                Token(FIRST_CONN + idx),
                Interest::READABLE,
            )?;
            let allowed = self.allowed.clone();
            let any = self.allow_any;
            let admission =
                Box::new(move |h: &str, r: &str| any || allowed.iter().any(|p| p.matches(h, r)));
            self.seed = self.seed.wrapping_add(1);
            let cfg = PeerConfig::s6a(self.identity.clone(), self.seed);
            self.conns[idx] = Some(Conn {
                stream,
                rbuf: StreamBuf::new(message_len, 64 * 1024, MAX_DIAMETER_MESSAGE),
                wq: WriteQueue::with_capacity(64 * 1024),
                peer: Peer::accept(self.now_us(), cfg, admission),
                writable: false,
            });
            self.report.connections += 1;
        }
    }

    fn conn_ready(&mut self, idx: usize, readable: bool, writable: bool) {
        if writable {
            if let Some(c) = self.conns.get_mut(idx).and_then(Option::as_mut) {
                if c.wq.flush_to(&mut c.stream).is_err() {
                    self.close(idx);
                    return;
                }
            }
        }
        if readable {
            self.conn_readable(idx);
        }
    }

    fn conn_readable(&mut self, idx: usize) {
        let mut clrs = Vec::new();
        loop {
            let Some(conn) = self.conns.get_mut(idx).and_then(Option::as_mut) else {
                return;
            };
            let status = match conn.rbuf.read_from(&mut conn.stream) {
                Ok((_, s)) => s,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => ReadStatus::Closed,
            };
            let now = self.start.elapsed().as_micros() as u64;
            loop {
                let msg = match conn.rbuf.next_message() {
                    Ok(Some(m)) => m,
                    Ok(None) => break,
                    Err(e) => {
                        eprintln!("roamsim serve: Diameter framing error from a peer: {e}");
                        self.report.diameter_malformed += 1;
                        self.close(idx);
                        return;
                    }
                };
                match conn.peer.handle_message(now, msg) {
                    Ok(Incoming::Request(pkt)) => {
                        if let Some(c) = self.hss.handle_request(&pkt, &mut conn.peer) {
                            clrs.push(c);
                        }
                    }
                    Ok(Incoming::Answer { packet, token, .. }) => {
                        self.hss.handle_answer(token, &packet)
                    }
                    Ok(Incoming::Consumed | Incoming::UnmatchedAnswer) => {}
                    Err(e) => {
                        self.report.diameter_malformed += 1;
                        eprintln!("roamsim serve: {e}");
                    }
                }
            }
            match status {
                ReadStatus::Full => continue,
                ReadStatus::WouldBlock => break,
                ReadStatus::Closed => {
                    self.after_peer_io(idx);
                    self.close(idx);
                    self.send_clrs(clrs);
                    return;
                }
            }
        }
        self.after_peer_io(idx);
        self.send_clrs(clrs);
    }

    /// Moves the peer's output to the write queue and handles its events.
    fn after_peer_io(&mut self, idx: usize) {
        let Some(conn) = self.conns.get_mut(idx).and_then(Option::as_mut) else {
            return;
        };
        if !conn.peer.transmit().is_empty() {
            conn.wq.push(conn.peer.transmit());
            conn.peer.clear_transmit();
        }
        let mut down = false;
        while let Some(ev) = conn.peer.poll_event() {
            match ev {
                Event::Up { host, .. } => {
                    self.by_host.insert(host.to_ascii_lowercase(), idx);
                }
                Event::Down(reason) => {
                    if matches!(reason, crate::proto::diameter::DownReason::Refused(_)) {
                        self.report.refused += 1;
                    }
                    down = true;
                }
                Event::RequestTimedOut { token, .. } => self.hss.handle_clr_timeout(token),
            }
        }
        if down {
            // Write what is queued (CEA with the refusal, DPA), then close.
            let _ = conn.wq.flush_to(&mut conn.stream);
            self.close(idx);
        }
    }

    fn send_clrs(&mut self, clrs: Vec<crate::home::hss::CancelLocation>) {
        let now = self.now_us();
        for c in clrs {
            let target = self.by_host.get(&c.peer.host.to_ascii_lowercase()).copied();
            let conn = target
                .and_then(|i| self.conns.get_mut(i))
                .and_then(Option::as_mut);
            match conn {
                Some(conn) if conn.peer.is_open() => {
                    let _ = self.hss.send_clr(now, &c, &mut conn.peer);
                    self.after_peer_io(target.expect("found"));
                }
                _ => self.hss.clr_undeliverable(),
            }
        }
    }

    fn close(&mut self, idx: usize) {
        if let Some(mut conn) = self.conns.get_mut(idx).and_then(Option::take) {
            let _ = self.poll.registry().deregister(&mut conn.stream);
            if let Some((host, _)) = conn.peer.remote() {
                let key = host.to_ascii_lowercase();
                if self.by_host.get(&key) == Some(&idx) {
                    self.by_host.remove(&key);
                }
            }
            while let Some(Event::RequestTimedOut { token, .. }) = conn.peer.poll_event() {
                self.hss.handle_clr_timeout(token);
            }
        }
    }

    fn run_timers(&mut self, now: u64) {
        for idx in 0..self.conns.len() {
            let due = self.conns[idx]
                .as_ref()
                .and_then(|c| c.peer.poll_timeout())
                .is_some_and(|t| t <= now);
            if due {
                if let Some(c) = self.conns[idx].as_mut() {
                    c.peer.handle_timeout(now);
                }
                self.after_peer_io(idx);
            }
        }
        if self.pgw.poll_timeout().is_some_and(|t| t <= now) {
            self.pgw.handle_timeout(now);
        }
    }

    /// Writes every connection's queue; asks for writable readiness where the socket is full.
    fn flush_conns(&mut self) {
        for idx in 0..self.conns.len() {
            let Some(c) = self.conns[idx].as_mut() else {
                continue;
            };
            if c.wq.is_empty() && !c.writable {
                continue;
            }
            if c.wq.flush_to(&mut c.stream).is_err() {
                self.close(idx);
                continue;
            }
            let want = !c.wq.is_empty();
            if want != c.writable {
                let interest = if want {
                    Interest::READABLE | Interest::WRITABLE
                } else {
                    Interest::READABLE
                };
                let _ = self.poll.registry().reregister(
                    &mut c.stream,
                    Token(FIRST_CONN + idx),
                    interest,
                );
                c.writable = want;
            }
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
                self.pgw.handle_datagram(now, peer, bytes);
            }
            self.flush_udp()?;
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
    fn shutdown(&mut self, events: &mut Events) -> anyhow::Result<()> {
        let now = self.now_us();
        for idx in 0..self.conns.len() {
            if let Some(c) = self.conns[idx].as_mut() {
                c.peer.disconnect(now, DISCONNECT_REBOOTING);
            }
            self.after_peer_io(idx);
        }
        self.flush_conns();
        let until = Instant::now() + Duration::from_secs(1);
        while self.conns.iter().any(Option::is_some) && Instant::now() < until {
            self.turn(events, Duration::from_millis(50))?;
        }
        for idx in 0..self.conns.len() {
            self.close(idx);
        }
        self.drain_cdrs()?;
        if let Some(out) = self.cdr.as_mut() {
            out.flush().context("flush the CDR file")?;
        }
        Ok(())
    }

    fn finish(mut self) -> ServeReport {
        let mut lines: Vec<String> = self
            .hss
            .hss()
            .counters()
            .to_string()
            .lines()
            .map(String::from)
            .collect();
        let s = self.hss.counters();
        lines.push(format!(
            "s6a malformed {} unsupported {} clr_sent {} clr_failed {}",
            s.malformed, s.unsupported, s.clr_sent, s.clr_failed
        ));
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
        "start_us": c.start_us,
        "stop_us": c.stop_us,
    })
}
