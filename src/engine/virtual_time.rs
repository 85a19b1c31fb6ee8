//! The deterministic virtual-time run (`--virtual`, DESIGN.md §5, STYLE.md §3): the visited side
//! ([`VisitedNetwork`]) and the home side ([`HssService`] behind one server-side Diameter
//! [`Peer`] per MME instance, [`PgwService`]) in one thread, on a simulated clock that jumps to
//! the next event. Bytes pass directly between the two sides through a time-ordered queue with a
//! fixed one-way delay per hop (no sockets), after crossing their visited PLMN's GRX/IPX link
//! when [`VirtualOptions::links`] gives it one (`links`: S6a as TCP, S8 as UDP datagrams);
//! Cancel-Location goes out on the old MME's own
//! connection, found by Origin-Host, as `serve` does. The same seed and profile give the same
//! run, message for message.
//!
//! The run offers open-loop arrivals ([`Arrivals`]) for the given duration, then lets every
//! procedure in flight end (each ends by its procedure timeout at the latest) and stops; the
//! Diameter watchdogs and the PGW's duplicate cache do not keep it alive.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hdrhistogram::Histogram;

use crate::home::hss::{CancelLocation, Hss};
use crate::home::s6a::HssService;
use crate::home::s8::{PgwService, PgwServiceConfig};
use crate::model::config::{ConfigError, Profile};
use crate::model::population::{ArrivalProcess, Population};
use crate::model::rng::derive_seed;
use crate::model::subscriber::Directory;
use crate::model::{Micros, Outcome, Procedure};
use crate::proto::diameter::{Event, Incoming, LocalIdentity, Peer, PeerConfig};
use crate::report::summary::WarmStartSummary;
use crate::visited::{
    latency_histogram, Arrivals, Completion, MessageCounters, MmeInfo, VisitedConfig,
    VisitedNetwork,
};
use crate::wire::diameter::message_len;

mod links;

pub use crate::engine::linkshim::LinkPlan;
pub use links::LinkResults;
use links::VirtualLinks;

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
        }
    }
}

/// One procedure's results.
#[derive(Debug, Clone)]
pub struct ProcedureSummary {
    /// Started.
    pub started: u64,
    /// Ended, per [`Outcome::index`].
    pub outcomes: [u64; 4],
    /// Latency from the intended start, microseconds (every outcome).
    pub latency_us: Histogram<u64>,
}

impl ProcedureSummary {
    /// Ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> u64 {
        self.outcomes[outcome.index()]
    }

    /// Ended, all outcomes.
    pub fn ended(&self) -> u64 {
        self.outcomes.iter().sum()
    }
}

/// What a virtual run measured.
#[derive(Debug, Clone)]
pub struct VirtualResult {
    /// Per procedure, in [`Procedure::ALL`] order.
    pub procedures: Vec<(Procedure, ProcedureSummary)>,
    /// Per message kind, as the visited side counted them.
    pub messages: MessageCounters,
    /// Ended procedures by (procedure, outcome, reason), e.g. `Diameter(5001)`.
    pub reasons: BTreeMap<(Procedure, Outcome, String), u64>,
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
}

impl VirtualResult {
    /// The summary of one procedure.
    pub fn procedure(&self, p: Procedure) -> &ProcedureSummary {
        &self.procedures[p.index()].1
    }
}

/// Which way a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hop {
    /// To the HSS, from MME `i`.
    Hss(usize),
    /// To MME `i`, from the HSS.
    Mme(usize),
    /// To the PGW, from the SGW.
    Pgw,
    /// To the SGW, from the PGW.
    Sgw,
}

struct Delivery {
    at: u64,
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

/// A virtual-time run being set up or stepped.
pub struct VirtualRun {
    now: u64,
    stop_us: u64,
    delay: u64,
    vn: VisitedNetwork,
    hss: HssService,
    hss_peers: Vec<Peer>,
    by_host: HashMap<String, usize>,
    pgw: PgwService,
    arrivals: Arrivals,
    queue: BinaryHeap<Reverse<Delivery>>,
    seq: u64,
    sgw_addr: SocketAddr,
    pgw_addr: SocketAddr,
    buf: Vec<u8>,
    tamper: Option<Tamper>,
    links: Option<VirtualLinks>,
    summaries: Vec<ProcedureSummary>,
    reasons: BTreeMap<(Procedure, Outcome, String), u64>,
    arrived: u64,
    events: u64,
    cdrs: u64,
    intervals: Option<(super::interval::IntervalTap, crate::report::Recorder)>,
    /// The arrivals' rate, process, seed and length, to schedule them after a warm start.
    plan: (f64, ArrivalProcess, u64, u64),
    warm_start: bool,
    warm: Option<WarmStartSummary>,
    /// During the warm start: its attaches' outcomes, instead of the summaries.
    warming: Option<WarmStartSummary>,
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
        let population = Arc::new(Population::from_profile(
            &profile,
            "profile",
            opts.population,
        )?);
        let hss = Hss::new(&profile, Directory::from_profile(&profile));
        let sgw_addr: SocketAddr = "10.0.0.1:2123".parse().expect("literal");
        let pgw_addr: SocketAddr = "10.0.0.2:2123".parse().expect("literal");
        let cfg = VisitedConfig::new(
            &profile.load,
            sgw_addr,
            pgw_addr,
            derive_seed(opts.seed, 0x5653),
        );
        let procedure_timeout = cfg.procedure_timeout_us.as_u64();
        let vn = VisitedNetwork::new(Micros::ZERO, cfg, population);
        let id = hss.identity().clone();
        let identity = LocalIdentity {
            origin_host: id.host,
            origin_realm: id.realm,
            host_ip: "10.0.0.3".parse().expect("literal"),
            origin_state_id: 1,
            product_name: "roamsim".to_string(),
        };
        let allowed = Arc::new(profile.home.allowed_peers());
        let any = profile.home.peers.allow_any;
        let hss_peers = (0..vn.mme_count())
            .map(|i| {
                let allowed = allowed.clone();
                let admit = Box::new(move |h: &str, r: &str| {
                    any || allowed.iter().any(|p| p.matches(h, r))
                });
                let cfg = PeerConfig::s6a(
                    identity.clone(),
                    derive_seed(opts.seed, 0x4853_0000 + i as u64),
                );
                Peer::accept(Micros::ZERO, cfg, admit)
            })
            .collect();
        let process = opts.arrivals.unwrap_or(profile.load.arrivals);
        let links = VirtualLinks::new(&opts.links, &vn, opts.seed)?;
        Ok(VirtualRun {
            now: 0,
            stop_us: opts.duration_us + procedure_timeout + 1_000_000,
            delay: opts.one_way_delay_us,
            vn,
            hss: HssService::new(hss, 1),
            hss_peers,
            by_host: HashMap::new(),
            pgw: PgwService::new(&profile, 1, PgwServiceConfig::default()),
            arrivals: Arrivals::new(
                Micros::ZERO,
                Micros(opts.duration_us),
                opts.rate,
                process,
                derive_seed(opts.seed, 0x0041_5252),
            ),
            queue: BinaryHeap::new(),
            seq: 0,
            sgw_addr,
            pgw_addr,
            buf: Vec::with_capacity(4096),
            tamper: None,
            links,
            summaries: Procedure::ALL
                .iter()
                .map(|_| ProcedureSummary {
                    started: 0,
                    outcomes: [0; 4],
                    latency_us: latency_histogram(),
                })
                .collect(),
            reasons: BTreeMap::new(),
            arrived: 0,
            events: 0,
            cdrs: 0,
            intervals: None,
            plan: (
                opts.rate,
                process,
                derive_seed(opts.seed, 0x0041_5252),
                opts.duration_us,
            ),
            warm_start: profile.load.warm_start,
            warm: None,
            warming: None,
        })
    }

    /// Installs a hook that may rewrite every S6a message the HSS sends to an MME.
    pub fn set_s6a_tamper(&mut self, tamper: Tamper) {
        self.tamper = Some(tamper);
    }

    /// Cuts intervals by virtual time and sends them through `tap` (see [`super::interval`]).
    pub fn set_intervals(&mut self, tap: super::interval::IntervalTap) {
        self.intervals = Some((tap, crate::report::Recorder::new()));
    }

    /// The visited side (for inspection).
    pub fn visited(&self) -> &VisitedNetwork {
        &self.vn
    }

    /// Runs to the end and returns what was measured.
    pub fn run(mut self) -> VirtualResult {
        if self.warm_start {
            self.warm = Some(self.warm_up());
        }
        loop {
            self.flush();
            let Some(t) = self.next_event() else { break };
            if t > self.stop_us {
                break;
            }
            self.now = self.now.max(t);
            if let Some((tap, rec)) = self.intervals.as_mut() {
                tap.poll(self.now, rec, &self.vn);
            }
            self.step();
        }
        self.finish()
    }

    /// The warm start in virtual time (see `shard::Shard::warm_up`): attaches the roamers
    /// [`VisitedNetwork::warm_start_roamers`] picks, then forgets what it measured and
    /// schedules the arrivals from the time it ended.
    fn warm_up(&mut self) -> WarmStartSummary {
        let (rate, process, seed, duration_us) = self.plan;
        self.arrivals = Arrivals::new(Micros::ZERO, Micros::ZERO, rate, process, seed);
        let start = self.now;
        let roamers = self.vn.warm_start_roamers();
        self.warming = Some(WarmStartSummary {
            roamers: roamers.len() as u64,
            ..WarmStartSummary::default()
        });
        let mut next = 0;
        loop {
            while next < roamers.len() && self.vn.in_flight() < VisitedNetwork::WARM_START_WINDOW {
                let _ = self.vn.start(
                    Micros(self.now),
                    Micros(self.now),
                    roamers[next],
                    Procedure::Attach,
                );
                next += 1;
            }
            self.flush();
            if next >= roamers.len() && self.vn.in_flight() == 0 {
                break;
            }
            let Some(t) = self.next_event() else { break };
            self.now = self.now.max(t);
            self.step();
        }
        let mut summary = self.warming.take().unwrap_or_default();
        self.vn.reset_counts();
        self.arrivals = Arrivals::new(
            Micros(self.now),
            Micros(self.now + duration_us),
            rate,
            process,
            seed,
        );
        self.stop_us += self.now;
        summary.seconds = (self.now - start) as f64 / 1e6;
        summary
    }

    fn next_event(&mut self) -> Option<u64> {
        let deliveries = self.queue.peek().map(|Reverse(d)| d.at);
        let on_links = self.links.as_ref().and_then(VirtualLinks::next_release_at);
        let deliveries = deliveries.into_iter().chain(on_links).min();
        let arrival = self.arrivals.peek().map(u64::from);
        if arrival.is_none() && deliveries.is_none() && self.vn.in_flight() == 0 {
            return None;
        }
        let peers = self
            .hss_peers
            .iter()
            .filter_map(Peer::poll_timeout)
            .map(u64::from)
            .min();
        [
            arrival,
            deliveries,
            self.vn.poll_timeout().map(u64::from),
            peers,
            self.pgw.poll_timeout().map(u64::from),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn step(&mut self) {
        let now = self.now;
        while self.arrivals.peek().is_some_and(|t| t <= Micros(now)) {
            let intended = self.arrivals.pop().expect("peeked");
            self.arrived += 1;
            self.events += 1;
            let started = self.vn.arrive(Micros(now), intended);
            if let (Some((_, p)), Some((_, rec))) = (started, self.intervals.as_mut()) {
                rec.record_started(p);
            }
        }
        while let Some((hop, bytes)) = self.links.as_mut().and_then(|l| l.poll(now)) {
            self.events += 1;
            self.enqueue(hop, bytes);
        }
        while self.queue.peek().is_some_and(|Reverse(d)| d.at <= now) {
            let Reverse(d) = self.queue.pop().expect("peeked");
            self.events += 1;
            self.deliver(d);
        }
        if self.vn.poll_timeout().is_some_and(|t| t <= Micros(now)) {
            self.events += 1;
            self.vn.handle_timeout(Micros(now));
        }
        for i in 0..self.hss_peers.len() {
            if self.hss_peers[i]
                .poll_timeout()
                .is_some_and(|t| t <= Micros(now))
            {
                self.hss_peers[i].handle_timeout(Micros(now));
                self.hss_events(i);
            }
        }
        if self.pgw.poll_timeout().is_some_and(|t| t <= Micros(now)) {
            self.pgw.handle_timeout(Micros(now));
        }
    }

    /// Sends a message: over its partner's link if it has one, then the hop's own delay.
    fn push(&mut self, hop: Hop, bytes: Vec<u8>) {
        let bytes = match self.links.as_mut() {
            Some(l) => match l.offer(self.now, &self.vn, hop, bytes) {
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
            at: self.now + self.delay,
            seq: self.seq,
            hop,
            bytes,
        }));
    }

    /// Moves everything both sides want to send onto the link, and collects completions.
    fn flush(&mut self) {
        for i in 0..self.vn.mme_count() {
            for m in split(self.vn.mme_transmit(i)) {
                self.push(Hop::Hss(i), m);
            }
            self.vn.clear_mme_transmit(i);
        }
        for i in 0..self.hss_peers.len() {
            for mut m in split(self.hss_peers[i].transmit()) {
                if let Some(t) = self.tamper.as_mut() {
                    t(&mut m);
                }
                self.push(Hop::Mme(i), m);
            }
            self.hss_peers[i].clear_transmit();
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        while self.vn.poll_sgw_transmit(&mut buf).is_some() {
            self.push(Hop::Pgw, buf.clone());
            buf.clear();
        }
        while self.pgw.poll_transmit(&mut buf).is_some() {
            self.push(Hop::Sgw, buf.clone());
            buf.clear();
        }
        self.buf = buf;
        while self.pgw.poll_cdr().is_some() {
            self.cdrs += 1;
        }
        while self.pgw.poll_event().is_some() {}
        while let Some(c) = self.vn.poll_completion() {
            self.record(c);
        }
    }

    fn record(&mut self, c: Completion) {
        if let Some(w) = self.warming.as_mut() {
            w.tally(c.outcome, &c.reason);
            return;
        }
        let s = &mut self.summaries[c.procedure.index()];
        s.outcomes[c.outcome.index()] += 1;
        s.latency_us.saturating_record(c.latency_us().max(1));
        if let Some((_, rec)) = self.intervals.as_mut() {
            rec.record_procedure(c.procedure, c.outcome, c.latency_us().max(1));
        }
        *self
            .reasons
            .entry((c.procedure, c.outcome, format!("{:?}", c.reason)))
            .or_default() += 1;
    }

    fn deliver(&mut self, d: Delivery) {
        let now = self.now;
        match d.hop {
            Hop::Mme(i) => self.vn.handle_mme_message(Micros(now), i, &d.bytes),
            Hop::Sgw => self
                .vn
                .handle_sgw_datagram(Micros(now), self.pgw_addr, &d.bytes),
            Hop::Pgw => {
                self.pgw
                    .handle_datagram(Micros(now), self.sgw_addr, &d.bytes);
            }
            Hop::Hss(i) => {
                let mut clr: Option<CancelLocation> = None;
                match self.hss_peers[i].handle_message(Micros(now), &d.bytes) {
                    Ok(Incoming::Request(pkt)) => {
                        clr = self.hss.handle_request(&pkt, &mut self.hss_peers[i]);
                    }
                    Ok(Incoming::Answer { packet, token, .. }) => {
                        self.hss.handle_answer(token, &packet)
                    }
                    _ => {}
                }
                self.hss_events(i);
                if let Some(c) = clr {
                    self.send_clr(&c);
                }
            }
        }
    }

    fn hss_events(&mut self, i: usize) {
        while let Some(ev) = self.hss_peers[i].poll_event() {
            match ev {
                Event::Up { host, .. } => {
                    self.by_host.insert(host.to_ascii_lowercase(), i);
                }
                Event::RequestTimedOut { token, .. } => self.hss.handle_clr_timeout(token),
                Event::Down(_) => {}
            }
        }
    }

    /// The CLR goes out on the old MME's own connection.
    fn send_clr(&mut self, c: &CancelLocation) {
        let target = self.by_host.get(&c.peer.host.to_ascii_lowercase()).copied();
        match target {
            Some(j) if self.hss_peers[j].is_open() => {
                let _ = self
                    .hss
                    .send_clr(Micros(self.now), c, &mut self.hss_peers[j]);
            }
            _ => self.hss.clr_undeliverable(),
        }
    }

    fn finish(mut self) -> VirtualResult {
        self.flush();
        if let Some((mut tap, mut rec)) = self.intervals.take() {
            tap.finish(self.now, &mut rec, &self.vn);
        }
        let counts = *self.vn.procedure_counts();
        for (i, s) in self.summaries.iter_mut().enumerate() {
            s.started = counts.started[i];
        }
        let hss_cla_success = self
            .hss
            .hss()
            .counters()
            .get(crate::home::hss::HssMessage::Clr, 2001);
        VirtualResult {
            procedures: Procedure::ALL.iter().copied().zip(self.summaries).collect(),
            messages: self.vn.counters().clone(),
            reasons: self.reasons,
            arrivals: self.arrived,
            busy_skipped: counts.busy_skipped,
            end_us: self.now,
            events: self.events,
            mmes: self.vn.mmes(),
            attached: self.vn.attached_count(),
            hss_cla_success,
            cdrs: self.cdrs,
            links: self
                .links
                .as_mut()
                .map(VirtualLinks::results)
                .unwrap_or_default(),
            warm_start: self.warm,
        }
    }
}

/// Splits a Diameter byte stream into whole messages.
fn split(stream: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < stream.len() {
        let Some(len) = message_len(&stream[at..]).filter(|&l| l > 0 && at + l <= stream.len())
        else {
            break;
        };
        out.push(stream[at..at + len].to_vec());
        at += len;
    }
    out
}

#[cfg(test)]
mod link_tests;
#[cfg(test)]
mod tests;
