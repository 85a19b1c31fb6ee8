//! Named network namespaces, as iproute2 manages them (`ip netns add NAME` bind-mounts the
//! namespace at `/var/run/netns/NAME`, ip-netns(8)), for the TUN/netns link driver.
//!
//! Namespaces, addresses and routes are made by running `ip` (iproute2), which is what an
//! operator would type and what they can inspect afterwards; only entering a namespace needs a
//! syscall: [`Netns::run_in`] calls `setns(2)` on a short-lived thread, so the caller's own
//! namespace never changes and whatever that thread creates (a TUN device) lives in the named one.
//! A [`Netns`] deletes its namespace when dropped.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::process::{Command, Stdio};

/// Where iproute2 bind-mounts named namespaces.
const NETNS_DIR: &str = "/var/run/netns";

/// True when the process runs with effective user id 0.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// True when an `ip` binary (iproute2) can be run.
pub fn have_ip() -> bool {
    Command::new("ip")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `ip ARGS...`; an error carries the command line and what `ip` printed on stderr.
pub fn ip(args: &[&str]) -> io::Result<()> {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| io::Error::new(e.kind(), format!("cannot run `ip`: {e}")))?;
    if out.status.success() {
        return Ok(());
    }
    Err(io::Error::other(format!(
        "`ip {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    )))
}

/// True when a namespace called `name` is mounted.
pub fn exists(name: &str) -> bool {
    std::path::Path::new(NETNS_DIR).join(name).exists()
}

/// Deletes the namespace `name` if it exists (a leftover of a crashed run); true if it did.
pub fn remove_stale(name: &str) -> io::Result<bool> {
    if !exists(name) {
        return Ok(false);
    }
    ip(&["netns", "delete", name])?;
    Ok(true)
}

/// A named network namespace this process created; deleted on drop.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Creates namespace `name` and brings its loopback up. Fails if it exists already (call
    /// [`remove_stale`] first to take over a leftover).
    pub fn create(name: &str) -> io::Result<Netns> {
        ip(&["netns", "add", name])?;
        let ns = Netns {
            name: name.to_string(),
        };
        ns.ip(&["link", "set", "lo", "up"])?;
        Ok(ns)
    }

    /// The namespace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs `ip -n NAME ARGS...` inside the namespace.
    pub fn ip(&self, args: &[&str]) -> io::Result<()> {
        let mut full = vec!["-n", self.name.as_str()];
        full.extend_from_slice(args);
        ip(&full)
    }

    /// Runs `f` on a new thread that has entered the namespace, and returns its result. File
    /// descriptors `f` opens (a TUN device, a socket) keep working from any thread afterwards.
    pub fn run_in<R, F>(&self, f: F) -> io::Result<R>
    where
        R: Send,
        F: FnOnce() -> io::Result<R> + Send,
    {
        let path = std::path::Path::new(NETNS_DIR).join(&self.name);
        let ns = File::open(&path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        std::thread::scope(|s| {
            s.spawn(move || {
                // SAFETY: `ns` is an open namespace file descriptor for the whole call;
                // setns only changes the calling thread's network namespace, and this thread
                // ends right after `f`.
                let r = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
                if r < 0 {
                    let e = io::Error::last_os_error();
                    return Err(io::Error::new(
                        e.kind(),
                        format!("setns {}: {e}", path.display()),
                    ));
                }
                f()
            })
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("namespace thread panicked")))
        })
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if let Err(e) = ip(&["netns", "delete", &self.name]) {
            eprintln!(
                "roamsim: could not delete network namespace {}: {e}",
                self.name
            );
        }
    }
}
