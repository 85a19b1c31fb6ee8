//! The standalone link drivers (docs/ARCHITECTURE.md §6): [`relay`] (`roamsim link`, a UDP
//! relay) and [`ipx`] (`roamsim ipx`, TUN devices between two network namespaces), and what they
//! share: one event loop (`run_loop`) on the engine's [`Clock`], the per-direction counters
//! they print on exit (docs/ARCHITECTURE.md §7 `links`), and their error type.

use std::fmt;
use std::io;
use std::time::Duration;

use crate::engine::clock::{poll_until, precise_timers, wake_at, Clock};
use crate::link::LinkStats;

pub mod ipx;
pub mod relay;

/// Seed of the link's random streams when neither a flag nor the profile gives one: runs are
/// repeatable by default.
pub const DEFAULT_SEED: u64 = 1;

/// Why a link driver could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// Bad options or profile: a usage or configuration error (exit code 2).
    #[error("{0}")]
    Config(String),
    /// The host cannot run the driver as asked (not root, `ip` missing, no `/dev/net/tun`).
    #[error("{0}")]
    Environment(String),
    /// A socket, device or namespace operation failed; `context` says which.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, naming the address, device or namespace.
        context: String,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

impl DriverError {
    /// An I/O error with context.
    pub fn io(context: impl Into<String>, source: io::Error) -> DriverError {
        DriverError::Io {
            context: context.into(),
            source,
        }
    }

    /// True for errors of the user's making (bad flags or profile): exit code 2
    /// (docs/ARCHITECTURE.md §7).
    pub fn is_config(&self) -> bool {
        matches!(self, DriverError::Config(_) | DriverError::Environment(_))
    }
}

/// What a link driver (relay, ipx) plugs into [`run_loop`]: its poll, its link's next release,
/// releasing what is due, and draining a readable source.
pub(crate) trait LinkDriver {
    /// The driver's poll.
    fn poll(&mut self) -> &mut mio::Poll;
    /// When the link next has a packet to release.
    fn next_release_at(&self) -> Option<u64>;
    /// Sends every packet the link releases by `now_us`.
    fn release(&mut self, now_us: u64);
    /// Reads a bounded number of packets from `token` into the link; true if more may wait.
    fn drain(&mut self, token: mio::Token, now_us: u64) -> bool;
}

/// The drivers' event loop: release what is due, wait to the microsecond for the next release
/// or for input, drain readable sources fairly (a bounded amount each turn), until `stop` is set
/// or `duration` has passed. Returns the time it ran.
pub(crate) fn run_loop(
    driver: &mut impl LinkDriver,
    stop: &std::sync::atomic::AtomicBool,
    duration: Option<Duration>,
    events_capacity: usize,
) -> Result<Duration, DriverError> {
    precise_timers();
    let clock = Clock::real();
    let end_us = duration.map(|d| d.as_micros() as u64);
    let mut events = mio::Events::with_capacity(events_capacity);
    let mut readable: Vec<mio::Token> = Vec::new();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let now = clock.now_us();
        if end_us.is_some_and(|end| now >= end) {
            break;
        }
        driver.release(now);
        let wake = match readable.is_empty() {
            true => wake_at(now, [driver.next_release_at(), end_us]),
            false => now,
        };
        poll_until(driver.poll(), &mut events, &clock, wake)
            .map_err(|e| DriverError::io("poll", e))?;
        for event in events.iter() {
            if !readable.contains(&event.token()) {
                readable.push(event.token());
            }
        }
        let now = clock.now_us();
        readable.retain(|&token| driver.drain(token, now));
    }
    Ok(clock.elapsed())
}

/// The uplink's and the downlink's lines (indented, one each) of a driver's exit report.
pub(crate) fn write_directions(
    f: &mut fmt::Formatter<'_>,
    stats: [&LinkStats; 2],
    in_flight: [usize; 2],
) -> fmt::Result {
    for (i, name) in ["uplink", "downlink"].into_iter().enumerate() {
        let line = DirectionLine {
            name,
            stats: stats[i],
            in_flight: in_flight[i],
        };
        writeln!(f, "  {line}")?;
    }
    Ok(())
}

/// One direction's counters, printed on one line.
pub(crate) struct DirectionLine<'a> {
    pub(crate) name: &'a str,
    pub(crate) stats: &'a LinkStats,
    /// Copies still queued in the link when the run ended.
    pub(crate) in_flight: usize,
}

impl fmt::Display for DirectionLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.stats;
        let ms = |q: f64| s.delay_us.value_at_quantile(q) as f64 / 1000.0;
        write!(
            f,
            "{:<10}packets {}  released {}  dropped {} (loss {}, limit {}, outage {})  \
             duplicated {}  corrupted {}  reordered {}  in flight {}",
            format!("{}:", self.name),
            s.packets,
            s.released,
            s.dropped(),
            s.dropped_loss,
            s.dropped_limit,
            s.dropped_outage,
            s.duplicated,
            s.corrupted,
            s.reordered,
            self.in_flight,
        )?;
        if s.delay_us.is_empty() {
            write!(f, "  delay p50 - p99 -")
        } else {
            write!(f, "  delay p50 {:.1} ms p99 {:.1} ms", ms(0.5), ms(0.99))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_a_direction() {
        let mut stats = LinkStats {
            packets: 10,
            released: 9,
            dropped_loss: 1,
            ..LinkStats::default()
        };
        stats.delay_us.record(100_000).unwrap();
        let line = DirectionLine {
            name: "uplink",
            stats: &stats,
            in_flight: 0,
        }
        .to_string();
        assert!(line.contains("packets 10"), "{line}");
        assert!(line.contains("dropped 1 (loss 1,"), "{line}");
        assert!(line.contains("delay p50 100.0 ms"), "{line}");
    }
}
