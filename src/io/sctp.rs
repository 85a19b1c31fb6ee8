//! Kernel SCTP, one-to-one style (RFC 6458 §4, `SOCK_STREAM` + `IPPROTO_SCTP`), for Diameter
//! as operators run it (RFC 6733 §2.1: one association per peer connection, PPID 46;
//! TS 29.272 §4.1: S6a over SCTP). Built with socket2 and libc, nonblocking, and registrable
//! with mio like any other socket.
//!
//! Unlike TCP, an SCTP socket keeps message boundaries: [`SctpStream::send_msg`] sends one
//! whole Diameter message with its stream id and Payload Protocol Identifier through an
//! `SCTP_SNDINFO` control message (RFC 6458 §5.3.4), and [`SctpStream::recv_msg`] returns one
//! whole message (`MSG_EOR`, reassembled across reads if needed) with its stream and PPID
//! from `SCTP_RCVINFO` (§5.3.5, enabled with `SCTP_RECVRCVINFO`). Stream counts are asked for
//! with `SCTP_INITMSG` (§8.1.3) before the handshake, and receive buffers are sized up front
//! so a burst of answers does not close the receive window.
//!
//! Many kernels (containers, hardened hosts, this project's CI VMs) have no SCTP module:
//! [`kernel_sctp_available`] probes once with `socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP)` and
//! [`kernel_sctp_unavailable_reason`] says why it failed, so callers can fall back to TCP or
//! to the user-space SCTP over UDP (RFC 6951, `proto::sctp`) and say so.

use std::io;
use std::mem::{size_of, MaybeUninit};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::OnceLock;

use socket2::{Domain, Protocol, Socket, Type};

use super::sockopt;

/// `IPPROTO_SCTP`, also the `SOL_SCTP` option level.
const SOL_SCTP: libc::c_int = libc::IPPROTO_SCTP;
/// `MSG_NOTIFICATION` (linux/sctp.h): the read returned an event, not user data.
const MSG_NOTIFICATION: libc::c_int = 0x8000;
/// Bytes read per `recvmsg`; a longer message is completed over several reads.
const READ_CHUNK: usize = 64 * 1024;
/// Control buffer, 8-byte aligned, large enough for one `sctp_rcvinfo` or `sctp_sndinfo`.
type CmsgBuf = [u64; 8];

/// Options for [`SctpListener::bind`] and [`SctpStream::connect`].
#[derive(Debug, Clone)]
pub struct SctpConfig {
    /// Outbound streams asked for in INIT (`sinit_num_ostreams`).
    pub outbound_streams: u16,
    /// Most inbound streams accepted (`sinit_max_instreams`).
    pub inbound_streams: u16,
    /// Requested `SO_RCVBUF` (also bounds the advertised receive window).
    pub recv_buffer: usize,
    /// Requested `SO_SNDBUF`.
    pub send_buffer: usize,
    /// `SCTP_NODELAY`: no Nagle-like bundling delay (the caller already batches).
    pub nodelay: bool,
    /// Listen backlog.
    pub backlog: i32,
}

impl Default for SctpConfig {
    fn default() -> Self {
        SctpConfig {
            outbound_streams: 16,
            inbound_streams: 16,
            recv_buffer: 4 << 20,
            send_buffer: 4 << 20,
            nodelay: true,
            backlog: 1024,
        }
    }
}

fn probe() -> &'static Result<(), String> {
    static PROBE: OnceLock<Result<(), String>> = OnceLock::new();
    PROBE.get_or_init(
        || match Socket::new(Domain::IPV4, Type::STREAM, Some(sctp_protocol())) {
            Ok(_) => Ok(()),
            Err(e) => Err(format!(
                "socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP) failed: {e}; \
                 the kernel's sctp module is missing or not loaded (modprobe sctp)"
            )),
        },
    )
}

/// Whether this kernel opens SCTP sockets (probed once per process).
pub fn kernel_sctp_available() -> bool {
    probe().is_ok()
}

/// Why kernel SCTP is unavailable, or `None` when it works.
pub fn kernel_sctp_unavailable_reason() -> Option<&'static str> {
    probe().as_ref().err().map(String::as_str)
}

fn sctp_protocol() -> Protocol {
    Protocol::from(libc::IPPROTO_SCTP)
}

/// A nonblocking SCTP socket of the given family with `cfg` applied (before the handshake,
/// since INIT carries the stream counts and the window).
fn new_socket(addr: SocketAddr, cfg: &SctpConfig) -> io::Result<Socket> {
    let socket = Socket::new(
        Domain::for_address(addr),
        Type::STREAM,
        Some(sctp_protocol()),
    )?;
    socket.set_nonblocking(true)?;
    let fd = socket.as_raw_fd();
    sockopt::size_buffer(fd, sockopt::Dir::Recv, cfg.recv_buffer)?;
    sockopt::size_buffer(fd, sockopt::Dir::Send, cfg.send_buffer)?;
    let init = libc::sctp_initmsg {
        sinit_num_ostreams: cfg.outbound_streams.max(1),
        sinit_max_instreams: cfg.inbound_streams.max(1),
        sinit_max_attempts: 0,
        sinit_max_init_timeo: 0,
    };
    set_struct(fd, libc::SCTP_INITMSG, &init)?;
    sockopt::set_int(fd, SOL_SCTP, libc::SCTP_NODELAY, cfg.nodelay.into())?;
    sockopt::set_int(fd, SOL_SCTP, libc::SCTP_RECVRCVINFO, 1)?;
    Ok(socket)
}

/// `setsockopt(fd, SOL_SCTP, name, value, sizeof *value)`.
fn set_struct<T>(fd: RawFd, name: libc::c_int, value: &T) -> io::Result<()> {
    // SAFETY: `value` is a live, initialised `T` and its exact size is passed; the kernel
    // only reads it.
    let r = unsafe {
        libc::setsockopt(
            fd,
            SOL_SCTP,
            name,
            (value as *const T).cast(),
            size_of::<T>() as libc::socklen_t,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// A listening one-to-one SCTP socket; each accepted association is an [`SctpStream`].
#[derive(Debug)]
pub struct SctpListener {
    socket: Socket,
    local: SocketAddr,
}

impl SctpListener {
    /// Binds and listens on `addr` (`SO_REUSEADDR` set).
    pub fn bind(addr: SocketAddr, cfg: &SctpConfig) -> io::Result<SctpListener> {
        let socket = new_socket(addr, cfg)?;
        socket.set_reuse_address(true)?;
        socket.bind(&addr.into())?;
        socket.listen(cfg.backlog)?;
        let local = socket
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("SCTP listener has no IP address"))?;
        Ok(SctpListener { socket, local })
    }

    /// The bound address (with the port the kernel chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Accepts one established association (`WouldBlock` when none is waiting).
    pub fn accept(&self) -> io::Result<(SctpStream, SocketAddr)> {
        let (socket, addr) = self.socket.accept()?;
        socket.set_nonblocking(true)?;
        // Inherited from the listener on Linux; set again so no kernel can leave it off.
        sockopt::set_int(socket.as_raw_fd(), SOL_SCTP, libc::SCTP_RECVRCVINFO, 1)?;
        let peer = addr.as_socket().unwrap_or(self.local);
        Ok((SctpStream::new(socket), peer))
    }
}

/// What [`SctpStream::recv_msg`] returned.
#[derive(Debug, PartialEq, Eq)]
pub enum Recv<'a> {
    /// One whole user message.
    Message {
        /// Stream it arrived on.
        stream: u16,
        /// Payload Protocol Identifier (46 for Diameter).
        ppid: u32,
        /// The message.
        data: &'a [u8],
    },
    /// The peer shut the association down (or aborted it).
    Closed,
}

/// One `recvmsg`: bytes read, `msg_flags`, and (stream, PPID) when `SCTP_RCVINFO` came.
type RecvOnce = (usize, libc::c_int, Option<(u16, u32)>);

/// One association of a one-to-one SCTP socket.
#[derive(Debug)]
pub struct SctpStream {
    socket: Socket,
    buf: Vec<u8>,
    /// Bytes of the last complete message, consumed by the next `recv_msg`.
    done: usize,
}

impl SctpStream {
    fn new(socket: Socket) -> SctpStream {
        SctpStream {
            socket,
            buf: Vec::with_capacity(READ_CHUNK),
            done: 0,
        }
    }

    /// Starts a nonblocking connect to `addr`; usable once mio reports it writable and
    /// [`take_error`](SctpStream::take_error) is `None`.
    pub fn connect(addr: SocketAddr, cfg: &SctpConfig) -> io::Result<SctpStream> {
        let socket = new_socket(addr, cfg)?;
        match socket.connect(&addr.into()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => return Err(e),
        }
        Ok(SctpStream::new(socket))
    }

    /// The pending socket error (`SO_ERROR`), e.g. a refused connect.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.socket.take_error()
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.socket
            .peer_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("SCTP peer has no IP address"))
    }

    /// `SO_RCVBUF` as the kernel granted it.
    pub fn recv_buffer_size(&self) -> io::Result<usize> {
        self.socket.recv_buffer_size()
    }

    /// Outbound streams negotiated in the handshake (`SCTP_STATUS`), so that `send_msg`
    /// uses only `0..outbound_streams()`.
    pub fn outbound_streams(&self) -> io::Result<u16> {
        /// The head of `struct sctp_status`; the tail (`sstat_primary`, 152 bytes) is not
        /// read, and the padding leaves room for it.
        #[repr(C)]
        #[allow(dead_code)]
        struct Status {
            assoc_id: libc::c_int,
            state: i32,
            rwnd: u32,
            unackdata: u16,
            penddata: u16,
            instrms: u16,
            outstrms: u16,
            fragmentation_point: u32,
            primary: [u32; 64],
        }
        let mut status = MaybeUninit::<Status>::zeroed();
        let mut len = size_of::<Status>() as libc::socklen_t;
        // SAFETY: the kernel writes at most `len` bytes into the zeroed `status`, which is
        // larger than its `struct sctp_status` (176 bytes); assoc_id 0 means this socket's
        // association.
        let r = unsafe {
            libc::getsockopt(
                self.socket.as_raw_fd(),
                SOL_SCTP,
                libc::SCTP_STATUS,
                status.as_mut_ptr().cast(),
                &mut len,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: zero-initialised and then (partly) written by the kernel: every field is
        // a plain integer, valid for any bit pattern.
        let status = unsafe { status.assume_init() };
        Ok(status.outstrms.max(1))
    }

    /// Sends one whole message on `stream` with `ppid` (host order; it goes on the wire as
    /// given, e.g. 46 for Diameter). `WouldBlock` when the send buffer is full: nothing was
    /// sent, try again when writable.
    pub fn send_msg(&self, data: &[u8], stream: u16, ppid: u32) -> io::Result<()> {
        let info = libc::sctp_sndinfo {
            snd_sid: stream,
            snd_flags: 0,
            // The kernel copies the PPID into the DATA chunk as it is: network order here.
            snd_ppid: ppid.to_be(),
            snd_context: 0,
            snd_assoc_id: 0,
        };
        let mut cmsg: CmsgBuf = [0; 8];
        let mut iov = libc::iovec {
            iov_base: data.as_ptr() as *mut libc::c_void,
            iov_len: data.len(),
        };
        // SAFETY: an all-zero msghdr is valid (no name, no iov, no control).
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cmsg.as_mut_ptr().cast();
        // SAFETY: CMSG_SPACE is a pure size computation.
        msg.msg_controllen =
            unsafe { libc::CMSG_SPACE(size_of::<libc::sctp_sndinfo>() as u32) } as _;
        debug_assert!(msg.msg_controllen <= size_of::<CmsgBuf>());
        // SAFETY: msg_control points at `cmsg`, 8-byte aligned and at least msg_controllen
        // bytes long, so CMSG_FIRSTHDR returns a header inside it with room for an
        // sctp_sndinfo after it (CMSG_SPACE above); the data pointer may be unaligned for
        // the struct, hence write_unaligned.
        unsafe {
            let hdr = libc::CMSG_FIRSTHDR(&msg);
            (*hdr).cmsg_level = SOL_SCTP;
            (*hdr).cmsg_type = libc::SCTP_SNDINFO;
            (*hdr).cmsg_len = libc::CMSG_LEN(size_of::<libc::sctp_sndinfo>() as u32) as _;
            std::ptr::write_unaligned(libc::CMSG_DATA(hdr).cast::<libc::sctp_sndinfo>(), info);
        }
        // SAFETY: `msg` points at `iov` (which points at `data`, only read) and at `cmsg`,
        // all live for the call.
        let r = unsafe { libc::sendmsg(self.socket.as_raw_fd(), &msg, libc::MSG_NOSIGNAL) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Receives the next whole message (`WouldBlock` when none is complete yet). A message
    /// longer than one read is completed across calls; notifications are skipped.
    pub fn recv_msg(&mut self) -> io::Result<Recv<'_>> {
        if self.done > 0 {
            self.buf.clear();
            self.done = 0;
        }
        loop {
            let start = self.buf.len();
            self.buf.resize(start + READ_CHUNK, 0);
            let got = self.recv_once(start);
            let (n, flags, info) = match got {
                Ok(r) => r,
                Err(e) => {
                    self.buf.truncate(start);
                    return Err(e);
                }
            };
            self.buf.truncate(start + n);
            if n == 0 && flags & libc::MSG_EOR == 0 {
                return Ok(Recv::Closed);
            }
            if flags & MSG_NOTIFICATION != 0 {
                if flags & libc::MSG_EOR != 0 {
                    self.buf.truncate(0);
                }
                continue;
            }
            if flags & libc::MSG_EOR != 0 {
                self.done = self.buf.len();
                let (stream, ppid) = info.unwrap_or((0, 0));
                return Ok(Recv::Message {
                    stream,
                    ppid,
                    data: &self.buf,
                });
            }
        }
    }

    /// One `recvmsg` into `self.buf[start..]`: (bytes, msg_flags, (stream, ppid)).
    fn recv_once(&mut self, start: usize) -> io::Result<RecvOnce> {
        let mut cmsg: CmsgBuf = [0; 8];
        let tail = &mut self.buf[start..];
        let mut iov = libc::iovec {
            iov_base: tail.as_mut_ptr().cast(),
            iov_len: tail.len(),
        };
        // SAFETY: an all-zero msghdr is valid (no name, no iov, no control).
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cmsg.as_mut_ptr().cast();
        msg.msg_controllen = size_of::<CmsgBuf>() as _;
        // SAFETY: `iov` covers the writable tail of `self.buf` and `cmsg` its own length;
        // both are live for the call and the kernel writes within those bounds.
        let r = unsafe { libc::recvmsg(self.socket.as_raw_fd(), &mut msg, 0) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut info = None;
        // SAFETY: the kernel filled `msg_controllen` bytes of `cmsg`; CMSG_FIRSTHDR and
        // CMSG_NXTHDR stay within them, and each header's length is checked against the
        // struct before its data is read (read_unaligned: the data may be unaligned).
        unsafe {
            let mut hdr = libc::CMSG_FIRSTHDR(&msg);
            while !hdr.is_null() {
                let want = libc::CMSG_LEN(size_of::<libc::sctp_rcvinfo>() as u32) as usize;
                if (*hdr).cmsg_level == SOL_SCTP
                    && (*hdr).cmsg_type == libc::SCTP_RCVINFO
                    && (*hdr).cmsg_len as usize >= want
                {
                    let ri =
                        std::ptr::read_unaligned(libc::CMSG_DATA(hdr).cast::<libc::sctp_rcvinfo>());
                    info = Some((ri.rcv_sid, u32::from_be(ri.rcv_ppid)));
                }
                hdr = libc::CMSG_NXTHDR(&msg, hdr);
            }
        }
        Ok((r as usize, msg.msg_flags, info))
    }

    /// Graceful close (SHUTDOWN, RFC 9260 §9.2) of the sending side.
    pub fn shutdown(&self) -> io::Result<()> {
        self.socket.shutdown(std::net::Shutdown::Write)
    }
}

impl AsRawFd for SctpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}

impl AsRawFd for SctpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}

super::fd_source!(SctpStream);
super::fd_source!(SctpListener);

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// Kernel SCTP tests run only where the kernel has it; elsewhere they say so.
    fn kernel_or_skip() -> bool {
        if let Some(why) = kernel_sctp_unavailable_reason() {
            eprintln!("skipped: kernel has no SCTP ({why})");
            return false;
        }
        true
    }

    fn retry<T>(mut f: impl FnMut() -> io::Result<T>) -> T {
        let until = Instant::now() + Duration::from_secs(5);
        loop {
            match f() {
                Ok(v) => return v,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock && Instant::now() < until => {
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(e) => panic!("{e}"),
            }
        }
    }

    #[test]
    fn the_probe_agrees_with_the_reason() {
        assert_eq!(
            kernel_sctp_available(),
            kernel_sctp_unavailable_reason().is_none()
        );
        if let Some(why) = kernel_sctp_unavailable_reason() {
            assert!(why.contains("IPPROTO_SCTP"), "{why}");
        }
    }

    #[test]
    fn messages_keep_their_boundaries_streams_and_ppid() {
        if !kernel_or_skip() {
            return;
        }
        let cfg = SctpConfig {
            outbound_streams: 8,
            inbound_streams: 8,
            ..SctpConfig::default()
        };
        let listener = SctpListener::bind("127.0.0.1:0".parse().unwrap(), &cfg).unwrap();
        let client = SctpStream::connect(listener.local_addr(), &cfg).unwrap();
        let (mut server, _) = retry(|| listener.accept());
        assert_eq!(server.outbound_streams().unwrap(), 8);
        let big: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        retry(|| client.send_msg(b"hello", 3, 46));
        retry(|| client.send_msg(&big, 6, 46));
        let first = retry(|| match server.recv_msg()? {
            Recv::Message { stream, ppid, data } => Ok((stream, ppid, data.to_vec())),
            Recv::Closed => panic!("closed"),
        });
        assert_eq!(first, (3, 46, b"hello".to_vec()));
        let second = retry(|| match server.recv_msg()? {
            Recv::Message { stream, ppid, data } => Ok((stream, ppid, data.len(), data == big)),
            Recv::Closed => panic!("closed"),
        });
        assert_eq!(second, (6, 46, big.len(), true));
        client.shutdown().unwrap();
        let closed = retry(|| server.recv_msg().map(|r| r == Recv::Closed));
        assert!(closed);
    }
}
