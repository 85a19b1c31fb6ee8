//! One Diameter connection on a connected stream socket: the part that a shard's MMEs
//! (`shard::mme_stream`) and the HSS listeners of `serve` (`serve::listen`) share, for the two
//! transports that are a socket per peer (RFC 6733 §2.1, TS 29.272 §4.1):
//!
//! - [`TcpConn`]: Diameter messages back to back on a byte stream, read with a [`StreamBuf`]
//!   (many messages per `read`) and written through a [`WriteQueue`] (many per `write`);
//! - [`SctpConn`]: a kernel SCTP one-to-one socket, one message per SCTP user message with
//!   PPID 46 on the stream [`diameter_stream`] picks.
//!
//! Either way the caller sees whole messages in, queued messages out ([`DiameterConn`]).
//! Roamsim's SCTP over UDP is one endpoint for many associations and has its own loops.

use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};

use mio::net::TcpStream;

use super::{diameter_stream, messages, PPID_DIAMETER};
use crate::io::sctp::{Recv, SctpConfig, SctpStream};
use crate::io::{tcp, ReadStatus, StreamBuf, TcpConfig, WriteQueue};
use crate::wire::diameter::message_len;

/// Largest Diameter message accepted from a peer.
const MAX_DIAMETER_MESSAGE: usize = 1 << 20;

/// How a [`DiameterConn::read`] ended.
#[derive(Debug)]
pub(crate) enum ReadEnd {
    /// Everything the socket held was read; wait for readiness.
    WouldBlock,
    /// The peer closed the connection, or it failed.
    Closed,
    /// The bytes could not be split into Diameter messages; the connection is unusable.
    Framing(String),
}

/// A connected Diameter transport socket.
pub(crate) trait DiameterConn: mio::event::Source {
    /// Reads everything the socket holds, handing each whole message to `on_message`.
    fn read(&mut self, on_message: &mut dyn FnMut(&[u8])) -> ReadEnd;
    /// Queues whole Diameter messages, back to back, for [`DiameterConn::write`].
    fn queue(&mut self, messages: &[u8]);
    /// Writes what is queued as far as the socket takes it; `Ok(true)` when some is left for
    /// writable readiness, an error when the connection is unusable.
    fn write(&mut self) -> io::Result<bool>;
    /// A nonblocking connect finished (the socket was reported writable): whether it
    /// succeeded. Learns what the connection negotiated (SCTP streams).
    fn established(&mut self) -> bool;
    /// Ends the connection gracefully after what is queued (SCTP SHUTDOWN); TCP closes when
    /// dropped.
    fn shutdown(&self) {}
}

/// Diameter over TCP.
pub(crate) struct TcpConn {
    stream: TcpStream,
    rbuf: StreamBuf,
    wq: WriteQueue,
}

impl TcpConn {
    /// Starts a nonblocking connect to `addr`.
    pub(crate) fn connect(addr: SocketAddr) -> io::Result<TcpConn> {
        Ok(TcpConn::new(tcp::connect(addr, &TcpConfig::default())?))
    }

    /// A connection on an accepted stream.
    pub(crate) fn accepted(stream: TcpStream) -> TcpConn {
        let _ = tcp::configure_accepted(&stream, &TcpConfig::default());
        TcpConn::new(stream)
    }

    fn new(stream: TcpStream) -> TcpConn {
        TcpConn {
            stream,
            rbuf: StreamBuf::new(message_len, 64 * 1024, MAX_DIAMETER_MESSAGE),
            wq: WriteQueue::with_capacity(64 * 1024),
        }
    }
}

impl DiameterConn for TcpConn {
    fn read(&mut self, on_message: &mut dyn FnMut(&[u8])) -> ReadEnd {
        loop {
            let status = match self.rbuf.read_from(&mut self.stream) {
                Ok((_, s)) => s,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => ReadStatus::Closed,
            };
            loop {
                match self.rbuf.next_message() {
                    Ok(Some(msg)) => on_message(msg),
                    Ok(None) => break,
                    Err(e) => return ReadEnd::Framing(e.to_string()),
                }
            }
            match status {
                ReadStatus::Full => continue,
                ReadStatus::WouldBlock => return ReadEnd::WouldBlock,
                ReadStatus::Closed => return ReadEnd::Closed,
            }
        }
    }

    fn queue(&mut self, messages: &[u8]) {
        self.wq.push(messages);
    }

    fn write(&mut self) -> io::Result<bool> {
        if !self.wq.is_empty() {
            self.wq.flush_to(&mut self.stream)?;
        }
        Ok(!self.wq.is_empty())
    }

    fn established(&mut self) -> bool {
        self.stream.take_error().ok().flatten().is_none() && self.stream.peer_addr().is_ok()
    }
}

impl AsRawFd for TcpConn {
    fn as_raw_fd(&self) -> RawFd {
        self.stream.as_raw_fd()
    }
}

crate::io::fd_source!(TcpConn);

/// Diameter over a kernel SCTP one-to-one socket.
pub(crate) struct SctpConn {
    stream: SctpStream,
    /// Outbound streams negotiated (known once connected).
    streams: u16,
    /// Whole Diameter messages not yet accepted by the socket, back to back from `sent`.
    out: Vec<u8>,
    sent: usize,
}

impl SctpConn {
    /// Starts a nonblocking connect to `addr`.
    pub(crate) fn connect(addr: SocketAddr) -> io::Result<SctpConn> {
        Ok(SctpConn::new(SctpStream::connect(
            addr,
            &SctpConfig::default(),
        )?))
    }

    /// A connection on an accepted association.
    pub(crate) fn accepted(stream: SctpStream) -> SctpConn {
        let mut conn = SctpConn::new(stream);
        conn.streams = conn.stream.outbound_streams().unwrap_or(1);
        conn
    }

    fn new(stream: SctpStream) -> SctpConn {
        SctpConn {
            stream,
            streams: 1,
            out: Vec::with_capacity(64 * 1024),
            sent: 0,
        }
    }
}

impl DiameterConn for SctpConn {
    fn read(&mut self, on_message: &mut dyn FnMut(&[u8])) -> ReadEnd {
        loop {
            match self.stream.recv_msg() {
                Ok(Recv::Message { data, .. }) => on_message(data),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return ReadEnd::WouldBlock,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(Recv::Closed) | Err(_) => return ReadEnd::Closed,
            }
        }
    }

    fn queue(&mut self, messages: &[u8]) {
        self.out.extend_from_slice(messages);
    }

    fn write(&mut self) -> io::Result<bool> {
        for m in messages(&self.out[self.sent..]) {
            let msg = m.map_err(|rest| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} queued bytes are not a Diameter message", rest.len()),
                )
            })?;
            loop {
                match self
                    .stream
                    .send_msg(msg, diameter_stream(msg, self.streams), PPID_DIAMETER)
                {
                    Ok(()) => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(true),
                    Err(e) => return Err(e),
                }
            }
            self.sent += msg.len();
        }
        self.out.clear();
        self.sent = 0;
        Ok(false)
    }

    fn established(&mut self) -> bool {
        let ok =
            self.stream.take_error().ok().flatten().is_none() && self.stream.peer_addr().is_ok();
        if ok {
            self.streams = self.stream.outbound_streams().unwrap_or(1);
        }
        ok
    }

    fn shutdown(&self) {
        let _ = self.stream.shutdown();
    }
}

impl AsRawFd for SctpConn {
    fn as_raw_fd(&self) -> RawFd {
        self.stream.as_raw_fd()
    }
}

crate::io::fd_source!(SctpConn);
