//! The visited side (docs/ARCHITECTURE.md §1, §4): the roamers' procedures and the MME/VLR and SGW
//! of the visited networks, sans-IO. One [`VisitedNetwork`] per shard owns a slice of the
//! population (every `shards`-th roamer), the MME pools of every visited PLMN (each instance one
//! Diameter S6a peer, [`crate::proto::diameter::Peer`]) and one SGW (a GTPv2-C requester on S8,
//! [`crate::proto::gtpv2::Requester`]).
//!
//! Procedures (TS 23.401 §5.3), each ending exactly once as ok / rejected_expected / failed /
//! timed_out ([`Completion`]):
//! - `attach` (§5.3.2.1): AIR (TS 29.272 §5.2.3.1); the emulated UE checks AUTN and computes RES
//!   with its own K ([`crate::model::aka::ue_authenticate`]), the MME compares RES with XRES and
//!   the UE's KASME with the vector's; ULR with the Initial-Attach-Indicator (§5.2.1.1); Create
//!   Session on S8 (TS 29.274 §7.2.1).
//! - `location_update` (§5.3.3.1, TAU with MME change): ULR from another MME of the pool; the HSS
//!   cancels the old MME, whose side answers the CLR with CLA (TS 29.272 §5.2.1.2); Modify Bearer
//!   (TS 29.274 §7.2.7) with the new location when a session exists.
//! - `plmn_change`: an attach in another visited PLMN: AIR + ULR from an MME of the new PLMN, CLR
//!   to the old VLR, and the S8 session moved (Create Session for the new, Delete Session for
//!   the old, §7.2.9).
//! - `detach` (§5.3.8.2): Delete Session, then Purge UE (TS 29.272 §5.2.3.3).
//! - `data_session`: Create Session and Delete Session of a second PDN connection: charging
//!   start and stop at the PGW.
//!
//! Anomaly personas expect an S6a error (5001 user unknown, 5004 roaming not allowed); the right
//! error is `rejected_expected`, anything else `failed`. Procedure latency runs from the
//! *intended* start time given to [`VisitedNetwork::start`] (open loop); message latency from
//! the request's send time.
//!
//! Call order (quinn-proto style): feed inputs — [`VisitedNetwork::arrive`] or
//! [`VisitedNetwork::start`], each framed Diameter message of MME `m` to
//! [`VisitedNetwork::handle_mme_message`], each S8 datagram to
//! [`VisitedNetwork::handle_sgw_datagram`], and [`VisitedNetwork::handle_timeout`] when the clock
//! reaches [`VisitedNetwork::poll_timeout`]; then write out every MME's
//! [`VisitedNetwork::mme_transmit`] (and [`VisitedNetwork::clear_mme_transmit`]), drain
//! [`VisitedNetwork::poll_sgw_transmit`] and [`VisitedNetwork::poll_completion`]. Names follow
//! [`crate::proto::diameter::Peer`]: inputs `handle_*`, queued outputs `poll_*`, and a byte
//! stream is read with `*transmit` and consumed with `clear_*transmit` (interface names `mme`,
//! `sgw` qualify the noun). Time is `now`, a [`Micros`] instant of the caller's clock; nothing
//! here reads a clock or touches a socket.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use crate::model::population::{LoadConfig, Population, RoamerId};
use crate::model::rng::{derive_seed, Rng};
use crate::model::{Micros, Outcome, Procedure};
use crate::proto::gtpv2::{Requester, RequesterConfig};

mod arrivals;
mod charging;
mod counters;
mod mme;
mod pool;
mod procedure;
mod resync;
mod roamer;
mod sgw;

#[cfg(test)]
mod tests;

pub use crate::proto::gtpv2::Datagram;
pub use arrivals::Arrivals;
pub use counters::{latency_histogram, MessageCounters, MessageKind, MessageStats};
pub use resync::ResyncCounts;
pub use roamer::RoamerState;

use pool::{Mme, MmeSettings, Pool};
use procedure::Flight;

/// Settings of one shard's visited network.
#[derive(Debug, Clone)]
pub struct VisitedConfig {
    /// The SGW's S8 GTP-C address (its IPv4 goes into the F-TEIDs).
    pub sgw: SocketAddr,
    /// The PGW's S8 GTP-C address.
    pub pgw: SocketAddr,
    /// Host-IP-Address of the MMEs' CER.
    pub mme_ip: IpAddr,
    /// A procedure still running after this long ends as `timed_out`.
    pub procedure_timeout_us: Micros,
    /// How long an S6a request waits for its answer.
    pub diameter_timeout_us: Micros,
    /// S8 T3/N3 retransmission.
    pub gtp: RequesterConfig,
    /// APN of the sessions created.
    pub apn: String,
    /// Seed of this shard's random choices (roamer picks, PLMN changes, Diameter ids).
    pub seed: u64,
    /// This shard's index, `0..shards`.
    pub shard: u32,
    /// Number of shards.
    pub shards: u32,
    /// Origin-State-Id of the MMEs and Recovery of the SGW (change on restart).
    pub restart_counter: u32,
    /// Origin-Realm of every MME instead of its PLMN's TS 23.003 realm (for a core that expects
    /// one realm, e.g. behind a Diameter edge agent).
    pub origin_realm: Option<String>,
    /// Destination-Realm of S6a requests instead of the roamer's home realm.
    pub destination_realm: Option<String>,
}

impl VisitedConfig {
    /// Settings from a profile's `[load]`, for a single shard.
    pub fn new(load: &LoadConfig, sgw: SocketAddr, pgw: SocketAddr, seed: u64) -> VisitedConfig {
        VisitedConfig {
            sgw,
            pgw,
            mme_ip: sgw.ip(),
            procedure_timeout_us: Micros::from_millis(load.procedure_timeout_ms),
            diameter_timeout_us: Micros::from_secs(5),
            gtp: RequesterConfig::default(),
            apn: load.apn.clone(),
            seed,
            shard: 0,
            shards: 1,
            restart_counter: 1,
            origin_realm: None,
            destination_realm: None,
        }
    }
}

/// Why [`VisitedNetwork::start`] did not start a procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// The roamer belongs to another shard (or is out of range).
    #[error("roamer {0:?} is not served by this shard")]
    NotOwned(RoamerId),
    /// A procedure of this roamer is still running.
    #[error("roamer {0:?} is busy")]
    Busy(RoamerId),
    /// Only `attach` can start for a detached roamer.
    #[error("roamer {0:?} is not attached")]
    NotAttached(RoamerId),
}

/// The interface a malformed answer came from: S6a (Diameter) or S8 (GTPv2-C).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interface {
    /// Diameter S6a, MME to HSS.
    S6a,
    /// GTPv2-C S8, SGW to PGW.
    S8,
}

/// Why a procedure ended the way it did (beyond its [`Outcome`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Nothing to add (ok).
    None,
    /// An S6a answer's Result-Code or Experimental-Result-Code, or the CEA's when the MME's
    /// connection was refused (3010 unknown peer).
    Diameter(u32),
    /// A GTPv2-C Cause.
    GtpCause(u8),
    /// The UE found AUTN's MAC-A wrong.
    AuthMac,
    /// RES ≠ XRES at the MME.
    ResMismatch,
    /// The UE's KASME differs from the vector's.
    KasmeMismatch,
    /// An anomaly was accepted instead of rejected.
    UnexpectedSuccess,
    /// An answer on this interface could not be decoded (or lacked what the step needs).
    Malformed(Interface),
    /// The Diameter connection went down or a request could not be sent.
    PeerDown,
    /// The answer to this request did not come in time (its own timer, the procedure's, or the
    /// connection's watchdog).
    Timeout(MessageKind),
    /// The SGW already had its maximum of S8 requests outstanding.
    Overload,
}

impl Reason {
    /// The stable name of the reason in results: the layer, then the code (`s6a.5001`,
    /// `gtp.73`, `ue.auth_mac`, `malformed.s6a`, `timeout.s6a.ulr`, `peer_down`, ...); empty
    /// for [`Reason::None`]. The README's "Reasons" section lists them.
    pub fn key(&self) -> String {
        let mut key = String::new();
        self.write_key(&mut key);
        key
    }

    /// Appends [`key`](Self::key) to `out` (a buffer the caller reuses, so that counting a
    /// reason allocates nothing).
    pub fn write_key(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = match self {
            Reason::None => Ok(()),
            Reason::Diameter(code) => write!(out, "s6a.{code}"),
            Reason::GtpCause(cause) => write!(out, "gtp.{cause}"),
            Reason::AuthMac => out.write_str("ue.auth_mac"),
            Reason::ResMismatch => out.write_str("ue.res_mismatch"),
            Reason::KasmeMismatch => out.write_str("ue.kasme_mismatch"),
            Reason::UnexpectedSuccess => out.write_str("unexpected_success"),
            Reason::Malformed(Interface::S6a) => out.write_str("malformed.s6a"),
            Reason::Malformed(Interface::S8) => out.write_str("malformed.gtp"),
            Reason::PeerDown => out.write_str("peer_down"),
            Reason::Timeout(kind) => write!(out, "timeout.{}", kind.name()),
            Reason::Overload => out.write_str("overload"),
        };
    }

    /// The code the reason carries (Result-Code or Cause), if any.
    pub fn code(&self) -> Option<u32> {
        match self {
            Reason::Diameter(code) => Some(*code),
            Reason::GtpCause(cause) => Some(u32::from(*cause)),
            _ => None,
        }
    }
}

/// A procedure that ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completion {
    /// Whose.
    pub roamer: RoamerId,
    /// Which.
    pub procedure: Procedure,
    /// How it ended.
    pub outcome: Outcome,
    /// Why.
    pub reason: Reason,
    /// The request of the step it ended in: whose answer (or lack of one) ended it.
    pub message: MessageKind,
    /// The MME instance serving the procedure (index for [`VisitedNetwork::mme_host`]).
    pub mme: u16,
    /// The visited PLMN of the procedure (index into the population's visited list).
    pub visited: u8,
    /// When it was meant to start (the open-loop schedule).
    pub intended_us: Micros,
    /// When it ended.
    pub finished_us: Micros,
}

impl Completion {
    /// Latency from the intended start, µs (as recorded into histograms).
    pub fn latency_us(&self) -> u64 {
        self.finished_us.saturating_sub(self.intended_us).as_u64()
    }
}

/// Procedures started and ended, by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProcedureCounts {
    /// Started, per [`Procedure::index`].
    pub started: [u64; 5],
    /// Ended, per procedure and [`Outcome::index`].
    pub ended: [[u64; 4]; 5],
    /// Arrivals dropped because every roamer drawn was busy.
    pub busy_skipped: u64,
}

/// One MME instance as reported by [`VisitedNetwork::mmes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MmeInfo {
    /// Origin-Host.
    pub host: String,
    /// Its pool's PLMN.
    pub plmn: crate::model::Plmn,
    /// Roamers it serves.
    pub roamers: u32,
    /// Whether its Diameter connection is open.
    pub open: bool,
}

/// One shard's visited networks (see the module docs for the call order).
pub struct VisitedNetwork {
    cfg: VisitedConfig,
    population: Arc<Population>,
    roamers: Vec<RoamerState>,
    mmes: Vec<Mme>,
    pools: Vec<Pool>,
    /// Pool index of each visited PLMN (RAN sharing maps several PLMNs to one pool).
    pool_of: Vec<u16>,
    mme_settings: MmeSettings,
    sgw: Requester,
    sgw_ipv4: Ipv4Addr,
    next_teid: u32,
    flights: Vec<Flight>,
    free: Vec<u32>,
    in_flight: usize,
    deadlines: BinaryHeap<Reverse<(Micros, u32, u32)>>,
    completions: VecDeque<Completion>,
    counters: MessageCounters,
    procedures: ProcedureCounts,
    rng: Rng,
    session_high: u32,
    scratch: String,
    /// Destination-Realm per home PLMN (see `mme::realm_of`).
    realms: Vec<(crate::model::Plmn, String)>,
    /// Transmitted GTPv2-C datagrams per message kind (first sends and retransmissions).
    gtp_transmitted: [u64; MessageKind::COUNT],
    /// SGW-CDRs, when offline charging is on (`charging`).
    charging: Option<Box<charging::SgwCharging>>,
    /// The PGW's last Recovery value (`resync`).
    pgw_recovery: Option<u8>,
    /// What resynchronisation after a home core's restart did.
    resync: resync::ResyncCounts,
    /// The SGW's answers to the PGW's requests (Delete Bearer Responses), to send.
    sgw_answers: VecDeque<(SocketAddr, Vec<u8>)>,
}

impl VisitedNetwork {
    /// A shard's network at `now`: every MME instance starts its Diameter connection (CER
    /// queued in [`mme_transmit`](Self::mme_transmit)); every roamer of the slice is detached
    /// in its persona's first visited PLMN.
    pub fn new(now: Micros, cfg: VisitedConfig, population: Arc<Population>) -> VisitedNetwork {
        let shards = cfg.shards.max(1);
        let shard = cfg.shard.min(shards - 1);
        let slice = (population.len() as u32)
            .saturating_sub(shard)
            .div_ceil(shards);
        let roamers = (0..slice)
            .map(|i| RoamerState::new(population.initial_visited(RoamerId(i * shards + shard))))
            .collect();
        let mme_settings = MmeSettings {
            host_ip: cfg.mme_ip,
            origin_state_id: cfg.restart_counter,
            request_timeout_us: cfg.diameter_timeout_us,
            seed: derive_seed(cfg.seed, 0x004d_4d45),
            origin_realm: cfg.origin_realm.clone(),
        };
        let (mmes, pools, pool_of) =
            Self::build_pools(now, &population, shard, shards, &mme_settings);
        let sgw_ipv4 = match cfg.sgw.ip() {
            IpAddr::V4(a) => a,
            IpAddr::V6(_) => Ipv4Addr::LOCALHOST,
        };
        let mut gtp = cfg.gtp.clone();
        gtp.first_seq = derive_seed(cfg.seed, 0x0053_4551) as u32;
        VisitedNetwork {
            rng: Rng::new(derive_seed(cfg.seed, 0x5049_434b ^ shard as u64)),
            session_high: cfg.restart_counter,
            sgw: Requester::new(gtp),
            cfg: VisitedConfig {
                shard,
                shards,
                ..cfg
            },
            population,
            roamers,
            mmes,
            pools,
            pool_of,
            mme_settings,
            sgw_ipv4,
            next_teid: 1,
            flights: Vec::new(),
            free: Vec::new(),
            in_flight: 0,
            deadlines: BinaryHeap::new(),
            completions: VecDeque::new(),
            counters: MessageCounters::default(),
            procedures: ProcedureCounts::default(),
            scratch: String::with_capacity(96),
            realms: Vec::new(),
            gtp_transmitted: [0; MessageKind::COUNT],
            charging: None,
            pgw_recovery: None,
            resync: Default::default(),
            sgw_answers: VecDeque::new(),
        }
    }

    fn build_pools(
        now: Micros,
        population: &Population,
        shard: u32,
        shards: u32,
        s: &MmeSettings,
    ) -> (Vec<Mme>, Vec<Pool>, Vec<u16>) {
        let visited = population.visited();
        let mut mmes = Vec::new();
        let mut pools = Vec::new();
        let mut own_pool = vec![u16::MAX; visited.len()];
        for (i, v) in visited.iter().enumerate() {
            if v.mme_plmn.is_some() {
                continue;
            }
            let first = mmes.len() as u16;
            for n in pool::owned_numbers(v.mme_instances, shard, shards) {
                mmes.push(Mme::new(now, v.plmn, n, s));
            }
            own_pool[i] = pools.len() as u16;
            pools.push(Pool {
                first,
                len: mmes.len() as u16 - first,
            });
        }
        let pool_of = visited
            .iter()
            .enumerate()
            .map(|(i, v)| match v.mme_plmn {
                Some(core) => {
                    let j = visited
                        .iter()
                        .position(|o| o.plmn == core)
                        .expect("validated");
                    own_pool[j]
                }
                None => own_pool[i],
            })
            .collect();
        (mmes, pools, pool_of)
    }

    /// The population this shard draws from.
    pub fn population(&self) -> &Arc<Population> {
        &self.population
    }

    /// Whether `roamer` belongs to this shard.
    pub fn owns(&self, roamer: RoamerId) -> bool {
        roamer.0 % self.cfg.shards == self.cfg.shard && (roamer.0 as usize) < self.population.len()
    }

    fn local(&self, roamer: RoamerId) -> usize {
        (roamer.0 / self.cfg.shards) as usize
    }

    /// The state of a roamer of this shard.
    pub fn roamer_state(&self, roamer: RoamerId) -> Option<RoamerState> {
        self.owns(roamer).then(|| self.roamers[self.local(roamer)])
    }

    /// Roamers of this shard that are attached.
    pub fn attached_count(&self) -> usize {
        self.roamers.iter().filter(|r| r.attached()).count()
    }

    /// Procedures in flight.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// Message counters.
    pub fn counters(&self) -> &MessageCounters {
        &self.counters
    }

    /// Procedure counters.
    pub fn procedure_counts(&self) -> &ProcedureCounts {
        &self.procedures
    }

    /// Number of MME instances (Diameter connections) of this shard.
    pub fn mme_count(&self) -> usize {
        self.mmes.len()
    }

    /// Every MME instance with its host, pool PLMN and roamer count.
    pub fn mmes(&self) -> Vec<MmeInfo> {
        self.mmes
            .iter()
            .map(|m| MmeInfo {
                host: m.host.to_string(),
                plmn: m.plmn,
                roamers: m.roamers,
                open: m.peer.is_open(),
            })
            .collect()
    }

    /// MME `mme`'s Origin-Host (for routing CLRs back to its connection).
    pub fn mme_host(&self, mme: usize) -> &str {
        &self.mmes[mme].host
    }

    /// The visited PLMN of MME `mme`'s pool (index into the population's visited list): its
    /// Diameter connection crosses that partner's link.
    pub fn mme_visited(&self, mme: usize) -> Option<u8> {
        let plmn = self.mmes.get(mme)?.plmn;
        let i = self
            .population
            .visited()
            .iter()
            .position(|v| v.plmn == plmn)?;
        Some(i as u8)
    }

    /// Bytes MME `mme` has to write to its connection (whole Diameter messages).
    pub fn mme_transmit(&self, mme: usize) -> &[u8] {
        self.mmes[mme].peer.transmit()
    }

    /// Forgets MME `mme`'s [`mme_transmit`](Self::mme_transmit) bytes once written or queued.
    pub fn clear_mme_transmit(&mut self, mme: usize) {
        self.mmes[mme].peer.clear_transmit();
    }

    /// Replaces MME `mme`'s connection with a fresh one (after the transport broke): CER is
    /// queued again; requests pending on the old connection end with their procedures' timeout.
    pub fn reconnect_mme(&mut self, now: Micros, mme: usize) {
        let m = &mut self.mmes[mme];
        let seed = derive_seed(self.mme_settings.seed, now.as_u64() ^ mme as u64);
        m.peer = Mme::connect(now, &m.host, &m.realm, &self.mme_settings, seed);
    }

    /// The next completed procedure.
    pub fn poll_completion(&mut self) -> Option<Completion> {
        self.completions.pop_front()
    }

    /// The earliest time [`handle_timeout`](Self::handle_timeout) has work.
    pub fn poll_timeout(&mut self) -> Option<Micros> {
        while let Some(&Reverse((_, slot, gen))) = self.deadlines.peek() {
            let f = &self.flights[slot as usize];
            if f.live && f.gen == gen {
                break;
            }
            self.deadlines.pop();
        }
        let flights = self.deadlines.peek().map(|Reverse((t, _, _))| *t);
        let mmes = self.mmes.iter().filter_map(|m| m.peer.poll_timeout()).min();
        [flights, mmes, self.sgw.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Expires procedures, S8 retransmission timers and the MMEs' Diameter timers.
    pub fn handle_timeout(&mut self, now: Micros) {
        while let Some(&Reverse((t, slot, gen))) = self.deadlines.peek() {
            if t > now {
                break;
            }
            self.deadlines.pop();
            if self.flights[slot as usize].live && self.flights[slot as usize].gen == gen {
                let why = self.timeout(slot);
                self.finish(now, slot, Outcome::TimedOut, why);
            }
        }
        self.sgw_timeout(now);
        for i in 0..self.mmes.len() {
            if self.mmes[i].peer.poll_timeout().is_some_and(|t| t <= now) {
                self.mmes[i].peer.handle_timeout(now);
                self.mme_events(now, i);
            }
        }
    }

    /// Attaches a warm start keeps in flight at once: enough to keep a shard busy, few enough
    /// that no attach waits long for its turn (their timeout is the procedure timeout).
    pub const WARM_START_WINDOW: usize = 512;

    /// The roamers of this shard a warm start attaches ([`LoadConfig::warm_start`]): each with
    /// its persona's steady-state probability of being attached, drawn from a stream of its
    /// own so that the measured arrivals are those of a cold start with the same seed.
    pub fn warm_start_roamers(&self) -> Vec<RoamerId> {
        let mut rng = Rng::new(derive_seed(
            self.cfg.seed,
            0x5741_524d ^ self.cfg.shard as u64,
        ));
        let shares: Vec<f64> = self
            .population
            .personas()
            .iter()
            .map(|p| p.config.attached_share())
            .collect();
        (0..self.roamers.len() as u32)
            .map(|i| RoamerId(i * self.cfg.shards + self.cfg.shard))
            .filter(|&r| rng.next_f64() < shares[self.population.persona_of(r) as usize])
            .collect()
    }

    /// Forgets the message and procedure counts so far (the end of a warm start); roamers,
    /// registrations and sessions stay.
    pub fn reset_counts(&mut self) {
        self.counters = MessageCounters::default();
        self.procedures = ProcedureCounts::default();
    }

    /// An open-loop arrival at `now` for intended time `intended_us`: draws a roamer of this
    /// shard and a wish by the personas ([`Population::pick`]), turns the wish into a procedure
    /// by the roamer's state (a detached roamer attaches first) and starts it. Draws again when
    /// the roamer is busy; after 16 busy draws the arrival is dropped and counted.
    pub fn arrive(&mut self, now: Micros, intended_us: Micros) -> Option<(RoamerId, Procedure)> {
        for _ in 0..16 * self.cfg.shards {
            let (roamer, wish) = self.population.pick(&mut self.rng);
            if !self.owns(roamer) {
                continue;
            }
            let state = self.roamers[self.local(roamer)];
            if state.busy() {
                continue;
            }
            let mut procedure = procedure::resolve(state, wish);
            let persona = &self.population.personas()[self.population.persona_of(roamer) as usize];
            if procedure == Procedure::PlmnChange && persona.visited().nth(1).is_none() {
                procedure = Procedure::LocationUpdate;
            }
            self.start(now, intended_us, roamer, procedure)
                .expect("resolved for this state");
            return Some((roamer, procedure));
        }
        self.procedures.busy_skipped += 1;
        None
    }
}
