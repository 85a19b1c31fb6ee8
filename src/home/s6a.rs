//! The HSS on the wire: S6a requests (TS 29.272 §7.2) decoded from a Diameter connection, handed
//! to the sans-IO [`Hss`], and answered on the same connection; the
//! Cancel-Location an MME change calls for (§5.2.1.2) is built here and sent by the caller on the
//! old MME's connection.
//!
//! Call order: for each [`Incoming::Request`](crate::proto::diameter::Incoming) call
//! [`HssService::handle_request`]; if it returns a [`CancelLocation`], find the connection of
//! `cancel.peer.host` and call [`HssService::send_clr`] on its peer; feed the CLA back with
//! [`HssService::handle_answer`] (or [`HssService::handle_clr_timeout`]).

use std::collections::HashMap;
use std::str::FromStr;

use crate::model::{Imsi, Micros, Plmn};
use crate::proto::diameter::{Peer, PeerError};
use crate::wire::diameter::codes::{avp, command, result, vendor};
use crate::wire::diameter::{Error as WireError, FailedAvp, Packet, Repeated, ResultCode};
use crate::wire::s6a::{
    self, AllocationRetentionPriority, AnswerCommon, ApnConfiguration, ApnConfigurationProfile,
    AuthInfoAnswer, AuthInfoRequest, CancelLocationAnswer, CancelLocationRequest,
    EpsSubscribedQosProfile, EutranVector, PurgeUeAnswer, PurgeUeRequest, RequestCommon,
    UpdateLocationAnswer, UpdateLocationRequest,
};

use super::hss::{CancelLocation, Hss, HssError, PeerRef, Resync, SubscriptionData};

/// Subscriber-Status SERVICE_GRANTED (TS 29.272 §7.3.29).
const SUBSCRIBER_STATUS_SERVICE_GRANTED: u32 = 0;
/// Network-Access-Mode ONLY_PACKET (TS 29.272 §7.3.21).
const NETWORK_ACCESS_MODE_ONLY_PACKET: u32 = 2;
/// All-APN-Configurations-Included-Indicator All_APN_CONFIGURATIONS_INCLUDED (§7.3.44).
const ALL_APN_CONFIGURATIONS_INCLUDED: u32 = 0;
/// Pre-emption-Capability / -Vulnerability: ENABLED (0), DISABLED (1) (TS 29.212 §5.3.46-47).
const fn enabled(b: bool) -> u32 {
    if b {
        0
    } else {
        1
    }
}

const PLACEHOLDER: crate::model::aka::EutranVector = crate::model::aka::EutranVector {
    rand: [0; 16],
    xres: [0; 8],
    autn: [0; 16],
    kasme: [0; 32],
};

/// Counters of what the service saw besides the HSS's own per-code counts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct S6aCounters {
    /// Requests that failed to decode and were answered with a protocol or permanent error.
    pub malformed: u64,
    /// S6a commands the HSS does not serve (answered 3001).
    pub unsupported: u64,
    /// CLRs sent to old MMEs.
    pub clr_sent: u64,
    /// CLRs that could not be sent (old MME not connected) or got no CLA in time.
    pub clr_failed: u64,
}

/// The HSS as an S6a server (see the module docs for the call order).
pub struct HssService {
    hss: Hss,
    session_high: u32,
    session_low: u32,
    clr_pending: HashMap<u64, Imsi>,
    next_token: u64,
    counters: S6aCounters,
}

impl HssService {
    /// Wraps an HSS; `boot` (e.g. the start time in seconds) makes Session-Ids unique across
    /// restarts (RFC 6733 §8.8).
    pub fn new(hss: Hss, boot: u32) -> HssService {
        HssService {
            hss,
            session_high: boot,
            session_low: 0,
            clr_pending: HashMap::new(),
            next_token: 1,
            counters: S6aCounters::default(),
        }
    }

    /// The HSS behind the service.
    pub fn hss(&self) -> &Hss {
        &self.hss
    }

    /// The HSS behind the service, to restore or to take its changes.
    pub fn hss_mut(&mut self) -> &mut Hss {
        &mut self.hss
    }

    /// Our Origin-Host and Origin-Realm.
    pub fn identity(&self) -> &PeerRef {
        self.hss.identity()
    }

    /// Counters of decode failures and CLRs.
    pub fn counters(&self) -> S6aCounters {
        self.counters
    }

    /// Whether a peer that sent CER with this Origin-Host/Realm may connect.
    pub fn admit(&self, host: &str, realm: &str) -> bool {
        self.hss.admit_peer(host, realm).is_ok()
    }

    /// Answers one S6a request on `peer`'s connection. Returns the CLR to send when the
    /// subscriber's serving MME changed.
    pub fn handle_request(
        &mut self,
        req: &Packet<&[u8]>,
        peer: &mut Peer,
    ) -> Option<CancelLocation> {
        let outcome = match req.command_code() {
            command::AUTHENTICATION_INFORMATION => self.on_air(req, peer).map(|()| None),
            command::UPDATE_LOCATION => self.on_ulr(req, peer),
            command::PURGE_UE => self.on_pur(req, peer).map(|()| None),
            _ => {
                self.counters.unsupported += 1;
                peer.answer_error(
                    req,
                    ResultCode::Base(result::COMMAND_UNSUPPORTED),
                    None,
                    None,
                );
                return None;
            }
        };
        match outcome {
            Ok(cancel) => cancel,
            Err(Reject::Wire(e)) => {
                self.counters.malformed += 1;
                peer.answer_parse_error(req, e);
                None
            }
            Err(Reject::Value(key_code)) => {
                self.counters.malformed += 1;
                let failed = req
                    .avps_ref()
                    .map_while(Result::ok)
                    .find(|a| a.code() == key_code)
                    .map(|a| FailedAvp::Raw(&req.message_ref()[a.range()]));
                peer.answer_error(
                    req,
                    ResultCode::Base(result::INVALID_AVP_VALUE),
                    failed,
                    None,
                );
                None
            }
        }
    }

    fn on_air(&mut self, req: &Packet<&[u8]>, peer: &mut Peer) -> Result<(), Reject> {
        let air = AuthInfoRequest::parse(req)?;
        let imsi = parse_imsi(air.user_name)?;
        let visited = parse_plmn(air.visited_plmn_id)?;
        let (n, resync_info) = air.requested_eutran.map_or((1, None), |e| {
            (
                e.number_of_requested_vectors.unwrap_or(1),
                e.re_synchronization_info,
            )
        });
        let resync = match resync_info {
            Some(info) => Some(parse_resync(info)?),
            None => None,
        };
        let id = self.hss.identity().clone();
        let vectors = self.hss.authentication_info(imsi, visited, n, resync);
        let common = answer_common(&air.common, &id, vectors.as_ref().err().copied());
        let v: &[crate::model::aka::EutranVector] = vectors.as_deref().unwrap_or(&[]);
        // A fixed array of views (no allocation per answer); only the first `v.len()` are sent.
        let items: [EutranVector<'_>; 5] = std::array::from_fn(|i| {
            let x = v.get(i).unwrap_or(&PLACEHOLDER);
            EutranVector {
                item_number: Some(i as u32 + 1),
                rand: &x.rand,
                xres: &x.xres,
                autn: &x.autn,
                kasme: &x.kasme,
            }
        });
        let aia = AuthInfoAnswer {
            common,
            vectors: Repeated::from_slice(&items[..v.len()]),
        };
        peer.send_answer(req.ids(), &aia);
        Ok(())
    }

    fn on_ulr(
        &mut self,
        req: &Packet<&[u8]>,
        peer: &mut Peer,
    ) -> Result<Option<CancelLocation>, Reject> {
        let ulr = UpdateLocationRequest::parse(req)?;
        let imsi = parse_imsi(ulr.user_name)?;
        let visited = parse_plmn(ulr.visited_plmn_id)?;
        let id = self.hss.identity().clone();
        let (mme_host, mme_realm) = (ulr.common.origin_host, ulr.common.origin_realm);
        match self
            .hss
            .update_location(imsi, visited, mme_host, mme_realm, ulr.ulr_flags)
        {
            Ok(ul) => {
                let common = answer_common(&ulr.common, &id, None);
                let msisdn = ul.subscription.as_ref().map(|s| s.msisdn.to_tbcd());
                let sub = ul.subscription.as_ref().zip(msisdn.as_ref());
                let apn = sub.map(|(s, _)| apn_configuration(s));
                let apns = apn.as_slice();
                let data = sub.map(|(s, (tbcd, len))| s6a::SubscriptionData {
                    subscriber_status: Some(SUBSCRIBER_STATUS_SERVICE_GRANTED),
                    msisdn: Some(&tbcd[..*len]),
                    network_access_mode: Some(NETWORK_ACCESS_MODE_ONLY_PACKET),
                    ambr: Some(s6a::Ambr {
                        max_requested_bandwidth_ul: s.ue_ambr.uplink,
                        max_requested_bandwidth_dl: s.ue_ambr.downlink,
                    }),
                    apn_configuration_profile: Some(ApnConfigurationProfile {
                        context_identifier: 1,
                        all_apn_configurations_included_indicator: ALL_APN_CONFIGURATIONS_INCLUDED,
                        apn_configurations: Repeated::from_slice(apns),
                    }),
                });
                let ula = UpdateLocationAnswer {
                    common,
                    ula_flags: Some(ul.ula_flags),
                    subscription_data: data,
                };
                peer.send_answer(req.ids(), &ula);
                Ok(ul.cancel_old)
            }
            Err(e) => {
                let ula = UpdateLocationAnswer {
                    common: answer_common(&ulr.common, &id, Some(e)),
                    ula_flags: None,
                    subscription_data: None,
                };
                peer.send_answer(req.ids(), &ula);
                Ok(None)
            }
        }
    }

    fn on_pur(&mut self, req: &Packet<&[u8]>, peer: &mut Peer) -> Result<(), Reject> {
        let pur = PurgeUeRequest::parse(req)?;
        let imsi = parse_imsi(pur.user_name)?;
        let id = self.hss.identity().clone();
        let r = self.hss.purge(imsi, pur.common.origin_host);
        let pua = PurgeUeAnswer {
            common: answer_common(&pur.common, &id, r.err()),
            pua_flags: r.ok().map(|p| p.pua_flags),
        };
        peer.send_answer(req.ids(), &pua);
        Ok(())
    }

    /// Sends the CLR for `cancel` on the old MME's connection (`peer`).
    pub fn send_clr(
        &mut self,
        now: Micros,
        cancel: &CancelLocation,
        peer: &mut Peer,
    ) -> Result<(), PeerError> {
        let token = self.next_token;
        self.next_token += 1;
        let session = self.next_session_id();
        let (digits, len) = cancel.imsi.ascii();
        let user_name = std::str::from_utf8(&digits[..len]).unwrap_or("");
        let id = self.hss.identity();
        let clr = CancelLocationRequest {
            common: RequestCommon {
                session_id: &session,
                origin_host: &id.host,
                origin_realm: &id.realm,
                destination_host: Some(&cancel.peer.host),
                destination_realm: &cancel.peer.realm,
            },
            user_name,
            cancellation_type: cancel.cancellation_type.code(),
            clr_flags: Some(cancel.clr_flags),
        };
        match peer.send_request(now, token, &clr) {
            Ok(_) => {
                self.clr_pending.insert(token, cancel.imsi);
                self.counters.clr_sent += 1;
                Ok(())
            }
            Err(e) => {
                self.counters.clr_failed += 1;
                Err(e)
            }
        }
    }

    /// Counts a CLR whose old MME had no open connection.
    pub fn clr_undeliverable(&mut self) {
        self.counters.clr_failed += 1;
    }

    /// Takes an answer from an MME (a CLA) matched to `token`.
    pub fn handle_answer(&mut self, token: u64, answer: &Packet<&[u8]>) {
        let Some(imsi) = self.clr_pending.remove(&token) else {
            return;
        };
        let code = match CancelLocationAnswer::parse(answer) {
            Ok(cla) => cla.common.result.code(),
            Err(e) => e.result_code(),
        };
        self.hss.cancel_ack(imsi, code);
    }

    /// A CLR got no CLA in time.
    pub fn handle_clr_timeout(&mut self, token: u64) {
        if self.clr_pending.remove(&token).is_some() {
            self.counters.clr_failed += 1;
        }
    }

    fn next_session_id(&mut self) -> String {
        self.session_low = self.session_low.wrapping_add(1);
        format!(
            "{};{};{}",
            self.hss.identity().host,
            self.session_high,
            self.session_low
        )
    }
}

/// Why a request could not be served: a decode error, or the AVP (by code) whose value is
/// unusable (answered 5004 DIAMETER_INVALID_AVP_VALUE with that AVP as Failed-AVP).
enum Reject {
    Wire(WireError),
    Value(u32),
}

impl From<WireError> for Reject {
    fn from(e: WireError) -> Reject {
        Reject::Wire(e)
    }
}

fn parse_imsi(user_name: &str) -> Result<Imsi, Reject> {
    Imsi::from_str(user_name).map_err(|_| Reject::Value(avp::USER_NAME.code))
}

fn parse_plmn(octets: [u8; 3]) -> Result<Plmn, Reject> {
    Plmn::from_tbcd(octets).map_err(|_| Reject::Value(avp::VISITED_PLMN_ID.code))
}

/// Re-Synchronization-Info is RAND (16) ‖ AUTS (14) (TS 29.272 §7.3.15).
fn parse_resync(info: &[u8]) -> Result<Resync, Reject> {
    if info.len() != 30 {
        return Err(Reject::Value(avp::RE_SYNCHRONIZATION_INFO.code));
    }
    let mut r = Resync {
        rand: [0; 16],
        auts: [0; 14],
    };
    r.rand.copy_from_slice(&info[..16]);
    r.auts.copy_from_slice(&info[16..]);
    Ok(r)
}

fn answer_common<'a>(
    req: &RequestCommon<'a>,
    id: &'a PeerRef,
    error: Option<HssError>,
) -> AnswerCommon<'a> {
    let mut c = AnswerCommon::success(req.session_id, &id.host, &id.realm);
    if let Some(e) = error {
        c.result = if e.is_experimental() {
            ResultCode::Experimental {
                vendor_id: vendor::TGPP,
                code: e.code(),
            }
        } else {
            ResultCode::Base(e.code())
        };
    }
    c
}

fn apn_configuration<'a>(s: &SubscriptionData<'a>) -> ApnConfiguration<'a> {
    let apn = s.apn;
    ApnConfiguration {
        context_identifier: 1,
        pdn_type: apn.pdn_type.code(),
        service_selection: &apn.name,
        eps_subscribed_qos_profile: Some(EpsSubscribedQosProfile {
            qos_class_identifier: apn.qci as u32,
            allocation_retention_priority: AllocationRetentionPriority {
                priority_level: apn.arp.priority_level as u32,
                pre_emption_capability: Some(enabled(apn.arp.pre_emption_capability)),
                pre_emption_vulnerability: Some(enabled(apn.arp.pre_emption_vulnerability)),
            },
        }),
        ambr: Some(s6a::Ambr {
            max_requested_bandwidth_ul: apn.ambr.uplink,
            max_requested_bandwidth_dl: apn.ambr.downlink,
        }),
    }
}
