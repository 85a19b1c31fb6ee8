//! Sockets (docs/ARCHITECTURE.md §3, §5): batched UDP with `recvmmsg`/`sendmmsg` and GSO/GRO
//! ([`udp`]), nonblocking TCP helpers ([`tcp`]), kernel SCTP one-to-one sockets with
//! per-message streams and PPID ([`sctp`], detected at run time) and framed stream buffers that
//! read many messages per `read` and coalesce many per `write` ([`stream`]).
//!
//! The only module allowed `unsafe` (CONTRIBUTING.md §4); every block carries a SAFETY comment and
//! the rest of the crate sees a small safe API: [`UdpSocket`], [`Transmit`], [`TxBatch`] (the one
//! batched send), [`RecvBatch`],
//! [`RecvMeta`], [`StreamBuf`], [`WriteQueue`], [`Tun`]. [`netns`] makes named network
//! namespaces for the TUN/netns link driver; [`poll`] waits to the microsecond. All sockets are
//! nonblocking and implement `mio::event::Source` (UDP here, TCP through mio's own types).
#![allow(unsafe_code)]

/// Implements `mio::event::Source` for a type that implements `AsRawFd`, by registering its
/// descriptor (`mio::unix::SourceFd`): every socket type of roamsim registers the same way.
macro_rules! fd_source {
    ($t:ty) => {
        impl mio::event::Source for $t {
            fn register(
                &mut self,
                registry: &mio::Registry,
                token: mio::Token,
                interests: mio::Interest,
            ) -> std::io::Result<()> {
                use std::os::fd::AsRawFd;
                mio::unix::SourceFd(&self.as_raw_fd()).register(registry, token, interests)
            }

            fn reregister(
                &mut self,
                registry: &mio::Registry,
                token: mio::Token,
                interests: mio::Interest,
            ) -> std::io::Result<()> {
                use std::os::fd::AsRawFd;
                mio::unix::SourceFd(&self.as_raw_fd()).reregister(registry, token, interests)
            }

            fn deregister(&mut self, registry: &mio::Registry) -> std::io::Result<()> {
                use std::os::fd::AsRawFd;
                mio::unix::SourceFd(&self.as_raw_fd()).deregister(registry)
            }
        }
    };
}
pub(crate) use fd_source;

pub mod lock;
pub mod netns;
pub mod poll;
pub mod random;
pub mod sctp;
mod sockaddr;
mod sockopt;
pub mod spool;
pub mod stream;
pub mod tcp;
pub mod tun;
pub mod tx_batch;
pub mod udp;

#[cfg(test)]
mod stream_tests;
#[cfg(test)]
mod udp_tests;

pub use sctp::{
    kernel_sctp_available, kernel_sctp_unavailable_reason, SctpConfig, SctpListener, SctpStream,
};
pub use stream::{FrameError, Framer, ReadStatus, StreamBuf, WriteQueue};
pub use tcp::TcpConfig;
pub use tun::Tun;
pub use tx_batch::TxBatch;
pub use udp::{RecvBatch, RecvMeta, Transmit, UdpConfig, UdpSocket, UdpStats, MAX_BATCH};
