//! Open-loop arrivals (docs/ARCHITECTURE.md §4, CONTRIBUTING.md §7): intended start times at an
//! offered rate, Poisson (exponential gaps) or uniform, computed in advance of and independently
//! from what the target answers, so latency measured from the intended time cannot hide a slow
//! target (no coordinated omission). The caller starts each arrival when its clock reaches the time
//! (or late, and then says so: the lag is `now - intended`).

use crate::model::population::ArrivalProcess;
use crate::model::rng::Rng;
use crate::model::Micros;

/// A stream of intended arrival times.
#[derive(Debug, Clone)]
pub struct Arrivals {
    gap_us: f64,
    process: ArrivalProcess,
    rng: Rng,
    next_us: f64,
    end_us: Micros,
}

impl Arrivals {
    /// Arrivals at `rate` per second from `start_us` until `end_us` (exclusive). A rate of 0
    /// gives none.
    pub fn new(
        start_us: Micros,
        end_us: Micros,
        rate: f64,
        process: ArrivalProcess,
        seed: u64,
    ) -> Arrivals {
        let gap_us = if rate > 0.0 {
            1e6 / rate
        } else {
            f64::INFINITY
        };
        let mut a = Arrivals {
            gap_us,
            process,
            rng: Rng::new(seed),
            next_us: start_us.as_u64() as f64,
            end_us,
        };
        a.next_us += a.gap();
        a
    }

    fn gap(&mut self) -> f64 {
        match self.process {
            ArrivalProcess::Poisson => self.rng.exp(self.gap_us),
            ArrivalProcess::Uniform => self.gap_us,
        }
    }

    /// The next intended time, if before the end.
    pub fn peek(&self) -> Option<Micros> {
        let t = self.next_us.ceil();
        (t.is_finite() && Micros(t as u64) < self.end_us).then_some(Micros(t as u64))
    }

    /// Takes the next intended time and schedules the one after.
    pub fn pop(&mut self) -> Option<Micros> {
        let t = self.peek()?;
        self.next_us += self.gap();
        Some(t)
    }
}
