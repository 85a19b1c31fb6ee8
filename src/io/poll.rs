//! Waiting to the microsecond. `epoll_wait` (and so `mio::Poll`) takes its timeout in whole
//! milliseconds, which would release an emulated link's packets up to a millisecond late;
//! `ppoll(2)` takes a `timespec`, and an epoll descriptor is itself pollable (readable while
//! events are pending), so a driver waits on mio's descriptor with [`wait_readable`] and then
//! collects the events with a zero-timeout `mio::Poll::poll`. [`set_timer_slack`] narrows the
//! kernel's default 50 µs timer slack for the calling thread (prctl(2) `PR_SET_TIMERSLACK`).

use std::io;
use std::os::fd::AsRawFd;
use std::time::Duration;

/// Blocks until `fd` is readable or `timeout` has passed; true if readable. A signal ends the
/// wait early (returns false).
pub fn wait_readable(fd: &impl AsRawFd, timeout: Duration) -> io::Result<bool> {
    let mut pfd = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ts = libc::timespec {
        tv_sec: timeout.as_secs().min(libc::time_t::MAX as u64) as libc::time_t,
        tv_nsec: libc::c_long::from(timeout.subsec_nanos() as i32),
    };
    // SAFETY: `pfd` and `ts` are live for the call and one pollfd is passed (the kernel
    // reports a closed descriptor in `revents`, it does not touch it); a null sigmask
    // leaves the signal mask unchanged.
    let r = unsafe { libc::ppoll(&mut pfd, 1, &ts, std::ptr::null()) };
    if r < 0 {
        let e = io::Error::last_os_error();
        return match e.kind() {
            io::ErrorKind::Interrupted => Ok(false),
            _ => Err(e),
        };
    }
    Ok(r > 0)
}

/// Sets the calling thread's timer slack (how late the kernel may fire its timers to batch
/// wake-ups); 0 restores the thread's default.
pub fn set_timer_slack(slack: Duration) -> io::Result<()> {
    let ns = slack.as_nanos().min(libc::c_ulong::MAX as u128) as libc::c_ulong;
    // SAFETY: PR_SET_TIMERSLACK takes one integer argument and touches no memory.
    let r = unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, ns, 0, 0, 0) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Turns transparent huge pages off for the whole process (prctl(2) `PR_SET_THP_DISABLE`).
///
/// The event loops grow large, sparsely touched tables (the GTPv2 duplicate cache holds a
/// 12 s window of requests); with huge pages every first touch of a 2 MiB region zeroes the
/// whole region inside the loop's turn. Measured on a 2-core VM: 4-5 ms per fault, 150 ms at
/// start-up, the largest source of p99 latency in `roamsim run` at 40k procedures/s. With 4 KiB
/// pages the same cost is spread over many turns.
pub fn disable_huge_pages() -> io::Result<()> {
    // SAFETY: PR_SET_THP_DISABLE takes one integer argument and touches no memory.
    let r = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn waits_about_the_timeout_when_nothing_is_readable() {
        set_timer_slack(Duration::from_micros(1)).unwrap();
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let t = Instant::now();
        assert!(!wait_readable(&socket, Duration::from_micros(300)).unwrap());
        let waited = t.elapsed();
        assert!(waited >= Duration::from_micros(300), "{waited:?}");
        assert!(waited < Duration::from_millis(50), "{waited:?}");
    }

    #[test]
    fn returns_at_once_when_readable() {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.send_to(b"x", socket.local_addr().unwrap()).unwrap();
        assert!(wait_readable(&socket, Duration::from_secs(5)).unwrap());
    }
}
