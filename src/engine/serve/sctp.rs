//! The SCTP listeners of `serve` (RFC 6733 §2.1, TS 29.272 §4.1): kernel SCTP one-to-one
//! sockets ([`KernelSctpS6a`]) and roamsim's user-space SCTP over UDP ([`SctpUdpS6a`],
//! RFC 6951). Either way one association is one Diameter connection, every message is one
//! SCTP user message with PPID 46, base protocol messages go on stream 0 and the others are
//! spread over the remaining streams ([`diameter_stream`]).

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;

use mio::{Interest, Registry, Token};

use super::listen::{put, S6aTransport, FIRST_CONN, S6A};
use super::s6a::S6aCore;
use crate::engine::sctp_udp::{SctpTotals, SctpUdp, SctpUdpConfig};
use crate::engine::transport::{diameter_stream, messages, PPID_DIAMETER};
use crate::io::sctp::{Recv, SctpConfig, SctpListener, SctpStream};
use crate::proto::sctp::{AssocId, Event};

struct KernelConn {
    stream: SctpStream,
    streams: u16,
    /// Messages the socket refused for lack of buffer, (stream, bytes), in order.
    queue: VecDeque<(u16, Vec<u8>)>,
    writable: bool,
}

impl KernelConn {
    /// Sends what is queued; false on a hard error.
    fn drain(&mut self) -> bool {
        while let Some((sid, msg)) = self.queue.front() {
            match self.stream.send_msg(msg, *sid, PPID_DIAMETER) {
                Ok(()) => {
                    self.queue.pop_front();
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        true
    }
}

/// Diameter over the kernel's SCTP.
pub(super) struct KernelSctpS6a {
    listener: SctpListener,
    conns: Vec<Option<KernelConn>>,
}

impl KernelSctpS6a {
    pub(super) fn bind(addr: SocketAddr) -> io::Result<KernelSctpS6a> {
        Ok(KernelSctpS6a {
            listener: SctpListener::bind(addr, &SctpConfig::default())?,
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
                    eprintln!("roamsim serve: SCTP accept failed: {e}");
                    return Ok(());
                }
            };
            let streams = stream.outbound_streams().unwrap_or(1);
            let id = core.open(now);
            registry.register(&mut stream, Token(FIRST_CONN + id), Interest::READABLE)?;
            let conn = KernelConn {
                stream,
                streams,
                queue: VecDeque::new(),
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
            match conn.stream.recv_msg() {
                Ok(Recv::Message { data, .. }) => core.handle_message(now, id, data),
                Ok(Recv::Closed) => break,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        self.close(core, registry, id);
    }

    fn close(&mut self, core: &mut S6aCore, registry: &Registry, id: usize) {
        if let Some(mut conn) = self.conns.get_mut(id).and_then(Option::take) {
            let _ = registry.deregister(&mut conn.stream);
        }
        core.close(id);
    }
}

impl S6aTransport for KernelSctpS6a {
    fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr()
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
                if !c.drain() {
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

    fn flush(&mut self, core: &mut S6aCore, registry: &Registry, _now: u64) -> anyhow::Result<()> {
        for id in 0..self.conns.len() {
            let Some(c) = self.conns[id].as_mut() else {
                continue;
            };
            for m in messages(core.output(id)) {
                match m {
                    Ok(msg) => c
                        .queue
                        .push_back((diameter_stream(msg, c.streams), msg.to_vec())),
                    Err(rest) => eprintln!(
                        "roamsim serve: dropped {} bytes that are not a Diameter message",
                        rest.len()
                    ),
                }
            }
            core.clear_output(id);
            if !c.drain() {
                self.close(core, registry, id);
                continue;
            }
            let want = !c.queue.is_empty();
            if want != c.writable {
                let interest = if want {
                    Interest::READABLE | Interest::WRITABLE
                } else {
                    Interest::READABLE
                };
                let _ = registry.reregister(&mut c.stream, Token(FIRST_CONN + id), interest);
                c.writable = want;
            }
            if core.is_down(id) {
                // SHUTDOWN after the queued messages (RFC 9260 §9.2), then forget it.
                let _ = c.stream.shutdown();
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

/// Diameter over user-space SCTP in UDP datagrams: one socket, one association per peer.
pub(super) struct SctpUdpS6a {
    sctp: SctpUdp,
    by_assoc: HashMap<AssocId, usize>,
    /// Per connection id: its association, and whether SHUTDOWN was started.
    assoc_of: Vec<Option<(AssocId, bool)>>,
    wrong_ppid: u64,
}

impl SctpUdpS6a {
    pub(super) fn bind(addr: SocketAddr) -> io::Result<SctpUdpS6a> {
        Ok(SctpUdpS6a {
            sctp: SctpUdp::bind(addr, SctpUdpConfig::server())?,
            by_assoc: HashMap::new(),
            assoc_of: Vec::new(),
            wrong_ppid: 0,
        })
    }

    fn events(&mut self, core: &mut S6aCore, now: u64) {
        while let Some((assoc, ev)) = self.sctp.poll_event() {
            match ev {
                Event::Connected { .. } => {
                    let id = core.open(now);
                    self.by_assoc.insert(assoc, id);
                    put(&mut self.assoc_of, id, (assoc, false));
                }
                Event::Message { ppid, data, .. } => {
                    if ppid != PPID_DIAMETER {
                        self.wrong_ppid += 1;
                    }
                    if let Some(&id) = self.by_assoc.get(&assoc) {
                        core.handle_message(now, id, &data);
                    }
                }
                Event::Closed { .. } => {
                    if let Some(id) = self.by_assoc.remove(&assoc) {
                        self.assoc_of[id] = None;
                        core.close(id);
                    }
                }
            }
        }
    }

    fn live(&self) -> Vec<AssocId> {
        self.by_assoc.keys().copied().collect()
    }
}

impl S6aTransport for SctpUdpS6a {
    fn local_addr(&self) -> SocketAddr {
        self.sctp.local_addr()
    }

    fn register(&mut self, registry: &Registry) -> io::Result<()> {
        registry.register(&mut self.sctp, S6A, Interest::READABLE)
    }

    fn ready(
        &mut self,
        core: &mut S6aCore,
        _registry: &Registry,
        now: u64,
        _conn: Option<usize>,
        _readable: bool,
        _writable: bool,
    ) -> anyhow::Result<()> {
        self.sctp.recv(now)?;
        self.events(core, now);
        Ok(())
    }

    fn flush(&mut self, core: &mut S6aCore, _registry: &Registry, now: u64) -> anyhow::Result<()> {
        for id in 0..self.assoc_of.len() {
            let Some((assoc, shutting)) = self.assoc_of[id] else {
                continue;
            };
            let out = core.output(id);
            if !out.is_empty() {
                // A refusal is counted (`sctp send errors` in the exit report) and the Diameter
                // peer's timers notice; the usual one is an answer or CLR for an MME whose
                // association is already shutting down, not worth a line per message.
                let _ = self.sctp.send_diameter(now, assoc, out);
                core.clear_output(id);
            }
            if core.is_down(id) && !shutting {
                // After the last answer (a refusal's CEA, a DPA), SHUTDOWN (RFC 9260 §9.2).
                self.sctp.shutdown(now, assoc);
                self.assoc_of[id] = Some((assoc, true));
            }
        }
        self.sctp.flush(now)?;
        // A SHUTDOWN can close an association at once (nothing outstanding).
        self.events(core, now);
        Ok(())
    }

    fn poll_timeout(&self) -> Option<u64> {
        self.sctp.poll_timeout()
    }

    fn handle_timeout(&mut self, core: &mut S6aCore, now: u64) {
        self.sctp.handle_timeout(now);
        self.events(core, now);
    }

    fn is_empty(&self) -> bool {
        self.by_assoc.is_empty()
    }

    fn close_all(&mut self, core: &mut S6aCore, _registry: &Registry, now: u64) {
        for assoc in self.live() {
            self.sctp.abort(now, assoc);
        }
        let _ = self.sctp.flush(now);
        self.events(core, now);
    }

    fn report_lines(&mut self) -> Vec<String> {
        let mut lines = vec![self
            .sctp_totals()
            .map(|t| t.to_string())
            .unwrap_or_default()];
        lines.push(format!(
            "sctp send errors {}, messages with a PPID other than 46: {}",
            self.sctp.send_errors(),
            self.wrong_ppid
        ));
        lines
    }

    fn sctp_totals(&mut self) -> Option<SctpTotals> {
        let live = self.live();
        Some(self.sctp.totals(live))
    }
}
