//! Credit-Control-Request and -Answer (RFC 4006 §3.1, §3.2) as Gy uses them (TS 32.299 §6.4.2,
//! §6.4.3): the PGW sends CCR, the OCS answers CCA. AVPs are emitted in the ABNF order of
//! TS 32.299; parsing takes any order, skips what it does not model (a CCR's unknown AVP with the
//! M bit is 5001, a repeated single one 5009: [`super::rules`]) and names a missing required AVP
//! by code (5005) and a bad one by code and offset (5004, 5014).

use super::codes::{avp, APPLICATION_ID, CREDIT_CONTROL};
use super::groups::{Mscc, PsInformation, SubscriptionId};
use crate::wire::diameter::codes::{avp as base_avp, flags};
use crate::wire::diameter::{
    expect_application, expect_command, required, Common, Emit, Error, Ids, Packet, Repeated,
    Writer,
};

/// Credit-Control-Request (RFC 4006 §3.1; TS 32.299 §6.4.2), PGW → OCS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreditControlRequest<'a> {
    /// Session-Id: one per bearer's credit-control session.
    pub session_id: &'a str,
    /// Origin-Host.
    pub origin_host: &'a str,
    /// Origin-Realm.
    pub origin_realm: &'a str,
    /// Destination-Realm.
    pub destination_realm: &'a str,
    /// Destination-Host.
    pub destination_host: Option<&'a str>,
    /// Service-Context-Id ([`SERVICE_CONTEXT_PS`](super::codes::SERVICE_CONTEXT_PS) for Gy).
    pub service_context_id: &'a str,
    /// CC-Request-Type ([`codes::request_type`](super::codes::request_type)).
    pub request_type: u32,
    /// CC-Request-Number: 0 for INITIAL, then one more per request of the session.
    pub request_number: u32,
    /// Origin-State-Id.
    pub origin_state_id: Option<u32>,
    /// Subscription-Id: the IMSI and the MSISDN.
    pub subscription_ids: Repeated<'a, SubscriptionId<'a>>,
    /// Termination-Cause (in TERMINATION requests).
    pub termination_cause: Option<u32>,
    /// Multiple-Services-Indicator.
    pub multiple_services_indicator: Option<u32>,
    /// Multiple-Services-Credit-Control, one per rating group.
    pub mscc: Repeated<'a, Mscc>,
    /// Service-Information with PS-Information.
    pub ps_information: Option<PsInformation<'a>>,
}

impl<'a> CreditControlRequest<'a> {
    /// Parses a CCR.
    pub fn parse(pkt: &Packet<&'a [u8]>) -> Result<Self, Error> {
        expect_command(pkt, CREDIT_CONTROL, true)?;
        expect_application(pkt, APPLICATION_ID)?;
        super::rules::CCR.check(pkt.avps_ref())?;
        let (mut app, mut context, mut rtype, mut rnum) = (None, None, None, None);
        let (mut cause, mut msi, mut ps) = (None, None, None);
        let c = Common::walk(pkt.avps_ref(), |a| {
            match a.key() {
                base_avp::AUTH_APPLICATION_ID => app = Some(a.u32()?),
                avp::SERVICE_CONTEXT_ID => context = Some(a.utf8()?),
                avp::CC_REQUEST_TYPE => rtype = Some(a.u32()?),
                avp::CC_REQUEST_NUMBER => rnum = Some(a.u32()?),
                avp::TERMINATION_CAUSE => cause = Some(a.u32()?),
                avp::MULTIPLE_SERVICES_INDICATOR => msi = Some(a.u32()?),
                avp::SERVICE_INFORMATION => ps = PsInformation::parse_service_information(a)?,
                _ => {}
            }
            Ok(())
        })?;
        check_application(pkt, app)?;
        let avps = pkt.avps_ref();
        Ok(CreditControlRequest {
            session_id: required(c.session_id, base_avp::SESSION_ID)?,
            origin_host: c.origin_host()?,
            origin_realm: c.origin_realm()?,
            destination_realm: required(c.destination_realm, base_avp::DESTINATION_REALM)?,
            destination_host: c.destination_host,
            service_context_id: required(context, avp::SERVICE_CONTEXT_ID)?,
            request_type: request_type(pkt, rtype)?,
            request_number: required(rnum, avp::CC_REQUEST_NUMBER)?,
            origin_state_id: c.origin_state_id,
            subscription_ids: Repeated::parse(avps.clone(), avp::SUBSCRIPTION_ID)?,
            termination_cause: cause,
            multiple_services_indicator: msi,
            mscc: Repeated::parse(avps, avp::MULTIPLE_SERVICES_CREDIT_CONTROL)?,
            ps_information: ps,
        })
    }

    /// The END_USER_IMSI Subscription-Id, if any.
    pub fn imsi(&self) -> Option<&'a str> {
        self.subscription(super::codes::subscription_id_type::IMSI)
    }

    /// The END_USER_E164 Subscription-Id (the MSISDN), if any.
    pub fn msisdn(&self) -> Option<&'a str> {
        self.subscription(super::codes::subscription_id_type::E164)
    }

    fn subscription(&self, kind: u32) -> Option<&'a str> {
        self.subscription_ids
            .iter()
            .find(|s| s.kind == kind)
            .map(|s| s.data)
    }
}

impl Emit for CreditControlRequest<'_> {
    /// Emits a CCR.
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        w.header(
            flags::REQUEST | flags::PROXIABLE,
            CREDIT_CONTROL,
            APPLICATION_ID,
            ids,
        );
        w.avp_str(base_avp::SESSION_ID, self.session_id);
        w.avp_str(base_avp::ORIGIN_HOST, self.origin_host);
        w.avp_str(base_avp::ORIGIN_REALM, self.origin_realm);
        w.avp_str(base_avp::DESTINATION_REALM, self.destination_realm);
        w.avp_u32(base_avp::AUTH_APPLICATION_ID, APPLICATION_ID);
        w.avp_str(avp::SERVICE_CONTEXT_ID, self.service_context_id);
        w.avp_u32(avp::CC_REQUEST_TYPE, self.request_type);
        w.avp_u32(avp::CC_REQUEST_NUMBER, self.request_number);
        if let Some(h) = self.destination_host {
            w.avp_str(base_avp::DESTINATION_HOST, h);
        }
        if let Some(s) = self.origin_state_id {
            w.avp_u32(base_avp::ORIGIN_STATE_ID, s);
        }
        for s in self.subscription_ids.iter() {
            s.emit(w);
        }
        if let Some(c) = self.termination_cause {
            w.avp_u32(avp::TERMINATION_CAUSE, c);
        }
        if let Some(m) = self.multiple_services_indicator {
            w.avp_u32(avp::MULTIPLE_SERVICES_INDICATOR, m);
        }
        for m in self.mscc.iter() {
            m.emit(w);
        }
        if let Some(ps) = &self.ps_information {
            ps.emit(w);
        }
    }
}

/// Credit-Control-Answer (RFC 4006 §3.2; TS 32.299 §6.4.3), OCS → PGW.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreditControlAnswer<'a> {
    /// Session-Id, copied from the request.
    pub session_id: &'a str,
    /// Result-Code of the whole request (a rating group's own is in its MSCC).
    pub result_code: u32,
    /// Origin-Host.
    pub origin_host: &'a str,
    /// Origin-Realm.
    pub origin_realm: &'a str,
    /// CC-Request-Type, copied from the request.
    pub request_type: u32,
    /// CC-Request-Number, copied from the request.
    pub request_number: u32,
    /// Multiple-Services-Credit-Control, one per rating group answered.
    pub mscc: Repeated<'a, Mscc>,
    /// Credit-Control-Failure-Handling
    /// ([`codes::failure_handling`](super::codes::failure_handling)).
    pub failure_handling: Option<u32>,
    /// Error-Message.
    pub error_message: Option<&'a str>,
}

impl<'a> CreditControlAnswer<'a> {
    /// Parses a CCA.
    pub fn parse(pkt: &Packet<&'a [u8]>) -> Result<Self, Error> {
        expect_command(pkt, CREDIT_CONTROL, false)?;
        expect_application(pkt, APPLICATION_ID)?;
        let (mut app, mut rtype, mut rnum, mut ccfh) = (None, None, None, None);
        let c = Common::walk(pkt.avps_ref(), |a| {
            match a.key() {
                base_avp::AUTH_APPLICATION_ID => app = Some(a.u32()?),
                avp::CC_REQUEST_TYPE => rtype = Some(a.u32()?),
                avp::CC_REQUEST_NUMBER => rnum = Some(a.u32()?),
                avp::CREDIT_CONTROL_FAILURE_HANDLING => ccfh = Some(a.u32()?),
                _ => {}
            }
            Ok(())
        })?;
        check_application(pkt, app)?;
        Ok(CreditControlAnswer {
            session_id: required(c.session_id, base_avp::SESSION_ID)?,
            result_code: c.result()?.code(),
            origin_host: c.origin_host()?,
            origin_realm: c.origin_realm()?,
            request_type: request_type(pkt, rtype)?,
            request_number: required(rnum, avp::CC_REQUEST_NUMBER)?,
            mscc: Repeated::parse(pkt.avps_ref(), avp::MULTIPLE_SERVICES_CREDIT_CONTROL)?,
            failure_handling: ccfh,
            error_message: c.error_message,
        })
    }
}

impl Emit for CreditControlAnswer<'_> {
    /// Emits a CCA (E bit for a 3xxx Result-Code).
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        let result = crate::wire::diameter::ResultCode::Base(self.result_code);
        w.header(
            result.answer_flags(true),
            CREDIT_CONTROL,
            APPLICATION_ID,
            ids,
        );
        w.avp_str(base_avp::SESSION_ID, self.session_id);
        result.emit(w);
        w.avp_str(base_avp::ORIGIN_HOST, self.origin_host);
        w.avp_str(base_avp::ORIGIN_REALM, self.origin_realm);
        w.avp_u32(base_avp::AUTH_APPLICATION_ID, APPLICATION_ID);
        w.avp_u32(avp::CC_REQUEST_TYPE, self.request_type);
        w.avp_u32(avp::CC_REQUEST_NUMBER, self.request_number);
        for m in self.mscc.iter() {
            m.emit(w);
        }
        if let Some(f) = self.failure_handling {
            w.avp_u32(avp::CREDIT_CONTROL_FAILURE_HANDLING, f);
        }
        if let Some(m) = self.error_message {
            w.avp_str(base_avp::ERROR_MESSAGE, m);
        }
    }
}

/// Auth-Application-Id must be present and say 4 (RFC 4006 §3.1).
fn check_application(pkt: &Packet<&[u8]>, app: Option<u32>) -> Result<(), Error> {
    match required(app, base_avp::AUTH_APPLICATION_ID)? {
        APPLICATION_ID => Ok(()),
        _ => Err(invalid_value(pkt, base_avp::AUTH_APPLICATION_ID)),
    }
}

/// CC-Request-Type must be present and one of the four values of RFC 4006 §8.3.
fn request_type(pkt: &Packet<&[u8]>, value: Option<u32>) -> Result<u32, Error> {
    match required(value, avp::CC_REQUEST_TYPE)? {
        t @ 1..=4 => Ok(t),
        _ => Err(invalid_value(pkt, avp::CC_REQUEST_TYPE)),
    }
}

/// 5004 naming the first top-level AVP with `key`.
fn invalid_value(pkt: &Packet<&[u8]>, key: crate::wire::diameter::AvpKey) -> Error {
    Error::InvalidAvpValue {
        code: key.code,
        offset: pkt.find(key).map_or(0, |a| a.offset()),
    }
}
