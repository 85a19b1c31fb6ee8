//! The HSS of the simulated home network, sans-IO and in model terms (no Diameter encoding): the
//! S6a procedures of TS 29.272 §5.2 as the HSS sees them.
//!
//! - Authentication Information (§5.2.3.1): E-UTRAN vectors from Milenage with a per-subscriber
//!   SQN (SEQ ‖ IND, TS 33.102 C.3: SEQ + 1 per vector, IND 0, i.e. SQN += 32) and resynchronisation
//!   from AUTS.
//! - Update Location (§5.2.1.1): roaming-agreement check, MME registration, Subscription-Data,
//!   and, when the serving MME changes, a Cancel Location for the old MME (§5.2.1.2) with
//!   Cancellation-Type MME_UPDATE_PROCEDURE, or INITIAL_ATTACH_PROCEDURE when the ULR carries the
//!   Initial-Attach-Indicator (§7.3.24, §7.3.7).
//! - Purge UE (§5.2.3.3): clears the registration when the purging MME is the registered one.
//!
//! Call order for a ULR that moves a subscriber: [`Hss::update_location`] returns the ULA content
//! and, in `cancel_old`, the CLR to send; the caller sends the CLR, reports the CLA with
//! [`Hss::cancel_ack`], and may hold the ULA until then (as the reference capture's HSS does). The
//! registration has already moved when `update_location` returns.
//!
//! Memory: one `u64` per subscriber (48-bit SQN ‖ 16-bit serving-MME id), in a `Vec` indexed by
//! subscriber index; keys come from the [`Directory`] on demand. Nothing here reads a clock.

use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;

use crate::model::aka::{self, EutranVector, SQN_MASK, SQN_STEP};
use crate::model::config::{AllowedPeer, Ambr, ApnProfile, HomeConfig, Profile};
use crate::model::ids::{Imsi, Msisdn, Plmn};
use crate::model::rng::{derive_seed, Rng};
use crate::model::subscriber::{Directory, Subscriber};

use super::state::Change;

/// Diameter Result-Code DIAMETER_SUCCESS.
pub const DIAMETER_SUCCESS: u32 = 2001;

/// ULR-Flags (TS 29.272 §7.3.7) bits the HSS reads.
pub mod ulr_flags {
    /// Bit 1: the request comes over S6a/S6d.
    pub const S6A_S6D_INDICATOR: u32 = 1 << 1;
    /// Bit 2: the MME does not need Subscription-Data.
    pub const SKIP_SUBSCRIBER_DATA: u32 = 1 << 2;
    /// Bit 5: the ULR is part of an initial attach.
    pub const INITIAL_ATTACH_INDICATOR: u32 = 1 << 5;
}

/// ULA-Flags bit 0, Separation-Indication (TS 29.272 §7.3.8), set as the reference HSS does.
pub const ULA_FLAGS_SEPARATION_INDICATION: u32 = 1;
/// CLR-Flags bit 0, S6a/S6d-Indicator (TS 29.272 §7.3.152).
pub const CLR_FLAGS_S6A_S6D_INDICATOR: u32 = 1;
/// PUA-Flags bit 0, Freeze M-TMSI (TS 29.272 §7.3.48).
pub const PUA_FLAGS_FREEZE_M_TMSI: u32 = 1;

/// Why the HSS refuses a request; each maps to a Diameter code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum HssError {
    /// No such IMSI: Experimental-Result 5001 DIAMETER_ERROR_USER_UNKNOWN.
    #[error("user unknown (5001)")]
    UserUnknown,
    /// No roaming agreement for the visited PLMN: Experimental-Result 5004
    /// DIAMETER_ERROR_ROAMING_NOT_ALLOWED.
    #[error("roaming not allowed (5004)")]
    RoamingNotAllowed,
    /// The subscriber has no EPS subscription: Experimental-Result 5420
    /// DIAMETER_ERROR_UNKNOWN_EPS_SUBSCRIPTION. (Every provisioned subscriber has one today.)
    #[error("unknown EPS subscription (5420)")]
    UnknownEpsSubscription,
    /// Vectors cannot be produced (e.g. a forged AUTS): Experimental-Result 4181
    /// DIAMETER_AUTHENTICATION_DATA_UNAVAILABLE.
    #[error("authentication data unavailable (4181)")]
    AuthenticationDataUnavailable,
    /// Overload: Result-Code 3004 DIAMETER_TOO_BUSY.
    #[error("too busy (3004)")]
    TooBusy,
    /// Cannot comply (e.g. too many distinct MMEs): Result-Code 5012 DIAMETER_UNABLE_TO_COMPLY.
    #[error("unable to comply (5012)")]
    UnableToComply,
    /// A peer this HSS does not accept: Result-Code 3010 DIAMETER_UNKNOWN_PEER (in CEA).
    #[error("unknown peer (3010)")]
    UnknownPeer,
}

impl HssError {
    /// The Diameter code.
    pub fn code(self) -> u32 {
        match self {
            HssError::UserUnknown => 5001,
            HssError::RoamingNotAllowed => 5004,
            HssError::UnknownEpsSubscription => 5420,
            HssError::AuthenticationDataUnavailable => 4181,
            HssError::TooBusy => 3004,
            HssError::UnableToComply => 5012,
            HssError::UnknownPeer => 3010,
        }
    }

    /// True when the code goes in Experimental-Result (vendor 10415, S6a-specific codes); false
    /// for base-protocol codes carried in Result-Code.
    pub fn is_experimental(self) -> bool {
        matches!(
            self,
            HssError::UserUnknown
                | HssError::RoamingNotAllowed
                | HssError::UnknownEpsSubscription
                | HssError::AuthenticationDataUnavailable
        )
    }
}

/// A Diameter peer's identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PeerRef {
    /// Origin-Host (Destination-Host when we address it).
    pub host: String,
    /// Origin-Realm (Destination-Realm when we address it).
    pub realm: String,
}

/// Cancellation-Type (TS 29.272 §7.3.24).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancellationType {
    /// 0: the subscriber moved to another MME.
    MmeUpdateProcedure = 0,
    /// 1: moved to another SGSN.
    SgsnUpdateProcedure = 1,
    /// 2: the subscription was withdrawn.
    SubscriptionWithdrawal = 2,
    /// 3: update procedure via an IWF.
    UpdateProcedureIwf = 3,
    /// 4: the new MME did an initial attach.
    InitialAttachProcedure = 4,
}

impl CancellationType {
    /// The AVP value.
    pub fn code(self) -> u32 {
        self as u32
    }
}

/// A Cancel Location Request to send (TS 29.272 §5.2.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelLocation {
    /// The subscriber.
    pub imsi: Imsi,
    /// The MME to cancel (Destination-Host/Realm).
    pub peer: PeerRef,
    /// Cancellation-Type.
    pub cancellation_type: CancellationType,
    /// CLR-Flags.
    pub clr_flags: u32,
}

/// The Subscription-Data of a ULA (TS 29.272 §7.3.2), in model terms: Subscriber-Status
/// SERVICE_GRANTED, Network-Access-Mode ONLY_PACKET, and one APN-Configuration (Context-Identifier
/// 1, also the default context, all APN configurations included).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubscriptionData<'a> {
    /// MSISDN.
    pub msisdn: Msisdn,
    /// UE-AMBR (the Subscription-Data AMBR).
    pub ue_ambr: Ambr,
    /// The default APN.
    pub apn: &'a ApnProfile,
}

impl SubscriptionData<'_> {
    /// Subscriber-Status SERVICE_GRANTED.
    pub const SUBSCRIBER_STATUS: u32 = 0;
    /// Network-Access-Mode ONLY_PACKET.
    pub const NETWORK_ACCESS_MODE: u32 = 2;
    /// Context-Identifier of the single APN configuration.
    pub const CONTEXT_IDENTIFIER: u32 = 1;
}

/// The result of a successful Update Location.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateLocation<'a> {
    /// ULA-Flags.
    pub ula_flags: u32,
    /// Subscription-Data, absent when the ULR set Skip-Subscriber-Data.
    pub subscription: Option<SubscriptionData<'a>>,
    /// The CLR to send to the previously registered MME, if it changed.
    pub cancel_old: Option<CancelLocation>,
}

/// The result of a Purge UE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// PUA-Flags: Freeze M-TMSI when the purging MME was the registered one, else 0.
    pub pua_flags: u32,
}

/// Up to 5 E-UTRAN vectors, without allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthVectors {
    items: [EutranVector; AuthVectors::MAX],
    len: u8,
}

impl AuthVectors {
    /// Most vectors per AIA (TS 29.272 §7.3.11 Number-Of-Requested-Vectors is capped here).
    pub const MAX: usize = 5;
}

impl Deref for AuthVectors {
    type Target = [EutranVector];
    fn deref(&self) -> &[EutranVector] {
        &self.items[..self.len as usize]
    }
}

/// A resynchronisation request: the RAND of the failed challenge and the UE's AUTS (the
/// Re-Synchronization-Info AVP is RAND ‖ AUTS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resync {
    /// RAND the UE rejected.
    pub rand: [u8; 16],
    /// AUTS from the UE.
    pub auts: [u8; 14],
}

/// Message kinds the HSS counts, named as in `summary.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HssMessage {
    /// Authentication-Information answered.
    Air,
    /// Update-Location answered.
    Ulr,
    /// Purge-UE answered.
    Pur,
    /// Cancel-Location sent (code 0) and answered (CLA code).
    Clr,
}

impl HssMessage {
    /// `s6a.air`, `s6a.ulr`, `s6a.pur`, `s6a.clr`.
    pub fn name(self) -> &'static str {
        match self {
            HssMessage::Air => "s6a.air",
            HssMessage::Ulr => "s6a.ulr",
            HssMessage::Pur => "s6a.pur",
            HssMessage::Clr => "s6a.clr",
        }
    }
}

/// What the HSS answered: a count per (message, Diameter code). For [`HssMessage::Clr`], code 0
/// counts CLRs sent and other codes count CLAs by their Result-Code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HssCounters {
    entries: Vec<(HssMessage, u32, u64)>,
}

impl HssCounters {
    fn record(&mut self, msg: HssMessage, code: u32) {
        match self
            .entries
            .iter_mut()
            .find(|(m, c, _)| *m == msg && *c == code)
        {
            Some(e) => e.2 += 1,
            None => {
                self.entries.push((msg, code, 1));
                self.entries.sort_unstable_by_key(|e| (e.0, e.1));
            }
        }
    }

    /// The count for one message kind and code.
    pub fn get(&self, msg: HssMessage, code: u32) -> u64 {
        self.entries
            .iter()
            .find(|(m, c, _)| *m == msg && *c == code)
            .map_or(0, |e| e.2)
    }

    /// All non-zero counts, ordered by message then code.
    pub fn iter(&self) -> impl Iterator<Item = (HssMessage, u32, u64)> + '_ {
        self.entries.iter().copied()
    }
}

impl fmt::Display for HssCounters {
    /// One line per (message, code): `s6a.air 2001 12`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (m, c, n) in self.iter() {
            writeln!(f, "{} {} {}", m.name(), c, n)?;
        }
        Ok(())
    }
}

const MME_SHIFT: u32 = 48;

/// The simulated HSS. See the module docs for the procedures and the call order.
#[derive(Debug)]
pub struct Hss {
    home: HomeConfig,
    directory: Directory,
    /// Per subscriber: SQN (low 48 bits) ‖ serving MME id (high 16 bits, 0 = none).
    state: Vec<u64>,
    mme_ids: HashMap<Box<str>, u16>,
    /// `mmes[id - 1]`.
    mmes: Vec<PeerRef>,
    identity: PeerRef,
    allowed_peers: Vec<AllowedPeer>,
    rng: Rng,
    counters: HssCounters,
    /// Changes of the persistent state, when tracked (`serve --state`).
    changes: Option<Vec<Change>>,
}

impl Hss {
    /// An HSS serving `directory` under the rules of `profile` (agreements, APNs, identity). RANDs
    /// come from a stream derived from the profile's seed.
    pub fn new(profile: &Profile, directory: Directory) -> Hss {
        let home = profile.home.clone();
        Hss {
            identity: PeerRef {
                host: home.hss_origin_host(),
                realm: home.hss_origin_realm(),
            },
            allowed_peers: home.allowed_peers(),
            home,
            state: vec![0; directory.len()],
            directory,
            mme_ids: HashMap::new(),
            mmes: Vec::new(),
            rng: Rng::new(derive_seed(profile.seed, 0x0048_5353)),
            counters: HssCounters::default(),
            changes: None,
        }
    }

    /// From now on, record every change of the persistent state (SQNs, registrations) for
    /// [`Hss::take_changes`].
    pub fn track_changes(&mut self) {
        self.changes.get_or_insert_with(Vec::new);
    }

    /// Moves the recorded changes, oldest first, to the end of `out`.
    pub fn take_changes(&mut self, out: &mut Vec<Change>) {
        if let Some(c) = &mut self.changes {
            out.append(c);
        }
    }

    fn record(&mut self, change: impl FnOnce() -> Change) {
        if let Some(c) = &mut self.changes {
            c.push(change());
        }
    }

    /// Puts a store's SQNs and registrations in place. Every SQN moves `skip` sequence steps
    /// (of 32, TS 33.102 Annex C) beyond the stored one, so that numbers handed out after the
    /// store's last durable write are skipped rather than issued twice. Returns (SQNs,
    /// registrations, dropped: subscribers the directory does not have).
    pub fn restore(
        &mut self,
        sqn: &[(Imsi, u64)],
        mmes: &[PeerRef],
        registrations: &[(Imsi, u32)],
        skip: u64,
    ) -> (u64, u64, u64) {
        let (mut n_sqn, mut n_reg, mut dropped) = (0, 0, 0);
        for &(imsi, value) in sqn {
            let Some(id) = self.directory.id_of(imsi) else {
                dropped += 1;
                continue;
            };
            let next = if value == 0 {
                0
            } else {
                (value / SQN_STEP + skip) * SQN_STEP
            };
            let slot = &mut self.state[id.index()];
            *slot = (*slot & !SQN_MASK) | (next & SQN_MASK);
            n_sqn += 1;
        }
        let ids: Vec<Option<u16>> = mmes
            .iter()
            .map(|m| self.intern_mme(&m.host, &m.realm).ok())
            .collect();
        for &(imsi, mme) in registrations {
            let m = ids.get(mme as usize).copied().flatten();
            let (Some(id), Some(m)) = (self.directory.id_of(imsi), m) else {
                dropped += 1;
                continue;
            };
            let slot = &mut self.state[id.index()];
            *slot = (*slot & SQN_MASK) | (m as u64) << MME_SHIFT;
            n_reg += 1;
        }
        (n_sqn, n_reg, dropped)
    }

    /// The HSS's own Origin-Host and Origin-Realm.
    pub fn identity(&self) -> &PeerRef {
        &self.identity
    }

    /// The subscribers it serves.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// What it answered so far.
    pub fn counters(&self) -> &HssCounters {
        &self.counters
    }

    /// CER admission: `Ok` when an MME with this Origin-Host and Origin-Realm may connect, else
    /// [`HssError::UnknownPeer`] (3010 in the CEA).
    pub fn admit_peer(&self, host: &str, realm: &str) -> Result<(), HssError> {
        let ok =
            self.home.peers.allow_any || self.allowed_peers.iter().any(|p| p.matches(host, realm));
        ok.then_some(()).ok_or(HssError::UnknownPeer)
    }

    /// Subscriber lookup and roaming check shared by AIR and ULR.
    fn admit(&self, imsi: Imsi, visited: Plmn) -> Result<Subscriber, HssError> {
        let sub = self.directory.lookup(imsi).ok_or(HssError::UserUnknown)?;
        if !self.home.roaming_allowed(sub.home, visited) {
            return Err(HssError::RoamingNotAllowed);
        }
        Ok(sub)
    }

    fn counted<T>(&mut self, msg: HssMessage, r: Result<T, HssError>) -> Result<T, HssError> {
        let code = r.as_ref().map_or_else(|e| e.code(), |_| DIAMETER_SUCCESS);
        self.counters.record(msg, code);
        r
    }

    /// Authentication Information (TS 29.272 §5.2.3.1): `n_vectors` (clamped to 1..=5) E-UTRAN
    /// vectors for a UE in `visited` (its SN id goes into KASME). With `resync`, the AUTS is checked
    /// and the SQN restarts from the UE's SQN_MS first.
    pub fn authentication_info(
        &mut self,
        imsi: Imsi,
        visited: Plmn,
        n_vectors: u32,
        resync: Option<Resync>,
    ) -> Result<AuthVectors, HssError> {
        let r = self.vectors(imsi, visited, n_vectors, resync);
        self.counted(HssMessage::Air, r)
    }

    fn vectors(
        &mut self,
        imsi: Imsi,
        visited: Plmn,
        n_vectors: u32,
        resync: Option<Resync>,
    ) -> Result<AuthVectors, HssError> {
        let sub = self.admit(imsi, visited)?;
        let slot = &mut self.state[sub.id.index()];
        let mut sqn = *slot & SQN_MASK;
        if let Some(rs) = resync {
            sqn = aka::verify_auts(&sub.k, &sub.opc, rs.rand, rs.auts)
                .map_err(|_| HssError::AuthenticationDataUnavailable)?;
        }
        let n = n_vectors.clamp(1, AuthVectors::MAX as u32) as u8;
        let sn_id = visited.to_tbcd();
        let mut out = AuthVectors {
            items: [EutranVector::default(); AuthVectors::MAX],
            len: n,
        };
        for v in &mut out.items[..n as usize] {
            sqn = ((sqn / SQN_STEP + 1) * SQN_STEP) & SQN_MASK;
            let mut rand = [0u8; 16];
            self.rng.fill(&mut rand);
            *v = aka::eutran_vector(&sub.k, &sub.opc, sub.amf, sqn, rand, sn_id);
        }
        *slot = (*slot & !SQN_MASK) | sqn;
        self.record(|| Change::Sqn { imsi, sqn });
        Ok(out)
    }

    /// Update Location (TS 29.272 §5.2.1.1) from MME `mme_host`/`mme_realm` in `visited`.
    pub fn update_location(
        &mut self,
        imsi: Imsi,
        visited: Plmn,
        mme_host: &str,
        mme_realm: &str,
        ulr_flags: u32,
    ) -> Result<UpdateLocation<'_>, HssError> {
        let r = self.register(imsi, visited, mme_host, mme_realm, ulr_flags);
        if let Ok((_, Some(_))) = &r {
            self.counters.record(HssMessage::Clr, 0);
        }
        let (sub, cancel_old) = self.counted(HssMessage::Ulr, r)?;
        // A subscriber of a home PLMN the profile does not list (a subscriber file's
        // `mnc_digits`) gets the first home PLMN's subscription profile.
        let hp = &self.home.plmns[self.home.plmn_index(sub.home).unwrap_or(0)];
        let skip = ulr_flags & ulr_flags::SKIP_SUBSCRIBER_DATA != 0;
        Ok(UpdateLocation {
            ula_flags: ULA_FLAGS_SEPARATION_INDICATION,
            subscription: (!skip).then_some(SubscriptionData {
                msisdn: sub.msisdn,
                ue_ambr: hp.ue_ambr,
                apn: &hp.default_apn,
            }),
            cancel_old,
        })
    }

    fn register(
        &mut self,
        imsi: Imsi,
        visited: Plmn,
        mme_host: &str,
        mme_realm: &str,
        ulr_flags: u32,
    ) -> Result<(Subscriber, Option<CancelLocation>), HssError> {
        let sub = self.admit(imsi, visited)?;
        let new = self.intern_mme(mme_host, mme_realm)?;
        let slot = &mut self.state[sub.id.index()];
        let old = (*slot >> MME_SHIFT) as u16;
        *slot = (*slot & SQN_MASK) | (new as u64) << MME_SHIFT;
        if old != new {
            let mme = self.mmes[new as usize - 1].clone();
            self.record(|| Change::Registered {
                imsi,
                mme: Some(mme),
            });
        }
        let cancel = (old != 0 && old != new).then(|| CancelLocation {
            imsi,
            peer: self.mmes[old as usize - 1].clone(),
            cancellation_type: if ulr_flags & ulr_flags::INITIAL_ATTACH_INDICATOR != 0 {
                CancellationType::InitialAttachProcedure
            } else {
                CancellationType::MmeUpdateProcedure
            },
            clr_flags: CLR_FLAGS_S6A_S6D_INDICATOR,
        });
        Ok((sub, cancel))
    }

    fn intern_mme(&mut self, host: &str, realm: &str) -> Result<u16, HssError> {
        if let Some(&id) = self.mme_ids.get(host) {
            let peer = &mut self.mmes[id as usize - 1];
            if peer.realm != realm {
                peer.realm = realm.to_string();
            }
            return Ok(id);
        }
        let id = u16::try_from(self.mmes.len() + 1).map_err(|_| HssError::UnableToComply)?;
        self.mmes.push(PeerRef {
            host: host.to_string(),
            realm: realm.to_string(),
        });
        self.mme_ids.insert(host.into(), id);
        Ok(id)
    }

    /// Purge UE (TS 29.272 §5.2.3.3) from `mme_host`: clears the registration when that MME is
    /// the registered one (PUA-Flags Freeze M-TMSI); otherwise answers success and changes nothing.
    pub fn purge(&mut self, imsi: Imsi, mme_host: &str) -> Result<Purged, HssError> {
        let r = self.purge_inner(imsi, mme_host);
        self.counted(HssMessage::Pur, r)
    }

    fn purge_inner(&mut self, imsi: Imsi, mme_host: &str) -> Result<Purged, HssError> {
        let sub = self.directory.lookup(imsi).ok_or(HssError::UserUnknown)?;
        let slot = &mut self.state[sub.id.index()];
        let old = (*slot >> MME_SHIFT) as u16;
        let registered = old != 0 && self.mmes[old as usize - 1].host == mme_host;
        if registered {
            *slot &= SQN_MASK;
            self.record(|| Change::Registered { imsi, mme: None });
        }
        Ok(Purged {
            pua_flags: if registered {
                PUA_FLAGS_FREEZE_M_TMSI
            } else {
                0
            },
        })
    }

    /// Records the CLA for a CLR sent for `imsi` (its Result-Code or Experimental-Result-Code).
    /// The registration already moved; this only counts.
    pub fn cancel_ack(&mut self, imsi: Imsi, result_code: u32) {
        let _ = imsi;
        self.counters.record(HssMessage::Clr, result_code);
    }

    /// The MME `imsi` is registered at, if any.
    pub fn registered_mme(&self, imsi: Imsi) -> Option<&PeerRef> {
        let sub = self.directory.lookup(imsi)?;
        let id = (self.state[sub.id.index()] >> MME_SHIFT) as usize;
        (id != 0).then(|| &self.mmes[id - 1])
    }

    /// The last SQN handed out for `imsi` (0 before the first vector).
    pub fn sqn(&self, imsi: Imsi) -> Option<u64> {
        let sub = self.directory.lookup(imsi)?;
        Some(self.state[sub.id.index()] & SQN_MASK)
    }

    /// The static data of `imsi`, if provisioned.
    pub fn subscriber(&self, imsi: Imsi) -> Option<Subscriber> {
        self.directory.lookup(imsi)
    }
}

#[cfg(test)]
mod tests;
