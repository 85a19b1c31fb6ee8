//! S6a codec (3GPP TS 29.272 §7): the MME↔HSS commands AIR/AIA (§7.2.5, §7.2.6), ULR/ULA
//! (§7.2.3, §7.2.4), CLR/CLA (§7.2.7, §7.2.8) and PUR/PUA (§7.2.13, §7.2.14), as `Repr`s that
//! borrow from a [`Packet`] and emit through a [`Writer`].
//!
//! Every message carries Session-Id, the S6a Vendor-Specific-Application-Id, Auth-Session-State
//! NO_STATE_MAINTAINED and Origin-Host/Realm; requests add Destination-Host/Realm and answers a
//! Result-Code or Experimental-Result. Those live in [`RequestCommon`] and [`AnswerCommon`].
//! Emission follows each command's ABNF order, which is also the order of the reference capture;
//! parsing takes any order, skips AVPs it does not model unless they carry the M bit (5001),
//! refuses a second copy of a single-occurrence AVP (5009) and reports a missing required AVP by
//! code (5005).

mod auth;
mod cancel;
mod location;
mod message;
mod rules;
mod subscription;

#[cfg(test)]
mod tests;

pub use crate::wire::diameter::codes;
pub use auth::{AuthInfoAnswer, AuthInfoRequest, EutranVector, RequestedEutranAuthInfo};
pub use cancel::{CancelLocationAnswer, CancelLocationRequest, PurgeUeAnswer, PurgeUeRequest};
pub use location::{UpdateLocationAnswer, UpdateLocationRequest};
pub use message::Message;
pub use subscription::{
    AllocationRetentionPriority, Ambr, ApnConfiguration, ApnConfigurationProfile,
    EpsSubscribedQosProfile, SubscriptionData,
};

use crate::wire::diameter::{
    expect_application, expect_command, required, Avp, Common, Error, Ids, Packet, ResultCode,
    VendorSpecificAppId, Writer,
};
use codes::{app, auth_session_state, avp, flags};

/// Session and routing AVPs of every S6a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestCommon<'a> {
    /// Session-Id.
    pub session_id: &'a str,
    /// Origin-Host.
    pub origin_host: &'a str,
    /// Origin-Realm.
    pub origin_realm: &'a str,
    /// Destination-Host (required in CLR, optional elsewhere).
    pub destination_host: Option<&'a str>,
    /// Destination-Realm.
    pub destination_realm: &'a str,
}

/// Session, outcome and origin AVPs of every S6a answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnswerCommon<'a> {
    /// Session-Id, copied from the request.
    pub session_id: &'a str,
    /// Result-Code or Experimental-Result.
    pub result: ResultCode,
    /// Origin-Host.
    pub origin_host: &'a str,
    /// Origin-Realm.
    pub origin_realm: &'a str,
    /// Error-Message.
    pub error_message: Option<&'a str>,
}

impl<'a> AnswerCommon<'a> {
    /// A success (2001) answer.
    pub fn success(session_id: &'a str, origin_host: &'a str, origin_realm: &'a str) -> Self {
        AnswerCommon {
            session_id,
            result: ResultCode::SUCCESS,
            origin_host,
            origin_realm,
            error_message: None,
        }
    }
}

/// Walks an S6a request of `command`, handing AVPs other than the common ones to `other`. The
/// AVPs are first checked against the command's ABNF (5001, 5009: [`rules`]).
fn parse_request<'a>(
    pkt: &Packet<&'a [u8]>,
    command: u32,
    other: impl FnMut(&Avp<'a>) -> Result<(), Error>,
) -> Result<RequestCommon<'a>, Error> {
    expect_command(pkt, command, true)?;
    expect_application(pkt, app::S6A)?;
    if let Some(rules) = rules::for_request(command) {
        rules.check(pkt.avps_ref())?;
    }
    let c = Common::walk(pkt.avps_ref(), other)?;
    required(c.auth_session_state, avp::AUTH_SESSION_STATE)?;
    Ok(RequestCommon {
        session_id: required(c.session_id, avp::SESSION_ID)?,
        origin_host: c.origin_host()?,
        origin_realm: c.origin_realm()?,
        destination_host: c.destination_host,
        destination_realm: required(c.destination_realm, avp::DESTINATION_REALM)?,
    })
}

/// Walks an S6a answer of `command`. Auth-Session-State is not required, so that an answer
/// built by a relay (RFC 6733 §7.2) still parses.
fn parse_answer<'a>(
    pkt: &Packet<&'a [u8]>,
    command: u32,
    other: impl FnMut(&Avp<'a>) -> Result<(), Error>,
) -> Result<AnswerCommon<'a>, Error> {
    expect_command(pkt, command, false)?;
    expect_application(pkt, app::S6A)?;
    let c = Common::walk(pkt.avps_ref(), other)?;
    Ok(AnswerCommon {
        session_id: required(c.session_id, avp::SESSION_ID)?,
        result: c.result()?,
        origin_host: c.origin_host()?,
        origin_realm: c.origin_realm()?,
        error_message: c.error_message,
    })
}

/// Header, Session-Id, Vendor-Specific-Application-Id, Auth-Session-State, Origin-* and
/// Destination-* of a request.
fn emit_request_head(w: &mut Writer<'_>, command: u32, ids: Ids, c: &RequestCommon<'_>) {
    w.header(flags::REQUEST | flags::PROXIABLE, command, app::S6A, ids);
    w.avp_str(avp::SESSION_ID, c.session_id);
    VendorSpecificAppId::S6A.emit(w);
    w.avp_u32(
        avp::AUTH_SESSION_STATE,
        auth_session_state::NO_STATE_MAINTAINED,
    );
    w.avp_str(avp::ORIGIN_HOST, c.origin_host);
    w.avp_str(avp::ORIGIN_REALM, c.origin_realm);
    if let Some(h) = c.destination_host {
        w.avp_str(avp::DESTINATION_HOST, h);
    }
    w.avp_str(avp::DESTINATION_REALM, c.destination_realm);
}

/// Header, Session-Id, Vendor-Specific-Application-Id, outcome, Auth-Session-State, Origin-*
/// and Error-Message of an answer.
fn emit_answer_head(w: &mut Writer<'_>, command: u32, ids: Ids, c: &AnswerCommon<'_>) {
    w.header(c.result.answer_flags(true), command, app::S6A, ids);
    w.avp_str(avp::SESSION_ID, c.session_id);
    VendorSpecificAppId::S6A.emit(w);
    c.result.emit(w);
    w.avp_u32(
        avp::AUTH_SESSION_STATE,
        auth_session_state::NO_STATE_MAINTAINED,
    );
    w.avp_str(avp::ORIGIN_HOST, c.origin_host);
    w.avp_str(avp::ORIGIN_REALM, c.origin_realm);
    if let Some(m) = c.error_message {
        w.avp_str(avp::ERROR_MESSAGE, m);
    }
}

/// Visited-PLMN-Id: exactly 3 octets (TS 29.272 §7.3.9).
fn plmn(a: &Avp<'_>) -> Result<[u8; 3], Error> {
    a.array::<3>().copied()
}
