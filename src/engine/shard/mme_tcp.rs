//! S6a over TCP for a shard's MMEs (RFC 6733 §2.1): one TCP connection per MME instance,
//! Diameter messages back to back, read with a [`StreamBuf`] and written through a
//! [`WriteQueue`] so that many messages go out in one `write`. A broken connection is
//! dropped and opened again after a backoff ([`Reconnect`]) with a fresh Diameter peer (CER again).

use std::io;
use std::net::SocketAddr;

use mio::net::TcpStream;
use mio::{Interest, Registry, Token};

use super::{want_writable, MmeSide, MmeTransport, Reconnect, FIRST_MME};
use crate::io::{tcp, ReadStatus, StreamBuf, TcpConfig, WriteQueue};
use crate::wire::diameter::message_len;

struct MmeConn {
    stream: Option<TcpStream>,
    rbuf: StreamBuf,
    wq: WriteQueue,
    connected: bool,
    writable_interest: bool,
    retry: Reconnect,
}

impl MmeConn {
    fn new() -> MmeConn {
        MmeConn {
            stream: None,
            rbuf: StreamBuf::new(message_len, 64 * 1024, 1 << 20),
            wq: WriteQueue::with_capacity(64 * 1024),
            connected: false,
            writable_interest: false,
            retry: Reconnect::new(),
        }
    }
}

/// The TCP connections of one shard's MMEs; token `FIRST_MME + i` is MME `i`'s.
pub(super) struct TcpMmes {
    hss: SocketAddr,
    conns: Vec<MmeConn>,
}

impl TcpMmes {
    pub(super) fn new(hss: SocketAddr) -> TcpMmes {
        TcpMmes {
            hss,
            conns: Vec::new(),
        }
    }

    fn connect(&mut self, registry: &Registry, i: usize) -> io::Result<()> {
        let mut stream = tcp::connect(self.hss, &TcpConfig::default())?;
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
            let m = &mut self.conns[i];
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
                    Ok(Some(msg)) => side.received(now, i, msg),
                    Ok(None) => break,
                    Err(_) => {
                        self.broken(registry, now, i);
                        return;
                    }
                }
            }
            match status {
                ReadStatus::Full => continue,
                ReadStatus::WouldBlock => return,
                ReadStatus::Closed => {
                    self.broken(registry, now, i);
                    return;
                }
            }
        }
    }

    /// The MME's connection is gone: drop it and try again shortly.
    fn broken(&mut self, registry: &Registry, now: u64, i: usize) {
        let m = &mut self.conns[i];
        if let Some(mut s) = m.stream.take() {
            let _ = registry.deregister(&mut s);
        }
        m.connected = false;
        m.rbuf = StreamBuf::new(message_len, 64 * 1024, 1 << 20);
        m.wq = WriteQueue::with_capacity(64 * 1024);
        m.retry.schedule(now);
    }
}

impl MmeTransport for TcpMmes {
    fn start(&mut self, side: &mut MmeSide<'_>, registry: &Registry, _now: u64) -> io::Result<()> {
        for i in 0..side.mme_count() {
            self.conns.push(MmeConn::new());
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
            let ok = self.conns[i]
                .stream
                .as_ref()
                .is_some_and(|s| s.take_error().ok().flatten().is_none() && s.peer_addr().is_ok());
            if !ok {
                self.broken(registry, now, i);
                return Ok(());
            }
            self.conns[i].connected = true;
            self.conns[i].retry.succeeded();
        }
        if writable {
            let m = &mut self.conns[i];
            if let Some(s) = m.stream.as_mut() {
                if m.wq.flush_to(s).is_err() {
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
            let bytes = side.transmit(now, i);
            if !bytes.is_empty() && self.conns[i].stream.is_some() {
                self.conns[i].wq.push(bytes);
                side.clear_transmit(i);
            }
            let m = &mut self.conns[i];
            let Some(stream) = m.stream.as_mut() else {
                continue;
            };
            if !m.connected {
                continue;
            }
            if !m.wq.is_empty() && m.wq.flush_to(stream).is_err() {
                self.broken(registry, now, i);
                continue;
            }
            let want = !m.wq.is_empty();
            want_writable(registry, stream, i, want, &mut m.writable_interest);
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
}
