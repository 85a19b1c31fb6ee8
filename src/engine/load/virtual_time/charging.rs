//! Offline charging in a virtual run: the PGW's and the SGW's charging data functions (spools in
//! memory) and the embedded CGFs with their outage windows, exchanging GTP' datagrams through
//! a time-ordered queue with the run's one-way delay. Ga does not cross the partner links.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::SocketAddr;

use crate::engine::charging::{cdf_config, ledger_config, CdfDriver, CgfNode, RecordTally};
use crate::home::HomeCore;
use crate::model::config::Profile;
use crate::model::rng::derive_seed;
use crate::model::usage::UsageModel;
use crate::model::Micros;
use crate::report::recorder::ChargingStats;
use crate::visited::VisitedNetwork;
use crate::wire::cdr::RecordKind;

/// Unix time of virtual time zero (2026-01-01T00:00:00Z): records get the same time stamps in
/// every run.
const EPOCH_UNIX_S: u64 = 1_767_225_600;

/// How long, after the last procedure, the CDFs get to have every record acknowledged.
pub(super) const DRAIN: Micros = Micros::from_secs(120);

/// Sees every PGW-CDR (BER) as the PGW closes it.
pub type CdrTap = Box<dyn FnMut(&[u8])>;

/// A GTP' datagram on its way.
type Gtp = Reverse<(Micros, u64, SocketAddr, SocketAddr, Vec<u8>)>;

/// The charging nodes of a virtual run.
pub(super) struct VirtualCharging {
    pgw: (SocketAddr, CdfDriver),
    sgw: (SocketAddr, CdfDriver),
    cgfs: Vec<(SocketAddr, CgfNode)>,
    queue: BinaryHeap<Gtp>,
    seq: u64,
    delay: Micros,
    stats: ChargingStats,
    buf: Vec<u8>,
    pgw_records: RecordTally,
    sgw_records: RecordTally,
    /// Sees every PGW-CDR (BER) as the PGW closes it (tests).
    pub(super) tap: Option<CdrTap>,
}

impl VirtualCharging {
    /// Turns the gateways' records on and sets up the CDFs and CGFs of `profile`'s
    /// `[charging]`.
    pub(super) fn new(
        profile: &Profile,
        home: &mut HomeCore,
        vn: &mut VisitedNetwork,
        delay: Micros,
        link: Option<&crate::link::LinkProfile>,
    ) -> anyhow::Result<VirtualCharging> {
        let c = &profile.charging;
        let epoch_us = EPOCH_UNIX_S * 1_000_000;
        let addr = |s: &str| -> SocketAddr { s.parse().expect("literal") };
        let mut cgfs = vec![(
            addr("10.0.0.4:3386"),
            CgfNode::new(c, addr("10.0.0.4:0").ip(), EPOCH_UNIX_S, &c.cgf.outages),
        )];
        if c.cgf.secondary {
            let node = CgfNode::new(
                c,
                addr("10.0.0.5:0").ip(),
                EPOCH_UNIX_S,
                &c.cgf.secondary_outages,
            );
            cgfs.push((addr("10.0.0.5:3386"), node));
        }
        let targets: Vec<SocketAddr> = cgfs.iter().map(|g| g.0).collect();
        let pgw_ip = profile.home.pgw.control_ipv4.into();
        home.enable_charging(
            ledger_config(c, RecordKind::Pgw, "pgw-0", pgw_ip, epoch_us),
            Micros::ZERO,
        );
        vn.enable_charging(
            ledger_config(
                c,
                RecordKind::Sgw,
                "sgw-0",
                addr("10.0.0.1:0").ip(),
                epoch_us,
            ),
            UsageModel::from_profile(profile),
        );
        let driver = |label: u64| -> anyhow::Result<CdfDriver> {
            let seed = derive_seed(profile.seed, label);
            let mut d = CdfDriver::new(cdf_config(c, targets.clone(), seed), None)?;
            if let Some(l) = link {
                d.set_link(l, seed)?;
            }
            Ok(d)
        };
        Ok(VirtualCharging {
            pgw: (addr("10.0.0.2:33860"), driver(0xcdf0)?),
            sgw: (addr("10.0.0.1:33860"), driver(0xcdf1)?),
            cgfs,
            queue: BinaryHeap::new(),
            seq: 0,
            delay,
            stats: ChargingStats::default(),
            buf: Vec::new(),
            pgw_records: RecordTally::default(),
            sgw_records: RecordTally::default(),
            tap: None,
        })
    }

    /// Delivers the datagrams due, runs the timers and schedules due at `now`.
    pub(super) fn step(&mut self, now: Micros) -> u64 {
        let mut events = 0;
        for (_, node) in &mut self.cgfs {
            node.follow_schedule(now);
        }
        while self.queue.peek().is_some_and(|Reverse(d)| d.0 <= now) {
            let Reverse((_, _, from, to, bytes)) = self.queue.pop().expect("peeked");
            events += 1;
            if to == self.pgw.0 {
                self.pgw.1.handle_datagram(now, from, &bytes);
            } else if to == self.sgw.0 {
                self.sgw.1.handle_datagram(now, from, &bytes);
            } else if let Some((_, node)) = self.cgfs.iter_mut().find(|g| g.0 == to) {
                node.cgf.handle_datagram(now, from, &bytes);
            }
        }
        for d in [&mut self.pgw.1, &mut self.sgw.1] {
            if d.poll_timeout().is_some_and(|t| t <= now) {
                d.handle_timeout(now);
            }
        }
        for (_, node) in &mut self.cgfs {
            if node.cgf.poll_timeout().is_some_and(|t| t <= now) {
                node.cgf.handle_timeout(now);
            }
            // Files are not kept in a virtual run: only what was stored counts.
            while node.cgf.poll_file().is_some() {}
        }
        events
    }

    /// Hands the gateways' new records to their CDFs and queues every datagram.
    pub(super) fn send(&mut self, now: Micros, home: &mut HomeCore, vn: &mut VisitedNetwork) {
        while let Some((cdr, closed)) = home.poll_cdr() {
            if let Some(tap) = &mut self.tap {
                tap(&cdr);
            }
            self.pgw.1.record(now, cdr, closed);
        }
        while let Some((cdr, closed)) = vn.poll_cdr() {
            self.sgw.1.record(now, cdr, closed);
        }
        let mut out = Vec::new();
        for (from, d) in [&mut self.pgw, &mut self.sgw] {
            d.pump(now, &mut self.stats).expect("a spool in memory");
            let mut buf = std::mem::take(&mut self.buf);
            buf.clear();
            loop {
                let at = buf.len();
                let Some(dst) = d.poll_transmit(now, &mut buf) else {
                    break;
                };
                out.push((*from, dst, buf[at..].to_vec()));
            }
            self.buf = buf;
            d.pump(now, &mut self.stats).expect("a spool in memory");
        }
        for (from, node) in &mut self.cgfs {
            let mut buf = Vec::new();
            while let Some(dg) = node.cgf.poll_transmit(&mut buf) {
                out.push((*from, dg.dst, buf[buf.len() - dg.len..].to_vec()));
            }
        }
        for (from, to, bytes) in out {
            self.seq += 1;
            self.queue
                .push(Reverse((now + self.delay, self.seq, from, to, bytes)));
        }
    }

    /// The next instant charging needs a turn: a datagram, or, while records are outstanding,
    /// a timer or an outage boundary.
    pub(super) fn next_event(&mut self, now: Micros) -> Option<Micros> {
        let queued = self.queue.peek().map(|Reverse(d)| d.0);
        if self.drained() {
            return queued;
        }
        let timers = [
            self.pgw.1.cdf().poll_timeout(),
            self.sgw.1.cdf().poll_timeout(),
        ];
        let cgfs = self
            .cgfs
            .iter()
            .flat_map(|(_, n)| [n.cgf.poll_timeout(), n.next_change(now)]);
        [queued]
            .into_iter()
            .chain(timers)
            .chain(cgfs)
            .flatten()
            .min()
    }

    /// Nothing on its way and every record stored.
    pub(super) fn drained(&self) -> bool {
        self.queue.is_empty() && self.pgw.1.drained() && self.sgw.1.drained()
    }

    /// Moves the counters since the last call into `stats`.
    pub(super) fn report(
        &mut self,
        home: &HomeCore,
        vn: &VisitedNetwork,
        stats: &mut ChargingStats,
    ) {
        self.pgw_records
            .report(true, home.ledger(), &mut self.stats);
        self.pgw_records
            .report_sessions(home.sessions_ended(), &mut self.stats);
        self.sgw_records.report(false, vn.ledger(), &mut self.stats);
        self.pgw.1.report(&mut self.stats);
        self.sgw.1.report(&mut self.stats);
        for (_, node) in &mut self.cgfs {
            node.report(&mut self.stats);
        }
        stats.merge(&self.stats);
        self.stats.reset();
    }
}
