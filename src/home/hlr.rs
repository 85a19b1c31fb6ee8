//! The simulated HLR/AuC (TS 29.002 §19 procedures, §8 operations), over the same subscribers and
//! roaming agreements as the HSS (`model::subscriber::Directory` and the profile's
//! `HomeConfig`, as [`Hss::new`](super::hss::Hss::new) takes them) and a sequence-number store
//! the HSS can share ([`SqnSource`]): a roamer moving 4G → 3G → 4G draws every SQN from one
//! counter, so each challenge is fresh for its USIM (TS 33.102 §6.3.2, Annex C).
//!
//! It answers sendAuthenticationInfo (quintuplets, or GSM triplets through c2/c3 for a v2
//! dialogue or an HLR set to serve SIMs), updateLocation (insertSubscriberData inside the
//! dialogue, then the result in an End) and updateGprsLocation for SGSNs, purgeMS, and sends
//! cancelLocation to the previous VLR or SGSN, addressed by its number as a global title. The
//! errors are unknownSubscriber, roamingNotAllowed (plmnRoamingNotAllowed), systemFailure (a
//! forged AUTS) and dataMissing (an argument without a mandatory field).
//!
//! Sans-IO: TCAP bytes in through [`Hlr::handle_tcap`] (with the SCCP calling party); then, as
//! for [`Dialogues`], [`Hlr::poll_transmit`] until `None`, and [`Hlr::poll_timeout`] /
//! [`Hlr::handle_timeout`]. Nothing reads a clock.

#[doc(hidden)]
pub mod sim;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::model::aka::{self, SQN_MASK, SQN_STEP};
use crate::model::config::{HomeConfig, Profile};
use crate::model::ids::{Imsi, Msisdn, Plmn};
use crate::model::rng::{derive_seed, Rng};
use crate::model::subscriber::{Directory, Subscriber, SubscriberId};
use crate::model::time::Micros;
use crate::proto::map::client::address_of;
use crate::proto::map::dialogue::{self, DialogueId, Dialogues, Event};
use crate::proto::map::vectors;
use crate::wire::map::{
    self, context, err, op, AuthSets, CancellationType, ClArg, Empty, IsdArg, NetworkAccessMode,
    Param, PdpContext, PurgeArg, PurgeRes, Quintuplet, RoamingNotAllowedParam, SaiArg, SaiRes,
    SystemFailureParam, Triplet, UglArg, UlArg, UlRes, UnknownSubscriberParam,
};
use crate::wire::sccp::{self, Address, GlobalTitle};
use crate::wire::tcap::Acn;

/// Most quintuplets one answer carries: an End with its AARE and two quintuplets fits the 255
/// octets of an SCCP UDT's user data (Q.713 §4.10), three do not. TS 29.002 §8.5.2 lets the HLR
/// return fewer vectors than asked for; more per answer would need TCAP or XUDT segmentation.
pub const MAX_QUINTUPLETS_PER_ANSWER: usize = 2;

/// Where the AuC takes sequence numbers from. The HSS and the HLR of one home network must be
/// given the same store (for [`SqnTable`], clones of one table), so that vectors for either
/// radio follow one counter per subscriber.
pub trait SqnSource {
    /// The SQN after `sub`'s current one (the next SEQ, TS 33.102 Annex C.3.2: +32), now current.
    fn next(&mut self, sub: SubscriberId) -> u64;
    /// Restarts `sub`'s counter at `sqn` (after a resynchronisation).
    fn set(&mut self, sub: SubscriberId, sqn: u64);
}

/// The step rule the HSS applies (`home::hss`): SEQ + 1, IND 0.
pub fn step(sqn: u64) -> u64 {
    ((sqn / SQN_STEP + 1) * SQN_STEP) & SQN_MASK
}

/// A per-subscriber SQN table that clones share (atomics: shards on several threads may hold
/// clones).
#[derive(Clone, Debug)]
pub struct SqnTable {
    cells: Arc<[AtomicU64]>,
}

impl SqnTable {
    /// A table for every subscriber of `directory`, starting from the subscriber file's SQNs
    /// (0 for generated subscribers).
    pub fn new(directory: &Directory) -> SqnTable {
        let cells = (0..directory.len())
            .map(|i| AtomicU64::new(directory.initial_sqn(SubscriberId(i as u32)).unwrap_or(0)))
            .collect();
        SqnTable { cells }
    }

    /// `sub`'s current SQN.
    pub fn get(&self, sub: SubscriberId) -> u64 {
        self.cells
            .get(sub.index())
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }
}

impl SqnSource for SqnTable {
    fn next(&mut self, sub: SubscriberId) -> u64 {
        let Some(c) = self.cells.get(sub.index()) else {
            return SQN_STEP;
        };
        let prev = c
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| Some(step(v)))
            .unwrap_or_else(|v| v);
        step(prev)
    }

    fn set(&mut self, sub: SubscriberId, sqn: u64) {
        if let Some(c) = self.cells.get(sub.index()) {
            c.store(sqn & SQN_MASK, Ordering::Relaxed);
        }
    }
}

/// How the HLR is set up.
#[derive(Clone, Debug)]
pub struct HlrSettings {
    /// The HLR's number (hlr-Number in results; the digits of its global title).
    pub number: Msisdn,
    /// Highest MAP version accepted; a dialogue opened in a higher one is refused with an AARE
    /// offering this one (what the version fallback of a v2-only HLR looks like).
    pub max_version: u8,
    /// Answer sendAuthenticationInfo with triplets even in v3 (an HLR serving SIM cards).
    pub triplets: bool,
    /// Global title prefixes of visited networks' VLRs and SGSNs, and their PLMNs: how the
    /// roaming agreement is checked (E.164 country and network code → PLMN). Empty: no check.
    pub visited_prefixes: Vec<(String, Plmn)>,
    /// Operation timer for the HLR's own invokes (insertSubscriberData, cancelLocation).
    pub timer: Micros,
    /// The APN and QoS put in GPRS subscription data.
    pub apn: String,
}

impl HlrSettings {
    /// Defaults for an HLR numbered `number`: v3, quintuplets, no agreement table, the medium
    /// timer, APN `internet`.
    pub fn new(number: Msisdn) -> HlrSettings {
        HlrSettings {
            number,
            max_version: 3,
            triplets: false,
            visited_prefixes: Vec::new(),
            timer: dialogue::MEDIUM_TIMER,
            apn: "internet".into(),
        }
    }
}

/// Counters by operation and answer (0 for success, else the MAP error code; aborts apart).
#[derive(Clone, Debug, Default)]
pub struct HlrCounters {
    counts: HashMap<(u8, u8), u64>,
    /// Dialogues aborted (timeouts of our invokes, peer aborts).
    pub aborted: u64,
    /// Dialogues refused for their application context version.
    pub refused: u64,
}

impl HlrCounters {
    /// Answers to `opcode` with `code` (0: success).
    pub fn get(&self, opcode: u8, code: u8) -> u64 {
        self.counts.get(&(opcode, code)).copied().unwrap_or(0)
    }

    fn record(&mut self, opcode: u8, code: u8) {
        *self.counts.entry((opcode, code)).or_default() += 1;
    }
}

/// Where a subscriber is registered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Registration {
    vlr: Option<Msisdn>,
    sgsn: Option<Msisdn>,
}

/// A location update waiting for its insertSubscriberData result.
#[derive(Clone, Copy, Debug)]
struct AwaitingIsd {
    invoke_id: i8,
    opcode: u8,
}

/// The error an operation ends with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refusal {
    UnknownSubscriber,
    RoamingNotAllowed,
    SystemFailure,
    DataMissing,
}

/// The HLR.
#[derive(Debug)]
pub struct Hlr<S: SqnSource = SqnTable> {
    home: HomeConfig,
    directory: Directory,
    sqn: S,
    settings: HlrSettings,
    dialogues: Dialogues,
    registrations: HashMap<SubscriberId, Registration>,
    awaiting: HashMap<DialogueId, AwaitingIsd>,
    rng: Rng,
    counters: HlrCounters,
}

impl<S: SqnSource> Hlr<S> {
    /// An HLR serving `directory` under `profile`'s agreements, with SQNs from `sqn` (give the
    /// HSS the same store).
    pub fn new(profile: &Profile, directory: Directory, sqn: S, settings: HlrSettings) -> Hlr<S> {
        let local = address_of(settings.number, sccp::ssn::HLR);
        Hlr {
            home: profile.home.clone(),
            directory,
            sqn,
            dialogues: Dialogues::new(local, 0x4000_0000, settings.timer),
            settings,
            registrations: HashMap::new(),
            awaiting: HashMap::new(),
            rng: Rng::new(derive_seed(profile.seed, 0x0048_4c52)),
            counters: HlrCounters::default(),
        }
    }

    /// Our SCCP address.
    pub fn local(&self) -> &Address {
        self.dialogues.local()
    }

    /// Counters.
    pub fn counters(&self) -> &HlrCounters {
        &self.counters
    }

    /// The SQN store.
    pub fn sqn_source(&mut self) -> &mut S {
        &mut self.sqn
    }

    /// The VLR a subscriber is registered in.
    pub fn vlr_of(&self, imsi: Imsi) -> Option<Msisdn> {
        let id = self.directory.id_of(imsi)?;
        self.registrations.get(&id).and_then(|r| r.vlr)
    }

    /// The SGSN a subscriber is registered in.
    pub fn sgsn_of(&self, imsi: Imsi) -> Option<Msisdn> {
        let id = self.directory.id_of(imsi)?;
        self.registrations.get(&id).and_then(|r| r.sgsn)
    }

    /// A TCAP message from `from` (the SCCP calling party).
    pub fn handle_tcap(
        &mut self,
        now: Micros,
        from: Address,
        bytes: &[u8],
    ) -> Result<(), dialogue::Error> {
        let r = self.dialogues.handle_tcap(from, bytes);
        while let Some(ev) = self.dialogues.poll_event() {
            self.on_event(now, ev);
        }
        r
    }

    /// SCCP returned one of our messages (a cancelLocation or insertSubscriberData the network
    /// could not deliver).
    pub fn handle_returned(&mut self, now: Micros, tcap: &[u8], cause: u8) {
        self.dialogues.handle_returned(tcap, cause);
        while let Some(ev) = self.dialogues.poll_event() {
            self.on_event(now, ev);
        }
    }

    fn on_event(&mut self, now: Micros, ev: Event) {
        match ev {
            Event::Invoke {
                id,
                acn,
                opening: true,
                invoke_id,
                opcode,
                param,
                peer,
            } => {
                if acn.version > self.settings.max_version {
                    let offered = Acn {
                        version: self.settings.max_version,
                        ..acn
                    };
                    self.counters.refused += 1;
                    let _ = self.dialogues.refuse(id, offered);
                    return;
                }
                if !map::fits(opcode, acn) {
                    let _ = self.dialogues.abort(id);
                    return;
                }
                let arg = param.as_deref().unwrap_or(&[]);
                self.on_request(now, id, acn, invoke_id, opcode, arg, &peer);
            }
            Event::Result { id, .. } => {
                // The result of our insertSubscriberData: the location update completes.
                if let Some(w) = self.awaiting.remove(&id) {
                    let mut buf = [0u8; 32];
                    let res = UlRes {
                        hlr_number: self.settings.number,
                    };
                    let n = res.emit(&mut buf).unwrap_or(0);
                    let _ = self
                        .dialogues
                        .result(id, w.invoke_id, w.opcode, Some(&buf[..n]), true);
                    self.counters.record(op::INSERT_SUBSCRIBER_DATA, 0);
                    self.counters.record(w.opcode, 0);
                } else {
                    self.counters.record(op::CANCEL_LOCATION, 0);
                }
            }
            Event::Error { id, .. } | Event::Reject { id, .. } => {
                if let Some(w) = self.awaiting.remove(&id) {
                    self.refuse(id, w.invoke_id, w.opcode, Refusal::SystemFailure);
                }
            }
            Event::Aborted { id, .. } | Event::Refused { id, .. } => {
                self.awaiting.remove(&id);
                self.counters.aborted += 1;
            }
            Event::Invoke { id, .. } => {
                // An invoke from a VLR inside one of our dialogues: none is expected.
                let _ = self.dialogues.abort(id);
            }
            Event::Ended { .. } => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_request(
        &mut self,
        now: Micros,
        id: DialogueId,
        acn: Acn,
        invoke_id: i8,
        opcode: u8,
        arg: &[u8],
        peer: &Address,
    ) {
        let outcome = match opcode {
            op::SEND_AUTHENTICATION_INFO => self.authentication(id, acn, invoke_id, arg, peer),
            op::UPDATE_LOCATION | op::UPDATE_GPRS_LOCATION => {
                self.location(now, id, invoke_id, opcode, arg)
            }
            op::PURGE_MS => self.purge(id, invoke_id, arg),
            _ => {
                let _ = self.dialogues.abort(id);
                return;
            }
        };
        if let Err(r) = outcome {
            self.refuse(id, invoke_id, opcode, r);
        }
    }

    fn refuse(&mut self, id: DialogueId, invoke_id: i8, opcode: u8, r: Refusal) {
        let mut buf = [0u8; 16];
        let (code, n) = match r {
            Refusal::UnknownSubscriber => (
                err::UNKNOWN_SUBSCRIBER,
                UnknownSubscriberParam {
                    diagnostic: Some(0),
                }
                .emit(&mut buf),
            ),
            Refusal::RoamingNotAllowed => (
                err::ROAMING_NOT_ALLOWED,
                RoamingNotAllowedParam {
                    cause: RoamingNotAllowedParam::PLMN_ROAMING_NOT_ALLOWED,
                }
                .emit(&mut buf),
            ),
            Refusal::SystemFailure => (
                err::SYSTEM_FAILURE,
                SystemFailureParam { resource: 1 }.emit(&mut buf),
            ),
            Refusal::DataMissing => (err::DATA_MISSING, Empty.emit(&mut buf)),
        };
        let n = n.unwrap_or(0);
        let _ = self.dialogues.error(id, invoke_id, code, Some(&buf[..n]));
        self.counters.record(opcode, code);
    }

    /// The visited PLMN of a VLR/SGSN number, from the prefix table.
    fn visited_of(&self, digits: &str) -> Option<Plmn> {
        self.settings
            .visited_prefixes
            .iter()
            .filter(|(p, _)| digits.starts_with(p.as_str()))
            .max_by_key(|(p, _)| p.len())
            .map(|(_, plmn)| *plmn)
    }

    /// Subscriber lookup and roaming check, as the HSS's (unknownSubscriber, roamingNotAllowed).
    fn admit(
        &self,
        imsi: Imsi,
        node_digits: &str,
        plmn: Option<Plmn>,
    ) -> Result<Subscriber, Refusal> {
        let sub = self
            .directory
            .lookup(imsi)
            .ok_or(Refusal::UnknownSubscriber)?;
        if self.settings.visited_prefixes.is_empty() && plmn.is_none() {
            return Ok(sub);
        }
        let visited = plmn
            .or_else(|| self.visited_of(node_digits))
            .ok_or(Refusal::RoamingNotAllowed)?;
        if !self.home.roaming_allowed(sub.home, visited) {
            return Err(Refusal::RoamingNotAllowed);
        }
        Ok(sub)
    }

    fn authentication(
        &mut self,
        id: DialogueId,
        acn: Acn,
        invoke_id: i8,
        arg: &[u8],
        peer: &Address,
    ) -> Result<(), Refusal> {
        let a = SaiArg::parse(arg).map_err(|_| Refusal::DataMissing)?;
        let digits = peer.gt.map(|g| g.to_digit_string()).unwrap_or_default();
        let sub = self.admit(a.imsi, &digits, a.plmn)?;
        if let Some((rand, auts)) = a.resync {
            let sqn_ms = aka::verify_auts(&sub.k, &sub.opc, rand, auts)
                .map_err(|_| Refusal::SystemFailure)?;
            self.sqn.set(sub.id, sqn_ms);
        }
        let v2 = acn.version < 3;
        let triplets = v2 || self.settings.triplets;
        let most = if triplets {
            5
        } else {
            MAX_QUINTUPLETS_PER_ANSWER
        };
        let n = (a.vectors as usize).clamp(1, most);
        let mut quints = [Quintuplet::default(); 5];
        for q in &mut quints[..n] {
            let sqn = self.sqn.next(sub.id);
            let mut rand = [0u8; 16];
            self.rng.fill(&mut rand);
            *q = vectors::quintuplet(&sub.k, &sub.opc, sub.amf, sqn, rand);
        }
        let sets = if triplets {
            let mut t = [Triplet::default(); 5];
            for (o, q) in t.iter_mut().zip(&quints[..n]) {
                *o = vectors::triplet(q);
            }
            AuthSets::Triplets {
                items: t,
                len: n as u8,
            }
        } else {
            AuthSets::Quintuplets {
                items: quints,
                len: n as u8,
            }
        };
        let mut buf = [0u8; 512];
        let len = SaiRes { sets, v2 }
            .emit(&mut buf)
            .map_err(|_| Refusal::SystemFailure)?;
        let _ = self.dialogues.result(
            id,
            invoke_id,
            op::SEND_AUTHENTICATION_INFO,
            Some(&buf[..len]),
            true,
        );
        self.counters.record(op::SEND_AUTHENTICATION_INFO, 0);
        Ok(())
    }

    fn location(
        &mut self,
        now: Micros,
        id: DialogueId,
        invoke_id: i8,
        opcode: u8,
        arg: &[u8],
    ) -> Result<(), Refusal> {
        let gprs = opcode == op::UPDATE_GPRS_LOCATION;
        let (imsi, node) = if gprs {
            let a = UglArg::parse(arg).map_err(|_| Refusal::DataMissing)?;
            (a.imsi, a.sgsn_number)
        } else {
            let a = UlArg::parse(arg).map_err(|_| Refusal::DataMissing)?;
            (a.imsi, a.vlr_number)
        };
        let sub = self.admit(imsi, &node.to_string(), None)?;
        let reg = self.registrations.entry(sub.id).or_default();
        let slot = if gprs { &mut reg.sgsn } else { &mut reg.vlr };
        let old = slot.replace(node).filter(|o| *o != node);
        if let Some(old) = old {
            self.cancel(now, imsi, old, gprs);
        }
        let apn = apn_labels(&self.settings.apn);
        let isd = IsdArg {
            imsi: Some(imsi),
            msisdn: Some(sub.msisdn),
            category: Some(0x0a),
            service_granted: Some(true),
            teleservices: if gprs { &[] } else { &[0x11, 0x21, 0x22] },
            pdp: gprs.then_some(PdpContext {
                id: 1,
                pdp_type: [0xf1, 0x21],
                qos: [0x23, 0x93, 0x1f],
                apn: &apn.0[..apn.1],
            }),
            network_access_mode: Some(NetworkAccessMode::PacketAndCircuit),
        };
        let mut buf = [0u8; 256];
        let n = isd.emit(&mut buf).map_err(|_| Refusal::SystemFailure)?;
        self.dialogues
            .invoke(now, id, 1, op::INSERT_SUBSCRIBER_DATA, &buf[..n])
            .map_err(|_| Refusal::SystemFailure)?;
        self.awaiting.insert(id, AwaitingIsd { invoke_id, opcode });
        Ok(())
    }

    /// cancelLocation to the node a subscriber left, in a dialogue of its own.
    fn cancel(&mut self, now: Micros, imsi: Imsi, old: Msisdn, gprs: bool) {
        let ssn = if gprs {
            sccp::ssn::SGSN
        } else {
            sccp::ssn::VLR
        };
        let Ok(gt) = GlobalTitle::e164(&old.to_string()) else {
            return;
        };
        let arg = ClArg {
            imsi,
            kind: Some(CancellationType::UpdateProcedure),
        };
        let mut buf = [0u8; 32];
        let Ok(n) = arg.emit(&mut buf) else {
            return;
        };
        let acn = Acn {
            context: context::LOCATION_CANCELLATION,
            version: 3,
        };
        self.dialogues.begin(
            now,
            Address::gt(gt, ssn),
            acn,
            op::CANCEL_LOCATION,
            &buf[..n],
        );
    }

    fn purge(&mut self, id: DialogueId, invoke_id: i8, arg: &[u8]) -> Result<(), Refusal> {
        let a = PurgeArg::parse(arg).map_err(|_| Refusal::DataMissing)?;
        let node = a.vlr_number.or(a.sgsn_number).ok_or(Refusal::DataMissing)?;
        let sub = self
            .directory
            .lookup(a.imsi)
            .ok_or(Refusal::UnknownSubscriber)?;
        let mut res = PurgeRes::default();
        if let Some(reg) = self.registrations.get_mut(&sub.id) {
            // TS 29.002 §19.4: purge only where the purging node is the registered one.
            if a.vlr_number.is_some() && reg.vlr == Some(node) {
                reg.vlr = None;
                res.freeze_tmsi = true;
            }
            if a.sgsn_number.is_some() && reg.sgsn == Some(node) {
                reg.sgsn = None;
                res.freeze_ptmsi = true;
            }
        }
        let mut buf = [0u8; 16];
        let n = res.emit(&mut buf).map_err(|_| Refusal::SystemFailure)?;
        let _ = self
            .dialogues
            .result(id, invoke_id, op::PURGE_MS, Some(&buf[..n]), true);
        self.counters.record(op::PURGE_MS, 0);
        Ok(())
    }

    /// The next TCAP message: bytes in `buf`, returns the called party and length.
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<(Address, usize)> {
        self.dialogues.poll_transmit(buf)
    }

    /// The next timer.
    pub fn poll_timeout(&mut self) -> Option<Micros> {
        self.dialogues.poll_timeout()
    }

    /// Expires operation timers (an unanswered insertSubscriberData or cancelLocation).
    pub fn handle_timeout(&mut self, now: Micros) {
        self.dialogues.handle_timeout(now);
        while let Some(ev) = self.dialogues.poll_event() {
            self.on_event(now, ev);
        }
    }
}

/// An APN in the label form of TS 23.003 §9.1 (length-prefixed labels), at most 63 octets.
fn apn_labels(apn: &str) -> ([u8; 64], usize) {
    let mut out = [0u8; 64];
    let mut at = 0;
    for label in apn.split('.') {
        let l = label.as_bytes();
        if at + 1 + l.len() > out.len() || l.len() > 63 {
            break;
        }
        out[at] = l.len() as u8;
        out[at + 1..at + 1 + l.len()].copy_from_slice(l);
        at += 1 + l.len();
    }
    (out, at)
}
