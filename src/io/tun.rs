//! TUN devices (Linux `Documentation/networking/tuntap.rst`): a layer-3 interface whose packets
//! roamsim reads and writes through a file descriptor, one whole IP packet per `read`/`write`.
//!
//! Opened with `IFF_TUN | IFF_NO_PI` (no 4-byte packet-information header, so the bytes are the
//! IP packet itself), nonblocking, and not persistent: the kernel removes the device when the
//! descriptor closes, so a crashed roamsim leaves no interface behind. The descriptor stays
//! valid when the device is created in, or moved to, another network namespace
//! (`ip link set DEV netns NAME`), which is what the TUN/netns link driver relies on.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;

/// The clone device every TUN is created through.
const CLONE_DEVICE: &str = "/dev/net/tun";

/// A nonblocking TUN device carrying raw IP packets; register it with mio directly.
#[derive(Debug)]
pub struct Tun {
    file: File,
    name: String,
}

impl Tun {
    /// Creates the TUN device `name` (at most 15 bytes) in the calling thread's network
    /// namespace. Needs `CAP_NET_ADMIN`; fails with `EBUSY` if a device of that name exists.
    pub fn create(name: &str) -> io::Result<Tun> {
        if name.is_empty() || name.len() >= libc::IFNAMSIZ || name.contains(['/', ' ', '\0']) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid interface name `{name}` (1 to 15 bytes, no `/` or spaces)"),
            ));
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(CLONE_DEVICE)
            .map_err(|e| io::Error::new(e.kind(), format!("{CLONE_DEVICE}: {e}")))?;
        // SAFETY: ifreq is plain C data (a name array and a union of integers, sockaddrs and a
        // pointer); all-zero is a valid value.
        let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
        for (dst, src) in req.ifr_name.iter_mut().zip(name.bytes()) {
            *dst = src as libc::c_char;
        }
        req.ifr_ifru.ifru_flags = (libc::IFF_TUN | libc::IFF_NO_PI) as libc::c_short;
        // SAFETY: TUNSETIFF reads and writes one `struct ifreq`; `req` is live, exclusively
        // borrowed and NUL-terminated (the name is shorter than IFNAMSIZ, the rest is zero).
        let r = unsafe { libc::ioctl(file.as_raw_fd(), libc::TUNSETIFF, &mut req) };
        if r < 0 {
            let e = io::Error::last_os_error();
            return Err(io::Error::new(e.kind(), format!("TUNSETIFF {name}: {e}")));
        }
        let len = req.ifr_name.iter().position(|&c| c == 0).unwrap_or(0);
        let name = req.ifr_name[..len]
            .iter()
            .map(|&c| c as u8 as char)
            .collect();
        Ok(Tun { file, name })
    }

    /// The interface name the kernel gave the device.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads one IP packet into `buf`; `WouldBlock` when none is waiting. A packet longer than
    /// `buf` is cut short (give at least the MTU).
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        (&self.file).read(buf)
    }

    /// Writes one IP packet; the kernel takes it as received on the interface.
    pub fn send(&self, packet: &[u8]) -> io::Result<usize> {
        (&self.file).write(packet)
    }
}

impl AsRawFd for Tun {
    fn as_raw_fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }
}

super::fd_source!(Tun);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_names() {
        for bad in ["", "a-name-that-is-too-long", "a/b", "a b"] {
            let err = Tun::create(bad).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
    }
}
