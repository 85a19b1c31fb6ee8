//! What the MMEs' transports share (`mme_stream`: TCP and kernel SCTP; `mme_sctp`: SCTP over
//! UDP): the [`MmeTransport`] interface the shard's loop drives, the token space of their
//! sockets, and the reconnect backoff.

use std::io;
use std::sync::atomic::Ordering;

use mio::{Interest, Registry, Token};

use super::links::MmeSide;
use crate::engine::diameter::sctp_udp::SctpTotals;
use crate::model::Micros;

/// Token of the first MME's socket (`FIRST_MME + i` is MME `i`'s).
pub(super) const FIRST_MME: usize = 1;
/// Asks for WRITABLE readiness of MME `i`'s socket exactly while its output waits (`want`);
/// `current` remembers what is registered, so that nothing is re-registered needlessly.
pub(super) fn want_writable(
    registry: &Registry,
    source: &mut impl mio::event::Source,
    i: usize,
    want: bool,
    current: &mut bool,
) {
    if want != *current {
        let interest = if want {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        let _ = registry.reregister(source, Token(FIRST_MME + i), interest);
        *current = want;
    }
}

/// When a broken MME connection is opened again: exponential backoff with jitter (200 ms
/// doubling up to 10 s, [`crate::proto::diameter::Backoff`]), back to the start once a
/// connection is up, so that a core that restarts is not hit by every MME at once.
pub(super) struct Reconnect {
    backoff: crate::proto::diameter::Backoff,
    at: Option<u64>,
}

impl Reconnect {
    pub(super) fn new() -> Reconnect {
        use std::sync::atomic::AtomicU64;
        // Distinct jitter per connection without threading a seed through every transport.
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let seed = NEXT.fetch_add(1, Ordering::Relaxed);
        Reconnect {
            backoff: crate::proto::diameter::Backoff::new(
                Micros(200_000),
                Micros(10_000_000),
                seed,
            ),
            at: None,
        }
    }

    /// The connection broke at `now`: try again after the next backoff delay.
    pub(super) fn schedule(&mut self, now: u64) {
        self.at = Some(now + self.backoff.next_delay().as_u64());
    }

    /// A reconnect attempt started.
    pub(super) fn started(&mut self) {
        self.at = None;
    }

    /// A connection came up: the next failure starts the backoff afresh.
    pub(super) fn succeeded(&mut self) {
        self.backoff.reset();
    }

    /// When the next attempt is due.
    pub(super) fn at(&self) -> Option<u64> {
        self.at
    }

    /// Whether an attempt is due at `now`.
    pub(super) fn due(&self, now: u64) -> bool {
        self.at.is_some_and(|t| t <= now)
    }
}

/// The MMEs' side of S6a on one transport: one Diameter connection (or association) per MME
/// instance of the `VisitedNetwork`, whose bytes it moves through `MmeSide` (the links'
/// seam: every transport reads and writes S6a there and nowhere else). Call order per turn: `ready` for
/// each readiness event, `handle_timeout` when `poll_timeout` is due, then `flush`.
pub(super) trait MmeTransport {
    /// Registers sockets and starts connecting every MME.
    fn start(&mut self, side: &mut MmeSide<'_>, registry: &Registry, now: u64) -> io::Result<()>;
    /// Readiness of `token` (`FIRST_MME` and above): reads whole messages into `vn`.
    fn ready(
        &mut self,
        side: &mut MmeSide<'_>,
        registry: &Registry,
        now: u64,
        token: usize,
        readable: bool,
        writable: bool,
    ) -> io::Result<()>;
    /// Takes each MME's Diameter output and writes what the sockets accept.
    fn flush(&mut self, side: &mut MmeSide<'_>, registry: &Registry, now: u64) -> io::Result<()>;
    /// The earliest reconnect or transport timer.
    fn poll_timeout(&self) -> Option<u64>;
    /// Reconnects broken MMEs and runs transport timers due at `now`.
    fn handle_timeout(
        &mut self,
        side: &mut MmeSide<'_>,
        registry: &Registry,
        now: u64,
    ) -> io::Result<()>;
    /// Starts closing every connection gracefully (SCTP SHUTDOWN); no reconnects after it.
    fn close(&mut self, _registry: &Registry, _now: u64) {}
    /// Every connection has closed (or closes when dropped).
    fn is_closed(&self) -> bool {
        true
    }
    /// SCTP association counters, where the transport keeps them.
    fn sctp_totals(&mut self) -> Option<SctpTotals> {
        None
    }
}
