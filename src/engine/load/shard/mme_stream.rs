//! S6a for a shard's MMEs over a socket per MME (RFC 6733 §2.1, TS 29.272 §4.1): TCP or the
//! kernel's SCTP, one connection per MME instance, each its own Diameter peer with its own
//! Origin-Host. The connection does the transport's framing ([`DiameterConn`]); this does
//! the MMEs' side of it: connecting, readiness, writing what the MMEs send, and opening a
//! broken connection again after a backoff ([`Reconnect`]) with a fresh Diameter peer (CER
//! again).

use std::io;
use std::net::SocketAddr;

use mio::{Interest, Registry, Token};

use super::links::MmeSide;
use super::mmes::{want_writable, MmeTransport, Reconnect, FIRST_MME};
use crate::engine::diameter::conn::{DiameterConn, ReadEnd};

struct MmeConn<C> {
    conn: Option<C>,
    connected: bool,
    writable_interest: bool,
    retry: Reconnect,
}

/// The connections of one shard's MMEs; token `FIRST_MME + i` is MME `i`'s.
pub(super) struct StreamMmes<C> {
    hss: SocketAddr,
    open: fn(SocketAddr) -> io::Result<C>,
    conns: Vec<MmeConn<C>>,
}

impl<C: DiameterConn> StreamMmes<C> {
    /// MMEs that reach the HSS at `hss` with connections that `open` starts.
    pub(super) fn new(hss: SocketAddr, open: fn(SocketAddr) -> io::Result<C>) -> StreamMmes<C> {
        StreamMmes {
            hss,
            open,
            conns: Vec::new(),
        }
    }

    fn connect(&mut self, registry: &Registry, i: usize) -> io::Result<()> {
        let mut conn = (self.open)(self.hss)?;
        registry.register(
            &mut conn,
            Token(FIRST_MME + i),
            Interest::READABLE | Interest::WRITABLE,
        )?;
        let m = &mut self.conns[i];
        m.conn = Some(conn);
        m.connected = false;
        m.writable_interest = true;
        m.retry.started();
        Ok(())
    }

    fn readable(&mut self, side: &mut MmeSide<'_>, registry: &Registry, now: u64, i: usize) {
        let Some(conn) = self.conns[i].conn.as_mut() else {
            return;
        };
        match conn.read(&mut |msg| side.received(now, i, msg)) {
            ReadEnd::WouldBlock => {}
            ReadEnd::Closed | ReadEnd::Framing(_) => self.broken(registry, now, i),
        }
    }

    /// The MME's connection is gone: drop it and try again after the backoff.
    fn broken(&mut self, registry: &Registry, now: u64, i: usize) {
        let m = &mut self.conns[i];
        if let Some(mut c) = m.conn.take() {
            let _ = registry.deregister(&mut c);
        }
        m.connected = false;
        m.retry.schedule(now);
    }
}

impl<C: DiameterConn> MmeTransport for StreamMmes<C> {
    fn start(&mut self, side: &mut MmeSide<'_>, registry: &Registry, _now: u64) -> io::Result<()> {
        for i in 0..side.mme_count() {
            self.conns.push(MmeConn {
                conn: None,
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
        let Some(m) = self.conns.get_mut(i) else {
            return Ok(());
        };
        if writable && !m.connected {
            if !m.conn.as_mut().is_some_and(C::established) {
                self.broken(registry, now, i);
                return Ok(());
            }
            m.connected = true;
            m.retry.succeeded();
        }
        if writable {
            if let Some(c) = self.conns[i].conn.as_mut() {
                if c.write().is_err() {
                    self.broken(registry, now, i);
                    return Ok(());
                }
            }
        }
        if readable {
            self.readable(side, registry, now, i);
        }
        Ok(())
    }

    fn flush(&mut self, side: &mut MmeSide<'_>, registry: &Registry, now: u64) -> io::Result<()> {
        for i in 0..self.conns.len() {
            let m = &mut self.conns[i];
            let Some(conn) = m.conn.as_mut() else {
                continue;
            };
            let bytes = side.transmit(now, i);
            if !bytes.is_empty() {
                conn.queue(bytes);
                side.clear_transmit(i);
            }
            if !m.connected {
                continue;
            }
            match conn.write() {
                Ok(pending) => want_writable(registry, conn, i, pending, &mut m.writable_interest),
                Err(_) => self.broken(registry, now, i),
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
            if let Some(c) = m.conn.as_ref() {
                c.shutdown();
            }
        }
    }
}
