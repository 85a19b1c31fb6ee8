//! One generator shard on real sockets (DESIGN.md §5): a thread that owns a slice of the
//! population ([`VisitedNetwork`]), one TCP connection per MME instance to the HSS, one UDP
//! socket as the SGW towards the PGW, its arrival schedule, its clock and its
//! [`Recorder`]. Nothing is shared with other shards while the run lasts.
//!
//! Open loop: arrivals have intended times; each turn starts every arrival that is due, and the
//! lag between intended and actual start goes into the lag histogram. Latency is measured from
//! the intended time by the visited side.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

use super::interval::IntervalTap;
use crate::io::{
    tcp, ReadStatus, RecvBatch, StreamBuf, TcpConfig, Transmit, UdpConfig, UdpSocket, WriteQueue,
};
use crate::model::population::Population;
use crate::report::Recorder;
use crate::visited::{Arrivals, VisitedConfig, VisitedNetwork};
use crate::wire::diameter::message_len;

const UDP: Token = Token(0);
const FIRST_MME: usize = 1;
/// Reconnect an MME whose connection broke after this long.
const RECONNECT_US: u64 = 200_000;

/// What a shard needs to start.
pub struct ShardSpec {
    /// Index of this shard.
    pub index: u32,
    /// The visited network's settings (SGW/PGW addresses, timeouts, seed, shard split).
    pub visited: VisitedConfig,
    /// The roamers (shared, read-only).
    pub population: Arc<Population>,
    /// The HSS's Diameter address.
    pub s6a: SocketAddr,
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
}

struct MmeConn {
    stream: Option<TcpStream>,
    rbuf: StreamBuf,
    wq: WriteQueue,
    connected: bool,
    writable_interest: bool,
    retry_at: Option<u64>,
}

struct Shard {
    poll: Poll,
    vn: VisitedNetwork,
    mmes: Vec<MmeConn>,
    udp: UdpSocket,
    recv: RecvBatch,
    tx: Vec<u8>,
    tx_meta: Vec<(SocketAddr, usize)>,
    s6a: SocketAddr,
    clock: Instant,
    rec: Recorder,
    tap: IntervalTap,
    moderation: super::driver::Moderation,
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
    let start_us = shard.now_us();
    let mut arrivals = Arrivals::new(
        start_us,
        start_us + duration_us,
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
                while let Some(t) = arrivals.peek().filter(|&t| t <= now) {
                    arrivals.pop();
                    intended += 1;
                    shard.rec.record_lag(now - t);
                    if let Some((_, procedure)) = shard.vn.arrive(now, t) {
                        shard.rec.record_started(procedure);
                    }
                }
            }
            Some(at) => {
                if shard.vn.in_flight() == 0 || now >= at + drain_us {
                    break;
                }
            }
        }
        shard.tap.poll(now, &mut shard.rec, &shard.vn);
        let next_arrival = if stopped_at.is_none() {
            arrivals.peek()
        } else {
            None
        };
        shard.turn(&mut events, next_arrival)?;
    }
    let elapsed = Duration::from_micros(stopped_at.unwrap_or_else(|| shard.now_us()) - start_us);
    Ok(shard.finish(intended, elapsed))
}

impl Shard {
    fn new(spec: &ShardSpec) -> io::Result<Shard> {
        let poll = Poll::new()?;
        let mut udp = UdpSocket::bind(spec.sgw_bind, &UdpConfig::default())?;
        poll.registry()
            .register(&mut udp, UDP, Interest::READABLE)?;
        let mut visited = spec.visited.clone();
        visited.sgw = udp.local_addr();
        let clock = Instant::now();
        let vn = VisitedNetwork::new(0, visited, spec.population.clone());
        let mut shard = Shard {
            poll,
            mmes: Vec::with_capacity(vn.mme_count()),
            vn,
            udp,
            recv: RecvBatch::new(crate::io::MAX_BATCH, 2048),
            tx: Vec::with_capacity(64 * 1024),
            tx_meta: Vec::with_capacity(crate::io::MAX_BATCH),
            s6a: spec.s6a,
            clock,
            rec: Recorder::new(),
            tap: IntervalTap::disabled(),
            moderation: super::driver::Moderation::new(super::driver::turn_gap()),
        };
        for i in 0..shard.vn.mme_count() {
            shard.mmes.push(MmeConn {
                stream: None,
                rbuf: StreamBuf::new(message_len, 64 * 1024, 1 << 20),
                wq: WriteQueue::with_capacity(64 * 1024),
                connected: false,
                writable_interest: false,
                retry_at: None,
            });
            shard.connect(i)?;
        }
        Ok(shard)
    }

    fn now_us(&self) -> u64 {
        self.clock.elapsed().as_micros() as u64
    }

    fn connect(&mut self, i: usize) -> io::Result<()> {
        let mut stream = tcp::connect(self.s6a, &TcpConfig::default())?;
        self.poll.registry().register(
            &mut stream,
            Token(FIRST_MME + i),
            Interest::READABLE | Interest::WRITABLE,
        )?;
        let m = &mut self.mmes[i];
        m.stream = Some(stream);
        m.connected = false;
        m.writable_interest = true;
        m.retry_at = None;
        Ok(())
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

    /// Waits for readiness or the next deadline, then handles everything that is due.
    fn turn(&mut self, events: &mut Events, next_arrival: Option<u64>) -> io::Result<()> {
        self.moderation.pace();
        let now = self.now_us();
        let wake = [next_arrival, self.vn.poll_timeout(), self.next_retry()]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now + 10_000)
            .min(now + 10_000);
        let wait = Duration::from_micros(wake.saturating_sub(now));
        if !wait.is_zero() {
            crate::io::poll::wait_readable(&self.poll, wait)?;
        }
        match self.poll.poll(events, Some(Duration::ZERO)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => events.clear(),
            Err(e) => return Err(e),
        }
        for ev in events.iter() {
            match ev.token() {
                UDP => self.udp_readable()?,
                Token(t) => self.mme_ready(t - FIRST_MME, ev.is_readable(), ev.is_writable()),
            }
        }
        let now = self.now_us();
        if self.vn.poll_timeout().is_some_and(|t| t <= now) {
            self.vn.handle_timeout(now);
        }
        self.retry_connections(now)?;
        self.flush_mmes();
        self.flush_sgw()?;
        self.collect();
        Ok(())
    }

    fn next_retry(&self) -> Option<u64> {
        self.mmes.iter().filter_map(|m| m.retry_at).min()
    }

    fn retry_connections(&mut self, now: u64) -> io::Result<()> {
        for i in 0..self.mmes.len() {
            if self.mmes[i].retry_at.is_some_and(|t| t <= now) {
                self.vn.reconnect_mme(now, i);
                if self.connect(i).is_err() {
                    self.mmes[i].retry_at = Some(now + RECONNECT_US);
                }
            }
        }
        Ok(())
    }

    fn mme_ready(&mut self, i: usize, readable: bool, writable: bool) {
        if writable && !self.mmes[i].connected {
            let ok = self.mmes[i]
                .stream
                .as_ref()
                .is_some_and(|s| s.take_error().ok().flatten().is_none() && s.peer_addr().is_ok());
            if !ok {
                self.broken(i);
                return;
            }
            self.mmes[i].connected = true;
        }
        if writable {
            let m = &mut self.mmes[i];
            if let Some(s) = m.stream.as_mut() {
                if m.wq.flush_to(s).is_err() {
                    self.broken(i);
                    return;
                }
            }
        }
        if readable {
            self.mme_readable(i);
        }
    }

    fn mme_readable(&mut self, i: usize) {
        let now = self.now_us();
        loop {
            let m = &mut self.mmes[i];
            let Some(stream) = m.stream.as_mut() else {
                return;
            };
            let status = match m.rbuf.read_from(stream) {
                Ok((_, s)) => s,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => ReadStatus::Closed,
            };
            loop {
                match m.rbuf.next_message() {
                    Ok(Some(msg)) => self.vn.handle_mme_message(now, i, msg),
                    Ok(None) => break,
                    Err(_) => {
                        self.broken(i);
                        return;
                    }
                }
            }
            match status {
                ReadStatus::Full => continue,
                ReadStatus::WouldBlock => return,
                ReadStatus::Closed => {
                    self.broken(i);
                    return;
                }
            }
        }
    }

    /// The MME's connection is gone: drop it and try again shortly.
    fn broken(&mut self, i: usize) {
        let now = self.now_us();
        let m = &mut self.mmes[i];
        if let Some(mut s) = m.stream.take() {
            let _ = self.poll.registry().deregister(&mut s);
        }
        m.connected = false;
        m.rbuf = StreamBuf::new(message_len, 64 * 1024, 1 << 20);
        m.wq = WriteQueue::with_capacity(64 * 1024);
        m.retry_at = Some(now + RECONNECT_US);
    }

    fn flush_mmes(&mut self) {
        for i in 0..self.mmes.len() {
            let bytes = self.vn.mme_transmit(i);
            if !bytes.is_empty() && self.mmes[i].stream.is_some() {
                self.mmes[i].wq.push(bytes);
                self.vn.mme_clear_transmit(i);
            }
            let m = &mut self.mmes[i];
            let Some(stream) = m.stream.as_mut() else {
                continue;
            };
            if !m.connected {
                continue;
            }
            if !m.wq.is_empty() && m.wq.flush_to(stream).is_err() {
                self.broken(i);
                continue;
            }
            let want = !m.wq.is_empty();
            if want != m.writable_interest {
                let interest = if want {
                    Interest::READABLE | Interest::WRITABLE
                } else {
                    Interest::READABLE
                };
                let _ = self
                    .poll
                    .registry()
                    .reregister(stream, Token(FIRST_MME + i), interest);
                m.writable_interest = want;
            }
        }
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
                self.vn.handle_sgw_datagram(now, from, bytes);
            }
        }
    }

    fn flush_sgw(&mut self) -> io::Result<()> {
        loop {
            self.tx.clear();
            self.tx_meta.clear();
            while self.tx_meta.len() < crate::io::MAX_BATCH {
                let start = self.tx.len();
                match self.vn.poll_sgw_transmit(&mut self.tx) {
                    Some(d) => self.tx_meta.push((d.dst, start)),
                    None => break,
                }
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
            self.rec
                .record_procedure(c.procedure, c.outcome, c.latency_us());
        }
    }

    fn finish(mut self, intended: u64, elapsed: Duration) -> ShardResult {
        self.collect();
        let now = self.now_us();
        self.tap.finish(now, &mut self.rec, &self.vn);
        ShardResult {
            busy_skipped: self.vn.procedure_counts().busy_skipped,
            recorder: self.rec,
            intended,
            elapsed,
        }
    }
}
