//! Thin helpers for nonblocking TCP (the fallback transport for Diameter, RFC 6733 §2.1):
//! sockets are built with socket2 so that `TCP_NODELAY`, buffer sizes and `SO_REUSEPORT` are
//! set before `listen`/`connect` (window scaling is fixed at the handshake), then handed over
//! as mio's `TcpListener`/`TcpStream`, which register with a `mio::Poll` directly.

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;

use mio::net::{TcpListener, TcpStream};
use socket2::{Domain, Protocol, Socket, Type};

use super::sockopt;

/// Options for [`listen`] and [`connect`].
#[derive(Debug, Clone)]
pub struct TcpConfig {
    /// Disable Nagle: messages are already coalesced by [`super::WriteQueue`].
    pub nodelay: bool,
    /// Requested `SO_RCVBUF`; `None` leaves kernel autotuning on.
    pub recv_buffer: Option<usize>,
    /// Requested `SO_SNDBUF`; `None` leaves kernel autotuning on.
    pub send_buffer: Option<usize>,
    /// Set `SO_REUSEPORT` on listeners (one listener per shard on the same port).
    pub reuse_port: bool,
    /// Listen backlog.
    pub backlog: i32,
}

impl Default for TcpConfig {
    fn default() -> Self {
        TcpConfig {
            nodelay: true,
            recv_buffer: None,
            send_buffer: None,
            reuse_port: false,
            backlog: 1024,
        }
    }
}

fn new_socket(addr: SocketAddr, cfg: &TcpConfig) -> io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_nonblocking(true)?;
    socket.set_tcp_nodelay(cfg.nodelay)?;
    let fd = socket.as_raw_fd();
    if let Some(bytes) = cfg.recv_buffer {
        sockopt::size_buffer(fd, sockopt::Dir::Recv, bytes)?;
    }
    if let Some(bytes) = cfg.send_buffer {
        sockopt::size_buffer(fd, sockopt::Dir::Send, bytes)?;
    }
    Ok(socket)
}

/// A nonblocking listener on `addr` (`SO_REUSEADDR` always, `SO_REUSEPORT` if configured).
/// Accepted streams inherit its buffer sizes; call [`configure_accepted`] for `TCP_NODELAY`.
pub fn listen(addr: SocketAddr, cfg: &TcpConfig) -> io::Result<TcpListener> {
    let socket = new_socket(addr, cfg)?;
    socket.set_reuse_address(true)?;
    if cfg.reuse_port {
        socket.set_reuse_port(true)?;
    }
    socket.bind(&addr.into())?;
    socket.listen(cfg.backlog)?;
    Ok(TcpListener::from_std(socket.into()))
}

/// Starts a nonblocking connect to `addr`. The stream is usable once mio reports it writable
/// and `take_error()` is `None` (the usual mio connect protocol).
pub fn connect(addr: SocketAddr, cfg: &TcpConfig) -> io::Result<TcpStream> {
    let socket = new_socket(addr, cfg)?;
    match socket.connect(&addr.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(e),
    }
    Ok(TcpStream::from_std(socket.into()))
}

/// Applies per-stream options to an accepted stream (`TCP_NODELAY`).
pub fn configure_accepted(stream: &TcpStream, cfg: &TcpConfig) -> io::Result<()> {
    stream.set_nodelay(cfg.nodelay)
}
