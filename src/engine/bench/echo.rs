//! `roamsim echo`: the machine's ceiling for datagram I/O, measured the way roamsim measures
//! signaling. A server thread echoes UDP datagrams on loopback with batched `recvmmsg`/`sendmmsg`;
//! the client sends 200-byte datagrams open loop at a fixed rate, each carrying its *intended*
//! send time, and records the round trip from that time (no coordinated omission). The bench
//! script compares roamsim's signaling rate with this figure.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use mio::{Events, Interest, Poll, Token};

use crate::io::{RecvBatch, Transmit, UdpConfig, UdpSocket, MAX_BATCH};

const PAYLOAD: usize = 200;

/// What one echo run measured.
#[derive(Debug, Clone)]
pub struct EchoReport {
    /// Datagrams the client meant to send.
    pub offered: u64,
    /// Round trips completed.
    pub answered: u64,
    /// Offered datagrams per second.
    pub offered_rate: f64,
    /// Completed round trips per second.
    pub achieved_rate: f64,
    /// Round-trip time from the intended send time, µs.
    pub rtt_us: Histogram<u64>,
}

impl EchoReport {
    /// The report as one JSON object (for scripts).
    pub fn to_json(&self) -> serde_json::Value {
        let q = |p: f64| self.rtt_us.value_at_quantile(p);
        serde_json::json!({
            "offered": self.offered,
            "answered": self.answered,
            "lost": self.offered - self.answered,
            "offered_rate": self.offered_rate,
            "achieved_rate": self.achieved_rate,
            "datagrams_per_s": self.achieved_rate * 2.0,
            "rtt_us": { "p50": q(0.5), "p99": q(0.99), "p999": q(0.999), "max": self.rtt_us.max() },
        })
    }
}

/// Runs the echo server and an open-loop client at `rate` round trips/s for `duration`.
pub fn run(rate: f64, duration: Duration) -> io::Result<EchoReport> {
    let cfg = UdpConfig::default();
    let mut server = UdpSocket::bind("127.0.0.1:0".parse().unwrap(), &cfg)?;
    let server_addr = server.local_addr();
    let stop = Arc::new(AtomicBool::new(false));
    let stop_server = stop.clone();
    let handle = std::thread::spawn(move || serve_echo(&mut server, &stop_server));
    let report = client(server_addr, rate, duration);
    stop.store(true, Ordering::Relaxed);
    handle.join().expect("echo server thread")?;
    report
}

fn serve_echo(sock: &mut UdpSocket, stop: &AtomicBool) -> io::Result<()> {
    let mut poll = Poll::new()?;
    poll.registry()
        .register(sock, Token(0), Interest::READABLE)?;
    let mut events = Events::with_capacity(8);
    let mut batch = RecvBatch::new(MAX_BATCH, 2048);
    while !stop.load(Ordering::Relaxed) {
        poll.poll(&mut events, Some(Duration::from_millis(50)))?;
        loop {
            match sock.recv_batch(&mut batch) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            let tx: Vec<Transmit<'_>> = batch
                .datagrams()
                .map(|(dst, contents)| Transmit {
                    dst,
                    contents,
                    segment_size: None,
                })
                .collect();
            let mut sent = 0;
            while sent < tx.len() {
                match sock.send_batch(&tx[sent..]) {
                    Ok(n) => sent += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => break, // a full buffer loses the rest: the client counts it
                }
            }
        }
    }
    Ok(())
}

fn client(server: SocketAddr, rate: f64, duration: Duration) -> io::Result<EchoReport> {
    let mut sock = UdpSocket::bind("127.0.0.1:0".parse().unwrap(), &UdpConfig::default())?;
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut sock, Token(0), Interest::READABLE)?;
    let mut events = Events::with_capacity(8);
    let mut batch = RecvBatch::new(MAX_BATCH, 2048);
    let mut rtt = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds");
    let total = (rate * duration.as_secs_f64()) as u64;
    let interval_ns = 1e9 / rate;
    let start = Instant::now();
    let (mut sent, mut answered) = (0u64, 0u64);
    let mut bufs = vec![[0u8; PAYLOAD]; MAX_BATCH];
    // Keep listening for a second after the last send for the stragglers.
    let end = duration + Duration::from_secs(1);
    while start.elapsed() < end && answered < total {
        let now_ns = start.elapsed().as_nanos() as f64;
        let due = ((now_ns / interval_ns) as u64 + 1).min(total);
        while sent < due {
            let n = ((due - sent) as usize).min(MAX_BATCH);
            for (i, b) in bufs.iter_mut().take(n).enumerate() {
                let intended_ns = ((sent + i as u64) as f64 * interval_ns) as u64;
                b[..8].copy_from_slice(&intended_ns.to_le_bytes());
            }
            let tx: Vec<Transmit<'_>> = bufs[..n]
                .iter()
                .map(|b| Transmit {
                    dst: server,
                    contents: b,
                    segment_size: None,
                })
                .collect();
            match sock.send_batch(&tx) {
                Ok(k) => sent += k as u64,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let next_ns = (sent as f64 * interval_ns) as u64;
        let wait = Duration::from_nanos(next_ns.saturating_sub(start.elapsed().as_nanos() as u64));
        poll.poll(&mut events, Some(wait.min(Duration::from_millis(1))))?;
        loop {
            match sock.recv_batch(&mut batch) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            let now_ns = start.elapsed().as_nanos() as u64;
            for (_, d) in batch.datagrams() {
                if d.len() >= 8 {
                    let intended = u64::from_le_bytes(d[..8].try_into().expect("8 bytes"));
                    rtt.saturating_record((now_ns.saturating_sub(intended) / 1000).max(1));
                    answered += 1;
                }
            }
        }
    }
    let secs = duration.as_secs_f64();
    Ok(EchoReport {
        offered: total,
        answered,
        offered_rate: total as f64 / secs,
        achieved_rate: answered as f64 / secs,
        rtt_us: rtt,
    })
}
