//! What the standalone link drivers ([`super::relay`], [`super::ipx`]) share: the monotonic
//! microsecond clock they feed the sans-IO [`crate::link::Link`] with, a precise wait for the
//! next release, the per-direction counters they print on exit (DESIGN.md §6, §7 `links`), and
//! their error type.

use std::fmt;
use std::io;
use std::time::{Duration, Instant};

use crate::link::LinkStats;

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

    /// True for errors of the user's making (bad flags or profile): exit code 2 (DESIGN.md §7).
    pub fn is_config(&self) -> bool {
        matches!(self, DriverError::Config(_) | DriverError::Environment(_))
    }
}

/// Longest single wait, so a stop request is noticed promptly even without a signal.
pub(crate) const MAX_WAIT_US: u64 = 50_000;

/// Monotonic microseconds since the driver started: the `now` of every link call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    start: Instant,
}

impl Clock {
    pub(crate) fn start() -> Clock {
        Clock {
            start: Instant::now(),
        }
    }

    pub(crate) fn now_us(&self) -> u64 {
        self.start.elapsed().as_micros().min(u128::from(u64::MAX)) as u64
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }
}

/// When the loop must wake: the next release, the end of the run, or at the latest
/// [`MAX_WAIT_US`] from `now_us`.
pub(crate) fn wake_at(now_us: u64, next_release: Option<u64>, end_us: Option<u64>) -> u64 {
    let mut at = now_us.saturating_add(MAX_WAIT_US);
    for t in [next_release, end_us].into_iter().flatten() {
        at = at.min(t);
    }
    at
}

/// Polls for readiness until `wake_at_us` at the latest, to the microsecond rather than to
/// epoll's millisecond ([`crate::io::poll`]). An interrupted poll (a signal) returns with no
/// events.
pub(crate) fn poll_until(
    poll: &mut mio::Poll,
    events: &mut mio::Events,
    clock: &Clock,
    wake_at_us: u64,
) -> io::Result<()> {
    let wait_us = wake_at_us.saturating_sub(clock.now_us());
    if wait_us > 0 {
        crate::io::poll::wait_readable(poll, Duration::from_micros(wait_us))?;
    }
    match poll.poll(events, Some(Duration::ZERO)) {
        Err(e) if e.kind() == io::ErrorKind::Interrupted => {
            events.clear();
            Ok(())
        }
        other => other,
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
    let clock = Clock::start();
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
            true => wake_at(now, driver.next_release_at(), end_us),
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

/// Asks for 1 µs timer slack on the driver's thread, so wake-ups land when the link asks.
pub(crate) fn precise_timers() {
    let _ = crate::io::poll::set_timer_slack(Duration::from_micros(1));
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

/// Interrupt moderation for the event loops (like a NIC's): when turns follow each other closer
/// than `min_gap`, the next one waits for the rest of the gap, so that each turn handles a batch
/// of messages with few syscalls and wake-ups instead of one message per wake-up. At low load
/// turns are far apart and nothing waits.
pub(crate) struct Moderation {
    min_gap: Duration,
    last: std::time::Instant,
}

impl Moderation {
    /// Turns at most every `min_gap` under load.
    pub(crate) fn new(min_gap: Duration) -> Moderation {
        Moderation {
            min_gap,
            last: std::time::Instant::now(),
        }
    }

    /// Call at the start of every turn.
    pub(crate) fn pace(&mut self) {
        let since = self.last.elapsed();
        if since < self.min_gap {
            std::thread::sleep(self.min_gap - since);
        }
        self.last = std::time::Instant::now();
    }
}

/// The gap of [`Moderation`] for the load engine and the core: none by default since each
/// shard turns its own core (measured on 2 cores at 27–32k procedures/s: p50 0.1 ms with no gap
/// against 0.3 ms with 100 µs, p99 no worse); `ROAMSIM_TURN_US` sets one, for experiments.
pub(crate) fn turn_gap() -> Duration {
    let us = std::env::var("ROAMSIM_TURN_US")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Duration::from_micros(us)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wakes_at_the_earliest_bound() {
        assert_eq!(wake_at(1_000, None, None), 1_000 + MAX_WAIT_US);
        assert_eq!(wake_at(1_000, Some(5_000), None), 5_000);
        assert_eq!(wake_at(1_000, Some(5_000), Some(3_000)), 3_000);
        assert_eq!(wake_at(1_000, Some(500), None), 500);
    }

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
