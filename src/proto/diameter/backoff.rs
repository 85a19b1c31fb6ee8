//! Exponential reconnect backoff with full jitter (the usual cure for reconnect storms when a
//! core restarts and every MME reconnects at once).

use crate::model::rng::Rng;
use crate::model::Micros;

/// Delays between reconnect attempts: `initial`, doubling up to `max`, each drawn uniformly in
/// [delay/2, delay] so that many clients do not retry in lock step.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial_us: Micros,
    max_us: Micros,
    current_us: Micros,
    rng: Rng,
}

impl Backoff {
    /// A backoff starting at `initial_us` and capped at `max_us`.
    pub fn new(initial_us: Micros, max_us: Micros, seed: u64) -> Backoff {
        let initial_us = initial_us.max(Micros(1));
        Backoff {
            initial_us,
            max_us: max_us.max(initial_us),
            current_us: initial_us,
            rng: Rng::new(seed),
        }
    }

    /// The delay before the next attempt; doubles the base for the attempt after.
    pub fn next_delay(&mut self) -> Micros {
        let base = self.current_us.as_u64();
        self.current_us = Micros(base.saturating_mul(2)).min(self.max_us);
        Micros(base / 2 + self.rng.below(base / 2 + 1))
    }

    /// Back to the initial delay, after a connection came up.
    pub fn reset(&mut self) {
        self.current_us = self.initial_us;
    }
}
