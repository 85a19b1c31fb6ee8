//! Cancel-Location-Request/Answer (TS 29.272 §7.2.7, §7.2.8; HSS → old MME when a roamer moves)
//! and Purge-UE-Request/Answer (§7.2.13, §7.2.14; MME → HSS after a detach).

use super::codes::{avp, command};
use super::{
    emit_answer_head, emit_request_head, parse_answer, parse_request, AnswerCommon, RequestCommon,
};
use crate::wire::diameter::{required, Emit, Error, Ids, Packet, Writer};

/// Cancel-Location-Request (§7.2.7), HSS → MME.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CancelLocationRequest<'a> {
    /// Session and routing; Destination-Host is required here.
    pub common: RequestCommon<'a>,
    /// User-Name: the IMSI.
    pub user_name: &'a str,
    /// Cancellation-Type ([`codes::cancellation_type`](super::codes::cancellation_type)).
    pub cancellation_type: u32,
    /// CLR-Flags ([`codes::clr_flags`](super::codes::clr_flags)).
    pub clr_flags: Option<u32>,
}

impl<'a> CancelLocationRequest<'a> {
    /// Parses a CLR.
    pub fn parse(pkt: &Packet<&'a [u8]>) -> Result<Self, Error> {
        let (mut user, mut ctype, mut flags) = (None, None, None);
        let common = parse_request(pkt, command::CANCEL_LOCATION, |a| {
            match a.key() {
                avp::USER_NAME => user = Some(a.utf8()?),
                avp::CANCELLATION_TYPE => ctype = Some(a.u32()?),
                avp::CLR_FLAGS => flags = Some(a.u32()?),
                _ => {}
            }
            Ok(())
        })?;
        required(common.destination_host, avp::DESTINATION_HOST)?;
        Ok(CancelLocationRequest {
            common,
            user_name: required(user, avp::USER_NAME)?,
            cancellation_type: required(ctype, avp::CANCELLATION_TYPE)?,
            clr_flags: flags,
        })
    }
}

impl Emit for CancelLocationRequest<'_> {
    /// Emits a CLR.
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        emit_request_head(w, command::CANCEL_LOCATION, ids, &self.common);
        w.avp_str(avp::USER_NAME, self.user_name);
        w.avp_u32(avp::CANCELLATION_TYPE, self.cancellation_type);
        if let Some(f) = self.clr_flags {
            w.avp_u32(avp::CLR_FLAGS, f);
        }
    }
}

/// Cancel-Location-Answer (§7.2.8), MME → HSS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CancelLocationAnswer<'a> {
    /// Session and outcome.
    pub common: AnswerCommon<'a>,
}

impl<'a> CancelLocationAnswer<'a> {
    /// Parses a CLA.
    pub fn parse(pkt: &Packet<&'a [u8]>) -> Result<Self, Error> {
        let common = parse_answer(pkt, command::CANCEL_LOCATION, |_| Ok(()))?;
        Ok(CancelLocationAnswer { common })
    }
}

impl Emit for CancelLocationAnswer<'_> {
    /// Emits a CLA.
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        emit_answer_head(w, command::CANCEL_LOCATION, ids, &self.common);
    }
}

/// Purge-UE-Request (§7.2.13), MME → HSS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PurgeUeRequest<'a> {
    /// Session and routing.
    pub common: RequestCommon<'a>,
    /// User-Name: the IMSI.
    pub user_name: &'a str,
    /// PUR-Flags ([`codes::pur_flags`](super::codes::pur_flags)).
    pub pur_flags: Option<u32>,
}

impl<'a> PurgeUeRequest<'a> {
    /// Parses a PUR.
    pub fn parse(pkt: &Packet<&'a [u8]>) -> Result<Self, Error> {
        let (mut user, mut flags) = (None, None);
        let common = parse_request(pkt, command::PURGE_UE, |a| {
            match a.key() {
                avp::USER_NAME => user = Some(a.utf8()?),
                avp::PUR_FLAGS => flags = Some(a.u32()?),
                _ => {}
            }
            Ok(())
        })?;
        Ok(PurgeUeRequest {
            common,
            user_name: required(user, avp::USER_NAME)?,
            pur_flags: flags,
        })
    }
}

impl Emit for PurgeUeRequest<'_> {
    /// Emits a PUR.
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        emit_request_head(w, command::PURGE_UE, ids, &self.common);
        w.avp_str(avp::USER_NAME, self.user_name);
        if let Some(f) = self.pur_flags {
            w.avp_u32(avp::PUR_FLAGS, f);
        }
    }
}

/// Purge-UE-Answer (§7.2.14), HSS → MME.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PurgeUeAnswer<'a> {
    /// Session and outcome.
    pub common: AnswerCommon<'a>,
    /// PUA-Flags ([`codes::pua_flags`](super::codes::pua_flags)).
    pub pua_flags: Option<u32>,
}

impl<'a> PurgeUeAnswer<'a> {
    /// Parses a PUA.
    pub fn parse(pkt: &Packet<&'a [u8]>) -> Result<Self, Error> {
        let mut flags = None;
        let common = parse_answer(pkt, command::PURGE_UE, |a| {
            if a.key() == avp::PUA_FLAGS {
                flags = Some(a.u32()?);
            }
            Ok(())
        })?;
        Ok(PurgeUeAnswer {
            common,
            pua_flags: flags,
        })
    }
}

impl Emit for PurgeUeAnswer<'_> {
    /// Emits a PUA.
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        emit_answer_head(w, command::PURGE_UE, ids, &self.common);
        if let Some(f) = self.pua_flags {
            w.avp_u32(avp::PUA_FLAGS, f);
        }
    }
}
