//! The deterministic virtual-time run (`--virtual`, docs/ARCHITECTURE.md §5; CONTRIBUTING.md
//! §3): the generator loop of the real shards (`super::generator`) over a simulated network
//! ([`VirtualNet`]) whose clock jumps to the next event. The visited side
//! ([`VisitedNetwork`]) and the home side (the same [`HomeCore`] as `serve` and `run`, one
//! simulated Diameter connection per MME instance) live in one thread; bytes pass between them
//! through a time-ordered queue with a fixed one-way delay per hop (no sockets), after crossing
//! their visited PLMN's GRX/IPX link when [`VirtualOptions::links`] gives it one (`links`: S6a
//! as TCP, S8 as UDP datagrams). Cancel-Location goes out on the old MME's own connection, found
//! by Origin-Host, as in `serve`. The same seed and profile give the same run, message for
//! message.
//!
//! The run offers open-loop arrivals for the given duration, then lets every procedure in
//! flight end (each ends by its procedure timeout at the latest) and stops once nothing is in
//! flight or queued; the Diameter watchdogs and the PGW's duplicate cache do not keep it alive.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use super::generator::{self, Network, Schedule};
use super::interval::IntervalTap;
use crate::engine::clock::Clock;
use crate::home::s8::PgwServiceConfig;
use crate::home::{HomeCore, HomeSettings};
use crate::model::config::{ConfigError, Profile};
use crate::model::population::{ArrivalProcess, Population};
use crate::model::rng::derive_seed;
use crate::model::subscriber::Directory;
use crate::model::{Micros, Outcome, Procedure};
use crate::report::recorder::ProcedureStats;
use crate::report::summary::WarmStartSummary;
use crate::report::Recorder;
use crate::visited::{MessageCounters, MmeInfo, VisitedConfig, VisitedNetwork};

mod charging;
mod links;
mod online;

pub use crate::engine::load::linkshim::LinkPlan;
pub use links::LinkResults;
use links::{Hop, VirtualLinks};
use online::split;
pub use online::{GyTap, OnlineResult};

/// What a virtual run is asked to do.
#[derive(Debug, Clone)]
pub struct VirtualOptions {
    /// Offered procedures per second.
    pub rate: f64,
    /// How long arrivals are offered, in virtual microseconds.
    pub duration_us: u64,
    /// Roamers (`None`: the profile's `[load] population`).
    pub population: Option<u64>,
    /// Seed of everything (replaces the profile's).
    pub seed: u64,
    /// One-way delay of every hop, in microseconds.
    pub one_way_delay_us: u64,
    /// Arrival process (`None`: the profile's).
    pub arrivals: Option<ArrivalProcess>,
    /// The partner links the traffic crosses on top of the per-hop delay (none: unimpaired).
    pub links: LinkPlan,
    /// The subscribers (`None`: the profile's generated ones, with the run's seed).
    pub directory: Option<Directory>,
    /// The link the Ga traffic crosses (`[charging] link`).
    pub ga_link: Option<crate::link::LinkProfile>,
}

impl VirtualOptions {
    /// `rate` procedures/s for `duration` with `population` roamers, 100 µs per hop.
    pub fn new(rate: f64, duration: Duration, population: u64, seed: u64) -> VirtualOptions {
        VirtualOptions {
            rate,
            duration_us: duration.as_micros() as u64,
            population: Some(population),
            seed,
            one_way_delay_us: 100,
            arrivals: None,
            links: LinkPlan::none(),
            directory: None,
            ga_link: None,
        }
    }
}

/// What a virtual run measured.
#[derive(Debug, Clone)]
pub struct VirtualResult {
    /// Procedures (started, outcomes, latency, reasons), messages, lag: the same tally as a
    /// shard's. With intervals ([`VirtualRun::set_intervals`]) it holds only what the last
    /// interval did not carry.
    pub recorder: Recorder,
    /// Per message kind, as the visited side counted them.
    pub messages: MessageCounters,
    /// Arrivals offered.
    pub arrivals: u64,
    /// Arrivals dropped because the roamers drawn were busy.
    pub busy_skipped: u64,
    /// Virtual time at the end, microseconds.
    pub end_us: u64,
    /// Events handled (arrivals, deliveries, timer expiries).
    pub events: u64,
    /// MME instances and their roamer counts at the end.
    pub mmes: Vec<MmeInfo>,
    /// Roamers attached at the end.
    pub attached: usize,
    /// CLAs the HSS received with 2001.
    pub hss_cla_success: u64,
    /// Charging records the PGW produced.
    pub cdrs: u64,
    /// What the partner links did (empty without links).
    pub links: LinkResults,
    /// What the warm start did (`[load] warm_start`), before the arrivals.
    pub warm_start: Option<WarmStartSummary>,
    /// The home core's error answers to bad input, by code.
    pub protocol_errors: crate::model::protocol_errors::ProtocolErrors,
    /// What online charging did (`[charging.online] enabled`).
    pub online: Option<OnlineResult>,
}

impl VirtualResult {
    /// The tally of one procedure.
    pub fn procedure(&self, p: Procedure) -> &ProcedureStats {
        self.recorder.procedure(p)
    }

    /// Every procedure's tally, in [`Procedure::ALL`] order.
    pub fn procedures(&self) -> impl Iterator<Item = (Procedure, &ProcedureStats)> {
        Procedure::ALL
            .iter()
            .map(|&p| (p, self.recorder.procedure(p)))
    }

    /// How many procedures of `p` ended with `outcome` for reason `key` (e.g. `s6a.5001`).
    pub fn reason(&self, p: Procedure, outcome: Outcome, key: &str) -> u64 {
        self.recorder.reason_count(p, outcome, key)
    }
}

struct Delivery {
    at: Micros,
    seq: u64,
    hop: Hop,
    bytes: Vec<u8>,
}

impl PartialEq for Delivery {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Delivery {}
impl PartialOrd for Delivery {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Delivery {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

/// A tamper hook on S6a messages from the HSS (fault injection for tests and what-if runs).
pub type Tamper = Box<dyn FnMut(&mut Vec<u8>)>;

/// The simulated network of a virtual run: a virtual clock, the home core, per-hop delays and
/// the partner links. Sending happens inside `Network::turn`, at the instant the turn
/// handles: `Network::flush` has nothing to do.
pub struct VirtualNet {
    clock: Clock,
    delay: Micros,
    home: HomeCore,
    queue: BinaryHeap<Reverse<Delivery>>,
    seq: u64,
    sgw_addr: SocketAddr,
    pgw_addr: SocketAddr,
    buf: Vec<u8>,
    tamper: Option<Tamper>,
    links: Option<VirtualLinks>,
    events: u64,
    cdrs: u64,
    /// Offline charging (`[charging] offline`).
    charging: Option<charging::VirtualCharging>,
    gy: online::VirtualGy,
}

/// A virtual-time run being set up.
pub struct VirtualRun {
    net: VirtualNet,
    vn: VisitedNetwork,
    tap: IntervalTap,
    schedule: Schedule,
    log: Option<crate::engine::log::ProcedureLog>,
}

/// Runs `profile` in virtual time: `rate` procedures/s for `duration`, `population` roamers,
/// everything seeded by `seed`, 100 µs per hop.
pub fn run_virtual(
    profile: &Profile,
    rate: f64,
    duration: Duration,
    population: u64,
    seed: u64,
) -> Result<VirtualResult, ConfigError> {
    Ok(VirtualRun::new(
        profile,
        &VirtualOptions::new(rate, duration, population, seed),
    )?
    .run())
}

impl VirtualRun {
    /// Sets up both sides at virtual time 0 (the MMEs' CERs are the first messages).
    pub fn new(profile: &Profile, opts: &VirtualOptions) -> Result<VirtualRun, ConfigError> {
        let mut profile = profile.clone();
        profile.seed = opts.seed;
        let directory = opts
            .directory
            .clone()
            .unwrap_or_else(|| Directory::from_profile(&profile));
        let population = Arc::new(Population::new(
            &profile,
            directory.clone(),
            "profile",
            opts.population,
        )?);
        let sgw_addr: SocketAddr = "10.0.0.1:2123".parse().expect("literal");
        let pgw_addr: SocketAddr = "10.0.0.2:2123".parse().expect("literal");
        let cfg = VisitedConfig::new(
            &profile.load,
            sgw_addr,
            pgw_addr,
            derive_seed(opts.seed, 0x5653),
        );
        let drain = cfg.procedure_timeout_us + Micros::from_secs(1);
        let settings = HomeSettings {
            host_ip: "10.0.0.3".parse().expect("literal"),
            boot: 1,
            recovery: 1,
            allow_any_peer: false,
            seed: opts.seed,
            pgw: PgwServiceConfig::default(),
            population: Some(population.clone()),
        };
        let vn = VisitedNetwork::new(Micros::ZERO, cfg, population);
        let mut home = HomeCore::new(&profile, directory, &settings);
        let mut vn = vn;
        // One simulated connection per MME instance, opened at time 0: connection i is MME i's.
        for i in 0..vn.mme_count() {
            let id = home.s6a().open(Micros::ZERO);
            debug_assert_eq!(id, i);
        }
        let links = VirtualLinks::new(&opts.links, &vn, opts.seed)?;
        let delay = Micros(opts.one_way_delay_us);
        let charging = profile
            .charging
            .offline
            .then(|| {
                charging::VirtualCharging::new(
                    &profile,
                    &mut home,
                    &mut vn,
                    delay,
                    opts.ga_link.as_ref(),
                )
            })
            .transpose()
            .map_err(|e| ConfigError::invalid("profile", "charging.link", e.to_string()))?;
        let gy =
            online::VirtualGy::new(&mut home, &profile, settings.population.clone(), opts.seed)?;
        let net = VirtualNet {
            clock: Clock::simulated(),
            delay: Micros(opts.one_way_delay_us),
            home,
            queue: BinaryHeap::new(),
            seq: 0,
            sgw_addr,
            pgw_addr,
            buf: Vec::with_capacity(4096),
            tamper: None,
            links,
            events: 0,
            cdrs: 0,
            charging,
            gy,
        };
        Ok(VirtualRun {
            net,
            vn,
            tap: IntervalTap::disabled(),
            log: None,
            schedule: Schedule {
                rate: opts.rate,
                process: opts.arrivals.unwrap_or(profile.load.arrivals),
                seed: derive_seed(opts.seed, 0x0041_5252),
                duration: Micros(opts.duration_us),
                drain,
                warm_start: profile.load.warm_start,
            },
        })
    }

    /// Installs a hook that may rewrite every S6a message the HSS sends to an MME.
    pub fn set_s6a_tamper(&mut self, tamper: Tamper) {
        self.net.tamper = Some(tamper);
    }

    /// Loses every message to the OCS between `from` and `until` (virtual time from the
    /// start), as an OCS that is down would.
    pub fn set_ocs_outage(&mut self, from: Duration, until: Duration) {
        self.net
            .gy
            .set_outage(Micros::from_duration(from), Micros::from_duration(until));
    }

    /// Installs a hook that sees every message the PGW sends to the OCS.
    pub fn set_gy_tap(&mut self, tap: GyTap) {
        self.net.gy.set_tap(tap);
    }

    /// Hands every PGW-CDR (BER) to `tap` as the PGW closes it (offline charging on).
    pub fn set_cdr_tap(&mut self, tap: charging::CdrTap) {
        if let Some(c) = &mut self.net.charging {
            c.tap = Some(tap);
        }
    }

    /// Cuts intervals by virtual time and sends them through `tap` (see [`super::interval`]).
    pub fn set_intervals(&mut self, tap: IntervalTap) {
        self.tap = tap;
    }

    /// Writes the procedures' ends to a structured log (`--log`).
    pub fn set_log(&mut self, log: crate::engine::log::ProcedureLog) {
        self.log = Some(log);
    }

    /// The visited side (for inspection).
    pub fn visited(&self) -> &VisitedNetwork {
        &self.vn
    }

    /// Runs to the end and returns what was measured.
    pub fn run(self) -> VirtualResult {
        let VirtualRun {
            mut net,
            vn,
            tap,
            schedule,
            log,
        } = self;
        let never = AtomicBool::new(false);
        let g = generator::run(&mut net, vn, tap, &schedule, &never, log)
            .expect("a virtual network does no I/O");
        let counts = *g.vn.procedure_counts();
        let hss_cla_success = net
            .home
            .s6a_ref()
            .hss()
            .hss()
            .counters()
            .get(crate::home::hss::HssMessage::Clr, 2001);
        VirtualResult {
            messages: g.vn.counters().clone(),
            arrivals: g.intended,
            busy_skipped: counts.busy_skipped,
            end_us: net.clock.now_us(),
            events: net.events + g.intended,
            mmes: g.vn.mmes(),
            attached: g.vn.attached_count(),
            hss_cla_success,
            cdrs: net.cdrs,
            links: net
                .links
                .as_mut()
                .map(VirtualLinks::results)
                .unwrap_or_default(),
            warm_start: g.warm_start,
            protocol_errors: net.home.errors_answered(),
            online: net.gy.result(&net.home),
            recorder: g.recorder,
        }
    }
}

impl Network for VirtualNet {
    fn now(&self) -> Micros {
        self.clock.now()
    }

    fn connect(&mut self, _vn: &mut VisitedNetwork, _stop: &AtomicBool) -> io::Result<()> {
        Ok(())
    }

    fn flush(&mut self, _vn: &mut VisitedNetwork) -> io::Result<()> {
        Ok(())
    }

    /// Handles everything due at the current instant, queues what both sides send, then jumps
    /// the clock to the next event (or to `deadline`, the next arrival, if that comes first).
    fn turn(&mut self, vn: &mut VisitedNetwork, deadline: Option<Micros>) -> io::Result<()> {
        self.step(vn);
        self.send(vn);
        if let Some(t) = self.next_event(vn, deadline) {
            self.clock.advance_to(t);
        }
        Ok(())
    }

    fn settled(&self) -> bool {
        self.charging
            .as_ref()
            .is_none_or(charging::VirtualCharging::drained)
            && self.queue.is_empty()
            && self
                .links
                .as_ref()
                .and_then(VirtualLinks::next_release_at)
                .is_none()
    }

    fn record_links(&mut self, vn: &VisitedNetwork, rec: &mut Recorder) {
        self.gy.record(&mut self.home, rec);
        if let Some(c) = &mut self.charging {
            c.report(&self.home, vn, &mut rec.charging);
        }
    }

    /// Sends what is left; then the gateways close the records of the sessions still open and
    /// the CDFs get them all acknowledged (or [`charging::DRAIN`] of virtual time passes).
    fn close(&mut self, vn: &mut VisitedNetwork) -> io::Result<()> {
        self.send(vn);
        if self.charging.is_none() {
            return Ok(());
        }
        let now = self.clock.now();
        vn.close_records(now);
        self.home.close_records(now);
        let until = now + charging::DRAIN;
        loop {
            self.step(vn);
            self.send(vn);
            let drained = self.charging.as_ref().is_none_or(|c| c.drained());
            if drained && self.queue.is_empty() {
                return Ok(());
            }
            // Everything else still on its way (Gy answers, say) keeps its own time.
            match self.next_event(vn, None) {
                Some(t) if t <= until => self.clock.advance_to(t.max(self.clock.now())),
                _ => return Ok(()),
            }
        }
    }
}

impl VirtualNet {
    /// The next instant something happens; `None` when nothing ever will (no arrival to come,
    /// nothing queued, nothing in flight), so that idle timers do not keep the run alive.
    fn next_event(&mut self, vn: &mut VisitedNetwork, deadline: Option<Micros>) -> Option<Micros> {
        let deliveries = self.queue.peek().map(|Reverse(d)| d.at);
        let on_links = self
            .links
            .as_ref()
            .and_then(VirtualLinks::next_release_at)
            .map(Micros);
        let now = self.clock.now();
        let charging = self.charging.as_mut().and_then(|c| c.next_event(now));
        let deliveries = deliveries.into_iter().chain(on_links).chain(charging).min();
        if deadline.is_none() && deliveries.is_none() && vn.in_flight() == 0 {
            return None;
        }
        [
            deadline,
            deliveries,
            vn.poll_timeout(),
            self.home.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Delivers what the links and the queue release by now, then runs the timers due.
    fn step(&mut self, vn: &mut VisitedNetwork) {
        let now = self.clock.now();
        while let Some((hop, bytes)) = self.links.as_mut().and_then(|l| l.poll(now.as_u64())) {
            self.events += 1;
            self.enqueue(hop, bytes);
        }
        while self.queue.peek().is_some_and(|Reverse(d)| d.at <= now) {
            let Reverse(d) = self.queue.pop().expect("peeked");
            self.events += 1;
            self.deliver(vn, d);
        }
        if vn.poll_timeout().is_some_and(|t| t <= now) {
            self.events += 1;
            vn.handle_timeout(now);
        }
        self.home.handle_timeout(now);
        if let Some(c) = &mut self.charging {
            self.events += c.step(now);
        }
    }

    /// Sends a message: over its partner's link if it has one, then the hop's own delay.
    fn push(&mut self, vn: &VisitedNetwork, hop: Hop, bytes: Vec<u8>) {
        let bytes = match self.links.as_mut() {
            Some(l) => match l.offer(self.clock.now().as_u64(), vn, hop, bytes) {
                Some(b) => b,
                None => return,
            },
            None => bytes,
        };
        self.enqueue(hop, bytes);
    }

    /// Queues a message for delivery after the hop's delay.
    fn enqueue(&mut self, hop: Hop, bytes: Vec<u8>) {
        self.seq += 1;
        self.queue.push(Reverse(Delivery {
            at: self.clock.now() + self.delay,
            seq: self.seq,
            hop,
            bytes,
        }));
    }

    /// Moves everything both sides want to send onto the links and the queue.
    fn send(&mut self, vn: &mut VisitedNetwork) {
        for i in 0..vn.mme_count() {
            for m in split(vn.mme_transmit(i)) {
                self.push(vn, Hop::Hss(i), m);
            }
            vn.clear_mme_transmit(i);
        }
        for i in 0..vn.mme_count() {
            for mut m in split(self.home.s6a().output(i)) {
                if let Some(t) = self.tamper.as_mut() {
                    t(&mut m);
                }
                self.push(vn, Hop::Mme(i), m);
            }
            self.home.s6a().clear_output(i);
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        while vn.poll_sgw_transmit(&mut buf).is_some() {
            self.push(vn, Hop::Pgw, buf.clone());
            buf.clear();
        }
        while self.home.poll_transmit(&mut buf).is_some() {
            self.push(vn, Hop::Sgw, buf.clone());
            buf.clear();
        }
        self.buf = buf;
        let now = self.clock.now();
        for (hop, m) in self.gy.transmit(&mut self.home, now) {
            self.enqueue(hop, m);
        }
        match &mut self.charging {
            Some(c) => c.send(now, &mut self.home, vn),
            None => {
                while self.home.poll_cdr().is_some() {
                    self.cdrs += 1;
                }
            }
        }
        // Malformed input is counted by the core; a virtual run has no log to write it to.
        while self.home.poll_notice().is_some() {}
    }

    fn deliver(&mut self, vn: &mut VisitedNetwork, d: Delivery) {
        let now = self.clock.now();
        match d.hop {
            Hop::Mme(i) => vn.handle_mme_message(now, i, &d.bytes),
            Hop::Sgw => vn.handle_sgw_datagram(now, self.pgw_addr, &d.bytes),
            Hop::Pgw => {
                self.home.handle_datagram(now, self.sgw_addr, &d.bytes);
            }
            Hop::Hss(i) => self.home.s6a().handle_message(now, i, &d.bytes),
            Hop::Ocs(_) | Hop::Gy => self.gy.deliver(&mut self.home, now, d.hop, &d.bytes),
        }
    }
}

#[cfg(test)]
mod link_tests;
#[cfg(test)]
mod online_tests;
#[cfg(test)]
mod reason_tests;
#[cfg(test)]
mod tests;
