//! The PGW of the simulated home network, sans-IO and in model terms: S5/S8 GTPv2-C session
//! management (TS 29.274 §7.2.1-7.2.10, as the PGW sees it) and offline charging records.
//!
//! - Create Session: allocates a GTP-C TEID (the session key), a GTP-U TEID, a UE IPv4 address
//!   (PAA) from the pool, and a Charging ID; emits a start [`Cdr`].
//! - Modify Bearer: updates the SGW's S5/S8-U F-TEID (and, on SGW relocation, its GTP-C F-TEID and
//!   the serving network).
//! - Delete Session: releases everything; emits a stop [`Cdr`].
//!
//! Causes (TS 29.274 Table 8.4-1): 16 Request accepted, 64 Context Not Found, 73 No resources
//! available (pool exhausted), 78 Missing or unknown APN. Retransmission and duplicate detection
//! belong to the GTPv2-C transaction layer, not here.
//!
//! TEIDs: control TEIDs count up in 1..2^31 (skipping any in use); the session's user-plane TEID is
//! its control TEID with the top bit set, so the two never collide. Time is `now`, a [`Micros`]
//! instant of the caller's clock (real or virtual); it only stamps CDRs.
//!
//! Call order: `create_session` / `modify_bearer` / `delete_session` per request, then drain
//! [`Pgw::poll_cdr`] until `None` (the queue is bounded; overflow is counted, never blocks).

use std::collections::{HashMap, VecDeque};

use super::state::Change;
use std::fmt;
use std::net::Ipv4Addr;
use std::sync::Arc;

use crate::model::config::PgwConfig;
use crate::model::ids::{Imsi, Msisdn, Plmn};
use crate::model::net::Ipv4Net;
use crate::model::population::Population;
use crate::model::usage::{SessionRates, UsageModel};
use crate::model::Micros;

/// GTPv2 Cause 16, Request accepted.
pub const CAUSE_REQUEST_ACCEPTED: u8 = 16;

/// Why the PGW refuses a request; each is a GTPv2 Cause value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum PgwError {
    /// No session with that TEID (or bearer with that EBI): Cause 64 Context Not Found.
    #[error("context not found (64)")]
    ContextNotFound,
    /// Address pool or TEID space exhausted: Cause 73 No resources available.
    #[error("no resources available (73)")]
    NoResources,
    /// APN not served: Cause 78 Missing or unknown APN.
    #[error("missing or unknown APN (78)")]
    UnknownApn,
}

impl PgwError {
    /// The GTPv2 Cause value.
    pub fn cause(self) -> u8 {
        match self {
            PgwError::ContextNotFound => 64,
            PgwError::NoResources => 73,
            PgwError::UnknownApn => 78,
        }
    }
}

/// A fully qualified TEID (IPv4 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fteid {
    /// Tunnel endpoint identifier.
    pub teid: u32,
    /// Endpoint address.
    pub ipv4: Ipv4Addr,
}

/// A Create Session Request in model terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreateSessionRequest<'a> {
    /// The subscriber.
    pub imsi: Imsi,
    /// Its MSISDN, when the SGW sent one.
    pub msisdn: Option<Msisdn>,
    /// APN (Service-Selection).
    pub apn: &'a str,
    /// Serving Network IE.
    pub serving_network: Plmn,
    /// Sender F-TEID for control plane (S5/S8 SGW GTP-C).
    pub sgw_control: Fteid,
    /// EPS Bearer ID of the default bearer.
    pub ebi: u8,
    /// S5/S8-U SGW F-TEID of the default bearer.
    pub sgw_user: Fteid,
    /// RAT Type IE (TS 29.274 §8.17; 6 is EUTRAN).
    pub rat_type: u8,
}

/// What a Create Session Response carries besides Cause 16.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCreated {
    /// PGW S5/S8 GTP-C F-TEID (its TEID keys the session).
    pub pgw_control: Fteid,
    /// PGW S5/S8-U F-TEID of the default bearer.
    pub pgw_user: Fteid,
    /// The UE's IPv4 address (PAA).
    pub paa: Ipv4Addr,
    /// Charging ID of the default bearer.
    pub charging_id: u32,
    /// EPS Bearer ID, echoed.
    pub ebi: u8,
    /// The SGW's control TEID: the response's header TEID.
    pub sgw_control_teid: u32,
}

/// A Modify Bearer Request in model terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModifyBearerRequest {
    /// The bearer to modify.
    pub ebi: u8,
    /// New S5/S8-U SGW F-TEID.
    pub sgw_user: Fteid,
    /// New SGW GTP-C F-TEID, on SGW relocation.
    pub sgw_control: Option<Fteid>,
    /// New Serving Network, on a PLMN change.
    pub serving_network: Option<Plmn>,
}

/// What a Modify Bearer Response carries besides Cause 16.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BearerModified {
    /// EPS Bearer ID, echoed in the Bearer Context.
    pub ebi: u8,
    /// The SGW's control TEID: the response's header TEID.
    pub sgw_control_teid: u32,
}

/// What a Delete Session Response needs besides Cause 16.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionDeleted {
    /// The SGW's control TEID: the response's header TEID.
    pub sgw_control_teid: u32,
}

/// One PDN connection held by the PGW.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Subscriber.
    pub imsi: Imsi,
    /// MSISDN, if known.
    pub msisdn: Option<Msisdn>,
    /// APN.
    pub apn: Arc<str>,
    /// UE address.
    pub paa: Ipv4Addr,
    /// Charging ID.
    pub charging_id: u32,
    /// Default bearer's EBI.
    pub ebi: u8,
    /// SGW GTP-C F-TEID.
    pub sgw_control: Fteid,
    /// SGW S5/S8-U F-TEID.
    pub sgw_user: Fteid,
    /// PGW S5/S8-U TEID.
    pub pgw_user_teid: u32,
    /// Serving network.
    pub serving_network: Plmn,
    /// When it was created.
    pub start_us: Micros,
    /// RAT Type at creation (TS 29.274 §8.17; 6 is EUTRAN). Not kept by the state store: a
    /// restored session reads EUTRAN.
    pub rat_type: u8,
    /// The traffic it carries (`model::usage`): drawn at creation from the subscriber's persona
    /// and the Charging ID, recomputed the same way when a session is restored.
    pub rates: SessionRates,
}

/// RAT Type EUTRAN (TS 29.274 §8.17).
pub const RAT_EUTRAN: u8 = 6;

/// Start or stop of a charging record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CdrKind {
    /// Session created.
    Start,
    /// Session deleted.
    Stop,
}

/// A PGW charging record (the fields of a TS 32.298 PGW-CDR that roamsim tracks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cdr {
    /// Start or stop.
    pub kind: CdrKind,
    /// Served IMSI.
    pub imsi: Imsi,
    /// Served MSISDN, if known.
    pub msisdn: Option<Msisdn>,
    /// Access point name.
    pub apn: Arc<str>,
    /// Charging ID.
    pub charging_id: u32,
    /// Served PDP/PDN address.
    pub paa: Ipv4Addr,
    /// Serving PLMN (the visited network, for roaming settlement).
    pub serving_network: Plmn,
    /// Session start.
    pub start_us: Micros,
    /// Session stop (`Stop` records only).
    pub stop_us: Option<Micros>,
    /// The session's PGW control TEID (its key while it lives).
    pub teid: u32,
    /// The SGW's S5/S8-C address: the serving node of the PGW-CDR.
    pub sgw: Ipv4Addr,
    /// RAT Type.
    pub rat_type: u8,
    /// The traffic the session carries.
    pub rates: SessionRates,
    /// A stop that is not a Delete Session: a collision or the SGW's restart.
    pub abnormal: bool,
}

/// GTPv2-C messages the PGW counts, named as in `summary.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PgwMessage {
    /// Create Session.
    CreateSession,
    /// Modify Bearer.
    ModifyBearer,
    /// Delete Session.
    DeleteSession,
}

impl PgwMessage {
    /// `s8.create_session`, `s8.modify_bearer`, `s8.delete_session`.
    pub fn name(self) -> &'static str {
        match self {
            PgwMessage::CreateSession => "s8.create_session",
            PgwMessage::ModifyBearer => "s8.modify_bearer",
            PgwMessage::DeleteSession => "s8.delete_session",
        }
    }
}

/// What the PGW answered, per (message, cause), plus CDR and session figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PgwCounters {
    entries: Vec<(PgwMessage, u8, u64)>,
    /// CDRs queued.
    pub cdrs: u64,
    /// CDRs dropped because the queue was full.
    pub cdrs_dropped: u64,
    /// Sessions released because their SGW restarted ([`Pgw::release_peer`]).
    pub released_on_peer_restart: u64,
    /// Sessions deleted because a Create Session Request collided with them (same IMSI and
    /// EPS Bearer ID, TS 29.274 §7.2.1).
    pub replaced_on_collision: u64,
    /// Sessions released locally without a Delete Session ([`Pgw::release_session`]: online
    /// charging refused or ended them).
    pub released_locally: u64,
}

impl PgwCounters {
    fn record(&mut self, msg: PgwMessage, cause: u8) {
        match self
            .entries
            .iter_mut()
            .find(|(m, c, _)| *m == msg && *c == cause)
        {
            Some(e) => e.2 += 1,
            None => {
                self.entries.push((msg, cause, 1));
                self.entries.sort_unstable_by_key(|e| (e.0, e.1));
            }
        }
    }

    /// The count for one message and cause.
    pub fn get(&self, msg: PgwMessage, cause: u8) -> u64 {
        self.entries
            .iter()
            .find(|(m, c, _)| *m == msg && *c == cause)
            .map_or(0, |e| e.2)
    }

    /// All non-zero counts, ordered by message then cause.
    pub fn iter(&self) -> impl Iterator<Item = (PgwMessage, u8, u64)> + '_ {
        self.entries.iter().copied()
    }
}

impl fmt::Display for PgwCounters {
    /// One line per (message, cause): `s8.create_session 16 12`, then the CDR figures.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (m, c, n) in self.iter() {
            writeln!(f, "{} {} {}", m.name(), c, n)?;
        }
        writeln!(f, "cdrs {} dropped {}", self.cdrs, self.cdrs_dropped)?;
        writeln!(
            f,
            "pgw.released_on_peer_restart {}",
            self.released_on_peer_restart
        )?;
        writeln!(
            f,
            "pgw.replaced_on_collision {}",
            self.replaced_on_collision
        )
    }
}

/// UE address pool: never the network address, the first host (the PGW's gateway) or the
/// broadcast address; released addresses are reused oldest first.
#[derive(Debug, Clone)]
struct Pool {
    net: Ipv4Net,
    next: u64,
    last: u64,
    free: VecDeque<u32>,
}

impl Pool {
    fn new(net: Ipv4Net) -> Pool {
        Pool {
            net,
            next: 2,
            last: net.size().saturating_sub(2),
            free: VecDeque::new(),
        }
    }

    fn allocate(&mut self) -> Option<Ipv4Addr> {
        let offset = match self.free.pop_front() {
            Some(o) => o as u64,
            None if self.next <= self.last => {
                self.next += 1;
                self.next - 1
            }
            None => return None,
        };
        self.net.nth(offset)
    }

    fn release(&mut self, addr: Ipv4Addr) {
        let offset = u32::from(addr).wrapping_sub(u32::from(self.net.network()));
        self.free.push_back(offset);
    }

    /// Marks `used` offsets (restored sessions') as taken: allocation continues after the
    /// highest, and the gaps below it are free.
    fn reserve(&mut self, used: &mut Vec<u32>) {
        used.sort_unstable();
        used.dedup();
        let Some(&top) = used.last() else { return };
        let mut next = used.iter().peekable();
        self.free = (2..=top)
            .filter(|o| {
                while next.peek().is_some_and(|&&u| u < *o) {
                    next.next();
                }
                next.peek() != Some(&o)
            })
            .collect();
        self.next = self.next.max(top as u64 + 1);
    }
}

const USER_TEID_BIT: u32 = 1 << 31;

/// Default bound of the CDR queue.
pub const DEFAULT_CDR_QUEUE_LIMIT: usize = 1 << 20;

/// The simulated PGW. See the module docs for the procedures and the call order.
#[derive(Debug)]
pub struct Pgw {
    control_ipv4: Ipv4Addr,
    user_ipv4: Ipv4Addr,
    apns: Vec<Arc<str>>,
    pool: Pool,
    sessions: HashMap<u32, Session>,
    /// The session of each (IMSI, EPS Bearer ID): a new Create Session for it replaces it.
    by_bearer: HashMap<(Imsi, u8), u32>,
    next_teid: u32,
    next_charging_id: u32,
    recovery: u8,
    cdrs: VecDeque<Cdr>,
    cdr_limit: usize,
    counters: PgwCounters,
    /// Changes of the sessions, when tracked (`serve --state`).
    changes: Option<Vec<Change>>,
    /// The traffic model the sessions' volumes come from.
    usage: UsageModel,
    /// Who is who: the persona of a roamer, for its traffic (`None`: every subscriber gets the
    /// share-weighted mean persona).
    personas: Option<Arc<Population>>,
}

impl Pgw {
    /// A PGW with the profile's pool, APNs and addresses; `recovery` is the restart counter it
    /// announces in the Recovery IE.
    pub fn new(config: &PgwConfig, recovery: u8) -> Pgw {
        Pgw {
            control_ipv4: config.control_ipv4,
            user_ipv4: config.user_ipv4,
            apns: config.apns.iter().map(|a| Arc::from(a.as_str())).collect(),
            pool: Pool::new(config.paa_pool),
            sessions: HashMap::new(),
            by_bearer: HashMap::new(),
            next_teid: 1,
            next_charging_id: 1,
            recovery,
            cdrs: VecDeque::new(),
            cdr_limit: DEFAULT_CDR_QUEUE_LIMIT,
            counters: PgwCounters::default(),
            changes: None,
            usage: UsageModel::from_profile(&crate::model::config::Profile::embedded_default()),
            personas: None,
        }
    }

    /// The traffic model of the sessions (by default the embedded profile's, with every
    /// subscriber at the share-weighted mean): `usage` and, when known, the population that
    /// says each subscriber's persona.
    pub fn set_usage(&mut self, usage: UsageModel, personas: Option<Arc<Population>>) {
        self.usage = usage;
        self.personas = personas;
    }

    /// The rates of `imsi`'s session `charging_id`.
    fn rates_for(&self, imsi: Imsi, charging_id: u32) -> SessionRates {
        let persona = self
            .personas
            .as_ref()
            .and_then(|p| p.roamer_of_imsi(imsi).map(|r| p.persona_of(r)));
        self.usage.rates(persona, imsi, charging_id)
    }

    /// From now on, record every session created, modified or released for
    /// [`Pgw::take_changes`].
    pub fn track_changes(&mut self) {
        self.changes.get_or_insert_with(Vec::new);
    }

    /// Moves the recorded changes, oldest first, to the end of `out`.
    pub fn take_changes(&mut self, out: &mut Vec<Change>) {
        if let Some(c) = &mut self.changes {
            out.append(c);
        }
    }

    fn record_session(&mut self, teid: u32) {
        if let (Some(c), Some(s)) = (&mut self.changes, self.sessions.get(&teid)) {
            c.push(Change::Session {
                teid,
                session: s.clone(),
            });
        }
    }

    /// Puts sessions from a store back: each keeps its TEIDs, address and charging id, and the
    /// allocators continue past them. Returns (restored, dropped: an APN the PGW does not
    /// serve, an address outside its pool, or a TEID or address taken twice).
    pub fn restore(&mut self, sessions: &[(u32, Session)]) -> (u64, u64) {
        let (mut restored, mut dropped) = (0, 0);
        let mut used: Vec<u32> = Vec::new();
        for (teid, s) in sessions {
            let apn = self
                .apns
                .iter()
                .find(|a| a.eq_ignore_ascii_case(&s.apn))
                .cloned();
            let offset = u32::from(s.paa).wrapping_sub(u32::from(self.pool.net.network()));
            let fits = (2..=self.pool.last).contains(&(offset as u64));
            let free = *teid != 0 && *teid < USER_TEID_BIT && !self.sessions.contains_key(teid);
            let (Some(apn), true, true) = (apn, fits, free) else {
                dropped += 1;
                continue;
            };
            used.push(offset);
            self.next_teid = self.next_teid.max(teid + 1);
            self.next_charging_id = self.next_charging_id.max(s.charging_id.wrapping_add(1));
            self.by_bearer.insert((s.imsi, s.ebi), *teid);
            let rates = self.rates_for(s.imsi, s.charging_id);
            self.sessions.insert(
                *teid,
                Session {
                    apn,
                    rates,
                    ..s.clone()
                },
            );
            restored += 1;
        }
        self.pool.reserve(&mut used);
        (restored, dropped)
    }

    /// Bounds the CDR queue (records beyond it are dropped and counted).
    pub fn set_cdr_queue_limit(&mut self, limit: usize) {
        self.cdr_limit = limit;
    }

    /// The Recovery (restart counter) value for Echo and Create Session responses.
    pub fn recovery(&self) -> u8 {
        self.recovery
    }

    /// Simulates a PGW restart: every session is lost (no CDRs: a crash writes none), the pool
    /// and TEIDs start over, and Recovery increments so peers detect it (TS 23.007).
    pub fn restart(&mut self) {
        self.sessions.clear();
        self.by_bearer.clear();
        self.pool = Pool::new(self.pool.net);
        self.next_teid = 1;
        self.recovery = self.recovery.wrapping_add(1);
    }

    /// What it answered so far.
    pub fn counters(&self) -> &PgwCounters {
        &self.counters
    }

    /// Sessions held.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// Every session held, by PGW control TEID.
    pub fn sessions(&self) -> impl Iterator<Item = (&u32, &Session)> + '_ {
        self.sessions.iter()
    }

    /// The session with this PGW control TEID.
    pub fn session(&self, control_teid: u32) -> Option<&Session> {
        self.sessions.get(&control_teid)
    }

    /// The next charging record, oldest first.
    pub fn poll_cdr(&mut self) -> Option<Cdr> {
        self.cdrs.pop_front()
    }

    fn counted<T>(&mut self, msg: PgwMessage, r: Result<T, PgwError>) -> Result<T, PgwError> {
        let cause = r
            .as_ref()
            .map_or_else(|e| e.cause(), |_| CAUSE_REQUEST_ACCEPTED);
        self.counters.record(msg, cause);
        r
    }

    fn push_cdr(&mut self, cdr: Cdr) {
        if self.cdrs.len() >= self.cdr_limit {
            self.counters.cdrs_dropped += 1;
        } else {
            self.counters.cdrs += 1;
            self.cdrs.push_back(cdr);
        }
    }

    fn allocate_teid(&mut self) -> Option<u32> {
        if self.sessions.len() >= (USER_TEID_BIT - 1) as usize {
            return None;
        }
        loop {
            let t = self.next_teid;
            self.next_teid = if t + 1 >= USER_TEID_BIT { 1 } else { t + 1 };
            if !self.sessions.contains_key(&t) {
                return Some(t);
            }
        }
    }

    /// Create Session (TS 29.274 §7.2.1/7.2.2).
    pub fn create_session(
        &mut self,
        now: Micros,
        req: &CreateSessionRequest<'_>,
    ) -> Result<SessionCreated, PgwError> {
        let r = self.create(now, req);
        self.counted(PgwMessage::CreateSession, r)
    }

    fn create(
        &mut self,
        now: Micros,
        req: &CreateSessionRequest<'_>,
    ) -> Result<SessionCreated, PgwError> {
        let apn = self
            .apns
            .iter()
            .find(|a| a.eq_ignore_ascii_case(req.apn))
            .cloned()
            .ok_or(PgwError::UnknownApn)?;
        // TS 29.274 §7.2.1: a request colliding with an existing PDN connection (same IMSI and
        // EPS Bearer ID) is a new session; the existing one is deleted locally first.
        if let Some(&old) = self.by_bearer.get(&(req.imsi, req.ebi)) {
            self.remove(now, old, true);
            self.counters.replaced_on_collision += 1;
        }
        let teid = self.allocate_teid().ok_or(PgwError::NoResources)?;
        let paa = self.pool.allocate().ok_or(PgwError::NoResources)?;
        let charging_id = self.next_charging_id;
        self.next_charging_id = self.next_charging_id.checked_add(1).unwrap_or(1);
        let session = Session {
            imsi: req.imsi,
            msisdn: req.msisdn,
            apn,
            paa,
            charging_id,
            ebi: req.ebi,
            sgw_control: req.sgw_control,
            sgw_user: req.sgw_user,
            pgw_user_teid: teid | USER_TEID_BIT,
            serving_network: req.serving_network,
            start_us: now,
            rat_type: req.rat_type,
            rates: self.rates_for(req.imsi, charging_id),
        };
        self.push_cdr(cdr(teid, &session, CdrKind::Start, None, false));
        self.by_bearer.insert((session.imsi, session.ebi), teid);
        self.sessions.insert(teid, session);
        self.record_session(teid);
        Ok(SessionCreated {
            pgw_control: Fteid {
                teid,
                ipv4: self.control_ipv4,
            },
            pgw_user: Fteid {
                teid: teid | USER_TEID_BIT,
                ipv4: self.user_ipv4,
            },
            paa,
            charging_id,
            ebi: req.ebi,
            sgw_control_teid: req.sgw_control.teid,
        })
    }

    /// Modify Bearer (TS 29.274 §7.2.7/7.2.8) on the session with PGW control TEID `control_teid`.
    pub fn modify_bearer(
        &mut self,
        now: Micros,
        control_teid: u32,
        req: &ModifyBearerRequest,
    ) -> Result<BearerModified, PgwError> {
        let _ = now;
        let r = match self.sessions.get_mut(&control_teid) {
            Some(s) if s.ebi == req.ebi => {
                s.sgw_user = req.sgw_user;
                if let Some(c) = req.sgw_control {
                    s.sgw_control = c;
                }
                if let Some(p) = req.serving_network {
                    s.serving_network = p;
                }
                Ok(BearerModified {
                    ebi: s.ebi,
                    sgw_control_teid: s.sgw_control.teid,
                })
            }
            _ => Err(PgwError::ContextNotFound),
        };
        if r.is_ok() {
            self.record_session(control_teid);
        }
        self.counted(PgwMessage::ModifyBearer, r)
    }

    /// Forgets session `teid`: its address back to the pool, its stop record queued (`abnormal`:
    /// not ended by a Delete Session).
    fn remove(&mut self, now: Micros, teid: u32, abnormal: bool) -> Option<Session> {
        let s = self.sessions.remove(&teid)?;
        if self.by_bearer.get(&(s.imsi, s.ebi)) == Some(&teid) {
            self.by_bearer.remove(&(s.imsi, s.ebi));
        }
        self.pool.release(s.paa);
        self.push_cdr(cdr(teid, &s, CdrKind::Stop, Some(now), abnormal));
        if let Some(c) = &mut self.changes {
            c.push(Change::SessionGone { teid });
        }
        Some(s)
    }

    /// The SGW at `sgw` restarted (TS 23.007 §16.1.1: a changed Recovery value): its PDN
    /// connections are gone on its side, so the PGW deletes locally every session whose SGW
    /// S5/S8-C address is `sgw`, with a stop record each. Returns how many.
    pub fn release_peer(&mut self, now: Micros, sgw: Ipv4Addr) -> usize {
        let gone: Vec<u32> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.sgw_control.ipv4 == sgw)
            .map(|(&teid, _)| teid)
            .collect();
        for &teid in &gone {
            self.remove(now, teid, true);
        }
        self.counters.released_on_peer_restart += gone.len() as u64;
        gone.len()
    }

    /// Releases session `control_teid` locally, without a Delete Session (e.g. online charging
    /// refused or ended it): its address and TEIDs are freed and its stop record queued.
    /// Returns whether it existed.
    pub fn release_session(&mut self, now: Micros, control_teid: u32) -> bool {
        let gone = self.remove(now, control_teid, false).is_some();
        if gone {
            self.counters.released_locally += 1;
        }
        gone
    }

    /// Delete Session (TS 29.274 §7.2.9/7.2.10) for PGW control TEID `control_teid`; releases the
    /// TEIDs and the address and emits the stop CDR.
    pub fn delete_session(
        &mut self,
        now: Micros,
        control_teid: u32,
    ) -> Result<SessionDeleted, PgwError> {
        let r = match self.remove(now, control_teid, false) {
            Some(s) => Ok(SessionDeleted {
                sgw_control_teid: s.sgw_control.teid,
            }),
            None => Err(PgwError::ContextNotFound),
        };
        self.counted(PgwMessage::DeleteSession, r)
    }
}

fn cdr(teid: u32, s: &Session, kind: CdrKind, stop_us: Option<Micros>, abnormal: bool) -> Cdr {
    Cdr {
        teid,
        sgw: s.sgw_control.ipv4,
        rat_type: s.rat_type,
        rates: s.rates,
        abnormal,
        kind,
        imsi: s.imsi,
        msisdn: s.msisdn,
        apn: s.apn.clone(),
        charging_id: s.charging_id,
        paa: s.paa,
        serving_network: s.serving_network,
        start_us: s.start_us,
        stop_us,
    }
}

#[cfg(test)]
mod tests;
