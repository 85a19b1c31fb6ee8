//! The Grouped AVPs of a Gy exchange: Subscription-Id (RFC 4006 §8.46), the service units
//! Requested-, Granted- and Used-Service-Unit (§8.18, §8.17, §8.19),
//! Final-Unit-Indication (§8.34), Multiple-Services-Credit-Control (§8.16 with the 3GPP members
//! of TS 32.299 §7.1.9) and Service-Information/PS-Information (TS 32.299 §7.2.192, §7.2.158).
//! Each is a `Copy` value that parses from its AVP (errors name the inner AVP) and writes itself
//! through a [`Writer`] in the order of its ABNF.

use super::codes::avp;
use crate::wire::diameter::codes::avp as base_avp;
use crate::wire::diameter::{required, Avp, Error, FromAvp, Writer};

/// Subscription-Id: who is charged (RFC 4006 §8.46).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubscriptionId<'a> {
    /// Subscription-Id-Type ([`codes::subscription_id_type`](super::codes::subscription_id_type)).
    pub kind: u32,
    /// Subscription-Id-Data: the IMSI or MSISDN digits.
    pub data: &'a str,
}

impl<'a> SubscriptionId<'a> {
    /// An END_USER_IMSI id.
    pub const fn imsi(digits: &'a str) -> Self {
        SubscriptionId {
            kind: super::codes::subscription_id_type::IMSI,
            data: digits,
        }
    }

    /// An END_USER_E164 id (the MSISDN).
    pub const fn msisdn(digits: &'a str) -> Self {
        SubscriptionId {
            kind: super::codes::subscription_id_type::E164,
            data: digits,
        }
    }

    /// Writes the grouped AVP.
    pub fn emit(&self, w: &mut Writer<'_>) {
        let g = w.begin_group(avp::SUBSCRIPTION_ID);
        w.avp_u32(avp::SUBSCRIPTION_ID_TYPE, self.kind);
        w.avp_str(avp::SUBSCRIPTION_ID_DATA, self.data);
        w.end_group(g);
    }
}

impl<'a> FromAvp<'a> for SubscriptionId<'a> {
    fn from_avp(a: &Avp<'a>) -> Result<Self, Error> {
        let (mut kind, mut data) = (None, None);
        for i in a.group() {
            let i = i?;
            match i.key() {
                avp::SUBSCRIPTION_ID_TYPE => kind = Some(i.u32()?),
                avp::SUBSCRIPTION_ID_DATA => data = Some(i.utf8()?),
                _ => {}
            }
        }
        Ok(SubscriptionId {
            kind: required(kind, avp::SUBSCRIPTION_ID_TYPE)?,
            data: required(data, avp::SUBSCRIPTION_ID_DATA)?,
        })
    }
}

/// The units of a Requested-, Granted- or Used-Service-Unit (RFC 4006 §8.17-§8.19): time and
/// volume; money and service-specific units are not modelled. All absent is an empty group (an
/// RSU that leaves the amount to the server).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServiceUnit {
    /// CC-Time, seconds.
    pub time: Option<u32>,
    /// CC-Total-Octets.
    pub total_octets: Option<u64>,
    /// CC-Input-Octets (uplink).
    pub input_octets: Option<u64>,
    /// CC-Output-Octets (downlink).
    pub output_octets: Option<u64>,
}

impl ServiceUnit {
    /// A volume of `octets` in CC-Total-Octets.
    pub const fn total(octets: u64) -> Self {
        ServiceUnit {
            time: None,
            total_octets: Some(octets),
            input_octets: None,
            output_octets: None,
        }
    }

    /// The volume the unit stands for: CC-Total-Octets, else input plus output.
    pub fn volume(&self) -> u64 {
        self.total_octets.unwrap_or_else(|| {
            self.input_octets
                .unwrap_or(0)
                .saturating_add(self.output_octets.unwrap_or(0))
        })
    }

    fn emit(&self, w: &mut Writer<'_>, key: crate::wire::diameter::AvpKey) {
        let g = w.begin_group(key);
        if let Some(t) = self.time {
            w.avp_u32(avp::CC_TIME, t);
        }
        if let Some(v) = self.total_octets {
            w.avp_u64(avp::CC_TOTAL_OCTETS, v);
        }
        if let Some(v) = self.input_octets {
            w.avp_u64(avp::CC_INPUT_OCTETS, v);
        }
        if let Some(v) = self.output_octets {
            w.avp_u64(avp::CC_OUTPUT_OCTETS, v);
        }
        w.end_group(g);
    }

    fn parse(a: &Avp<'_>) -> Result<Self, Error> {
        let mut u = ServiceUnit::default();
        for i in a.group() {
            let i = i?;
            match i.key() {
                avp::CC_TIME => u.time = Some(i.u32()?),
                avp::CC_TOTAL_OCTETS => u.total_octets = Some(i.u64()?),
                avp::CC_INPUT_OCTETS => u.input_octets = Some(i.u64()?),
                avp::CC_OUTPUT_OCTETS => u.output_octets = Some(i.u64()?),
                _ => {}
            }
        }
        Ok(u)
    }
}

/// Final-Unit-Indication (RFC 4006 §8.34): what the client does once the granted units are
/// used. Only Final-Unit-Action is modelled (no filter rules or redirect server).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FinalUnitIndication {
    /// Final-Unit-Action ([`codes::final_unit_action`](super::codes::final_unit_action)).
    pub action: u32,
}

impl FinalUnitIndication {
    fn emit(&self, w: &mut Writer<'_>) {
        let g = w.begin_group(avp::FINAL_UNIT_INDICATION);
        w.avp_u32(avp::FINAL_UNIT_ACTION, self.action);
        w.end_group(g);
    }

    fn parse(a: &Avp<'_>) -> Result<Self, Error> {
        let mut action = None;
        for i in a.group() {
            let i = i?;
            if i.key() == avp::FINAL_UNIT_ACTION {
                action = Some(i.u32()?);
            }
        }
        Ok(FinalUnitIndication {
            action: required(action, avp::FINAL_UNIT_ACTION)?,
        })
    }
}

/// Multiple-Services-Credit-Control (RFC 4006 §8.16, TS 32.299 §7.1.9): the credit of one rating
/// group. A request carries RSU and USU, an answer GSU, Validity-Time, Result-Code, FUI and the
/// threshold. One Used-Service-Unit is modelled (TS 32.299 allows several, one per tariff
/// period).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mscc {
    /// Granted-Service-Unit.
    pub granted: Option<ServiceUnit>,
    /// Requested-Service-Unit.
    pub requested: Option<ServiceUnit>,
    /// Used-Service-Unit.
    pub used: Option<ServiceUnit>,
    /// Rating-Group.
    pub rating_group: Option<u32>,
    /// Validity-Time, seconds.
    pub validity_time: Option<u32>,
    /// Result-Code of this rating group.
    pub result_code: Option<u32>,
    /// Final-Unit-Indication.
    pub final_unit: Option<FinalUnitIndication>,
    /// Volume-Quota-Threshold, octets left of the grant at which the client reports.
    pub volume_quota_threshold: Option<u32>,
    /// 3GPP-Reporting-Reason ([`codes::reporting_reason`](super::codes::reporting_reason)).
    pub reporting_reason: Option<u32>,
}

impl Mscc {
    /// Writes the grouped AVP.
    pub fn emit(&self, w: &mut Writer<'_>) {
        let g = w.begin_group(avp::MULTIPLE_SERVICES_CREDIT_CONTROL);
        if let Some(u) = &self.granted {
            u.emit(w, avp::GRANTED_SERVICE_UNIT);
        }
        if let Some(u) = &self.requested {
            u.emit(w, avp::REQUESTED_SERVICE_UNIT);
        }
        if let Some(u) = &self.used {
            u.emit(w, avp::USED_SERVICE_UNIT);
        }
        if let Some(r) = self.rating_group {
            w.avp_u32(avp::RATING_GROUP, r);
        }
        if let Some(v) = self.validity_time {
            w.avp_u32(avp::VALIDITY_TIME, v);
        }
        if let Some(r) = self.result_code {
            w.avp_u32(base_avp::RESULT_CODE, r);
        }
        if let Some(f) = &self.final_unit {
            f.emit(w);
        }
        if let Some(t) = self.volume_quota_threshold {
            w.avp_u32(avp::VOLUME_QUOTA_THRESHOLD, t);
        }
        if let Some(r) = self.reporting_reason {
            w.avp_u32(avp::REPORTING_REASON, r);
        }
        w.end_group(g);
    }
}

impl<'a> FromAvp<'a> for Mscc {
    fn from_avp(a: &Avp<'a>) -> Result<Self, Error> {
        let mut m = Mscc::default();
        for i in a.group() {
            let i = i?;
            match i.key() {
                avp::GRANTED_SERVICE_UNIT => m.granted = Some(ServiceUnit::parse(&i)?),
                avp::REQUESTED_SERVICE_UNIT => m.requested = Some(ServiceUnit::parse(&i)?),
                avp::USED_SERVICE_UNIT => m.used = Some(ServiceUnit::parse(&i)?),
                avp::RATING_GROUP => m.rating_group = Some(i.u32()?),
                avp::VALIDITY_TIME => m.validity_time = Some(i.u32()?),
                base_avp::RESULT_CODE => m.result_code = Some(i.u32()?),
                avp::FINAL_UNIT_INDICATION => m.final_unit = Some(FinalUnitIndication::parse(&i)?),
                avp::VOLUME_QUOTA_THRESHOLD => m.volume_quota_threshold = Some(i.u32()?),
                avp::REPORTING_REASON => m.reporting_reason = Some(i.u32()?),
                _ => {}
            }
        }
        Ok(m)
    }
}

/// PS-Information inside Service-Information (TS 32.299 §7.2.158, §7.2.192): what the PGW knows
/// of the bearer. The 3GPP attributes are encoded as TS 29.061 §16.4.7.2 says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PsInformation<'a> {
    /// 3GPP-Charging-Id: the bearer's charging id, four octets.
    pub charging_id: Option<u32>,
    /// Called-Station-Id: the APN.
    pub called_station_id: Option<&'a str>,
    /// 3GPP-Charging-Characteristics: four hex digits, e.g. "0800".
    pub charging_characteristics: Option<&'a str>,
    /// 3GPP-SGSN-MCC-MNC: the visited PLMN as MCC and MNC digits, e.g. "20801".
    pub sgsn_mcc_mnc: Option<&'a str>,
    /// 3GPP-User-Location-Info: a location type octet (130: TAI and ECGI), then the location.
    pub user_location_info: Option<&'a [u8]>,
    /// 3GPP-RAT-Type, one octet ([`codes::rat_type`](super::codes::rat_type)).
    pub rat_type: Option<u8>,
}

impl PsInformation<'_> {
    /// Writes Service-Information holding this PS-Information.
    pub fn emit(&self, w: &mut Writer<'_>) {
        let si = w.begin_group(avp::SERVICE_INFORMATION);
        let ps = w.begin_group(avp::PS_INFORMATION);
        if let Some(id) = self.charging_id {
            w.avp_octets(avp::TGPP_CHARGING_ID, &id.to_be_bytes());
        }
        if let Some(apn) = self.called_station_id {
            w.avp_str(avp::CALLED_STATION_ID, apn);
        }
        if let Some(cc) = self.charging_characteristics {
            w.avp_str(avp::TGPP_CHARGING_CHARACTERISTICS, cc);
        }
        if let Some(p) = self.sgsn_mcc_mnc {
            w.avp_str(avp::TGPP_SGSN_MCC_MNC, p);
        }
        if let Some(uli) = self.user_location_info {
            w.avp_octets(avp::TGPP_USER_LOCATION_INFO, uli);
        }
        if let Some(r) = self.rat_type {
            w.avp_octets(avp::TGPP_RAT_TYPE, &[r]);
        }
        w.end_group(ps);
        w.end_group(si);
    }
}

impl<'a> PsInformation<'a> {
    /// Parses Service-Information; `None` when it holds no PS-Information.
    pub fn parse_service_information(a: &Avp<'a>) -> Result<Option<Self>, Error> {
        let mut out = None;
        for i in a.group() {
            let i = i?;
            if i.key() != avp::PS_INFORMATION {
                continue;
            }
            let mut ps = PsInformation::default();
            for j in i.group() {
                let j = j?;
                match j.key() {
                    avp::TGPP_CHARGING_ID => {
                        ps.charging_id = Some(u32::from_be_bytes(*j.array::<4>()?))
                    }
                    avp::CALLED_STATION_ID => ps.called_station_id = Some(j.utf8()?),
                    avp::TGPP_CHARGING_CHARACTERISTICS => {
                        ps.charging_characteristics = Some(j.utf8()?)
                    }
                    avp::TGPP_SGSN_MCC_MNC => ps.sgsn_mcc_mnc = Some(j.utf8()?),
                    avp::TGPP_USER_LOCATION_INFO => ps.user_location_info = Some(j.data()),
                    avp::TGPP_RAT_TYPE => ps.rat_type = Some(j.array::<1>()?[0]),
                    _ => {}
                }
            }
            out = Some(ps);
        }
        Ok(out)
    }
}
