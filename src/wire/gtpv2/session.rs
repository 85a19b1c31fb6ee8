//! Create Session Request and Response, TS 29.274 §7.2.1 (Table 7.2.1-1, Bearer Context
//! Table 7.2.1-2) and §7.2.2 (Table 7.2.2-1, Bearer Context Table 7.2.2-2), with the IEs an
//! S5/S8 SGW and PGW exchange. IEs are emitted in the order the reference capture and the
//! tables use, so a parsed message re-emits byte for byte.

use super::bearer::{BearerContext, BearerContexts};
use super::codes::{ie, msg};
use super::digits::{Apn, Plmn, Tbcd};
use super::echo::emit_methods;
use super::header::{Header, Packet};
use super::ie::{IeIter, IeWriter};
use super::message::{self, mandatory, need, octet, optional, Body};
use super::values::{Ambr, Cause, Fteid, Paa, Uli};
use super::Error;

/// Create Session Request (§7.2.1). The header TEID is 0 on the first message to a PGW
/// (§5.5.2). RAT Type, Sender F-TEID, APN and Bearer Contexts to be created are mandatory; the
/// IEs the table marks conditional are `Option`s, to be checked by the receiver's policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreateSessionRequest<'a> {
    /// Header TEID.
    pub teid: u32,
    /// Sequence number.
    pub seq: u32,
    /// IMSI (1).
    pub imsi: Option<Tbcd<'a>>,
    /// MSISDN (76).
    pub msisdn: Option<Tbcd<'a>>,
    /// MEI (75): IMEI or IMEISV.
    pub mei: Option<Tbcd<'a>>,
    /// User Location Information (86).
    pub uli: Option<Uli>,
    /// RAT Type (82), mandatory ([`super::codes::rat`]).
    pub rat_type: u8,
    /// Serving Network (83).
    pub serving_network: Option<Plmn>,
    /// Sender F-TEID for Control Plane (87, instance 0), mandatory.
    pub sender_fteid: Fteid,
    /// PGW S5/S8 Address for Control Plane (87, instance 1), S11/S4 only.
    pub pgw_fteid: Option<Fteid>,
    /// Access Point Name (71), mandatory.
    pub apn: Apn<'a>,
    /// Selection Mode (128), low 2 bits ([`super::codes::selection`]).
    pub selection_mode: Option<u8>,
    /// PDN Type (99), low 3 bits ([`super::codes::pdn`]).
    pub pdn_type: Option<u8>,
    /// PDN Address Allocation (79).
    pub paa: Option<Paa>,
    /// Maximum APN Restriction (127).
    pub apn_restriction: Option<u8>,
    /// APN-AMBR (72).
    pub apn_ambr: Option<Ambr>,
    /// Bearer Contexts to be created (93, instance 0), mandatory; each needs EBI and Bearer QoS.
    pub bearer_contexts: BearerContexts<'a>,
    /// Recovery (3).
    pub recovery: Option<u8>,
}

impl<'a> CreateSessionRequest<'a> {
    /// Parses a Create Session Request.
    pub fn parse(packet: &Packet<&'a [u8]>) -> Result<Self, Error> {
        message::expect(packet, msg::CREATE_SESSION_REQUEST)?;
        let body = packet.ie_bytes();
        let (mut imsi, mut msisdn, mut mei, mut uli, mut rat, mut sn) =
            (None, None, None, None, None, None);
        let (mut sender, mut pgw, mut apn, mut sel, mut pdn, mut paa) =
            (None, None, None, None, None, None);
        let (mut restriction, mut ambr, mut bearers, mut recovery) = (None, None, false, None);
        for ie in IeIter::new(body) {
            let ie = ie?;
            match (ie.ie_type(), ie.instance()) {
                (ie::IMSI, 0) => optional(&mut imsi, &ie, Tbcd::parse),
                (ie::MSISDN, 0) => optional(&mut msisdn, &ie, Tbcd::parse),
                (ie::MEI, 0) => optional(&mut mei, &ie, Tbcd::parse),
                (ie::ULI, 0) => optional(&mut uli, &ie, Uli::parse),
                (ie::RAT_TYPE, 0) => mandatory(&mut rat, &ie, octet)?,
                (ie::SERVING_NETWORK, 0) => optional(&mut sn, &ie, Plmn::parse),
                (ie::F_TEID, 0) => mandatory(&mut sender, &ie, Fteid::parse)?,
                (ie::F_TEID, 1) => optional(&mut pgw, &ie, Fteid::parse),
                (ie::APN, 0) => mandatory(&mut apn, &ie, Apn::parse)?,
                (ie::SELECTION_MODE, 0) => optional(&mut sel, &ie, |v| octet(v).map(|b| b & 3)),
                (ie::PDN_TYPE, 0) => optional(&mut pdn, &ie, |v| octet(v).map(|b| b & 7)),
                (ie::PAA, 0) => optional(&mut paa, &ie, Paa::parse),
                (ie::APN_RESTRICTION, 0) => optional(&mut restriction, &ie, octet),
                (ie::AMBR, 0) => optional(&mut ambr, &ie, Ambr::parse),
                (ie::BEARER_CONTEXT, 0) => bearers = true,
                (ie::RECOVERY, 0) => optional(&mut recovery, &ie, octet),
                _ => {}
            }
        }
        let bearer_contexts = BearerContexts::from_wire(body, 0)?;
        if bearer_contexts.iter().any(|bc| bc.qos.is_none()) {
            return Err(BearerContext::missing(ie::BEARER_QOS, 0));
        }
        Ok(Self {
            teid: packet.teid().unwrap_or(0),
            seq: packet.seq(),
            imsi,
            msisdn,
            mei,
            uli,
            rat_type: need(rat, ie::RAT_TYPE, 0)?,
            serving_network: sn,
            sender_fteid: need(sender, ie::F_TEID, 0)?,
            pgw_fteid: pgw,
            apn: need(apn, ie::APN, 0)?,
            selection_mode: sel,
            pdn_type: pdn,
            paa,
            apn_restriction: restriction,
            apn_ambr: ambr,
            bearer_contexts: need(bearers.then_some(bearer_contexts), ie::BEARER_CONTEXT, 0)?,
            recovery,
        })
    }

    emit_methods!();
}

impl Body for CreateSessionRequest<'_> {
    fn header(&self) -> Header {
        session_header(msg::CREATE_SESSION_REQUEST, self.teid, self.seq)
    }

    fn emit_ies(&self, w: &mut IeWriter<'_>) -> Result<(), Error> {
        put(w, ie::IMSI, 0, &self.imsi)?;
        put(w, ie::MSISDN, 0, &self.msisdn)?;
        put(w, ie::MEI, 0, &self.mei)?;
        put(w, ie::ULI, 0, &self.uli)?;
        w.u8(ie::RAT_TYPE, 0, self.rat_type)?;
        put(w, ie::SERVING_NETWORK, 0, &self.serving_network)?;
        w.value(ie::F_TEID, 0, &self.sender_fteid)?;
        put(w, ie::F_TEID, 1, &self.pgw_fteid)?;
        w.value(ie::APN, 0, &self.apn)?;
        put_u8(w, ie::SELECTION_MODE, &self.selection_mode.map(|m| m & 3))?;
        put_u8(w, ie::PDN_TYPE, &self.pdn_type.map(|t| t & 7))?;
        put(w, ie::PAA, 0, &self.paa)?;
        put_u8(w, ie::APN_RESTRICTION, &self.apn_restriction)?;
        put(w, ie::AMBR, 0, &self.apn_ambr)?;
        self.bearer_contexts.emit(w, 0)?;
        put_u8(w, ie::RECOVERY, &self.recovery)
    }
}

/// Create Session Response (§7.2.2). The header TEID is the SGW's Sender F-TEID from the
/// request. Cause is mandatory; on acceptance each Bearer Context created carries EBI and Cause.
/// A rejection may carry nothing else (the Cause 73 frame of the reference capture).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreateSessionResponse<'a> {
    /// Header TEID.
    pub teid: u32,
    /// Sequence number, copied from the request.
    pub seq: u32,
    /// Cause (2), mandatory.
    pub cause: Cause,
    /// Sender F-TEID for Control Plane (87, instance 0): the PGW's S5/S8 GTP-C F-TEID.
    pub sender_fteid: Option<Fteid>,
    /// PGW S5/S8 F-TEID for Control Plane (87, instance 1), S11/S4 only.
    pub pgw_fteid: Option<Fteid>,
    /// PDN Address Allocation (79).
    pub paa: Option<Paa>,
    /// APN Restriction (127).
    pub apn_restriction: Option<u8>,
    /// APN-AMBR (72).
    pub apn_ambr: Option<Ambr>,
    /// Bearer Contexts created (93, instance 0); each needs EBI and Cause.
    pub bearer_contexts: BearerContexts<'a>,
    /// Recovery (3).
    pub recovery: Option<u8>,
}

impl<'a> CreateSessionResponse<'a> {
    /// Parses a Create Session Response.
    pub fn parse(packet: &Packet<&'a [u8]>) -> Result<Self, Error> {
        message::expect(packet, msg::CREATE_SESSION_RESPONSE)?;
        let body = packet.ie_bytes();
        let (mut cause, mut sender, mut pgw, mut paa) = (None, None, None, None);
        let (mut restriction, mut ambr, mut recovery) = (None, None, None);
        for ie in IeIter::new(body) {
            let ie = ie?;
            match (ie.ie_type(), ie.instance()) {
                (ie::CAUSE, 0) => mandatory(&mut cause, &ie, Cause::parse)?,
                (ie::F_TEID, 0) => optional(&mut sender, &ie, Fteid::parse),
                (ie::F_TEID, 1) => optional(&mut pgw, &ie, Fteid::parse),
                (ie::PAA, 0) => optional(&mut paa, &ie, Paa::parse),
                (ie::APN_RESTRICTION, 0) => optional(&mut restriction, &ie, octet),
                (ie::AMBR, 0) => optional(&mut ambr, &ie, Ambr::parse),
                (ie::RECOVERY, 0) => optional(&mut recovery, &ie, octet),
                _ => {}
            }
        }
        let bearer_contexts = BearerContexts::from_wire(body, 0)?;
        if bearer_contexts.iter().any(|bc| bc.cause.is_none()) {
            return Err(BearerContext::missing(ie::CAUSE, 0));
        }
        Ok(Self {
            teid: packet.teid().unwrap_or(0),
            seq: packet.seq(),
            cause: need(cause, ie::CAUSE, 0)?,
            sender_fteid: sender,
            pgw_fteid: pgw,
            paa,
            apn_restriction: restriction,
            apn_ambr: ambr,
            bearer_contexts,
            recovery,
        })
    }

    /// A rejection carrying only `cause` (e.g. Cause 73, or 69/70 with the offending IE).
    pub fn reject(teid: u32, seq: u32, cause: Cause) -> Self {
        Self {
            teid,
            seq,
            cause,
            sender_fteid: None,
            pgw_fteid: None,
            paa: None,
            apn_restriction: None,
            apn_ambr: None,
            bearer_contexts: BearerContexts::EMPTY,
            recovery: None,
        }
    }

    emit_methods!();
}

impl Body for CreateSessionResponse<'_> {
    fn header(&self) -> Header {
        session_header(msg::CREATE_SESSION_RESPONSE, self.teid, self.seq)
    }

    fn emit_ies(&self, w: &mut IeWriter<'_>) -> Result<(), Error> {
        w.value(ie::CAUSE, 0, &self.cause)?;
        put(w, ie::F_TEID, 0, &self.sender_fteid)?;
        put(w, ie::F_TEID, 1, &self.pgw_fteid)?;
        put(w, ie::PAA, 0, &self.paa)?;
        put_u8(w, ie::APN_RESTRICTION, &self.apn_restriction)?;
        put(w, ie::AMBR, 0, &self.apn_ambr)?;
        self.bearer_contexts.emit(w, 0)?;
        put_u8(w, ie::RECOVERY, &self.recovery)
    }
}

/// The header of a session message: always with a TEID (§5.5.1).
pub(crate) fn session_header(msg_type: u8, teid: u32, seq: u32) -> Header {
    Header {
        msg_type,
        piggyback: false,
        teid: Some(teid),
        seq,
        priority: None,
    }
}

/// Writes an optional IE when present.
pub(crate) fn put<V: super::ie::IeValue>(
    w: &mut IeWriter<'_>,
    ie_type: u8,
    instance: u8,
    value: &Option<V>,
) -> Result<(), Error> {
    value
        .as_ref()
        .map_or(Ok(()), |v| w.value(ie_type, instance, v))
}

/// Writes an optional one-octet IE (instance 0) when present.
pub(crate) fn put_u8(w: &mut IeWriter<'_>, ie_type: u8, value: &Option<u8>) -> Result<(), Error> {
    value.map_or(Ok(()), |v| w.u8(ie_type, 0, v))
}
