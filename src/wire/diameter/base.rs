//! Base protocol messages (RFC 6733 §5.3 CER/CEA, §5.5 DWR/DWA, §5.4 DPR/DPA, §7.2 the generic
//! error answer), the answer outcome (Result-Code §7.1 or Experimental-Result §7.6) and the
//! Vendor-Specific-Application-Id group (§6.11). AVPs are emitted in the order of each command's
//! ABNF; parsing accepts any order and skips AVPs it does not know.

use std::net::IpAddr;

use super::codes::{avp, command, flags, result};
use super::conform;
use super::{
    expect_command, required, Avp, AvpIter, Emit, Error, FailedAvp, FromAvp, Ids, Packet, Repeated,
    Writer,
};

/// The outcome an answer carries: a Result-Code, or an Experimental-Result {Vendor-Id,
/// Experimental-Result-Code} (S6a errors such as 5001 USER_UNKNOWN, TS 29.272 §7.4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultCode {
    /// Result-Code AVP.
    Base(u32),
    /// Experimental-Result AVP.
    Experimental {
        /// Vendor-Id inside the group (10415 for S6a).
        vendor_id: u32,
        /// Experimental-Result-Code.
        code: u32,
    },
}

impl ResultCode {
    /// 2001 DIAMETER_SUCCESS.
    pub const SUCCESS: ResultCode = ResultCode::Base(result::SUCCESS);

    /// The numeric code, whichever AVP carries it.
    pub fn code(&self) -> u32 {
        match *self {
            ResultCode::Base(c) | ResultCode::Experimental { code: c, .. } => c,
        }
    }

    /// Whether it is a success (2xxx).
    pub fn is_success(&self) -> bool {
        (2000..3000).contains(&self.code())
    }

    /// Whether it is a protocol error (Result-Code 3xxx), sent with the E bit.
    pub fn is_protocol_error(&self) -> bool {
        matches!(*self, ResultCode::Base(c) if (3000..4000).contains(&c))
    }

    /// Answer header flags for this outcome: E for protocol errors, plus P if `proxiable`.
    pub fn answer_flags(&self, proxiable: bool) -> u8 {
        let e = if self.is_protocol_error() {
            flags::ERROR
        } else {
            0
        };
        e | if proxiable { flags::PROXIABLE } else { 0 }
    }

    /// Writes the Result-Code or Experimental-Result AVP.
    pub fn emit(&self, w: &mut Writer<'_>) {
        match *self {
            ResultCode::Base(c) => w.avp_u32(avp::RESULT_CODE, c),
            ResultCode::Experimental { vendor_id, code } => {
                let g = w.begin_group(avp::EXPERIMENTAL_RESULT);
                w.avp_u32(avp::VENDOR_ID, vendor_id);
                w.avp_u32(avp::EXPERIMENTAL_RESULT_CODE, code);
                w.end_group(g);
            }
        }
    }

    fn parse_experimental(a: &Avp<'_>) -> Result<Self, Error> {
        let (mut vendor_id, mut code) = (None, None);
        for i in a.group() {
            let i = i?;
            match i.key() {
                avp::VENDOR_ID => vendor_id = Some(i.u32()?),
                avp::EXPERIMENTAL_RESULT_CODE => code = Some(i.u32()?),
                _ => {}
            }
        }
        Ok(ResultCode::Experimental {
            vendor_id: required(vendor_id, avp::VENDOR_ID)?,
            code: required(code, avp::EXPERIMENTAL_RESULT_CODE)?,
        })
    }
}

/// Vendor-Specific-Application-Id (RFC 6733 §6.11): a vendor and one of Auth- or
/// Acct-Application-Id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VendorSpecificAppId {
    /// Vendor-Id.
    pub vendor_id: u32,
    /// Auth-Application-Id.
    pub auth_application_id: Option<u32>,
    /// Acct-Application-Id.
    pub acct_application_id: Option<u32>,
}

impl VendorSpecificAppId {
    /// The S6a one: vendor 3GPP, Auth-Application-Id 16777251.
    pub const S6A: VendorSpecificAppId = VendorSpecificAppId {
        vendor_id: super::codes::vendor::TGPP,
        auth_application_id: Some(super::codes::app::S6A),
        acct_application_id: None,
    };

    /// Writes the grouped AVP.
    pub fn emit(&self, w: &mut Writer<'_>) {
        let g = w.begin_group(avp::VENDOR_SPECIFIC_APPLICATION_ID);
        w.avp_u32(avp::VENDOR_ID, self.vendor_id);
        if let Some(id) = self.auth_application_id {
            w.avp_u32(avp::AUTH_APPLICATION_ID, id);
        }
        if let Some(id) = self.acct_application_id {
            w.avp_u32(avp::ACCT_APPLICATION_ID, id);
        }
        w.end_group(g);
    }
}

impl<'a> FromAvp<'a> for VendorSpecificAppId {
    fn from_avp(a: &Avp<'a>) -> Result<Self, Error> {
        let mut v = VendorSpecificAppId {
            vendor_id: 0,
            auth_application_id: None,
            acct_application_id: None,
        };
        let mut vendor = None;
        for i in a.group() {
            let i = i?;
            match i.key() {
                avp::VENDOR_ID => vendor = Some(i.u32()?),
                avp::AUTH_APPLICATION_ID => v.auth_application_id = Some(i.u32()?),
                avp::ACCT_APPLICATION_ID => v.acct_application_id = Some(i.u32()?),
                _ => {}
            }
        }
        v.vendor_id = required(vendor, avp::VENDOR_ID)?;
        if v.auth_application_id.is_none() && v.acct_application_id.is_none() {
            return Err(Error::MissingAvp {
                code: avp::AUTH_APPLICATION_ID.code,
                vendor_id: 0,
            });
        }
        Ok(v)
    }
}

/// AVPs that many commands share, collected while walking a message.
#[derive(Default)]
pub(crate) struct Common<'a> {
    pub session_id: Option<&'a str>,
    pub origin_host: Option<&'a str>,
    pub origin_realm: Option<&'a str>,
    pub destination_host: Option<&'a str>,
    pub destination_realm: Option<&'a str>,
    pub result: Option<ResultCode>,
    pub origin_state_id: Option<u32>,
    pub error_message: Option<&'a str>,
    pub error_reporting_host: Option<&'a str>,
    pub failed_avp: Option<FailedAvp<'a>>,
    pub auth_session_state: Option<u32>,
    pub vendor_specific_app: Option<VendorSpecificAppId>,
}

impl<'a> Common<'a> {
    /// Takes `a` if it is one of the shared AVPs; `Ok(false)` otherwise.
    pub fn take(&mut self, a: &Avp<'a>) -> Result<bool, Error> {
        match a.key() {
            avp::SESSION_ID => self.session_id = Some(a.utf8()?),
            avp::ORIGIN_HOST => self.origin_host = Some(a.utf8()?),
            avp::ORIGIN_REALM => self.origin_realm = Some(a.utf8()?),
            avp::DESTINATION_HOST => self.destination_host = Some(a.utf8()?),
            avp::DESTINATION_REALM => self.destination_realm = Some(a.utf8()?),
            avp::RESULT_CODE => self.result = Some(ResultCode::Base(a.u32()?)),
            avp::EXPERIMENTAL_RESULT => {
                // A Result-Code, if both are present, wins (RFC 6733 §7.6).
                if !matches!(self.result, Some(ResultCode::Base(_))) {
                    self.result = Some(ResultCode::parse_experimental(a)?);
                }
            }
            avp::ORIGIN_STATE_ID => self.origin_state_id = Some(a.u32()?),
            avp::ERROR_MESSAGE => self.error_message = Some(a.utf8()?),
            avp::ERROR_REPORTING_HOST => self.error_reporting_host = Some(a.utf8()?),
            avp::FAILED_AVP => {
                for i in a.group() {
                    i?;
                }
                self.failed_avp = Some(FailedAvp::Raw(a.data()));
            }
            avp::AUTH_SESSION_STATE => self.auth_session_state = Some(a.u32()?),
            avp::VENDOR_SPECIFIC_APPLICATION_ID => {
                self.vendor_specific_app = Some(VendorSpecificAppId::from_avp(a)?)
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Walks `avps`, giving every AVP that is not a shared one to `other`.
    pub fn walk(
        avps: AvpIter<'a>,
        mut other: impl FnMut(&Avp<'a>) -> Result<(), Error>,
    ) -> Result<Self, Error> {
        let mut c = Common::default();
        for a in avps {
            let a = a?;
            if !c.take(&a)? {
                other(&a)?;
            }
        }
        Ok(c)
    }

    pub fn origin_host(&self) -> Result<&'a str, Error> {
        required(self.origin_host, avp::ORIGIN_HOST)
    }

    pub fn origin_realm(&self) -> Result<&'a str, Error> {
        required(self.origin_realm, avp::ORIGIN_REALM)
    }

    pub fn result(&self) -> Result<ResultCode, Error> {
        required(self.result, avp::RESULT_CODE)
    }
}

/// Writes Error-Message and Failed-AVP when present.
pub(crate) fn emit_error_info(
    w: &mut Writer<'_>,
    error_message: Option<&str>,
    failed: Option<&FailedAvp<'_>>,
) {
    if let Some(m) = error_message {
        w.avp_str(avp::ERROR_MESSAGE, m);
    }
    if let Some(f) = failed {
        w.failed_avp(avp::FAILED_AVP, f);
    }
}

/// What a peer announces in CER and CEA (RFC 6733 §5.3.1, §5.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities<'a> {
    /// Origin-Host.
    pub origin_host: &'a str,
    /// Origin-Realm.
    pub origin_realm: &'a str,
    /// Host-IP-Address, one or more.
    pub host_ip_addresses: Repeated<'a, IpAddr>,
    /// Vendor-Id of the sender.
    pub vendor_id: u32,
    /// Product-Name.
    pub product_name: &'a str,
    /// Origin-State-Id.
    pub origin_state_id: Option<u32>,
    /// Supported-Vendor-Id.
    pub supported_vendor_ids: Repeated<'a, u32>,
    /// Auth-Application-Id.
    pub auth_application_ids: Repeated<'a, u32>,
    /// Acct-Application-Id.
    pub acct_application_ids: Repeated<'a, u32>,
    /// Vendor-Specific-Application-Id.
    pub vendor_specific_application_ids: Repeated<'a, VendorSpecificAppId>,
    /// Firmware-Revision.
    pub firmware_revision: Option<u32>,
}

impl<'a> Capabilities<'a> {
    /// Whether the peer announces `app` (as Auth-Application-Id, in a
    /// Vendor-Specific-Application-Id, or as the relay application).
    pub fn supports_auth_app(&self, app: u32) -> bool {
        self.auth_application_ids
            .iter()
            .any(|a| a == app || a == super::codes::app::RELAY)
            || self
                .vendor_specific_application_ids
                .iter()
                .any(|v| v.auth_application_id == Some(app))
    }

    fn parse(pkt: &Packet<&'a [u8]>) -> Result<(Self, Common<'a>), Error> {
        let avps = pkt.avps_ref();
        let (mut vendor_id, mut product_name, mut firmware) = (None, None, None);
        let c = Common::walk(avps.clone(), |a| {
            match a.key() {
                avp::VENDOR_ID => vendor_id = Some(a.u32()?),
                avp::PRODUCT_NAME => product_name = Some(a.utf8()?),
                avp::FIRMWARE_REVISION => firmware = Some(a.u32()?),
                _ => {}
            }
            Ok(())
        })?;
        let host_ip_addresses = Repeated::parse(avps.clone(), avp::HOST_IP_ADDRESS)?;
        if host_ip_addresses.is_empty() {
            required(None::<()>, avp::HOST_IP_ADDRESS)?;
        }
        let caps = Capabilities {
            origin_host: c.origin_host()?,
            origin_realm: c.origin_realm()?,
            host_ip_addresses,
            vendor_id: required(vendor_id, avp::VENDOR_ID)?,
            product_name: required(product_name, avp::PRODUCT_NAME)?,
            origin_state_id: c.origin_state_id,
            supported_vendor_ids: Repeated::parse(avps.clone(), avp::SUPPORTED_VENDOR_ID)?,
            auth_application_ids: Repeated::parse(avps.clone(), avp::AUTH_APPLICATION_ID)?,
            acct_application_ids: Repeated::parse(avps.clone(), avp::ACCT_APPLICATION_ID)?,
            vendor_specific_application_ids: Repeated::parse(
                avps,
                avp::VENDOR_SPECIFIC_APPLICATION_ID,
            )?,
            firmware_revision: firmware,
        };
        Ok((caps, c))
    }

    fn emit_head(&self, w: &mut Writer<'_>) {
        w.avp_str(avp::ORIGIN_HOST, self.origin_host);
        w.avp_str(avp::ORIGIN_REALM, self.origin_realm);
        for a in self.host_ip_addresses.iter() {
            w.avp_address(avp::HOST_IP_ADDRESS, a);
        }
        w.avp_u32(avp::VENDOR_ID, self.vendor_id);
        w.avp_str(avp::PRODUCT_NAME, self.product_name);
        if let Some(s) = self.origin_state_id {
            w.avp_u32(avp::ORIGIN_STATE_ID, s);
        }
    }

    fn emit_tail(&self, w: &mut Writer<'_>) {
        for v in self.supported_vendor_ids.iter() {
            w.avp_u32(avp::SUPPORTED_VENDOR_ID, v);
        }
        for a in self.auth_application_ids.iter() {
            w.avp_u32(avp::AUTH_APPLICATION_ID, a);
        }
        for a in self.acct_application_ids.iter() {
            w.avp_u32(avp::ACCT_APPLICATION_ID, a);
        }
        for v in self.vendor_specific_application_ids.iter() {
            v.emit(w);
        }
        if let Some(f) = self.firmware_revision {
            w.avp_u32(avp::FIRMWARE_REVISION, f);
        }
    }
}

/// Capabilities-Exchange-Request (RFC 6733 §5.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapabilitiesRequest<'a> {
    /// What the sender announces.
    pub capabilities: Capabilities<'a>,
}

impl<'a> CapabilitiesRequest<'a> {
    /// Parses a CER.
    pub fn parse(pkt: &Packet<&'a [u8]>) -> Result<Self, Error> {
        expect_command(pkt, command::CAPABILITIES_EXCHANGE, true)?;
        conform::CER.check(pkt.avps_ref())?;
        let (capabilities, _) = Capabilities::parse(pkt)?;
        Ok(CapabilitiesRequest { capabilities })
    }
}

impl Emit for CapabilitiesRequest<'_> {
    /// Emits a CER.
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        w.header(flags::REQUEST, command::CAPABILITIES_EXCHANGE, 0, ids);
        self.capabilities.emit_head(w);
        self.capabilities.emit_tail(w);
    }
}

/// Capabilities-Exchange-Answer (RFC 6733 §5.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapabilitiesAnswer<'a> {
    /// Result-Code.
    pub result: ResultCode,
    /// What the sender announces.
    pub capabilities: Capabilities<'a>,
    /// Error-Message.
    pub error_message: Option<&'a str>,
    /// Failed-AVP contents.
    pub failed_avp: Option<FailedAvp<'a>>,
}

impl<'a> CapabilitiesAnswer<'a> {
    /// Parses a CEA.
    pub fn parse(pkt: &Packet<&'a [u8]>) -> Result<Self, Error> {
        expect_command(pkt, command::CAPABILITIES_EXCHANGE, false)?;
        let (capabilities, c) = Capabilities::parse(pkt)?;
        Ok(CapabilitiesAnswer {
            result: c.result()?,
            capabilities,
            error_message: c.error_message,
            failed_avp: c.failed_avp,
        })
    }
}

impl Emit for CapabilitiesAnswer<'_> {
    /// Emits a CEA.
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        let f = self.result.answer_flags(false);
        w.header(f, command::CAPABILITIES_EXCHANGE, 0, ids);
        self.result.emit(w);
        self.capabilities.emit_head(w);
        emit_error_info(w, self.error_message, self.failed_avp.as_ref());
        self.capabilities.emit_tail(w);
    }
}

/// Device-Watchdog-Request (RFC 6733 §5.5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchdogRequest<'a> {
    /// Origin-Host.
    pub origin_host: &'a str,
    /// Origin-Realm.
    pub origin_realm: &'a str,
    /// Origin-State-Id.
    pub origin_state_id: Option<u32>,
}

impl<'a> WatchdogRequest<'a> {
    /// Parses a DWR.
    pub fn parse(pkt: &Packet<&'a [u8]>) -> Result<Self, Error> {
        expect_command(pkt, command::DEVICE_WATCHDOG, true)?;
        conform::DWR.check(pkt.avps_ref())?;
        let c = Common::walk(pkt.avps_ref(), |_| Ok(()))?;
        Ok(WatchdogRequest {
            origin_host: c.origin_host()?,
            origin_realm: c.origin_realm()?,
            origin_state_id: c.origin_state_id,
        })
    }
}

impl Emit for WatchdogRequest<'_> {
    /// Emits a DWR.
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        w.header(flags::REQUEST, command::DEVICE_WATCHDOG, 0, ids);
        w.avp_str(avp::ORIGIN_HOST, self.origin_host);
        w.avp_str(avp::ORIGIN_REALM, self.origin_realm);
        if let Some(s) = self.origin_state_id {
            w.avp_u32(avp::ORIGIN_STATE_ID, s);
        }
    }
}

/// Device-Watchdog-Answer (RFC 6733 §5.5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchdogAnswer<'a> {
    /// Result-Code.
    pub result: ResultCode,
    /// Origin-Host.
    pub origin_host: &'a str,
    /// Origin-Realm.
    pub origin_realm: &'a str,
    /// Error-Message.
    pub error_message: Option<&'a str>,
    /// Origin-State-Id.
    pub origin_state_id: Option<u32>,
}

impl<'a> WatchdogAnswer<'a> {
    /// Parses a DWA.
    pub fn parse(pkt: &Packet<&'a [u8]>) -> Result<Self, Error> {
        expect_command(pkt, command::DEVICE_WATCHDOG, false)?;
        let c = Common::walk(pkt.avps_ref(), |_| Ok(()))?;
        Ok(WatchdogAnswer {
            result: c.result()?,
            origin_host: c.origin_host()?,
            origin_realm: c.origin_realm()?,
            error_message: c.error_message,
            origin_state_id: c.origin_state_id,
        })
    }
}

impl Emit for WatchdogAnswer<'_> {
    /// Emits a DWA.
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        w.header(
            self.result.answer_flags(false),
            command::DEVICE_WATCHDOG,
            0,
            ids,
        );
        self.result.emit(w);
        w.avp_str(avp::ORIGIN_HOST, self.origin_host);
        w.avp_str(avp::ORIGIN_REALM, self.origin_realm);
        emit_error_info(w, self.error_message, None);
        if let Some(s) = self.origin_state_id {
            w.avp_u32(avp::ORIGIN_STATE_ID, s);
        }
    }
}

/// Disconnect-Peer-Request (RFC 6733 §5.4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DisconnectRequest<'a> {
    /// Origin-Host.
    pub origin_host: &'a str,
    /// Origin-Realm.
    pub origin_realm: &'a str,
    /// Disconnect-Cause ([`codes::disconnect_cause`](super::codes::disconnect_cause)).
    pub disconnect_cause: u32,
}

impl<'a> DisconnectRequest<'a> {
    /// Parses a DPR.
    pub fn parse(pkt: &Packet<&'a [u8]>) -> Result<Self, Error> {
        expect_command(pkt, command::DISCONNECT_PEER, true)?;
        conform::DPR.check(pkt.avps_ref())?;
        let mut cause = None;
        let c = Common::walk(pkt.avps_ref(), |a| {
            if a.key() == avp::DISCONNECT_CAUSE {
                cause = Some(a.u32()?);
            }
            Ok(())
        })?;
        Ok(DisconnectRequest {
            origin_host: c.origin_host()?,
            origin_realm: c.origin_realm()?,
            disconnect_cause: required(cause, avp::DISCONNECT_CAUSE)?,
        })
    }
}

impl Emit for DisconnectRequest<'_> {
    /// Emits a DPR.
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        w.header(flags::REQUEST, command::DISCONNECT_PEER, 0, ids);
        w.avp_str(avp::ORIGIN_HOST, self.origin_host);
        w.avp_str(avp::ORIGIN_REALM, self.origin_realm);
        w.avp_u32(avp::DISCONNECT_CAUSE, self.disconnect_cause);
    }
}

/// Disconnect-Peer-Answer (RFC 6733 §5.4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DisconnectAnswer<'a> {
    /// Result-Code.
    pub result: ResultCode,
    /// Origin-Host.
    pub origin_host: &'a str,
    /// Origin-Realm.
    pub origin_realm: &'a str,
    /// Error-Message.
    pub error_message: Option<&'a str>,
}

impl<'a> DisconnectAnswer<'a> {
    /// Parses a DPA.
    pub fn parse(pkt: &Packet<&'a [u8]>) -> Result<Self, Error> {
        expect_command(pkt, command::DISCONNECT_PEER, false)?;
        let c = Common::walk(pkt.avps_ref(), |_| Ok(()))?;
        Ok(DisconnectAnswer {
            result: c.result()?,
            origin_host: c.origin_host()?,
            origin_realm: c.origin_realm()?,
            error_message: c.error_message,
        })
    }
}

impl Emit for DisconnectAnswer<'_> {
    /// Emits a DPA.
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        w.header(
            self.result.answer_flags(false),
            command::DISCONNECT_PEER,
            0,
            ids,
        );
        self.result.emit(w);
        w.avp_str(avp::ORIGIN_HOST, self.origin_host);
        w.avp_str(avp::ORIGIN_REALM, self.origin_realm);
        emit_error_info(w, self.error_message, None);
    }
}

/// Any answer reduced to its outcome, and the generic error answer (RFC 6733 §7.2) that a node
/// sends when it cannot process a request, e.g. one that failed to parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorAnswer<'a> {
    /// Command code of the request.
    pub command_code: u32,
    /// Application-ID of the request.
    pub application_id: u32,
    /// P bit of the request, copied.
    pub proxiable: bool,
    /// Session-Id of the request, if it had one.
    pub session_id: Option<&'a str>,
    /// Origin-Host of the answering node.
    pub origin_host: &'a str,
    /// Origin-Realm of the answering node.
    pub origin_realm: &'a str,
    /// Result-Code or Experimental-Result.
    pub result: ResultCode,
    /// Origin-State-Id.
    pub origin_state_id: Option<u32>,
    /// Error-Message.
    pub error_message: Option<&'a str>,
    /// Error-Reporting-Host.
    pub error_reporting_host: Option<&'a str>,
    /// Failed-AVP contents.
    pub failed_avp: Option<FailedAvp<'a>>,
}

impl<'a> ErrorAnswer<'a> {
    /// An answer to `request` (command, application, P bit and Session-Id copied) carrying
    /// `result`; fill in the optional fields afterwards. When the request failed to parse, use
    /// `err.result_code()` and `err.failed_avp(request.message())`.
    pub fn for_request<T: AsRef<[u8]>>(
        request: &'a Packet<T>,
        origin_host: &'a str,
        origin_realm: &'a str,
        result: ResultCode,
    ) -> Self {
        ErrorAnswer {
            command_code: request.command_code(),
            application_id: request.application_id(),
            proxiable: request.is_proxiable(),
            session_id: request.find(avp::SESSION_ID).and_then(|a| a.utf8().ok()),
            origin_host,
            origin_realm,
            result,
            origin_state_id: None,
            error_message: None,
            error_reporting_host: None,
            failed_avp: None,
        }
    }

    /// Parses any answer down to its outcome (useful for E-bit answers from relays).
    pub fn parse(pkt: &Packet<&'a [u8]>) -> Result<Self, Error> {
        if pkt.is_request() {
            return Err(Error::UnexpectedCommand {
                code: pkt.command_code(),
                request: true,
            });
        }
        let c = Common::walk(pkt.avps_ref(), |_| Ok(()))?;
        Ok(ErrorAnswer {
            command_code: pkt.command_code(),
            application_id: pkt.application_id(),
            proxiable: pkt.is_proxiable(),
            session_id: c.session_id,
            origin_host: c.origin_host()?,
            origin_realm: c.origin_realm()?,
            result: c.result()?,
            origin_state_id: c.origin_state_id,
            error_message: c.error_message,
            error_reporting_host: c.error_reporting_host,
            failed_avp: c.failed_avp,
        })
    }
}

impl Emit for ErrorAnswer<'_> {
    /// Emits the answer: E bit set for 3xxx, AVPs in the order of RFC 6733 §7.2.
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        let f = self.result.answer_flags(self.proxiable);
        w.header(f, self.command_code, self.application_id, ids);
        if let Some(s) = self.session_id {
            w.avp_str(avp::SESSION_ID, s);
        }
        w.avp_str(avp::ORIGIN_HOST, self.origin_host);
        w.avp_str(avp::ORIGIN_REALM, self.origin_realm);
        self.result.emit(w);
        if let Some(s) = self.origin_state_id {
            w.avp_u32(avp::ORIGIN_STATE_ID, s);
        }
        if let Some(m) = self.error_message {
            w.avp_str(avp::ERROR_MESSAGE, m);
        }
        if let Some(h) = self.error_reporting_host {
            w.avp_str(avp::ERROR_REPORTING_HOST, h);
        }
        if let Some(f) = &self.failed_avp {
            w.failed_avp(avp::FAILED_AVP, f);
        }
    }
}
