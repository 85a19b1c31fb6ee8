//! S6a over SCTP for a shard's MMEs (RFC 6733 §2.1, TS 29.272 §4.1): one association per MME
//! instance, each its own Diameter peer with its own Origin-Host, every message one SCTP user
//! message with PPID 46 on the stream [`diameter_stream`] picks (0 for the base protocol,
//! 1.. by hop-by-hop id).
//!
//! - [`KernelSctpMmes`]: the kernel's SCTP, one one-to-one socket per MME (`io::sctp`).
//! - [`SctpUdpMmes`]: roamsim's user-space SCTP in UDP datagrams (RFC 6951), one [`SctpUdp`]
//!   endpoint (UDP socket) per MME; its counters, retransmissions above all, go into the
//!   run's summary.
//!
//! A broken connection or association is opened again after a backoff ([`Reconnect`]) with a fresh
//! Diameter peer, as over TCP.

use std::io;
use std::net::SocketAddr;

use mio::{Interest, Registry, Token};

use super::{want_writable, MmeSide, MmeTransport, Reconnect, FIRST_MME};
use crate::engine::sctp_udp::{SctpTotals, SctpUdp, SctpUdpConfig};
use crate::engine::transport::{diameter_stream, messages, PPID_DIAMETER};
use crate::io::sctp::{Recv, SctpConfig, SctpStream};
use crate::proto::sctp::{AssocId, Event};

struct KernelMme {
    stream: Option<SctpStream>,
    /// Outbound streams negotiated (known once connected).
    streams: u16,
    /// Whole Diameter messages not yet accepted by the socket, back to back from `sent`.
    out: Vec<u8>,
    sent: usize,
    connected: bool,
    writable_interest: bool,
    retry: Reconnect,
}

impl KernelMme {
    /// Sends the queued messages until the socket's buffer is full; false on a hard error.
    fn drain(&mut self) -> bool {
        let Some(stream) = self.stream.as_ref() else {
            return true;
        };
        for m in messages(&self.out[self.sent..]) {
            let Ok(msg) = m else {
                return false;
            };
            loop {
                match stream.send_msg(msg, diameter_stream(msg, self.streams), PPID_DIAMETER) {
                    Ok(()) => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
                    Err(_) => return false,
                }
            }
            self.sent += msg.len();
        }
        self.out.clear();
        self.sent = 0;
        true
    }

    fn pending(&self) -> bool {
        self.sent < self.out.len()
    }
}

/// One kernel SCTP association per MME; token `FIRST_MME + i` is MME `i`'s socket.
pub(super) struct KernelSctpMmes {
    hss: SocketAddr,
    conns: Vec<KernelMme>,
}

impl KernelSctpMmes {
    pub(super) fn new(hss: SocketAddr) -> KernelSctpMmes {
        KernelSctpMmes {
            hss,
            conns: Vec::new(),
        }
    }

    fn connect(&mut self, registry: &Registry, i: usize) -> io::Result<()> {
        let mut stream = SctpStream::connect(self.hss, &SctpConfig::default())?;
        registry.register(
            &mut stream,
            Token(FIRST_MME + i),
            Interest::READABLE | Interest::WRITABLE,
        )?;
        let m = &mut self.conns[i];
        m.stream = Some(stream);
        m.connected = false;
        m.writable_interest = true;
        m.retry.started();
        Ok(())
    }

    fn readable(&mut self, side: &mut MmeSide<'_>, registry: &Registry, now: u64, i: usize) {
        loop {
            let Some(stream) = self.conns[i].stream.as_mut() else {
                return;
            };
            match stream.recv_msg() {
                Ok(Recv::Message { data, .. }) => side.received(now, i, data),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(Recv::Closed) | Err(_) => break,
            }
        }
        self.broken(registry, now, i);
    }

    fn broken(&mut self, registry: &Registry, now: u64, i: usize) {
        let m = &mut self.conns[i];
        if let Some(mut s) = m.stream.take() {
            let _ = registry.deregister(&mut s);
        }
        m.connected = false;
        m.out.clear();
        m.sent = 0;
        m.retry.schedule(now);
    }
}

impl MmeTransport for KernelSctpMmes {
    fn start(&mut self, side: &mut MmeSide<'_>, registry: &Registry, _now: u64) -> io::Result<()> {
        for i in 0..side.mme_count() {
            self.conns.push(KernelMme {
                stream: None,
                streams: 1,
                out: Vec::with_capacity(64 * 1024),
                sent: 0,
                connected: false,
                writable_interest: false,
                retry: Reconnect::new(),
            });
            self.connect(registry, i)?;
        }
        Ok(())
    }

    fn ready(
        &mut self,
        side: &mut MmeSide<'_>,
        registry: &Registry,
        now: u64,
        token: usize,
        readable: bool,
        writable: bool,
    ) -> io::Result<()> {
        let i = token - FIRST_MME;
        if i >= self.conns.len() {
            return Ok(());
        }
        if writable && !self.conns[i].connected {
            let m = &mut self.conns[i];
            let streams = m.stream.as_ref().and_then(|s| {
                let ok = s.take_error().ok().flatten().is_none() && s.peer_addr().is_ok();
                ok.then(|| s.outbound_streams().unwrap_or(1))
            });
            let Some(streams) = streams else {
                self.broken(registry, now, i);
                return Ok(());
            };
            m.streams = streams;
            m.connected = true;
            m.retry.succeeded();
        }
        if writable && self.conns[i].connected && !self.conns[i].drain() {
            self.broken(registry, now, i);
            return Ok(());
        }
        if readable {
            self.readable(side, registry, now, i);
        }
        Ok(())
    }

    fn flush(&mut self, side: &mut MmeSide<'_>, registry: &Registry, now: u64) -> io::Result<()> {
        for i in 0..self.conns.len() {
            let bytes = side.transmit(now, i);
            if !bytes.is_empty() && self.conns[i].stream.is_some() {
                self.conns[i].out.extend_from_slice(bytes);
                side.clear_transmit(i);
            }
            let m = &mut self.conns[i];
            if !m.connected {
                continue;
            }
            if !m.drain() {
                self.broken(registry, now, i);
                continue;
            }
            let want = m.pending();
            if let Some(s) = m.stream.as_mut() {
                want_writable(registry, s, i, want, &mut m.writable_interest);
            }
        }
        Ok(())
    }

    fn poll_timeout(&self) -> Option<u64> {
        self.conns.iter().filter_map(|m| m.retry.at()).min()
    }

    fn handle_timeout(
        &mut self,
        side: &mut MmeSide<'_>,
        registry: &Registry,
        now: u64,
    ) -> io::Result<()> {
        for i in 0..self.conns.len() {
            if self.conns[i].retry.due(now) {
                side.reconnect(now, i);
                if self.connect(registry, i).is_err() {
                    self.conns[i].retry.schedule(now);
                }
            }
        }
        Ok(())
    }

    fn close(&mut self, _registry: &Registry, _now: u64) {
        for m in &mut self.conns {
            m.retry.started();
            if let Some(s) = m.stream.as_ref() {
                // SHUTDOWN after what is queued (RFC 9260 §9.2); the socket closes on drop.
                let _ = s.shutdown();
            }
        }
    }
}

/// One MME's association over UDP.
struct UdpMme {
    sctp: SctpUdp,
    assoc: Option<AssocId>,
    retry: Reconnect,
}

/// Every MME's association, each on its own UDP socket; token `FIRST_MME + i` is MME `i`'s.
///
/// One socket per MME rather than one per shard: SCTP allows a single association between two
/// endpoints (RFC 9260 §1.4), and an [`SctpUdp`] is one SCTP endpoint (one port), so MMEs
/// that are distinct Diameter peers are distinct SCTP endpoints here too, as real MMEs are.
pub(super) struct SctpUdpMmes {
    hss: SocketAddr,
    bind: SocketAddr,
    conns: Vec<UdpMme>,
    /// After [`MmeTransport::close`]: no reconnects.
    closing: bool,
}

impl SctpUdpMmes {
    /// MMEs whose UDP sockets bind to `bind`'s IP (each on a port the kernel picks).
    pub(super) fn new(bind: SocketAddr, hss: SocketAddr) -> SctpUdpMmes {
        SctpUdpMmes {
            hss,
            bind: SocketAddr::new(bind.ip(), 0),
            conns: Vec::new(),
            closing: false,
        }
    }

    fn connect(&mut self, now: u64, i: usize) -> io::Result<()> {
        let hss = self.hss;
        let m = &mut self.conns[i];
        let id = m
            .sctp
            .connect(now, hss)
            .map_err(|e| io::Error::other(format!("SCTP association to {hss}: {e}")))?;
        m.assoc = Some(id);
        m.retry.started();
        Ok(())
    }

    fn events(&mut self, side: &mut MmeSide<'_>, now: u64, i: usize) {
        let m = &mut self.conns[i];
        while let Some((id, ev)) = m.sctp.poll_event() {
            if m.assoc != Some(id) {
                continue;
            }
            match ev {
                // Messages given before the handshake went out with it (`SctpUdp`).
                Event::Connected { .. } => m.retry.succeeded(),
                Event::Message { data, .. } => side.received(now, i, &data),
                Event::Closed { .. } => {
                    m.assoc = None;
                    if !self.closing {
                        m.retry.schedule(now);
                    }
                }
            }
        }
    }
}

impl MmeTransport for SctpUdpMmes {
    fn start(&mut self, side: &mut MmeSide<'_>, registry: &Registry, now: u64) -> io::Result<()> {
        for i in 0..side.mme_count() {
            let mut sctp = SctpUdp::bind(self.bind, SctpUdpConfig::client())?;
            registry.register(&mut sctp, Token(FIRST_MME + i), Interest::READABLE)?;
            self.conns.push(UdpMme {
                sctp,
                assoc: None,
                retry: Reconnect::new(),
            });
            self.connect(now, i)?;
        }
        Ok(())
    }

    fn ready(
        &mut self,
        side: &mut MmeSide<'_>,
        _registry: &Registry,
        now: u64,
        token: usize,
        _readable: bool,
        _writable: bool,
    ) -> io::Result<()> {
        let i = token - FIRST_MME;
        let Some(m) = self.conns.get_mut(i) else {
            return Ok(());
        };
        m.sctp.recv(now)?;
        self.events(side, now, i);
        Ok(())
    }

    fn flush(&mut self, side: &mut MmeSide<'_>, _registry: &Registry, now: u64) -> io::Result<()> {
        for i in 0..self.conns.len() {
            let m = &mut self.conns[i];
            if let Some(id) = m.assoc {
                let bytes = side.transmit(now, i);
                if !bytes.is_empty() {
                    // A refusal (send buffer full) is counted in `send_errors`; the Diameter
                    // request times out as it would on a congested TCP connection.
                    let _ = m.sctp.send_diameter(now, id, bytes);
                    side.clear_transmit(i);
                }
            }
            m.sctp.flush(now)?;
            self.events(side, now, i);
        }
        Ok(())
    }

    fn poll_timeout(&self) -> Option<u64> {
        self.conns
            .iter()
            .flat_map(|m| [m.retry.at(), m.sctp.poll_timeout()])
            .flatten()
            .min()
    }

    fn handle_timeout(
        &mut self,
        side: &mut MmeSide<'_>,
        _registry: &Registry,
        now: u64,
    ) -> io::Result<()> {
        for i in 0..self.conns.len() {
            let m = &mut self.conns[i];
            if m.sctp.poll_timeout().is_some_and(|t| t <= now) {
                m.sctp.handle_timeout(now);
                self.events(side, now, i);
            }
            if self.conns[i].retry.due(now) {
                side.reconnect(now, i);
                if self.connect(now, i).is_err() {
                    self.conns[i].retry.schedule(now);
                }
            }
        }
        Ok(())
    }

    fn close(&mut self, _registry: &Registry, now: u64) {
        self.closing = true;
        for m in &mut self.conns {
            m.retry.started();
            if let Some(id) = m.assoc {
                m.sctp.shutdown(now, id);
            }
        }
    }

    fn is_closed(&self) -> bool {
        self.conns.iter().all(|m| m.assoc.is_none())
    }

    fn sctp_totals(&mut self) -> Option<SctpTotals> {
        let mut total = SctpTotals::default();
        for m in &mut self.conns {
            total.merge(&m.sctp.totals(m.assoc));
        }
        Some(total)
    }
}
