//! The S6a listeners of `serve`, one per Diameter transport (RFC 6733 §2.1): TCP and kernel
//! SCTP here ([`StreamS6a`], a socket per peer, framing in `engine::diameter_conn`), SCTP over
//! UDP (RFC 6951) in [`super::sctp`]. Each moves whole Diameter messages between its sockets
//! and the transport-independent [`S6aCore`]; the serve loop sees only the [`S6aTransport`]
//! trait, so one loop serves every transport (CONTRIBUTING.md §6).
//!
//! Tokens: [`S6A`] is the listener (or the UDP socket), [`FIRST_CONN`]` + id` a connection
//! whose id [`S6aCore::open`] gave.

use std::io;
use std::net::SocketAddr;

use mio::net::TcpListener;
use mio::{Interest, Registry, Token};

use crate::engine::diameter::conn::{DiameterConn, ReadEnd, SctpConn, TcpConn};
use crate::home::S6aCore;
use crate::io::sctp::SctpListener;
use crate::model::Micros;

/// Token of the S6a listener or socket.
pub(super) const S6A: Token = Token(0);
/// Token of the first connection (`FIRST_CONN + id`).
pub(super) const FIRST_CONN: usize = 8;

/// What the serve loop needs from an S6a transport.
pub(super) trait S6aTransport {
    /// The bound address.
    fn local_addr(&self) -> SocketAddr;
    /// Registers the listener (or socket) under [`S6A`].
    fn register(&mut self, registry: &Registry) -> io::Result<()>;
    /// Readiness of [`S6A`] (`conn` is `None`) or of connection `conn`.
    fn ready(
        &mut self,
        core: &mut S6aCore,
        registry: &Registry,
        now: u64,
        conn: Option<usize>,
        readable: bool,
        writable: bool,
    ) -> anyhow::Result<()>;
    /// Writes every connection's output; closes connections that are down.
    fn flush(&mut self, core: &mut S6aCore, registry: &Registry, now: u64) -> anyhow::Result<()>;
    /// The transport's own earliest timer (SCTP retransmission, heartbeats).
    fn poll_timeout(&self) -> Option<u64> {
        None
    }
    /// Runs the transport's timers due at `now`.
    fn handle_timeout(&mut self, _core: &mut S6aCore, _now: u64) {}
    /// No connection is left.
    fn is_empty(&self) -> bool;
    /// Closes every connection at once (end of the shutdown grace period).
    fn close_all(&mut self, core: &mut S6aCore, registry: &Registry, now: u64);
    /// Transport counters for the exit report.
    fn report_lines(&mut self) -> Vec<String> {
        Vec::new()
    }
    /// SCTP association counters, for `sctp-udp`.
    fn sctp_totals(&mut self) -> Option<crate::engine::diameter::sctp_udp::SctpTotals> {
        None
    }
}

/// Puts `item` at index `id`, growing the table as needed.
pub(super) fn put<T>(table: &mut Vec<Option<T>>, id: usize, item: T) {
    if table.len() <= id {
        table.resize_with(id + 1, || None);
    }
    table[id] = Some(item);
}

/// A listening socket whose accepted connections carry Diameter ([`DiameterConn`]).
pub(super) trait ConnListener: mio::event::Source {
    /// What it accepts.
    type Conn: DiameterConn;
    /// The transport's name, for messages.
    const NAME: &'static str;
    /// Accepts one pending connection.
    fn accept_conn(&mut self) -> io::Result<Self::Conn>;
    /// The bound address.
    fn bound_addr(&self) -> SocketAddr;
}

impl ConnListener for TcpListener {
    type Conn = TcpConn;
    const NAME: &'static str = "TCP";

    fn accept_conn(&mut self) -> io::Result<TcpConn> {
        self.accept().map(|(stream, _)| TcpConn::accepted(stream))
    }

    fn bound_addr(&self) -> SocketAddr {
        self.local_addr().expect("a bound listener has an address")
    }
}

impl ConnListener for SctpListener {
    type Conn = SctpConn;
    const NAME: &'static str = "SCTP";

    fn accept_conn(&mut self) -> io::Result<SctpConn> {
        self.accept().map(|(stream, _)| SctpConn::accepted(stream))
    }

    fn bound_addr(&self) -> SocketAddr {
        self.local_addr()
    }
}

struct Conn<C> {
    conn: C,
    /// Whether WRITABLE readiness is registered (output waits for room).
    writable: bool,
}

/// Diameter over a socket per peer: TCP, or kernel SCTP one-to-one sockets.
pub(super) struct StreamS6a<L: ConnListener> {
    listener: L,
    conns: Vec<Option<Conn<L::Conn>>>,
}

impl<L: ConnListener> StreamS6a<L> {
    pub(super) fn new(listener: L) -> StreamS6a<L> {
        StreamS6a {
            listener,
            conns: Vec::new(),
        }
    }

    fn accept_all(&mut self, core: &mut S6aCore, registry: &Registry, now: u64) -> io::Result<()> {
        loop {
            let mut conn = match self.listener.accept_conn() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    eprintln!("roamsim serve: {} accept failed: {e}", L::NAME);
                    return Ok(());
                }
            };
            let id = core.open(Micros(now));
            registry.register(&mut conn, Token(FIRST_CONN + id), Interest::READABLE)?;
            put(
                &mut self.conns,
                id,
                Conn {
                    conn,
                    writable: false,
                },
            );
        }
    }

    fn readable(&mut self, core: &mut S6aCore, registry: &Registry, now: u64, id: usize) {
        let Some(c) = self.conns.get_mut(id).and_then(Option::as_mut) else {
            return;
        };
        match c
            .conn
            .read(&mut |msg| core.handle_message(Micros(now), id, msg))
        {
            ReadEnd::WouldBlock => {}
            ReadEnd::Closed => self.close(core, registry, id),
            ReadEnd::Framing(e) => {
                core.framing_error(id, &e);
                self.close(core, registry, id);
            }
        }
    }

    fn close(&mut self, core: &mut S6aCore, registry: &Registry, id: usize) {
        if let Some(mut c) = self.conns.get_mut(id).and_then(Option::take) {
            let _ = registry.deregister(&mut c.conn);
        }
        core.close(id);
    }
}

impl<L: ConnListener> S6aTransport for StreamS6a<L> {
    fn local_addr(&self) -> SocketAddr {
        self.listener.bound_addr()
    }

    fn register(&mut self, registry: &Registry) -> io::Result<()> {
        registry.register(&mut self.listener, S6A, Interest::READABLE)
    }

    fn ready(
        &mut self,
        core: &mut S6aCore,
        registry: &Registry,
        now: u64,
        conn: Option<usize>,
        readable: bool,
        writable: bool,
    ) -> anyhow::Result<()> {
        let Some(id) = conn else {
            return Ok(self.accept_all(core, registry, now)?);
        };
        if writable {
            if let Some(c) = self.conns.get_mut(id).and_then(Option::as_mut) {
                if c.conn.write().is_err() {
                    self.close(core, registry, id);
                    return Ok(());
                }
            }
        }
        if readable {
            self.readable(core, registry, now, id);
        }
        Ok(())
    }

    /// Moves each peer's output to its connection and writes; asks for writable readiness
    /// where the socket is full.
    fn flush(&mut self, core: &mut S6aCore, registry: &Registry, _now: u64) -> anyhow::Result<()> {
        for id in 0..self.conns.len() {
            let Some(c) = self.conns[id].as_mut() else {
                continue;
            };
            let out = core.output(id);
            if !out.is_empty() {
                c.conn.queue(out);
                core.clear_output(id);
            }
            match c.conn.write() {
                Ok(want) if want != c.writable => {
                    let interest = if want {
                        Interest::READABLE | Interest::WRITABLE
                    } else {
                        Interest::READABLE
                    };
                    let _ = registry.reregister(&mut c.conn, Token(FIRST_CONN + id), interest);
                    c.writable = want;
                }
                Ok(_) => {}
                Err(_) => {
                    self.close(core, registry, id);
                    continue;
                }
            }
            // A refused CER or a finished DPR/DPA: its last message is queued; SCTP sends
            // SHUTDOWN after it (RFC 9260 §9.2), TCP closes the socket.
            if core.is_down(id) {
                c.conn.shutdown();
                self.close(core, registry, id);
            }
        }
        Ok(())
    }

    fn is_empty(&self) -> bool {
        self.conns.iter().all(Option::is_none)
    }

    fn close_all(&mut self, core: &mut S6aCore, registry: &Registry, _now: u64) {
        for id in 0..self.conns.len() {
            self.close(core, registry, id);
        }
    }
}
