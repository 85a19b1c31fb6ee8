//! The one clock of every event loop, and the one way they wait (docs/ARCHITECTURE.md §5).
//!
//! The sans-IO layers never read a clock: they are handed `now`, in microseconds since the
//! loop's start. [`Clock`] is where that number comes from: the monotonic clock for a loop on
//! real sockets, or a simulated one that jumps to the next event for a virtual-time run, so
//! that the generator loop (`engine::load::generator`) is one piece of code for both.
//!
//! Real loops wait with [`wait_until`]: to the microsecond, on mio's descriptor with `ppoll(2)`
//! ([`crate::io::poll`]), because `epoll_wait` rounds its timeout to whole milliseconds and an
//! emulated link or a timer would then fire up to a millisecond late.

use std::io;
use std::time::{Duration, Instant};

use crate::model::Micros;

/// Longest single wait of a real loop, so that a stop request is noticed promptly even when no
/// signal interrupts the wait.
pub const MAX_WAIT_US: u64 = 50_000;

/// Microseconds since a loop started: the `now` of every sans-IO call.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    /// The monotonic clock, counted from `start`.
    Real {
        /// When the loop started.
        start: Instant,
    },
    /// A simulated clock that only moves when [`Clock::advance_to`] moves it.
    Virtual {
        /// The current virtual time.
        now: Micros,
    },
}

impl Clock {
    /// A real clock starting now.
    pub fn real() -> Clock {
        Clock::Real {
            start: Instant::now(),
        }
    }

    /// A virtual clock at time 0.
    pub fn simulated() -> Clock {
        Clock::Virtual { now: Micros::ZERO }
    }

    /// The current time since the start: the `now` of the sans-IO layers.
    pub fn now(&self) -> Micros {
        match self {
            Clock::Real { start } => Micros::from_duration(start.elapsed()),
            Clock::Virtual { now } => *now,
        }
    }

    /// The current time as a plain number of microseconds (for the engine's own bookkeeping:
    /// wake-ups, intervals).
    pub fn now_us(&self) -> u64 {
        self.now().as_u64()
    }

    /// Moves a virtual clock forward to `at` (never back); a real clock moves by itself.
    pub fn advance_to(&mut self, at: Micros) {
        if let Clock::Virtual { now } = self {
            *now = (*now).max(at);
        }
    }

    /// Time since the start.
    pub fn elapsed(&self) -> Duration {
        self.now().as_duration()
    }
}

/// When a real loop must wake: the earliest of `deadlines`, or at the latest [`MAX_WAIT_US`]
/// from `now_us`.
pub fn wake_at(now_us: u64, deadlines: impl IntoIterator<Item = Option<u64>>) -> u64 {
    deadlines
        .into_iter()
        .flatten()
        .fold(now_us.saturating_add(MAX_WAIT_US), u64::min)
}

/// Blocks until `poll` has events or `clock` reaches `wake_at_us`, to the microsecond. A
/// signal ends the wait early.
pub fn wait_until(poll: &mio::Poll, clock: &Clock, wake_at_us: u64) -> io::Result<()> {
    let wait_us = wake_at_us.saturating_sub(clock.now_us());
    if wait_us > 0 {
        crate::io::poll::wait_readable(poll, Duration::from_micros(wait_us))?;
    }
    Ok(())
}

/// Collects the events that are ready, without waiting; an interrupted poll (a signal) gives
/// none.
pub fn poll_ready(poll: &mut mio::Poll, events: &mut mio::Events) -> io::Result<()> {
    match poll.poll(events, Some(Duration::ZERO)) {
        Err(e) if e.kind() == io::ErrorKind::Interrupted => {
            events.clear();
            Ok(())
        }
        other => other,
    }
}

/// [`wait_until`], then [`poll_ready`].
pub fn poll_until(
    poll: &mut mio::Poll,
    events: &mut mio::Events,
    clock: &Clock,
    wake_at_us: u64,
) -> io::Result<()> {
    wait_until(poll, clock, wake_at_us)?;
    poll_ready(poll, events)
}

/// Asks for 1 µs timer slack on the calling thread, so that wake-ups land when the loop asks.
pub fn precise_timers() {
    let _ = crate::io::poll::set_timer_slack(Duration::from_micros(1));
}

/// Interrupt moderation for the event loops (like a NIC's): when turns follow each other closer
/// than `min_gap`, the next one waits for the rest of the gap, so that each turn handles a batch
/// of messages with few syscalls and wake-ups instead of one message per wake-up. At low load
/// turns are far apart and nothing waits.
pub struct Moderation {
    min_gap: Duration,
    last: Instant,
}

impl Moderation {
    /// Turns at most every `min_gap` under load.
    pub fn new(min_gap: Duration) -> Moderation {
        Moderation {
            min_gap,
            last: Instant::now(),
        }
    }

    /// The gap of the load engine and the core: none by default, since each shard turns its
    /// own core (measured on 2 cores at 27–32k procedures/s: p50 0.1 ms with no gap against
    /// 0.3 ms with 100 µs, p99 no worse); `ROAMSIM_TURN_US` sets one, for experiments.
    pub fn from_env() -> Moderation {
        let us = std::env::var("ROAMSIM_TURN_US")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        Moderation::new(Duration::from_micros(us))
    }

    /// Call at the start of every turn.
    pub fn pace(&mut self) {
        let since = self.last.elapsed();
        if since < self.min_gap {
            std::thread::sleep(self.min_gap - since);
        }
        self.last = Instant::now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wakes_at_the_earliest_bound() {
        assert_eq!(wake_at(1_000, [None, None]), 1_000 + MAX_WAIT_US);
        assert_eq!(wake_at(1_000, [Some(5_000), None]), 5_000);
        assert_eq!(wake_at(1_000, [Some(5_000), Some(3_000)]), 3_000);
        assert_eq!(wake_at(1_000, [Some(500)]), 500);
    }

    #[test]
    fn a_virtual_clock_moves_only_forward_and_only_when_told() {
        let mut c = Clock::simulated();
        assert_eq!(c.now_us(), 0);
        c.advance_to(Micros(250));
        c.advance_to(Micros(100));
        assert_eq!(c.now(), Micros(250));
        assert_eq!(c.elapsed(), Duration::from_micros(250));
    }

    #[test]
    fn a_real_clock_moves_by_itself() {
        let mut c = Clock::real();
        let a = c.now_us();
        c.advance_to(Micros::MAX);
        std::thread::sleep(Duration::from_millis(2));
        let b = c.now_us();
        assert!(b >= a + 2_000 && b < 10_000_000, "{a} {b}");
    }
}
