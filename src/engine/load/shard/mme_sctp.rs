//! S6a over roamsim's user-space SCTP in UDP datagrams (RFC 6951) for a shard's MMEs
//! (RFC 6733 §2.1, TS 29.272 §4.1): one association per MME instance, each its own Diameter
//! peer with its own Origin-Host, every message one SCTP user message with PPID 46 on the
//! stream `transport::diameter_stream` picks (0 for the base protocol, 1.. by hop-by-hop
//! id); one [`SctpUdp`] endpoint (UDP socket) per MME, whose counters, retransmissions above
//! all, go into the run's summary. Kernel SCTP is a socket per MME, like TCP
//! ([`super::mme_stream`]).
//!
//! A broken association is opened again after a backoff ([`Reconnect`]) with a fresh
//! Diameter peer, as over TCP.

use std::io;
use std::net::SocketAddr;

use mio::{Interest, Registry, Token};

use super::links::MmeSide;
use super::mmes::{MmeTransport, Reconnect, FIRST_MME};
use crate::engine::diameter::sctp_udp::{SctpTotals, SctpUdp, SctpUdpConfig};
use crate::model::Micros;
use crate::proto::sctp::{AssocId, Event};

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
            .connect(Micros(now), hss)
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
        m.sctp.recv(Micros(now))?;
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
                    let _ = m.sctp.send_diameter(Micros(now), id, bytes);
                    side.clear_transmit(i);
                }
            }
            m.sctp.flush(Micros(now))?;
            self.events(side, now, i);
        }
        Ok(())
    }

    fn poll_timeout(&self) -> Option<u64> {
        self.conns
            .iter()
            .flat_map(|m| [m.retry.at(), m.sctp.poll_timeout().map(u64::from)])
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
            if m.sctp.poll_timeout().is_some_and(|t| t <= Micros(now)) {
                m.sctp.handle_timeout(Micros(now));
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
                m.sctp.shutdown(Micros(now), id);
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
