//! Update-Location-Request/Answer (TS 29.272 §7.2.3, §7.2.4): the MME registers a roamer and
//! gets its Subscription-Data back (§7.3.2), or an Experimental-Result such as 5001 user
//! unknown or 5004 roaming not allowed (§7.4.3).

use super::codes::{avp, command};
use super::{
    emit_answer_head, emit_request_head, parse_answer, parse_request, plmn, AnswerCommon,
    RequestCommon, SubscriptionData,
};
use crate::wire::diameter::{required, Emit, Error, Ids, Packet, Writer};

/// Update-Location-Request (§7.2.3), MME → HSS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpdateLocationRequest<'a> {
    /// Session and routing.
    pub common: RequestCommon<'a>,
    /// User-Name: the IMSI.
    pub user_name: &'a str,
    /// RAT-Type ([`codes::rat_type`](super::codes::rat_type)).
    pub rat_type: u32,
    /// ULR-Flags ([`codes::ulr_flags`](super::codes::ulr_flags)).
    pub ulr_flags: u32,
    /// Visited-PLMN-Id.
    pub visited_plmn_id: [u8; 3],
}

impl<'a> UpdateLocationRequest<'a> {
    /// Parses a ULR.
    pub fn parse(pkt: &Packet<&'a [u8]>) -> Result<Self, Error> {
        let (mut user, mut rat, mut flags, mut plmn_id) = (None, None, None, None);
        let common = parse_request(pkt, command::UPDATE_LOCATION, |a| {
            match a.key() {
                avp::USER_NAME => user = Some(a.utf8()?),
                avp::RAT_TYPE => rat = Some(a.u32()?),
                avp::ULR_FLAGS => flags = Some(a.u32()?),
                avp::VISITED_PLMN_ID => plmn_id = Some(plmn(a)?),
                _ => {}
            }
            Ok(())
        })?;
        Ok(UpdateLocationRequest {
            common,
            user_name: required(user, avp::USER_NAME)?,
            rat_type: required(rat, avp::RAT_TYPE)?,
            ulr_flags: required(flags, avp::ULR_FLAGS)?,
            visited_plmn_id: required(plmn_id, avp::VISITED_PLMN_ID)?,
        })
    }
}

impl Emit for UpdateLocationRequest<'_> {
    /// Emits a ULR.
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        emit_request_head(w, command::UPDATE_LOCATION, ids, &self.common);
        w.avp_str(avp::USER_NAME, self.user_name);
        w.avp_u32(avp::RAT_TYPE, self.rat_type);
        w.avp_u32(avp::ULR_FLAGS, self.ulr_flags);
        w.avp_octets(avp::VISITED_PLMN_ID, &self.visited_plmn_id);
    }
}

/// Update-Location-Answer (§7.2.4), HSS → MME.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpdateLocationAnswer<'a> {
    /// Session and outcome.
    pub common: AnswerCommon<'a>,
    /// ULA-Flags ([`codes::ula_flags`](super::codes::ula_flags)).
    pub ula_flags: Option<u32>,
    /// Subscription-Data.
    pub subscription_data: Option<SubscriptionData<'a>>,
}

impl<'a> UpdateLocationAnswer<'a> {
    /// Parses a ULA.
    pub fn parse(pkt: &Packet<&'a [u8]>) -> Result<Self, Error> {
        let (mut flags, mut data) = (None, None);
        let common = parse_answer(pkt, command::UPDATE_LOCATION, |a| {
            match a.key() {
                avp::ULA_FLAGS => flags = Some(a.u32()?),
                avp::SUBSCRIPTION_DATA => data = Some(SubscriptionData::parse(a)?),
                _ => {}
            }
            Ok(())
        })?;
        Ok(UpdateLocationAnswer {
            common,
            ula_flags: flags,
            subscription_data: data,
        })
    }
}

impl Emit for UpdateLocationAnswer<'_> {
    /// Emits a ULA.
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        emit_answer_head(w, command::UPDATE_LOCATION, ids, &self.common);
        if let Some(f) = self.ula_flags {
            w.avp_u32(avp::ULA_FLAGS, f);
        }
        if let Some(d) = &self.subscription_data {
            d.emit(w);
        }
    }
}
