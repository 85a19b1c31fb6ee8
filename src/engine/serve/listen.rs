//! The S6a listeners of `serve`, one per Diameter transport (RFC 6733 §2.1): TCP here, kernel
//! SCTP and SCTP over UDP (RFC 6951) in [`super::sctp`]. Each moves whole Diameter messages
//! between its sockets and the transport-independent [`S6aCore`]; the serve loop sees only
//! the [`S6aTransport`] trait, so one loop serves every transport (STYLE.md §6).
//!
//! Tokens: [`S6A`] is the listener (or the UDP socket), [`FIRST_CONN`]` + id` a connection
//! whose id [`S6aCore::open`] gave.

use std::io;
use std::net::SocketAddr;

use anyhow::Context;
use mio::net::{TcpListener, TcpStream};
use mio::{Interest, Registry, Token};

use super::s6a::S6aCore;
use crate::engine::transport::Transport;
use crate::io::{tcp, ReadStatus, StreamBuf, TcpConfig, WriteQueue};
use crate::wire::diameter::message_len;

/// Token of the S6a listener or socket.
pub(super) const S6A: Token = Token(0);
/// Token of the first connection (`FIRST_CONN + id`).
pub(super) const FIRST_CONN: usize = 2;
const MAX_DIAMETER_MESSAGE: usize = 1 << 20;

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
    fn sctp_totals(&mut self) -> Option<crate::engine::sctp_udp::SctpTotals> {
        None
    }
}

/// Binds the S6a side of `transport` on `addr`.
pub(super) fn bind(
    transport: Transport,
    addr: SocketAddr,
) -> anyhow::Result<Box<dyn S6aTransport>> {
    let what = |t: &str| format!("bind the HSS (S6a, Diameter over {t}) to {addr}");
    Ok(match transport {
        Transport::Tcp => Box::new(TcpS6a::bind(addr).with_context(|| what("TCP"))?),
        Transport::Sctp => {
            Box::new(super::sctp::KernelSctpS6a::bind(addr).with_context(|| what("SCTP"))?)
        }
        Transport::SctpUdp => Box::new(
            super::sctp::SctpUdpS6a::bind(addr).with_context(|| what("SCTP over UDP, RFC 6951"))?,
        ),
    })
}

/// Puts `item` at index `id`, growing the table as needed.
pub(super) fn put<T>(table: &mut Vec<Option<T>>, id: usize, item: T) {
    if table.len() <= id {
        table.resize_with(id + 1, || None);
    }
    table[id] = Some(item);
}

struct TcpConn {
    stream: TcpStream,
    rbuf: StreamBuf,
    wq: WriteQueue,
    writable: bool,
}

/// Diameter over TCP: messages back to back on a byte stream.
struct TcpS6a {
    listener: TcpListener,
    conns: Vec<Option<TcpConn>>,
}

impl TcpS6a {
    fn bind(addr: SocketAddr) -> io::Result<TcpS6a> {
        Ok(TcpS6a {
            listener: tcp::listen(addr, &TcpConfig::default())?,
            conns: Vec::new(),
        })
    }

    fn accept_all(&mut self, core: &mut S6aCore, registry: &Registry, now: u64) -> io::Result<()> {
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
            let id = core.open(now);
            registry.register(&mut stream, Token(FIRST_CONN + id), Interest::READABLE)?;
            let conn = TcpConn {
                stream,
                rbuf: StreamBuf::new(message_len, 64 * 1024, MAX_DIAMETER_MESSAGE),
                wq: WriteQueue::with_capacity(64 * 1024),
                writable: false,
            };
            put(&mut self.conns, id, conn);
        }
    }

    fn readable(&mut self, core: &mut S6aCore, registry: &Registry, now: u64, id: usize) {
        loop {
            let Some(conn) = self.conns.get_mut(id).and_then(Option::as_mut) else {
                return;
            };
            let status = match conn.rbuf.read_from(&mut conn.stream) {
                Ok((_, s)) => s,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => ReadStatus::Closed,
            };
            loop {
                match conn.rbuf.next_message() {
                    Ok(Some(msg)) => core.handle_message(now, id, msg),
                    Ok(None) => break,
                    Err(e) => {
                        core.framing_error(id, &e);
                        self.close(core, registry, id);
                        return;
                    }
                }
            }
            match status {
                ReadStatus::Full => continue,
                ReadStatus::WouldBlock => return,
                ReadStatus::Closed => {
                    self.close(core, registry, id);
                    return;
                }
            }
        }
    }

    fn close(&mut self, core: &mut S6aCore, registry: &Registry, id: usize) {
        if let Some(mut conn) = self.conns.get_mut(id).and_then(Option::take) {
            let _ = registry.deregister(&mut conn.stream);
        }
        core.close(id);
    }
}

impl S6aTransport for TcpS6a {
    fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
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
                if c.wq.flush_to(&mut c.stream).is_err() {
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

    /// Moves each peer's output to its write queue and writes; asks for writable readiness
    /// where the socket is full.
    fn flush(&mut self, core: &mut S6aCore, registry: &Registry, _now: u64) -> anyhow::Result<()> {
        for id in 0..self.conns.len() {
            let Some(c) = self.conns[id].as_mut() else {
                continue;
            };
            if !core.output(id).is_empty() {
                c.wq.push(core.output(id));
                core.clear_output(id);
            }
            if !c.wq.is_empty() || c.writable {
                if c.wq.flush_to(&mut c.stream).is_err() {
                    self.close(core, registry, id);
                    continue;
                }
                let want = !c.wq.is_empty();
                if want != c.writable {
                    let interest = if want {
                        Interest::READABLE | Interest::WRITABLE
                    } else {
                        Interest::READABLE
                    };
                    let _ = registry.reregister(&mut c.stream, Token(FIRST_CONN + id), interest);
                    c.writable = want;
                }
            }
            // A refused CER or a finished DPR/DPA: its last message is written, close.
            if core.is_down(id) {
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
