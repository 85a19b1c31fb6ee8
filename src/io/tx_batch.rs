//! The one batched send path for UDP (docs/ARCHITECTURE.md §5): a state machine's datagrams are
//! appended back to back into one buffer, [`MAX_BATCH`] at a time, and leave in one
//! `sendmmsg` ([`UdpSocket::send_batch`]). The generator's SGW, the PGW of `serve` and the
//! user-space SCTP endpoints all send through [`TxBatch::send_all`], with one policy for a
//! socket that pushes back: what the kernel does not take now is left to the protocol's own
//! retransmission (GTPv2-C T3, SCTP T3-rtx), never retried in a busy loop.

use std::io;
use std::net::SocketAddr;

use super::udp::{Transmit, UdpSocket, MAX_BATCH};

/// Reusable buffers for batched sends (allocated once, at setup).
#[derive(Debug)]
pub struct TxBatch {
    buf: Vec<u8>,
    /// Destination and start offset in `buf` of each datagram gathered.
    meta: Vec<(SocketAddr, usize)>,
}

impl Default for TxBatch {
    fn default() -> Self {
        TxBatch::new()
    }
}

impl TxBatch {
    /// Buffers for [`MAX_BATCH`] datagrams of up to 1 KiB each (the buffer grows if needed).
    pub fn new() -> TxBatch {
        TxBatch {
            buf: Vec::with_capacity(64 * 1024),
            meta: Vec::with_capacity(MAX_BATCH),
        }
    }

    /// Sends every datagram `next` gives, [`MAX_BATCH`] per syscall, until it gives none.
    /// `next` appends one datagram to the buffer it is handed and returns its destination, or
    /// returns `None` (leaving the buffer as it was) when nothing is left to send.
    ///
    /// A full socket buffer (`WouldBlock`) drops the rest of that batch: the protocol above
    /// retransmits. An ICMP error left by an earlier datagram (`ConnectionRefused`: the peer
    /// is not listening yet) skips one datagram. Other errors end the call.
    pub fn send_all(
        &mut self,
        socket: &mut UdpSocket,
        mut next: impl FnMut(&mut Vec<u8>) -> Option<SocketAddr>,
    ) -> io::Result<()> {
        loop {
            self.buf.clear();
            self.meta.clear();
            while self.meta.len() < MAX_BATCH {
                let start = self.buf.len();
                match next(&mut self.buf) {
                    Some(dst) => self.meta.push((dst, start)),
                    None => break,
                }
            }
            if self.meta.is_empty() {
                return Ok(());
            }
            let full = self.meta.len() == MAX_BATCH;
            self.send_gathered(socket)?;
            if !full {
                return Ok(());
            }
        }
    }

    fn send_gathered(&mut self, socket: &mut UdpSocket) -> io::Result<()> {
        let buf = &self.buf;
        let transmits: Vec<Transmit<'_>> = self
            .meta
            .iter()
            .enumerate()
            .map(|(i, &(dst, start))| Transmit {
                dst,
                contents: &buf[start..self.meta.get(i + 1).map_or(buf.len(), |m| m.1)],
                segment_size: None,
            })
            .collect();
        let mut sent = 0;
        while sent < transmits.len() {
            match socket.send_batch(&transmits[sent..]) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => sent += 1,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{RecvBatch, UdpConfig};

    #[test]
    fn sends_everything_given_in_batches_and_in_order() {
        let cfg = UdpConfig::default();
        let mut tx = UdpSocket::bind("127.0.0.1:0".parse().unwrap(), &cfg).unwrap();
        let mut rx = UdpSocket::bind("127.0.0.1:0".parse().unwrap(), &cfg).unwrap();
        let dst = rx.local_addr();
        let total = MAX_BATCH * 2 + 5;
        let mut given = 0u32;
        let mut batch = TxBatch::new();
        batch
            .send_all(&mut tx, |buf| {
                if given as usize == total {
                    return None;
                }
                buf.extend_from_slice(&given.to_be_bytes());
                given += 1;
                Some(dst)
            })
            .unwrap();
        let mut got = Vec::new();
        let mut recv = RecvBatch::new(MAX_BATCH, 64);
        while got.len() < total {
            crate::io::poll::wait_readable(&rx, std::time::Duration::from_secs(2)).unwrap();
            rx.recv_batch(&mut recv).unwrap();
            for (_, d) in recv.datagrams() {
                got.push(u32::from_be_bytes(d.try_into().unwrap()));
            }
        }
        assert_eq!(got, (0..total as u32).collect::<Vec<_>>());
    }

    #[test]
    fn nothing_to_send_is_not_a_syscall_error() {
        let cfg = UdpConfig::default();
        let mut tx = UdpSocket::bind("127.0.0.1:0".parse().unwrap(), &cfg).unwrap();
        TxBatch::new().send_all(&mut tx, |_| None).unwrap();
    }
}
