//! Batched UDP in the manner of quinn-udp (docs/ARCHITECTURE.md §5): `recvmmsg`/`sendmmsg` move up
//! to [`MAX_BATCH`] datagrams per syscall, UDP GSO (`UDP_SEGMENT` cmsg, Linux udp(7)) sends a burst
//! of equal-sized datagrams to one peer as a single unit, and UDP GRO (`UDP_GRO`) hands a burst
//! back as one buffer with a segment stride.
//!
//! When the kernel refuses GSO (the probe at bind time, or `EIO`/`EINVAL`/`EOPNOTSUPP` from a
//! send carrying `UDP_SEGMENT`), the socket falls back to plain datagrams for the rest of its
//! life, says so once on stderr, and reports it through [`UdpSocket::gso_enabled`]. GRO is
//! probed at bind time the same way.
//!
//! Linux only: the socket options and syscalls used here are Linux ABI.

use std::io;
use std::net::{SocketAddr, UdpSocket as StdUdpSocket};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};

use mio::net::UdpSocket as MioUdpSocket;
use socket2::{Domain, Protocol, Socket, Type};

use super::sockaddr::SockAddrBuf;
use super::sockopt;

/// Most datagrams (or GSO units) one `recvmmsg`/`sendmmsg` call moves.
pub const MAX_BATCH: usize = 64;
/// Kernel limit on segments in one GSO send (`UDP_MAX_SEGMENTS`, 64 on older kernels).
const MAX_GSO_SEGMENTS: usize = 64;
/// Largest UDP payload over IPv4; a GSO unit must fit in one IP length field.
const MAX_GSO_BYTES: usize = 65_507;
/// Bytes of ancillary data reserved per message: room for one `UDP_GRO`/`UDP_SEGMENT` cmsg and
/// whatever else the kernel may add.
const CTRL_LEN: usize = 64;

static GSO_REFUSAL_REPORTED: AtomicBool = AtomicBool::new(false);
static GRO_REFUSAL_REPORTED: AtomicBool = AtomicBool::new(false);

/// Options for [`UdpSocket::bind`].
#[derive(Debug, Clone)]
pub struct UdpConfig {
    /// Set `SO_REUSEPORT` so each shard can bind its own socket to the same port.
    pub reuse_port: bool,
    /// Requested `SO_RCVBUF` in bytes (tries `SO_RCVBUFFORCE` first).
    pub recv_buffer: usize,
    /// Requested `SO_SNDBUF` in bytes (tries `SO_SNDBUFFORCE` first).
    pub send_buffer: usize,
    /// Use UDP GSO for transmits with a `segment_size`.
    pub gso: bool,
    /// Enable UDP GRO; then give [`RecvBatch`] buffers of 64 KiB or coalesced bursts are
    /// truncated.
    pub gro: bool,
}

impl Default for UdpConfig {
    fn default() -> Self {
        UdpConfig {
            reuse_port: false,
            recv_buffer: 4 << 20,
            send_buffer: 4 << 20,
            gso: true,
            gro: false,
        }
    }
}

/// Counters kept by a [`UdpSocket`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UdpStats {
    /// Datagrams handed to the kernel (a GSO unit counts once per segment).
    pub datagrams_sent: u64,
    /// Buffers filled by `recv_batch` (a GRO buffer counts once).
    pub buffers_received: u64,
    /// Received datagrams cut short because the buffer was too small.
    pub truncated: u64,
    /// Bytes of partially sent transmits given up on at `WouldBlock` (counted as sent).
    pub dropped_tail_bytes: u64,
}

/// One datagram (or, with `segment_size`, a burst of datagrams) to send.
#[derive(Debug, Clone, Copy)]
pub struct Transmit<'a> {
    /// Destination.
    pub dst: SocketAddr,
    /// Payload; with `segment_size`, consecutive datagrams of that size (the last may be shorter).
    pub contents: &'a [u8],
    /// Split `contents` into datagrams of this size, with GSO when the kernel allows.
    pub segment_size: Option<usize>,
}

/// What `recv_batch` learned about one filled buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvMeta {
    /// Sender.
    pub addr: SocketAddr,
    /// Bytes in the buffer.
    pub len: usize,
    /// Size of each datagram in the buffer: the GRO segment size, else `len`.
    pub stride: usize,
}

/// 8-byte aligned ancillary-data buffer, as `cmsghdr` requires.
#[derive(Clone, Copy)]
#[repr(C, align(8))]
struct Ctrl([u8; CTRL_LEN]);

/// Preallocated receive buffers for [`UdpSocket::recv_batch`]; nothing is allocated per datagram.
pub struct RecvBatch {
    buf: Vec<u8>,
    buf_size: usize,
    names: Vec<SockAddrBuf>,
    ctrl: Vec<Ctrl>,
    metas: Vec<RecvMeta>,
}

impl RecvBatch {
    /// `count` buffers (clamped to 1..=[`MAX_BATCH`]) of `buf_size` bytes each.
    pub fn new(count: usize, buf_size: usize) -> Self {
        let count = count.clamp(1, MAX_BATCH);
        let buf_size = buf_size.max(1);
        RecvBatch {
            buf: vec![0; count * buf_size],
            buf_size,
            names: vec![SockAddrBuf::zeroed(); count],
            ctrl: vec![Ctrl([0; CTRL_LEN]); count],
            metas: Vec::with_capacity(count),
        }
    }

    /// Whether the last `recv_batch` left buffers unfilled: the socket's queue was empty then,
    /// so an edge-triggered reader can wait for the next readiness event instead of calling
    /// again only to get `WouldBlock` (a datagram that arrives later raises a new event).
    pub fn drained(&self) -> bool {
        self.metas.len() < self.names.len()
    }

    /// Number of buffers filled by the last `recv_batch`.
    pub fn len(&self) -> usize {
        self.metas.len()
    }

    /// True when the last `recv_batch` filled nothing.
    pub fn is_empty(&self) -> bool {
        self.metas.is_empty()
    }

    /// Filled buffer `i`: its metadata and bytes.
    pub fn get(&self, i: usize) -> (&RecvMeta, &[u8]) {
        let meta = &self.metas[i];
        let start = i * self.buf_size;
        (meta, &self.buf[start..start + meta.len])
    }

    /// Filled buffers with their metadata.
    pub fn iter(&self) -> impl Iterator<Item = (&RecvMeta, &[u8])> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    /// Every datagram received, GRO buffers split at their stride.
    pub fn datagrams(&self) -> impl Iterator<Item = (SocketAddr, &[u8])> + '_ {
        self.iter().flat_map(|(meta, data)| {
            let stride = meta.stride.max(1);
            data.chunks(stride).map(move |d| (meta.addr, d))
        })
    }
}

/// A nonblocking UDP socket with batched send and receive; register it with mio directly.
#[derive(Debug)]
pub struct UdpSocket {
    io: MioUdpSocket,
    local: SocketAddr,
    v6: bool,
    recv_buffer: usize,
    send_buffer: usize,
    gso: bool,
    gro: bool,
    stats: UdpStats,
    /// Test hook: answer the next GSO send with `EIO`, as a kernel without offload would.
    #[cfg(test)]
    pub(crate) simulate_gso_refusal: bool,
}

impl UdpSocket {
    /// Binds a nonblocking socket to `addr` (IPv4 or IPv6; `[::]` is dual-stack).
    pub fn bind(addr: SocketAddr, cfg: &UdpConfig) -> io::Result<Self> {
        let domain = Domain::for_address(addr);
        let socket = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
        if addr.is_ipv6() && addr.ip().is_unspecified() {
            socket.set_only_v6(false)?;
        }
        if cfg.reuse_port {
            socket.set_reuse_port(true)?;
        }
        socket.set_nonblocking(true)?;
        let fd = socket.as_raw_fd();
        let recv_buffer = sockopt::size_buffer(fd, sockopt::Dir::Recv, cfg.recv_buffer)?;
        let send_buffer = sockopt::size_buffer(fd, sockopt::Dir::Send, cfg.send_buffer)?;
        socket.bind(&addr.into())?;
        let gso = cfg.gso && probe_gso(fd);
        let gro = cfg.gro && enable_gro(fd);
        let io = MioUdpSocket::from_std(StdUdpSocket::from(socket));
        let local = io.local_addr()?;
        Ok(UdpSocket {
            io,
            local,
            v6: addr.is_ipv6(),
            recv_buffer,
            send_buffer,
            gso,
            gro,
            stats: UdpStats::default(),
            #[cfg(test)]
            simulate_gso_refusal: false,
        })
    }

    /// The bound address (with the port the kernel chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// `SO_RCVBUF` as the kernel granted it (Linux reports twice the usable size).
    pub fn recv_buffer_size(&self) -> usize {
        self.recv_buffer
    }

    /// `SO_SNDBUF` as the kernel granted it.
    pub fn send_buffer_size(&self) -> usize {
        self.send_buffer
    }

    /// True while transmits with `segment_size` go out as GSO units.
    pub fn gso_enabled(&self) -> bool {
        self.gso
    }

    /// True when the kernel accepted `UDP_GRO` on this socket.
    pub fn gro_enabled(&self) -> bool {
        self.gro
    }

    /// Counters so far.
    pub fn stats(&self) -> UdpStats {
        self.stats
    }

    /// Receives up to `bufs`' capacity of datagrams with one `recvmmsg`; returns how many
    /// buffers were filled (also `bufs.len()`). `WouldBlock` when nothing is queued.
    pub fn recv_batch(&mut self, bufs: &mut RecvBatch) -> io::Result<usize> {
        bufs.metas.clear();
        let count = bufs.names.len();
        let mut iovs = [libc::iovec {
            iov_base: ptr::null_mut(),
            iov_len: 0,
        }; MAX_BATCH];
        // SAFETY: mmsghdr is plain C data (integers and pointers); all-zero is a valid value.
        let mut hdrs: [libc::mmsghdr; MAX_BATCH] = unsafe { std::mem::zeroed() };
        for (i, chunk) in bufs.buf.chunks_exact_mut(bufs.buf_size).enumerate() {
            iovs[i].iov_base = chunk.as_mut_ptr().cast();
            iovs[i].iov_len = chunk.len();
        }
        for i in 0..count {
            bufs.names[i] = SockAddrBuf::zeroed();
            let h = &mut hdrs[i].msg_hdr;
            h.msg_name = ptr::addr_of_mut!(bufs.names[i]).cast();
            h.msg_namelen = SockAddrBuf::CAPACITY;
            h.msg_iov = ptr::addr_of_mut!(iovs[i]);
            h.msg_iovlen = 1;
            h.msg_control = ptr::addr_of_mut!(bufs.ctrl[i]).cast();
            h.msg_controllen = CTRL_LEN as _;
        }
        let n = loop {
            // SAFETY: hdrs[..count] point at live, exclusively borrowed buffers (names, iovs,
            // ctrl, buf) whose lengths are given in the headers; they outlive the call.
            let r = unsafe {
                libc::recvmmsg(
                    self.io.as_raw_fd(),
                    hdrs.as_mut_ptr(),
                    count as libc::c_uint,
                    0,
                    ptr::null_mut(),
                )
            };
            match cvt(r) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        for (i, h) in hdrs[..n].iter().enumerate() {
            let len = h.msg_len as usize;
            if h.msg_hdr.msg_flags & libc::MSG_TRUNC != 0 {
                self.stats.truncated += 1;
            }
            // A UDP socket only reports AF_INET/AF_INET6 senders; keep metas aligned with
            // buffers regardless.
            let addr = bufs.names[i]
                .decode(h.msg_hdr.msg_namelen)
                .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
            let stride = gro_segment_size(&h.msg_hdr).unwrap_or(len);
            bufs.metas.push(RecvMeta { addr, len, stride });
        }
        self.stats.buffers_received += bufs.metas.len() as u64;
        Ok(bufs.metas.len())
    }

    /// Sends `transmits` in order with `sendmmsg`, as many per syscall as fit; returns how many
    /// were sent. A return below `transmits.len()` means the socket buffer is full (or an error
    /// is pending and will be returned by the next call); `WouldBlock` if none went out.
    ///
    /// A transmit split into several datagrams (GSO refused, or over 64 segments) counts as
    /// sent once its first datagram is out; a tail still unsent at `WouldBlock` is dropped and
    /// counted in [`UdpStats::dropped_tail_bytes`], as a lossy link would.
    pub fn send_batch(&mut self, transmits: &[Transmit<'_>]) -> io::Result<usize> {
        let mut cursor = Cursor { ti: 0, off: 0 };
        while cursor.ti < transmits.len() {
            let mut plan = [Piece::EMPTY; MAX_BATCH];
            let n = plan_pieces(transmits, cursor, self.gso, &mut plan);
            match self.send_pieces(transmits, &plan[..n]) {
                Ok(sent) => {
                    let last = &plan[sent - 1];
                    let t = &transmits[last.ti];
                    cursor = if last.off + last.len >= t.contents.len() {
                        Cursor {
                            ti: last.ti + 1,
                            off: 0,
                        }
                    } else {
                        Cursor {
                            ti: last.ti,
                            off: last.off + last.len,
                        }
                    };
                }
                Err(e) if plan[0].segment.is_some() && is_gso_refusal(&e) => self.disable_gso(&e),
                Err(_) if cursor.off > 0 => {
                    let t = &transmits[cursor.ti];
                    self.stats.dropped_tail_bytes += (t.contents.len() - cursor.off) as u64;
                    return Ok(cursor.ti + 1);
                }
                // The error stays pending in the socket and comes back on the next call.
                Err(_) if cursor.ti > 0 => return Ok(cursor.ti),
                Err(e) => return Err(e),
            }
        }
        Ok(transmits.len())
    }

    fn send_pieces(&mut self, transmits: &[Transmit<'_>], plan: &[Piece]) -> io::Result<usize> {
        #[cfg(test)]
        if plan[0].segment.is_some() && std::mem::take(&mut self.simulate_gso_refusal) {
            return Err(io::Error::from_raw_os_error(libc::EIO));
        }
        let mut iovs = [libc::iovec {
            iov_base: ptr::null_mut(),
            iov_len: 0,
        }; MAX_BATCH];
        let mut names = [(SockAddrBuf::zeroed(), 0); MAX_BATCH];
        let mut ctrl = [Ctrl([0; CTRL_LEN]); MAX_BATCH];
        // SAFETY: mmsghdr is plain C data (integers and pointers); all-zero is a valid value.
        let mut hdrs: [libc::mmsghdr; MAX_BATCH] = unsafe { std::mem::zeroed() };
        for (i, p) in plan.iter().enumerate() {
            let t = &transmits[p.ti];
            let data = &t.contents[p.off..p.off + p.len];
            iovs[i].iov_base = data.as_ptr() as *mut libc::c_void;
            iovs[i].iov_len = data.len();
            names[i] = SockAddrBuf::encode(t.dst, self.v6);
            let h = &mut hdrs[i].msg_hdr;
            h.msg_name = ptr::addr_of_mut!(names[i].0).cast();
            h.msg_namelen = names[i].1;
            h.msg_iov = ptr::addr_of_mut!(iovs[i]);
            h.msg_iovlen = 1;
            if let Some(seg) = p.segment {
                h.msg_control = ptr::addr_of_mut!(ctrl[i]).cast();
                h.msg_controllen = CTRL_LEN as _;
                h.msg_controllen = write_segment_cmsg(h, seg);
            }
        }
        let sent = loop {
            // SAFETY: hdrs[..plan.len()] point at iovecs over `transmits` (only read by the
            // kernel), at encoded names and at control buffers, all alive for the call.
            let r = unsafe {
                libc::sendmmsg(
                    self.io.as_raw_fd(),
                    hdrs.as_mut_ptr(),
                    plan.len() as libc::c_uint,
                    0,
                )
            };
            match cvt(r) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Ok(0) => return Err(io::ErrorKind::WouldBlock.into()),
                other => break other?,
            }
        };
        for p in &plan[..sent] {
            let segs = p.segment.map_or(1, |s| p.len.div_ceil(s as usize));
            self.stats.datagrams_sent += segs as u64;
        }
        Ok(sent)
    }

    fn disable_gso(&mut self, err: &io::Error) {
        self.gso = false;
        if !GSO_REFUSAL_REPORTED.swap(true, Ordering::Relaxed) {
            eprintln!(
                "roamsim: UDP GSO refused on {} ({err}); sending plain datagrams",
                self.local
            );
        }
    }
}

/// Where `send_batch` stands: transmit index and byte offset within it.
#[derive(Clone, Copy)]
struct Cursor {
    ti: usize,
    off: usize,
}

/// One `mmsghdr` worth of a transmit: a plain datagram or a GSO unit.
#[derive(Clone, Copy)]
struct Piece {
    ti: usize,
    off: usize,
    len: usize,
    segment: Option<u16>,
}

impl Piece {
    const EMPTY: Piece = Piece {
        ti: 0,
        off: 0,
        len: 0,
        segment: None,
    };
}

/// Splits transmits from `cursor` into at most `MAX_BATCH` pieces; returns how many.
fn plan_pieces(transmits: &[Transmit<'_>], cursor: Cursor, gso: bool, plan: &mut [Piece]) -> usize {
    let (mut ti, mut off) = (cursor.ti, cursor.off);
    let mut n = 0;
    while n < plan.len() && ti < transmits.len() {
        let t = &transmits[ti];
        let total = t.contents.len();
        let seg = t.segment_size.filter(|&s| s > 0 && s < total);
        let (chunk, segment) = match seg {
            None => (total, None),
            Some(s) if gso && s <= usize::from(u16::MAX) => {
                let segs = MAX_GSO_SEGMENTS.min(MAX_GSO_BYTES / s).max(1);
                (s * segs, Some(s as u16))
            }
            Some(s) => (s, None),
        };
        let len = chunk.min(total - off);
        let segment = segment.filter(|&s| len > usize::from(s));
        plan[n] = Piece {
            ti,
            off,
            len,
            segment,
        };
        n += 1;
        off += len;
        if off >= total {
            ti += 1;
            off = 0;
        }
    }
    n
}

/// Writes a `UDP_SEGMENT` cmsg into the control buffer `h` points at; returns the control length.
fn write_segment_cmsg(h: &mut libc::msghdr, segment: u16) -> usize {
    // SAFETY: `h.msg_control` points at a live, 8-byte aligned CTRL_LEN buffer and
    // `msg_controllen` says so, so CMSG_FIRSTHDR returns a header inside it; CMSG_SPACE(2) (24)
    // fits in CTRL_LEN; the u16 is written unaligned at CMSG_DATA within that space.
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(h);
        (*cmsg).cmsg_level = libc::SOL_UDP;
        (*cmsg).cmsg_type = libc::UDP_SEGMENT;
        (*cmsg).cmsg_len = libc::CMSG_LEN(2) as _;
        ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<u16>(), segment);
        libc::CMSG_SPACE(2) as usize
    }
}

/// The `UDP_GRO` segment size the kernel attached to a received message, if any.
fn gro_segment_size(h: &libc::msghdr) -> Option<usize> {
    if h.msg_controllen == 0 {
        return None;
    }
    // SAFETY: `msg_control`/`msg_controllen` describe the control buffer the kernel just
    // filled; CMSG_FIRSTHDR/CMSG_NXTHDR stay within `msg_controllen` and return null at the
    // end; the c_int payload of UDP_GRO is read unaligned.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(h);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_UDP && (*cmsg).cmsg_type == libc::UDP_GRO {
                let size = ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::c_int>());
                return usize::try_from(size).ok().filter(|&s| s > 0);
            }
            cmsg = libc::CMSG_NXTHDR(h, cmsg);
        }
    }
    None
}

/// Errors with which the kernel refuses a `UDP_SEGMENT` send it cannot offload.
fn is_gso_refusal(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EIO) | Some(libc::EINVAL) | Some(libc::EOPNOTSUPP) | Some(libc::ENOPROTOOPT)
    )
}

/// True if the kernel knows `UDP_SEGMENT`; reports once otherwise.
fn probe_gso(fd: RawFd) -> bool {
    match sockopt::get_int(fd, libc::SOL_UDP, libc::UDP_SEGMENT) {
        Ok(_) => true,
        Err(e) => {
            if !GSO_REFUSAL_REPORTED.swap(true, Ordering::Relaxed) {
                eprintln!("roamsim: UDP GSO unavailable ({e}); sending plain datagrams");
            }
            false
        }
    }
}

/// Turns on `UDP_GRO`; reports once if the kernel refuses.
fn enable_gro(fd: RawFd) -> bool {
    match sockopt::set_int(fd, libc::SOL_UDP, libc::UDP_GRO, 1) {
        Ok(()) => true,
        Err(e) => {
            if !GRO_REFUSAL_REPORTED.swap(true, Ordering::Relaxed) {
                eprintln!("roamsim: UDP GRO unavailable ({e}); receiving plain datagrams");
            }
            false
        }
    }
}

/// Maps a `-1` syscall return to the current `errno`.
fn cvt(r: libc::c_int) -> io::Result<usize> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r as usize)
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

super::fd_source!(UdpSocket);
