//! Integer socket options that socket2 does not cover (`UDP_SEGMENT`, `UDP_GRO`,
//! `SO_RCVBUFFORCE`), and buffer sizing that reports what the kernel granted.

use std::io;
use std::os::fd::RawFd;

/// Which kernel buffer to size.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Dir {
    Recv,
    Send,
}

/// `setsockopt(fd, level, name, &value, sizeof(int))`.
pub(crate) fn set_int(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    // SAFETY: passes a pointer to a live c_int and its exact size; the kernel only reads it.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            std::ptr::addr_of!(value).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// `getsockopt(fd, level, name)` for an int-valued option.
pub(crate) fn get_int(fd: RawFd, level: libc::c_int, name: libc::c_int) -> io::Result<libc::c_int> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: the kernel writes at most `len` bytes into the live c_int `value`.
    let r = unsafe {
        libc::getsockopt(
            fd,
            level,
            name,
            std::ptr::addr_of_mut!(value).cast(),
            &mut len,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(value)
    }
}

/// Asks for a `bytes` buffer, first past `rmem_max`/`wmem_max` with the `*FORCE` option (needs
/// CAP_NET_ADMIN), then within the limit; returns the size the kernel reports afterwards.
pub(crate) fn size_buffer(fd: RawFd, dir: Dir, bytes: usize) -> io::Result<usize> {
    let (opt, force) = match dir {
        Dir::Recv => (libc::SO_RCVBUF, libc::SO_RCVBUFFORCE),
        Dir::Send => (libc::SO_SNDBUF, libc::SO_SNDBUFFORCE),
    };
    let want = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    if want > 0 && set_int(fd, libc::SOL_SOCKET, force, want).is_err() {
        set_int(fd, libc::SOL_SOCKET, opt, want)?;
    }
    Ok(get_int(fd, libc::SOL_SOCKET, opt)?.max(0) as usize)
}
