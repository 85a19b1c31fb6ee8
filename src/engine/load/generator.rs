//! The one generator loop (docs/ARCHITECTURE.md §4, §5; CONTRIBUTING.md §6): open-loop
//! arrivals, the warm start, the drain, the interval taps and the tally, written once and run
//! by every shard on real sockets ([`super::shard`]) and by the virtual-time run
//! ([`super::virtual_time`]). What differs between the two is a value: the [`Network`] the
//! visited side talks through, which owns the clock (real or simulated) and the transport
//! (sockets and the embedded core, or a delivery queue and the same core stepped in place).
//!
//! Open loop: arrivals have intended times; each turn starts every arrival that is due, and
//! the lag between intended and actual start goes into the lag histogram. Latency is measured
//! from the intended time by the visited side, so a slow target cannot hide behind a slow
//! generator.
//!
//! One turn of the loop, in this order: cut an interval if one is due ([`IntervalTap`]); start
//! the arrivals that are due (or, once they have run out, stop when nothing is in flight or the
//! drain time is over); [`Network::turn`]; tally what ended.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

use super::interval::IntervalTap;
use crate::engine::log::ProcedureLog;
use crate::model::population::ArrivalProcess;
use crate::model::{Micros, Procedure};
use crate::report::summary::WarmStartSummary;
use crate::report::Recorder;
use crate::visited::{Arrivals, Completion, VisitedNetwork};

pub(crate) mod reasons;

/// How the visited side reaches the home side, and what time it is there: real sockets and the
/// monotonic clock, or a simulated network on a virtual clock.
pub(crate) trait Network {
    /// The current time, microseconds since the network started.
    fn now(&self) -> Micros;

    /// Brings the MMEs' Diameter connections up before the first arrival (a real network waits
    /// for every CEA; a virtual one lets the first procedures wait for it, as they would).
    fn connect(&mut self, vn: &mut VisitedNetwork, stop: &AtomicBool) -> io::Result<()>;

    /// Sends what `vn` has queued now, rather than at the end of the next turn.
    fn flush(&mut self, vn: &mut VisitedNetwork) -> io::Result<()>;

    /// One turn: hands `vn` (and the home core) what arrived and what is due, runs the timers,
    /// sends what that produced, and lets time pass until the next thing happens or `deadline`
    /// (the next arrival) at the latest.
    fn turn(&mut self, vn: &mut VisitedNetwork, deadline: Option<Micros>) -> io::Result<()>;

    /// Nothing is still on its way to the visited side (always true for real sockets, where
    /// the answers in flight cannot be seen).
    fn settled(&self) -> bool {
        true
    }

    /// Adds what the GRX/IPX links and offline charging did since the last call to `rec`
    /// (before every interval).
    fn record_links(&mut self, _vn: &VisitedNetwork, _rec: &mut Recorder) {}

    /// Closes the MMEs' connections gracefully, after the last procedure.
    fn close(&mut self, vn: &mut VisitedNetwork) -> io::Result<()>;
}

/// The offered load of one generator.
#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    /// Arrivals per second.
    pub rate: f64,
    /// Poisson or uniform.
    pub process: ArrivalProcess,
    /// Seed of the arrival times.
    pub seed: u64,
    /// How long arrivals go on.
    pub duration: Micros,
    /// Longest wait after the last arrival for the procedures in flight.
    pub drain: Micros,
    /// Attach the steady-state share of the roamers first, unmeasured.
    pub warm_start: bool,
}

/// What a generator measured.
pub(crate) struct Generated {
    /// Whatever the interval taps did not hand over (everything, with a disabled tap).
    pub recorder: Recorder,
    /// Arrivals intended within the run.
    pub intended: u64,
    /// From the first arrival's scheduled start to the end of the arrivals.
    pub elapsed: Micros,
    /// What the warm start did, if there was one.
    pub warm_start: Option<WarmStartSummary>,
    /// The visited side as the run left it.
    pub vn: VisitedNetwork,
}

/// The visited side and its tally.
struct Generator {
    vn: VisitedNetwork,
    rec: Recorder,
    tap: IntervalTap,
    /// During the warm start: its attaches' outcomes, instead of the recorder.
    warming: Option<WarmStartSummary>,
    /// The start of the measured arrivals, the origin of the reasons' example times.
    origin: Micros,
    /// The reason key being counted (reused, so that counting one allocates nothing).
    key: String,
    /// The structured log (`--log`), `None` when off: then it costs one branch per end.
    log: Option<ProcedureLog>,
}

/// Runs `schedule` through `net` until the arrivals end and the procedures in flight have
/// ended (or the drain time is over), or until `stop` is set.
pub(crate) fn run<N: Network>(
    net: &mut N,
    vn: VisitedNetwork,
    tap: IntervalTap,
    schedule: &Schedule,
    stop: &AtomicBool,
    log: Option<ProcedureLog>,
) -> io::Result<Generated> {
    let mut g = Generator {
        vn,
        rec: Recorder::new(),
        tap,
        warming: None,
        origin: Micros::ZERO,
        key: String::with_capacity(32),
        log,
    };
    net.connect(&mut g.vn, stop)?;
    let warm_start = match schedule.warm_start {
        true => Some(g.warm_up(net, stop)?),
        false => None,
    };
    let start = net.now();
    g.origin = start;
    if let Some(log) = g.log.as_mut() {
        log.start(start);
    }
    let mut arrivals = Arrivals::new(
        start,
        start + schedule.duration,
        schedule.rate,
        schedule.process,
        schedule.seed,
    );
    let mut intended = 0u64;
    let mut stopped_at = None;
    loop {
        let now = net.now();
        if g.tap.due(now.as_u64()) {
            // The links' counters and delays since the last interval go with it.
            net.record_links(&g.vn, &mut g.rec);
        }
        g.tap.poll(now.as_u64(), &mut g.rec, &g.vn);
        if stopped_at.is_none() && (stop.load(Ordering::Relaxed) || arrivals.peek().is_none()) {
            stopped_at = Some(now);
        }
        match stopped_at {
            None => {
                let mut started = false;
                while let Some(t) = arrivals.peek().filter(|&t| t <= now) {
                    arrivals.pop();
                    intended += 1;
                    g.rec.record_lag((now - t).as_u64());
                    if let Some((_, procedure)) = g.vn.arrive(now, t) {
                        g.rec.record_started(procedure);
                        started = true;
                    }
                }
                // The first requests go out now, not after the turn's wait.
                if started {
                    net.flush(&mut g.vn)?;
                }
            }
            Some(at) => {
                let quiet = g.vn.in_flight() == 0 && net.settled();
                if quiet || now >= at + schedule.drain {
                    break;
                }
            }
        }
        let next_arrival = match stopped_at {
            None => arrivals.peek(),
            Some(_) => None,
        };
        net.turn(&mut g.vn, next_arrival)?;
        g.collect();
    }
    let elapsed = stopped_at.unwrap_or_else(|| net.now()) - start;
    // What was measured stands even if the goodbye fails.
    let _ = net.close(&mut g.vn);
    g.collect();
    let now = net.now();
    net.record_links(&g.vn, &mut g.rec);
    g.tap.finish(now.as_u64(), &mut g.rec, &g.vn);
    Ok(Generated {
        recorder: g.rec,
        intended,
        elapsed,
        warm_start,
        vn: g.vn,
    })
}

impl Generator {
    /// The warm start: attaches [`VisitedNetwork::warm_start_roamers`],
    /// [`VisitedNetwork::WARM_START_WINDOW`] at a time, waits for every one to end, then
    /// forgets what it measured: the run's figures start with the population in steady state.
    /// A stop ends it early (the attaches in flight still end first).
    fn warm_up(
        &mut self,
        net: &mut impl Network,
        stop: &AtomicBool,
    ) -> io::Result<WarmStartSummary> {
        let started = net.now();
        let roamers = self.vn.warm_start_roamers();
        self.warming = Some(WarmStartSummary {
            roamers: roamers.len() as u64,
            ..WarmStartSummary::default()
        });
        let mut next = 0;
        loop {
            if stop.load(Ordering::Relaxed) {
                next = roamers.len();
            }
            let now = net.now();
            while next < roamers.len() && self.vn.in_flight() < VisitedNetwork::WARM_START_WINDOW {
                // A roamer that cannot start (never the case at the start) is left detached.
                let _ = self.vn.start(now, now, roamers[next], Procedure::Attach);
                next += 1;
            }
            net.flush(&mut self.vn)?;
            if next >= roamers.len() && self.vn.in_flight() == 0 {
                break;
            }
            net.turn(&mut self.vn, None)?;
            self.collect();
        }
        self.collect();
        self.vn.reset_counts();
        let mut summary = self.warming.take().unwrap_or_default();
        summary.seconds = (net.now() - started).as_duration().as_secs_f64();
        Ok(summary)
    }

    /// Tallies every procedure that ended: outcome, latency from the intended start, and the
    /// reason of every end other than ok.
    fn collect(&mut self) {
        while let Some(c) = self.vn.poll_completion() {
            match self.warming.as_mut() {
                Some(w) => w.tally(c.outcome, &c.reason),
                None => {
                    self.rec
                        .record_procedure(c.procedure, c.outcome, c.latency_us());
                    if c.outcome != crate::model::Outcome::Ok {
                        self.record_reason(&c);
                    }
                    if let Some(log) = self.log.as_mut() {
                        log.completion(&self.vn, &c);
                    }
                }
            }
        }
    }

    /// Counts why `c` did not end ok, against its procedure and its message; the key's first
    /// end in this recorder also leaves its example.
    fn record_reason(&mut self, c: &Completion) {
        let mut key = std::mem::take(&mut self.key);
        key.clear();
        c.reason.write_key(&mut key);
        let (vn, origin) = (&self.vn, self.origin);
        self.rec.record_reason(c.procedure, c.outcome, &key, || {
            Some(reasons::example(vn, c, origin))
        });
        self.rec.record_message_reason(c.message, c.outcome, &key);
        self.key = key;
    }
}
