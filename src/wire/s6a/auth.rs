//! Authentication-Information-Request/Answer (TS 29.272 §7.2.5, §7.2.6) with the E-UTRAN
//! authentication AVPs (§7.3.11 Requested-EUTRAN-Authentication-Info, §7.3.17
//! Authentication-Info, §7.3.18 E-UTRAN-Vector).

use super::codes::{avp, command};
use super::{
    emit_answer_head, emit_request_head, parse_answer, parse_request, plmn, AnswerCommon,
    RequestCommon,
};
use crate::wire::diameter::{required, Avp, Emit, Error, FromAvp, Ids, Packet, Repeated, Writer};

/// Requested-EUTRAN-Authentication-Info (§7.3.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestedEutranAuthInfo<'a> {
    /// Number-Of-Requested-Vectors.
    pub number_of_requested_vectors: Option<u32>,
    /// Immediate-Response-Preferred.
    pub immediate_response_preferred: Option<u32>,
    /// Re-Synchronization-Info: RAND ‖ AUTS after a synchronisation failure.
    pub re_synchronization_info: Option<&'a [u8]>,
}

impl<'a> RequestedEutranAuthInfo<'a> {
    fn parse(a: &Avp<'a>) -> Result<Self, Error> {
        let mut r = RequestedEutranAuthInfo {
            number_of_requested_vectors: None,
            immediate_response_preferred: None,
            re_synchronization_info: None,
        };
        for i in a.group() {
            let i = i?;
            match i.key() {
                avp::NUMBER_OF_REQUESTED_VECTORS => r.number_of_requested_vectors = Some(i.u32()?),
                avp::IMMEDIATE_RESPONSE_PREFERRED => {
                    r.immediate_response_preferred = Some(i.u32()?)
                }
                avp::RE_SYNCHRONIZATION_INFO => r.re_synchronization_info = Some(i.data()),
                _ => {}
            }
        }
        Ok(r)
    }

    fn emit(&self, w: &mut Writer<'_>) {
        let g = w.begin_group(avp::REQUESTED_EUTRAN_AUTHENTICATION_INFO);
        if let Some(n) = self.number_of_requested_vectors {
            w.avp_u32(avp::NUMBER_OF_REQUESTED_VECTORS, n);
        }
        if let Some(n) = self.immediate_response_preferred {
            w.avp_u32(avp::IMMEDIATE_RESPONSE_PREFERRED, n);
        }
        if let Some(r) = self.re_synchronization_info {
            w.avp_octets(avp::RE_SYNCHRONIZATION_INFO, r);
        }
        w.end_group(g);
    }
}

/// Authentication-Information-Request (§7.2.5), MME → HSS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthInfoRequest<'a> {
    /// Session and routing.
    pub common: RequestCommon<'a>,
    /// User-Name: the IMSI.
    pub user_name: &'a str,
    /// Requested-EUTRAN-Authentication-Info.
    pub requested_eutran: Option<RequestedEutranAuthInfo<'a>>,
    /// Visited-PLMN-Id (MCC/MNC in TS 24.008 order, e.g. `02 f8 10` for 208-01).
    pub visited_plmn_id: [u8; 3],
}

impl<'a> AuthInfoRequest<'a> {
    /// Parses an AIR.
    pub fn parse(pkt: &Packet<&'a [u8]>) -> Result<Self, Error> {
        let (mut user, mut eutran, mut plmn_id) = (None, None, None);
        let common = parse_request(pkt, command::AUTHENTICATION_INFORMATION, |a| {
            match a.key() {
                avp::USER_NAME => user = Some(a.utf8()?),
                avp::REQUESTED_EUTRAN_AUTHENTICATION_INFO => {
                    eutran = Some(RequestedEutranAuthInfo::parse(a)?)
                }
                avp::VISITED_PLMN_ID => plmn_id = Some(plmn(a)?),
                _ => {}
            }
            Ok(())
        })?;
        Ok(AuthInfoRequest {
            common,
            user_name: required(user, avp::USER_NAME)?,
            requested_eutran: eutran,
            visited_plmn_id: required(plmn_id, avp::VISITED_PLMN_ID)?,
        })
    }
}

impl Emit for AuthInfoRequest<'_> {
    /// Emits an AIR.
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        emit_request_head(w, command::AUTHENTICATION_INFORMATION, ids, &self.common);
        w.avp_str(avp::USER_NAME, self.user_name);
        if let Some(r) = &self.requested_eutran {
            r.emit(w);
        }
        w.avp_octets(avp::VISITED_PLMN_ID, &self.visited_plmn_id);
    }
}

/// One E-UTRAN-Vector (§7.3.18): the EPS AKA quintet for the MME.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EutranVector<'a> {
    /// Item-Number (order of use).
    pub item_number: Option<u32>,
    /// RAND.
    pub rand: &'a [u8; 16],
    /// XRES, 4 to 16 octets.
    pub xres: &'a [u8],
    /// AUTN.
    pub autn: &'a [u8; 16],
    /// KASME.
    pub kasme: &'a [u8; 32],
}

impl<'a> FromAvp<'a> for EutranVector<'a> {
    fn from_avp(a: &Avp<'a>) -> Result<Self, Error> {
        let (mut item, mut rand, mut xres, mut autn, mut kasme) = (None, None, None, None, None);
        for i in a.group() {
            let i = i?;
            match i.key() {
                avp::ITEM_NUMBER => item = Some(i.u32()?),
                avp::RAND => rand = Some(i.array::<16>()?),
                avp::XRES if (4..=16).contains(&i.data().len()) => xres = Some(i.data()),
                avp::XRES => {
                    return Err(Error::InvalidAvpLength {
                        code: i.code(),
                        offset: i.offset(),
                    })
                }
                avp::AUTN => autn = Some(i.array::<16>()?),
                avp::KASME => kasme = Some(i.array::<32>()?),
                _ => {}
            }
        }
        Ok(EutranVector {
            item_number: item,
            rand: required(rand, avp::RAND)?,
            xres: required(xres, avp::XRES)?,
            autn: required(autn, avp::AUTN)?,
            kasme: required(kasme, avp::KASME)?,
        })
    }
}

impl EutranVector<'_> {
    fn emit(&self, w: &mut Writer<'_>) {
        let g = w.begin_group(avp::E_UTRAN_VECTOR);
        if let Some(n) = self.item_number {
            w.avp_u32(avp::ITEM_NUMBER, n);
        }
        w.avp_octets(avp::RAND, self.rand);
        w.avp_octets(avp::XRES, self.xres);
        w.avp_octets(avp::AUTN, self.autn);
        w.avp_octets(avp::KASME, self.kasme);
        w.end_group(g);
    }
}

/// Authentication-Information-Answer (§7.2.6), HSS → MME.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthInfoAnswer<'a> {
    /// Session and outcome.
    pub common: AnswerCommon<'a>,
    /// E-UTRAN-Vectors of the Authentication-Info AVP (absent when empty).
    pub vectors: Repeated<'a, EutranVector<'a>>,
}

impl<'a> AuthInfoAnswer<'a> {
    /// Parses an AIA.
    pub fn parse(pkt: &Packet<&'a [u8]>) -> Result<Self, Error> {
        let mut vectors = Repeated::empty();
        let common = parse_answer(pkt, command::AUTHENTICATION_INFORMATION, |a| {
            if a.key() == avp::AUTHENTICATION_INFO {
                vectors = Repeated::parse(a.group(), avp::E_UTRAN_VECTOR)?;
            }
            Ok(())
        })?;
        Ok(AuthInfoAnswer { common, vectors })
    }
}

impl Emit for AuthInfoAnswer<'_> {
    /// Emits an AIA.
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        emit_answer_head(w, command::AUTHENTICATION_INFORMATION, ids, &self.common);
        if !self.vectors.is_empty() {
            let g = w.begin_group(avp::AUTHENTICATION_INFO);
            for v in self.vectors.iter() {
                v.emit(w);
            }
            w.end_group(g);
        }
    }
}
