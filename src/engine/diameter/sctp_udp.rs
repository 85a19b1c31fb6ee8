//! Diameter over roamsim's user-space SCTP carried in UDP (RFC 6951; RFC 6733 §2.1 for
//! Diameter over SCTP; TS 29.272 §4.1 for S6a): one UDP socket and one sans-IO
//! [`Endpoint`], any number of associations, each one Diameter
//! connection. Both sides use it: `serve` accepts associations on its S6a address, `load` and
//! `run` [`connect`](SctpUdp::connect) one association per shard and peer.
//!
//! Call order, for a loop that owns the clock (`now` in µs from an origin it picks):
//! register the socket with mio (`SctpUdp` is a `mio::event::Source`) or wait with
//! [`wait`](SctpUdp::wait); on readiness [`recv`](SctpUdp::recv); when `now` reaches
//! [`poll_timeout`](SctpUdp::poll_timeout) call [`handle_timeout`](SctpUdp::handle_timeout);
//! drain [`poll_event`](SctpUdp::poll_event) (`Connected`, whole Diameter messages, `Closed`);
//! hand each Diameter peer's output to [`send_diameter`](SctpUdp::send_diameter); finally
//! [`flush`](SctpUdp::flush) the packets in `sendmmsg` batches.
//!
//! Every message goes out with PPID 46 on the stream [`diameter_stream`] picks (0 for the
//! base protocol, 1.. by hop-by-hop id). Associations' counters (retransmissions above all)
//! are summed into [`SctpTotals`] as they close, for the reports.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use super::{diameter_stream, messages, DIAMETER_PORT};
use crate::io::{RecvBatch, TxBatch, UdpConfig, UdpSocket, MAX_BATCH};
use crate::model::Micros;
use crate::proto::sctp::{
    AssocId, AssocStats, ConnectError, Endpoint, EndpointConfig, Event, SendError, State,
    PPID_DIAMETER,
};

/// Settings of an [`SctpUdp`].
#[derive(Debug, Clone)]
pub struct SctpUdpConfig {
    /// The SCTP endpoint: our SCTP port (3868), association parameters, server role.
    pub endpoint: EndpointConfig,
    /// The UDP socket; large buffers so bursts of packets are not dropped by the kernel.
    pub udp: UdpConfig,
}

impl SctpUdpConfig {
    /// A server (accepts INIT) on SCTP port 3868.
    pub fn server() -> Self {
        SctpUdpConfig {
            endpoint: EndpointConfig {
                local_port: DIAMETER_PORT,
                ..EndpointConfig::default()
            },
            udp: UdpConfig {
                gso: false,
                ..UdpConfig::default()
            },
        }
    }

    /// A client (answers no INIT) on SCTP port 3868, as Diameter clients use (RFC 6733 §2.1
    /// leaves the source port open; one port per UDP socket keeps tshark's decode simple).
    pub fn client() -> Self {
        let mut c = SctpUdpConfig::server();
        c.endpoint.accept = false;
        c
    }
}

/// Why [`SctpUdp::send_diameter`] did not queue everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SendDiameterError {
    /// The association is gone.
    #[error("no such SCTP association")]
    NoAssociation,
    /// The buffer held something that is not a whole Diameter message.
    #[error("not a whole Diameter message ({0} bytes left)")]
    Framing(usize),
    /// The association refused a message (not established, send buffer full).
    #[error(transparent)]
    Sctp(#[from] SendError),
}

/// Counters summed over associations (closed ones as they closed, live ones now).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SctpTotals {
    /// Associations established.
    pub associations: u64,
    /// Associations that closed.
    pub closed: u64,
    /// Sums of the per-association counters.
    pub stats: AssocStats,
}

impl SctpTotals {
    /// Adds another endpoint's totals (e.g. another shard's).
    pub fn merge(&mut self, other: &SctpTotals) {
        self.associations += other.associations;
        self.closed += other.closed;
        self.add(&other.stats);
    }

    fn add(&mut self, s: &AssocStats) {
        let t = &mut self.stats;
        t.packets_sent += s.packets_sent;
        t.packets_received += s.packets_received;
        t.packets_dropped += s.packets_dropped;
        t.messages_sent += s.messages_sent;
        t.messages_received += s.messages_received;
        t.data_chunks_sent += s.data_chunks_sent;
        t.retransmissions += s.retransmissions;
        t.fast_retransmissions += s.fast_retransmissions;
        t.t3_expirations += s.t3_expirations;
        t.sacks_sent += s.sacks_sent;
        t.sacks_received += s.sacks_received;
        t.duplicate_tsns += s.duplicate_tsns;
        t.rx_window_drops += s.rx_window_drops;
        t.heartbeats_sent += s.heartbeats_sent;
        t.heartbeat_acks += s.heartbeat_acks;
    }
}

impl fmt::Display for SctpTotals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stats;
        write!(
            f,
            "sctp associations {} closed {}, packets sent {} received {} dropped {}, \
             data chunks {} retransmissions {} (fast {}, t3 expirations {}), \
             duplicate tsns {}, rx window drops {}, heartbeats {} acked {}",
            self.associations,
            self.closed,
            s.packets_sent,
            s.packets_received,
            s.packets_dropped,
            s.data_chunks_sent,
            s.retransmissions,
            s.fast_retransmissions,
            s.t3_expirations,
            s.duplicate_tsns,
            s.rx_window_drops,
            s.heartbeats_sent,
            s.heartbeat_acks
        )
    }
}

/// One UDP socket carrying an SCTP endpoint for Diameter (see the module docs).
pub struct SctpUdp {
    socket: UdpSocket,
    endpoint: Endpoint,
    recv: RecvBatch,
    tx: TxBatch,
    streams: HashMap<AssocId, u16>,
    /// Messages given before the handshake finished, sent on `Connected`.
    early: HashMap<AssocId, Vec<u8>>,
    totals: SctpTotals,
    send_errors: u64,
}

impl SctpUdp {
    /// Binds `addr` (port 0 picks one). The cookie secret and the endpoint's seed come from
    /// the kernel's random source.
    pub fn bind(addr: SocketAddr, cfg: SctpUdpConfig) -> io::Result<SctpUdp> {
        let socket = UdpSocket::bind(addr, &cfg.udp)?;
        let mut secret = [0u8; 32];
        crate::io::random::fill(&mut secret)?;
        let mut seed = [0u8; 8];
        crate::io::random::fill(&mut seed)?;
        let endpoint = Endpoint::new(cfg.endpoint, secret, u64::from_ne_bytes(seed));
        Ok(SctpUdp {
            socket,
            endpoint,
            recv: RecvBatch::new(MAX_BATCH, 2048),
            tx: TxBatch::new(),
            streams: HashMap::new(),
            early: HashMap::new(),
            totals: SctpTotals::default(),
            send_errors: 0,
        })
    }

    /// The bound UDP address.
    pub fn local_addr(&self) -> SocketAddr {
        self.socket.local_addr()
    }

    /// `SO_RCVBUF` the kernel granted the UDP socket.
    pub fn recv_buffer_size(&self) -> usize {
        self.socket.recv_buffer_size()
    }

    /// Opens an association to the Diameter server at UDP address `peer` (SCTP port 3868).
    /// `Connected` comes through [`poll_event`](SctpUdp::poll_event).
    pub fn connect(&mut self, now: Micros, peer: SocketAddr) -> Result<AssocId, ConnectError> {
        self.endpoint.connect(now, peer, DIAMETER_PORT)
    }

    /// Reads every waiting datagram into the endpoint (until the socket would block).
    /// Returns the number of datagrams read.
    pub fn recv(&mut self, now: Micros) -> io::Result<usize> {
        let mut total = 0;
        loop {
            match self.socket.recv_batch(&mut self.recv) {
                Ok(0) => return Ok(total),
                Ok(n) => total += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(total),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            for (from, bytes) in self.recv.datagrams() {
                self.endpoint.handle_packet(now, from, bytes);
            }
        }
    }

    /// The next association event. `Connected` and `Closed` are also recorded here (stream
    /// counts, totals); `Message` carries one whole Diameter message.
    pub fn poll_event(&mut self) -> Option<(AssocId, Event)> {
        let (id, ev) = self.endpoint.poll_event()?;
        match &ev {
            Event::Connected {
                outbound_streams, ..
            } => {
                self.streams.insert(id, *outbound_streams);
                self.totals.associations += 1;
                if let Some(early) = self.early.remove(&id) {
                    // Errors are counted in `send_errors`; the Diameter peer's timers notice.
                    let _ = self.send_diameter(Micros::ZERO, id, &early);
                }
            }
            Event::Closed { .. } => {
                self.streams.remove(&id);
                self.early.remove(&id);
                self.totals.closed += 1;
                if let Some(a) = self.endpoint.association(id) {
                    self.totals.add(&a.stats());
                }
            }
            Event::Message { .. } => {}
        }
        Some((id, ev))
    }

    /// Queues the back-to-back Diameter messages in `buf` on association `id`, each on its
    /// stream with PPID 46. Before the handshake completes they are kept and sent on
    /// `Connected` (a client's CER). Stops at the first refusal; what was queued before stays
    /// queued.
    pub fn send_diameter(
        &mut self,
        now: Micros,
        id: AssocId,
        buf: &[u8],
    ) -> Result<(), SendDiameterError> {
        let streams = self.streams.get(&id).copied().unwrap_or(1);
        let assoc = self
            .endpoint
            .association(id)
            .ok_or(SendDiameterError::NoAssociation)?;
        if let Some(Err(rest)) = messages(buf).find(Result::is_err) {
            self.send_errors += 1;
            return Err(SendDiameterError::Framing(rest.len()));
        }
        if matches!(assoc.state(), State::CookieWait | State::CookieEchoed) {
            self.early.entry(id).or_default().extend_from_slice(buf);
            return Ok(());
        }
        let result = messages(buf).try_for_each(|m| match m {
            Ok(msg) => assoc
                .send(now, diameter_stream(msg, streams), PPID_DIAMETER, msg)
                .map_err(SendDiameterError::from),
            Err(rest) => Err(SendDiameterError::Framing(rest.len())),
        });
        if result.is_err() {
            self.send_errors += 1;
        }
        result
    }

    /// Starts a graceful SHUTDOWN of `id` (RFC 9260 §9.2) once its queued data is delivered.
    pub fn shutdown(&mut self, now: Micros, id: AssocId) {
        if let Some(a) = self.endpoint.association(id) {
            a.shutdown(now);
        }
    }

    /// Aborts `id` (RFC 9260 §9.1).
    pub fn abort(&mut self, now: Micros, id: AssocId) {
        if let Some(a) = self.endpoint.association(id) {
            a.abort(now);
        }
    }

    /// Counters of a live association.
    pub fn stats(&mut self, id: AssocId) -> Option<AssocStats> {
        self.endpoint.association(id).map(|a| a.stats())
    }

    /// Negotiated outbound streams of an established association.
    pub fn outbound_streams(&self, id: AssocId) -> Option<u16> {
        self.streams.get(&id).copied()
    }

    /// Totals over closed associations plus `live` (give the ids still open).
    pub fn totals(&mut self, live: impl IntoIterator<Item = AssocId>) -> SctpTotals {
        let mut t = self.totals;
        for id in live {
            if let Some(a) = self.endpoint.association(id) {
                t.add(&a.stats());
            }
        }
        t
    }

    /// Messages `send_diameter` refused.
    pub fn send_errors(&self) -> u64 {
        self.send_errors
    }

    /// Open associations (including closing ones).
    pub fn associations(&self) -> usize {
        self.endpoint.len()
    }

    /// The endpoint's earliest timer.
    pub fn poll_timeout(&self) -> Option<Micros> {
        self.endpoint.poll_timeout()
    }

    /// Runs the endpoint's timers due at `now` (retransmission, SACK, heartbeat, shutdown).
    pub fn handle_timeout(&mut self, now: Micros) {
        self.endpoint.handle_timeout(now);
    }

    /// Sends every packet the endpoint has, `MAX_BATCH` per `sendmmsg`. A full socket buffer
    /// drops the rest of the batch: SCTP retransmits it.
    pub fn flush(&mut self, now: Micros) -> io::Result<()> {
        let endpoint = &mut self.endpoint;
        self.tx.send_all(&mut self.socket, |buf| {
            endpoint.poll_transmit(now, buf).map(|d| d.dst)
        })
    }

    /// Blocks until the socket is readable or `timeout` passes (for loops without mio).
    pub fn wait(&self, timeout: Duration) -> io::Result<bool> {
        crate::io::poll::wait_readable(&self.socket, timeout)
    }
}

impl AsRawFd for SctpUdp {
    fn as_raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}

crate::io::fd_source!(SctpUdp);

#[cfg(test)]
#[path = "sctp_udp_tests.rs"]
mod tests;
