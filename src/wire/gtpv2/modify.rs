//! Modify Bearer Request/Response (TS 29.274 §7.2.7, §7.2.8) and Delete Session
//! Request/Response (§7.2.9.1, §7.2.10.1), with the IEs an S5/S8 SGW and PGW exchange, emitted
//! in table order (which is also the reference capture's order).

use super::bearer::{BearerContext, BearerContexts};
use super::codes::{ie, msg};
use super::digits::{Plmn, Tbcd};
use super::echo::emit_methods;
use super::header::{Header, Packet};
use super::ie::{IeIter, IeWriter};
use super::message::{self, mandatory, need, octet, optional, Body};
use super::session::{put, put_u8, session_header};
use super::values::{Ambr, Cause, Fteid, Uli};
use super::Error;

/// Modify Bearer Request (§7.2.7). Every IE is conditional; a Bearer Context to be modified
/// needs its EBI and, on S5/S8, the S5/S8-U SGW F-TEID at instance 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModifyBearerRequest<'a> {
    /// Header TEID: the PGW's S5/S8 GTP-C TEID.
    pub teid: u32,
    /// Sequence number.
    pub seq: u32,
    /// MEI (75).
    pub mei: Option<Tbcd<'a>>,
    /// User Location Information (86).
    pub uli: Option<Uli>,
    /// Serving Network (83).
    pub serving_network: Option<Plmn>,
    /// RAT Type (82).
    pub rat_type: Option<u8>,
    /// Sender F-TEID for Control Plane (87, instance 0).
    pub sender_fteid: Option<Fteid>,
    /// APN-AMBR (72).
    pub apn_ambr: Option<Ambr>,
    /// Bearer Contexts to be modified (93, instance 0).
    pub bearer_contexts: BearerContexts<'a>,
    /// Recovery (3).
    pub recovery: Option<u8>,
}

impl<'a> ModifyBearerRequest<'a> {
    /// Parses a Modify Bearer Request.
    pub fn parse(packet: &Packet<&'a [u8]>) -> Result<Self, Error> {
        message::expect(packet, msg::MODIFY_BEARER_REQUEST)?;
        let body = packet.ie_bytes();
        let (mut mei, mut uli, mut sn, mut rat) = (None, None, None, None);
        let (mut sender, mut ambr, mut recovery) = (None, None, None);
        for ie in IeIter::new(body) {
            let ie = ie?;
            match (ie.ie_type(), ie.instance()) {
                (ie::MEI, 0) => optional(&mut mei, &ie, Tbcd::parse),
                (ie::ULI, 0) => optional(&mut uli, &ie, Uli::parse),
                (ie::SERVING_NETWORK, 0) => optional(&mut sn, &ie, Plmn::parse),
                (ie::RAT_TYPE, 0) => optional(&mut rat, &ie, octet),
                (ie::F_TEID, 0) => optional(&mut sender, &ie, Fteid::parse),
                (ie::AMBR, 0) => optional(&mut ambr, &ie, Ambr::parse),
                (ie::RECOVERY, 0) => optional(&mut recovery, &ie, octet),
                _ => {}
            }
        }
        Ok(Self {
            teid: packet.teid().unwrap_or(0),
            seq: packet.seq(),
            mei,
            uli,
            serving_network: sn,
            rat_type: rat,
            sender_fteid: sender,
            apn_ambr: ambr,
            bearer_contexts: BearerContexts::from_wire(body, 0)?,
            recovery,
        })
    }

    emit_methods!();
}

impl Body for ModifyBearerRequest<'_> {
    fn header(&self) -> Header {
        session_header(msg::MODIFY_BEARER_REQUEST, self.teid, self.seq)
    }

    fn emit_ies(&self, w: &mut IeWriter<'_>) -> Result<(), Error> {
        put(w, ie::MEI, 0, &self.mei)?;
        put(w, ie::ULI, 0, &self.uli)?;
        put(w, ie::SERVING_NETWORK, 0, &self.serving_network)?;
        put_u8(w, ie::RAT_TYPE, &self.rat_type)?;
        put(w, ie::F_TEID, 0, &self.sender_fteid)?;
        put(w, ie::AMBR, 0, &self.apn_ambr)?;
        self.bearer_contexts.emit(w, 0)?;
        put_u8(w, ie::RECOVERY, &self.recovery)
    }
}

/// Modify Bearer Response (§7.2.8). Cause is mandatory; each Bearer Context modified needs EBI
/// and Cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModifyBearerResponse<'a> {
    /// Header TEID: the SGW's S5/S8 GTP-C TEID.
    pub teid: u32,
    /// Sequence number, copied from the request.
    pub seq: u32,
    /// Cause (2), mandatory.
    pub cause: Cause,
    /// MSISDN (76).
    pub msisdn: Option<Tbcd<'a>>,
    /// APN Restriction (127).
    pub apn_restriction: Option<u8>,
    /// Bearer Contexts modified (93, instance 0).
    pub bearer_contexts: BearerContexts<'a>,
    /// Recovery (3).
    pub recovery: Option<u8>,
}

impl<'a> ModifyBearerResponse<'a> {
    /// Parses a Modify Bearer Response.
    pub fn parse(packet: &Packet<&'a [u8]>) -> Result<Self, Error> {
        message::expect(packet, msg::MODIFY_BEARER_RESPONSE)?;
        let body = packet.ie_bytes();
        let (mut cause, mut msisdn, mut restriction, mut recovery) = (None, None, None, None);
        for ie in IeIter::new(body) {
            let ie = ie?;
            match (ie.ie_type(), ie.instance()) {
                (ie::CAUSE, 0) => mandatory(&mut cause, &ie, Cause::parse)?,
                (ie::MSISDN, 0) => optional(&mut msisdn, &ie, Tbcd::parse),
                (ie::APN_RESTRICTION, 0) => optional(&mut restriction, &ie, octet),
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
            msisdn,
            apn_restriction: restriction,
            bearer_contexts,
            recovery,
        })
    }

    emit_methods!();
}

impl Body for ModifyBearerResponse<'_> {
    fn header(&self) -> Header {
        session_header(msg::MODIFY_BEARER_RESPONSE, self.teid, self.seq)
    }

    fn emit_ies(&self, w: &mut IeWriter<'_>) -> Result<(), Error> {
        w.value(ie::CAUSE, 0, &self.cause)?;
        put(w, ie::MSISDN, 0, &self.msisdn)?;
        put_u8(w, ie::APN_RESTRICTION, &self.apn_restriction)?;
        self.bearer_contexts.emit(w, 0)?;
        put_u8(w, ie::RECOVERY, &self.recovery)
    }
}

/// Delete Session Request (§7.2.9.1). Every IE is conditional; on S5/S8 the Linked EBI names the
/// default bearer of the PDN connection to delete.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeleteSessionRequest {
    /// Header TEID: the PGW's S5/S8 GTP-C TEID.
    pub teid: u32,
    /// Sequence number.
    pub seq: u32,
    /// Cause (2).
    pub cause: Option<Cause>,
    /// Linked EPS Bearer ID (73), 4 bits.
    pub linked_ebi: Option<u8>,
    /// User Location Information (86).
    pub uli: Option<Uli>,
    /// Sender F-TEID for Control Plane (87, instance 0).
    pub sender_fteid: Option<Fteid>,
}

impl DeleteSessionRequest {
    /// Parses a Delete Session Request.
    pub fn parse(packet: &Packet<&[u8]>) -> Result<Self, Error> {
        message::expect(packet, msg::DELETE_SESSION_REQUEST)?;
        let (mut cause, mut ebi, mut uli, mut sender) = (None, None, None, None);
        for ie in packet.ies() {
            let ie = ie?;
            match (ie.ie_type(), ie.instance()) {
                (ie::CAUSE, 0) => optional(&mut cause, &ie, Cause::parse),
                (ie::EBI, 0) => optional(&mut ebi, &ie, |v| octet(v).map(|b| b & 0x0f)),
                (ie::ULI, 0) => optional(&mut uli, &ie, Uli::parse),
                (ie::F_TEID, 0) => optional(&mut sender, &ie, Fteid::parse),
                _ => {}
            }
        }
        Ok(Self {
            teid: packet.teid().unwrap_or(0),
            seq: packet.seq(),
            cause,
            linked_ebi: ebi,
            uli,
            sender_fteid: sender,
        })
    }

    emit_methods!();
}

impl Body for DeleteSessionRequest {
    fn header(&self) -> Header {
        session_header(msg::DELETE_SESSION_REQUEST, self.teid, self.seq)
    }

    fn emit_ies(&self, w: &mut IeWriter<'_>) -> Result<(), Error> {
        put(w, ie::CAUSE, 0, &self.cause)?;
        put_u8(w, ie::EBI, &self.linked_ebi.map(|e| e & 0x0f))?;
        put(w, ie::ULI, 0, &self.uli)?;
        put(w, ie::F_TEID, 0, &self.sender_fteid)
    }
}

/// Delete Session Response (§7.2.10.1). Cause is mandatory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeleteSessionResponse {
    /// Header TEID: the SGW's S5/S8 GTP-C TEID.
    pub teid: u32,
    /// Sequence number, copied from the request.
    pub seq: u32,
    /// Cause (2), mandatory.
    pub cause: Cause,
    /// Recovery (3).
    pub recovery: Option<u8>,
}

impl DeleteSessionResponse {
    /// Parses a Delete Session Response.
    pub fn parse(packet: &Packet<&[u8]>) -> Result<Self, Error> {
        message::expect(packet, msg::DELETE_SESSION_RESPONSE)?;
        let (mut cause, mut recovery) = (None, None);
        for ie in packet.ies() {
            let ie = ie?;
            match (ie.ie_type(), ie.instance()) {
                (ie::CAUSE, 0) => mandatory(&mut cause, &ie, Cause::parse)?,
                (ie::RECOVERY, 0) => optional(&mut recovery, &ie, octet),
                _ => {}
            }
        }
        Ok(Self {
            teid: packet.teid().unwrap_or(0),
            seq: packet.seq(),
            cause: need(cause, ie::CAUSE, 0)?,
            recovery,
        })
    }

    emit_methods!();
}

impl Body for DeleteSessionResponse {
    fn header(&self) -> Header {
        session_header(msg::DELETE_SESSION_RESPONSE, self.teid, self.seq)
    }

    fn emit_ies(&self, w: &mut IeWriter<'_>) -> Result<(), Error> {
        w.value(ie::CAUSE, 0, &self.cause)?;
        put_u8(w, ie::RECOVERY, &self.recovery)
    }
}
