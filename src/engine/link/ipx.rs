//! `roamsim ipx`: the TUN/network-namespace driver of the link emulator (docs/ARCHITECTURE.md §6).
//! Two namespaces, `roamsim-visited` (192.0.2.1) and `roamsim-home` (198.51.100.1), each get a TUN
//! device that roamsim owns, addressed point-to-point towards the other side. Every IP packet
//! one side sends to the other is read from its TUN, passed through that direction's
//! [`Link`](crate::link::Link) (visited → home is the uplink) and written into the other TUN, so
//! any traffic between them — kernel TCP, ping, kernel SCTP, third-party peers started with `ip
//! netns exec` — is impaired packet by packet, with no `tc`/netem in the kernel.
//!
//! Setup removes namespaces left by a crashed run; [`Ipx`] removes its namespaces (and with them
//! the TUN devices) when dropped, so a run stopped by Ctrl-C or SIGTERM cleans up too. Root only
//! (`CAP_NET_ADMIN` and `CAP_SYS_ADMIN` for `ip netns`).

use std::fmt;
use std::io;
use std::net::Ipv4Addr;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use mio::{Interest, Poll, Token};

use super::{write_directions, DriverError, DEFAULT_SEED};
use crate::io::netns::{self, Netns};
use crate::io::Tun;
use crate::link::{BiLink, Direction, LinkProfile, LinkStats};
use crate::model::Micros;

/// The visited side's namespace.
pub const VISITED_NS: &str = "roamsim-visited";
/// The home side's namespace.
pub const HOME_NS: &str = "roamsim-home";
/// The visited side's address (TEST-NET-1).
pub const VISITED_ADDR: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
/// The home side's address (TEST-NET-2).
pub const HOME_ADDR: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 1);
/// The TUN device's name inside each namespace.
pub const TUN_NAME: &str = "ipx0";
/// Largest packet read from a TUN (its MTU is 1500; a TUN never hands out more than 64 KiB).
const READ_BUF: usize = 65_536;
/// Packets read from one TUN per wake-up before due packets are released again.
const MAX_READS_PER_WAKE: usize = 256;
const POOL_MAX: usize = 4096;
const VISITED: Token = Token(0);
const HOME: Token = Token(1);

/// What the driver runs.
#[derive(Debug, Clone)]
pub struct IpxConfig {
    /// Impairments: `[uplink]` visited → home, `[downlink]` home → visited.
    pub profile: LinkProfile,
    /// Seed of the link's random streams.
    pub seed: u64,
    /// Stop after this long (otherwise when `stop` is set).
    pub duration: Option<Duration>,
}

impl IpxConfig {
    /// Runs `profile` until stopped, seeded by the profile's seed (or [`DEFAULT_SEED`]).
    pub fn new(profile: LinkProfile) -> IpxConfig {
        IpxConfig {
            seed: profile.seed.unwrap_or(DEFAULT_SEED),
            profile,
            duration: None,
        }
    }
}

/// Driver-level counters (the link's own are in [`LinkStats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IpxCounters {
    /// Packets a TUN would not take.
    pub write_failed: u64,
    /// Read errors other than "nothing waiting".
    pub read_errors: u64,
}

/// What an ipx run did.
#[derive(Debug, Clone)]
pub struct IpxReport {
    /// How long it ran.
    pub elapsed: Duration,
    /// Visited → home.
    pub uplink: LinkStats,
    /// Home → visited.
    pub downlink: LinkStats,
    /// Copies still in the uplink and downlink when it stopped.
    pub in_flight: [usize; 2],
    /// Driver counters.
    pub counters: IpxCounters,
}

impl fmt::Display for IpxReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "ipx {VISITED_NS} {VISITED_ADDR} <-> {HOME_NS} {HOME_ADDR}: {:.1} s",
            self.elapsed.as_secs_f64()
        )?;
        write_directions(f, [&self.uplink, &self.downlink], self.in_flight)?;
        write!(
            f,
            "  tun:      write failed {}  read errors {}",
            self.counters.write_failed, self.counters.read_errors
        )
    }
}

/// One namespace and the TUN device in it. Field order matters: the device closes before the
/// namespace is deleted.
struct Side {
    tun: Tun,
    ns: Netns,
}

impl Side {
    /// Creates namespace `name` with a TUN addressed `local`, point-to-point to `peer`.
    fn create(name: &str, local: Ipv4Addr, peer: Ipv4Addr) -> Result<Side, DriverError> {
        let setup = |e| DriverError::io(format!("setting up namespace {name}"), e);
        let ns = Netns::create(name).map_err(setup)?;
        let tun = ns.run_in(|| Tun::create(TUN_NAME)).map_err(setup)?;
        // No IPv6 link-local address: the link carries only what the user sends.
        let _ = ns.ip(&["link", "set", "dev", TUN_NAME, "addrgenmode", "none"]);
        let (local, peer) = (format!("{local}/32"), format!("{peer}/32"));
        ns.ip(&["addr", "add", &local, "peer", &peer, "dev", TUN_NAME])
            .map_err(setup)?;
        ns.ip(&["link", "set", "dev", TUN_NAME, "up"])
            .map_err(setup)?;
        Ok(Side { tun, ns })
    }
}

/// The two namespaces joined through the link, ready to [`Ipx::run`].
pub struct Ipx {
    poll: Poll,
    visited: Side,
    home: Side,
    link: BiLink<Vec<u8>>,
    duration: Option<Duration>,
    buf: Box<[u8]>,
    pool: Vec<Vec<u8>>,
    counters: IpxCounters,
}

/// Sets up the namespaces, prints the ready line, and runs until `stop` is set or the duration
/// has passed; the namespaces are gone when it returns.
pub fn run(config: &IpxConfig, stop: &AtomicBool) -> Result<IpxReport, DriverError> {
    let ipx = Ipx::setup(config)?;
    println!("{}", ipx.ready_line());
    ipx.run(stop)
}

impl Ipx {
    /// Checks the host (root, `ip`), validates the link, removes stale namespaces of a crashed
    /// run, and creates both namespaces with their TUN devices.
    pub fn setup(config: &IpxConfig) -> Result<Ipx, DriverError> {
        let link = BiLink::new(
            config.profile.uplink.clone(),
            config.profile.downlink.clone(),
            config.seed,
        )
        .map_err(|e| DriverError::Config(format!("link profile: {e}")))?;
        if !netns::is_root() {
            return Err(DriverError::Environment(
                "roamsim ipx must run as root: it creates network namespaces and TUN devices \
                 (try sudo)"
                    .into(),
            ));
        }
        if !netns::have_ip() {
            return Err(DriverError::Environment(
                "roamsim ipx needs the `ip` command (iproute2) on PATH".into(),
            ));
        }
        for name in [VISITED_NS, HOME_NS] {
            if netns::remove_stale(name)
                .map_err(|e| DriverError::io(format!("removing stale namespace {name}"), e))?
            {
                eprintln!("roamsim: removed network namespace {name} left by an earlier run");
            }
        }
        let mut visited = Side::create(VISITED_NS, VISITED_ADDR, HOME_ADDR)?;
        let mut home = Side::create(HOME_NS, HOME_ADDR, VISITED_ADDR)?;
        let poll = Poll::new().map_err(|e| DriverError::io("mio poll", e))?;
        for (side, token) in [(&mut visited, VISITED), (&mut home, HOME)] {
            poll.registry()
                .register(&mut side.tun, token, Interest::READABLE)
                .map_err(|e| DriverError::io(format!("register TUN in {}", side.ns.name()), e))?;
        }
        Ok(Ipx {
            poll,
            visited,
            home,
            link,
            duration: config.duration,
            buf: vec![0; READ_BUF].into_boxed_slice(),
            pool: Vec::new(),
            counters: IpxCounters::default(),
        })
    }

    /// `ipx ready: roamsim-visited 192.0.2.1 <-> roamsim-home 198.51.100.1`.
    pub fn ready_line(&self) -> String {
        format!(
            "ipx ready: {} {VISITED_ADDR} <-> {} {HOME_ADDR}",
            self.visited.ns.name(),
            self.home.ns.name()
        )
    }

    /// Carries packets until `stop` is set or the duration has passed, then removes the
    /// namespaces; packets still in the link are discarded (they show as "in flight").
    pub fn run(mut self, stop: &AtomicBool) -> Result<IpxReport, DriverError> {
        let duration = self.duration;
        let elapsed = super::run_loop(&mut self, stop, duration, 16)?;
        Ok(IpxReport {
            elapsed,
            uplink: self.link.uplink.stats().clone(),
            downlink: self.link.downlink.stats().clone(),
            in_flight: [self.link.uplink.len(), self.link.downlink.len()],
            counters: self.counters,
        })
    }

    /// Reads packets from `token`'s TUN (a bounded number) into its direction's link; true if
    /// more may be waiting.
    fn drain_source(&mut self, token: Token, now_us: u64) -> bool {
        let (side, dir) = match token {
            VISITED => (&self.visited, Direction::Uplink),
            _ => (&self.home, Direction::Downlink),
        };
        for _ in 0..MAX_READS_PER_WAKE {
            match side.tun.recv(&mut self.buf) {
                Ok(0) => return false,
                Ok(n) => {
                    let mut packet = self.pool.pop().unwrap_or_default();
                    packet.clear();
                    packet.extend_from_slice(&self.buf[..n]);
                    self.link.enqueue(dir, Micros(now_us), packet);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    self.counters.read_errors += 1;
                    return false;
                }
            }
        }
        true
    }

    /// Writes every packet due at `now_us` into the other side's TUN.
    fn release_due(&mut self, now_us: u64) {
        while let Some((dir, packet)) = self.link.poll_release(Micros(now_us)) {
            let to = match dir {
                Direction::Uplink => &self.home.tun,
                Direction::Downlink => &self.visited.tun,
            };
            if to.send(&packet).is_err() {
                self.counters.write_failed += 1;
            }
            if self.pool.len() < POOL_MAX {
                self.pool.push(packet);
            }
        }
    }
}

impl super::LinkDriver for Ipx {
    fn poll(&mut self) -> &mut Poll {
        &mut self.poll
    }

    fn next_release_at(&self) -> Option<u64> {
        self.link.poll_timeout().map(u64::from)
    }

    fn release(&mut self, now_us: u64) {
        self.release_due(now_us)
    }

    fn drain(&mut self, token: Token, now_us: u64) -> bool {
        self.drain_source(token, now_us)
    }
}
