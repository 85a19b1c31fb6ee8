//! Charging data records of the EPC gateways in ASN.1 BER (TS 32.298, module
//! `GPRSChargingDataTypes`, `DEFINITIONS IMPLICIT TAGS`): the PGW-CDR (`GPRSRecord` choice
//! `pGWRecord [79]`, recordType 85) that the home PGW writes and the SGW-CDR (`sGWRecord [78]`,
//! recordType 84) that the visited SGW writes, for each PDN connection (TS 32.251).
//!
//! [`GwRecord`] is one plain struct for both: the mandatory fields of TS 32.298 and what
//! roaming settlement reads (served PLMN, APN NI, MSISDN, PDN address, RAT type, sequence
//! numbers, node ID, uplink and downlink volumes per container). [`GwRecord::emit`] writes it
//! with [`ber::RevWriter`](super::ber::RevWriter) into a caller-owned buffer, nothing
//! allocated; [`GwRecord::parse`] reads it back (for the CGF and the tests) and names the field
//! that was wrong. The tag numbers follow the TS 32.298 v15.5.1 ASN.1 that Wireshark's `gprscdr`
//! dissector is built from; tshark is the judge (`tests/charging_tshark.rs`).
//!
//! The TS 32.297 file format the CGF writes these records into is in [`file`](mod@file).

mod decode;
mod encode;
pub mod file;
mod time;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_prop;

use std::net::IpAddr;

use crate::model::{Imsi, Msisdn, Plmn};

pub use time::TimeStamp;

/// `RecordType` values (TS 32.298 `GenericChargingDataTypes`).
pub mod record_type {
    /// SGW-CDR.
    pub const SGW: u8 = 84;
    /// PGW-CDR.
    pub const PGW: u8 = 85;
}

/// `CauseForRecClosing` values (TS 32.298, `GenericChargingDataTypes`) that the gateways use.
pub mod closing {
    /// The PDN connection was deleted normally.
    pub const NORMAL_RELEASE: u32 = 0;
    /// The PDN connection ended abnormally (path failure, restart, error).
    pub const ABNORMAL_RELEASE: u32 = 4;
    /// Partial record: the volume limit was reached.
    pub const VOLUME_LIMIT: u32 = 16;
    /// Partial record: the time limit was reached.
    pub const TIME_LIMIT: u32 = 17;
    /// Partial record: the serving node changed.
    pub const SERVING_NODE_CHANGE: u32 = 18;
    /// Partial record: too many change conditions.
    pub const MAX_CHANGE_COND: u32 = 19;
    /// Closed by management intervention.
    pub const MANAGEMENT_INTERVENTION: u32 = 20;
}

/// `ServingNodeType` (TS 32.298 `GPRSChargingDataTypes`).
pub mod serving_node {
    /// A GTP-based SGW: what a PGW-CDR names for an S8 roamer.
    pub const GTP_SGW: u8 = 2;
    /// An MME: what an SGW-CDR names.
    pub const MME: u8 = 5;
}

/// Bits of `ServiceConditionChange` (PGW-CDR service data containers), as `1 << n`.
pub mod service_condition {
    /// Bearer release (bit 4).
    pub const PDP_CONTEXT_RELEASE: u64 = 1 << 4;
    /// PGW-CDR closure (bit 24).
    pub const RECORD_CLOSURE: u64 = 1 << 24;
    /// Intermediate recording on time (bit 25).
    pub const TIME_LIMIT: u64 = 1 << 25;
    /// Intermediate recording on volume (bit 26).
    pub const VOLUME_LIMIT: u64 = 1 << 26;
}

/// `ChangeCondition` values (SGW-CDR traffic volume containers).
pub mod change_condition {
    /// QoS change.
    pub const QOS_CHANGE: u64 = 0;
    /// Tariff time change.
    pub const TARIFF_TIME: u64 = 1;
    /// Record closure (also used for partial records).
    pub const RECORD_CLOSURE: u64 = 2;
}

/// `RATType` value for E-UTRAN (TS 29.274 §8.17).
pub const RAT_EUTRAN: u8 = 6;

/// Which gateway wrote the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// PGW-CDR: `pGWRecord [79]`, recordType 85, volumes in `listOfServiceData [34]`.
    Pgw,
    /// SGW-CDR: `sGWRecord [78]`, recordType 84, volumes in `listOfTrafficVolumes [12]`.
    Sgw,
}

impl RecordKind {
    /// The `RecordType` value.
    pub const fn record_type(self) -> u8 {
        match self {
            RecordKind::Pgw => record_type::PGW,
            RecordKind::Sgw => record_type::SGW,
        }
    }

    /// The tag of the `GPRSRecord` CHOICE alternative.
    pub const fn choice_tag(self) -> u32 {
        match self {
            RecordKind::Pgw => 79,
            RecordKind::Sgw => 78,
        }
    }

    /// "PGW-CDR" or "SGW-CDR".
    pub const fn name(self) -> &'static str {
        match self {
            RecordKind::Pgw => "PGW-CDR",
            RecordKind::Sgw => "SGW-CDR",
        }
    }
}

/// One volume container: a `ChangeOfServiceCondition` in a PGW-CDR's `listOfServiceData`, a
/// `ChangeOfCharCondition` in an SGW-CDR's `listOfTrafficVolumes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeContainer {
    /// PGW: `ratingGroup [1]` (mandatory there). SGW: not written.
    pub rating_group: u32,
    /// PGW: `localSequenceNumber [4]` of the container.
    pub local_sequence_number: Option<u32>,
    /// PGW: `timeOfFirstUsage [5]`.
    pub first_usage: Option<TimeStamp>,
    /// PGW: `timeOfLastUsage [6]`.
    pub last_usage: Option<TimeStamp>,
    /// PGW: `timeUsage [7]` in seconds.
    pub time_usage_s: Option<u32>,
    /// Octets sent by the UE: PGW `datavolumeFBCUplink [12]`, SGW `dataVolumeGPRSUplink [3]`.
    pub uplink: u64,
    /// Octets sent to the UE: PGW `datavolumeFBCDownlink [13]`, SGW `dataVolumeGPRSDownlink [4]`.
    pub downlink: u64,
    /// Why the container closed. PGW: `serviceConditionChange [8]` bits ([`service_condition`]);
    /// SGW: the `changeCondition [5]` value ([`change_condition`]).
    pub condition: u64,
    /// PGW: `timeOfReport [14]`; SGW: `changeTime [6]`.
    pub report_time: TimeStamp,
    /// QCI in `EPCQoSInformation [9]` (PGW `qoSInformationNeg`, SGW `ePCQoSInformation`).
    pub qci: Option<u8>,
}

/// A PGW-CDR or SGW-CDR. Optional ASN.1 fields are `Option`s (or empty strings) and are left
/// out when absent; lists of addresses and serving node types hold the one entry a roaming
/// PDN connection has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GwRecord {
    /// PGW-CDR or SGW-CDR: the record type and CHOICE tag.
    pub kind: RecordKind,
    /// `servedIMSI [3]`, TBCD.
    pub served_imsi: Option<Imsi>,
    /// `p-GWAddress [4]` or `s-GWAddress [4]`: the writing gateway's control plane address.
    pub gw_address: IpAddr,
    /// `chargingID [5]`, from the PGW.
    pub charging_id: u32,
    /// `servingNodeAddress [6]`: the SGW (PGW-CDR) or MME (SGW-CDR) address.
    pub serving_node_address: IpAddr,
    /// `accessPointNameNI [7]`, the APN network identifier; empty when absent.
    pub apn_ni: String,
    /// `pdpPDNType [8]`: PDP type organisation and number, e.g. `[0xf1, 0x21]` for IPv4.
    pub pdp_pdn_type: Option<[u8; 2]>,
    /// `servedPDPPDNAddress [9]`: the UE's address.
    pub served_pdp_pdn_address: Option<IpAddr>,
    /// `dynamicAddressFlag [11]`, written only when true.
    pub dynamic_address_flag: bool,
    /// `recordOpeningTime [13]`.
    pub record_opening_time: TimeStamp,
    /// `duration [14]` in seconds.
    pub duration_s: u32,
    /// `causeForRecClosing [15]` ([`closing`]).
    pub cause_for_rec_closing: u32,
    /// `recordSequenceNumber [17]`: 1, 2, ... for the partial records of one connection.
    pub record_sequence_number: Option<u32>,
    /// `nodeID [18]` (1..=20 characters); empty when absent.
    pub node_id: String,
    /// `localSequenceNumber [20]`: the node's running record counter.
    pub local_sequence_number: Option<u32>,
    /// `apnSelectionMode [21]` (0: subscription verified).
    pub apn_selection_mode: Option<u8>,
    /// `servedMSISDN [22]`: ISDN-AddressString, international ISDN numbering (0x91) then TBCD.
    pub served_msisdn: Option<Msisdn>,
    /// `chargingCharacteristics [23]` (TS 32.251 annex A), e.g. `[0x08, 0x00]` normal.
    pub charging_characteristics: [u8; 2],
    /// `chChSelectionMode [24]` (4: roaming default, 3: home default).
    pub ch_ch_selection_mode: Option<u8>,
    /// `servingNodePLMNIdentifier [27]`: the visited PLMN, what inter-operator settlement keys on.
    pub serving_node_plmn: Option<Plmn>,
    /// `rATType [30]` ([`RAT_EUTRAN`]).
    pub rat_type: Option<u8>,
    /// `mSTimeZone [31]`: time zone and daylight saving octets (TS 29.060 §7.7.101).
    pub ms_time_zone: Option<[u8; 2]>,
    /// `servingNodeType [35]` ([`serving_node`]).
    pub serving_node_type: u8,
    /// SGW-CDR only: `p-GWAddressUsed [36]`.
    pub pgw_address_used: Option<IpAddr>,
    /// `p-GWPLMNIdentifier [37]`: the home PLMN of the PGW.
    pub pgw_plmn: Option<Plmn>,
    /// `startTime [38]`.
    pub start_time: Option<TimeStamp>,
    /// `stopTime [39]`.
    pub stop_time: Option<TimeStamp>,
    /// `pDNConnectionChargingID` (PGW `[41]`, SGW `[40]`).
    pub pdn_connection_charging_id: Option<u32>,
    /// PGW `listOfServiceData [34]` or SGW `listOfTrafficVolumes [12]`.
    pub volumes: Vec<VolumeContainer>,
}

/// Why a CDR could not be decoded or encoded; decode errors name the ASN.1 field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The BER of a field does not parse.
    Ber {
        /// The ASN.1 field (`"chargingID"`, `"GPRSRecord"`, ...).
        field: &'static str,
        /// What was wrong.
        error: super::ber::Error,
    },
    /// A mandatory field is absent.
    Missing(&'static str),
    /// A field parses as BER but its value is not valid for its type (size, digits, range).
    Malformed(&'static str),
    /// The `GPRSRecord` alternative is not `sGWRecord [78]` or `pGWRecord [79]`.
    UnsupportedRecord(u32),
    /// Bytes follow the record.
    TrailingBytes,
    /// A value cannot be encoded (a node ID over 20 characters, an APN NI over 63).
    Unencodable(&'static str),
    /// The output buffer is smaller than `buffer_len()`.
    BufferTooSmall,
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::Ber { field, error } => write!(f, "CDR field {field}: {error}"),
            Error::Missing(field) => write!(f, "CDR mandatory field {field} missing"),
            Error::Malformed(field) => write!(f, "CDR field {field} has an invalid value"),
            Error::UnsupportedRecord(t) => {
                write!(
                    f,
                    "GPRSRecord alternative [{t}] is not an SGW-CDR or PGW-CDR"
                )
            }
            Error::TrailingBytes => f.write_str("bytes follow the CDR"),
            Error::Unencodable(field) => write!(f, "CDR field {field} cannot be encoded"),
            Error::BufferTooSmall => f.write_str("output buffer too small"),
        }
    }
}

impl std::error::Error for Error {}

/// A representative roaming record of `kind` (a German roamer in France, one IPv4 PDN
/// connection, one volume container), numbered `n` through its charging ID and sequence
/// numbers: for tests, benches and examples.
pub fn example(kind: RecordKind, n: u32) -> GwRecord {
    use std::net::Ipv4Addr;
    let opened = TimeStamp::from_unix(1_700_000_000 + u64::from(n), 60);
    let closed = TimeStamp::from_unix(1_700_000_600 + u64::from(n), 60);
    let home = Plmn::new(262, 1, 2).expect("valid PLMN");
    let visited = Plmn::new(208, 10, 2).expect("valid PLMN");
    let (gw, serving, node_type, node_id) = match kind {
        RecordKind::Pgw => (
            Ipv4Addr::new(10, 1, 0, 1),
            Ipv4Addr::new(10, 2, 0, 1),
            serving_node::GTP_SGW,
            "pgw1.home",
        ),
        RecordKind::Sgw => (
            Ipv4Addr::new(10, 2, 0, 1),
            Ipv4Addr::new(10, 2, 0, 9),
            serving_node::MME,
            "sgw1.visited",
        ),
    };
    let condition = match kind {
        RecordKind::Pgw => service_condition::RECORD_CLOSURE,
        RecordKind::Sgw => change_condition::RECORD_CLOSURE,
    };
    GwRecord {
        kind,
        served_imsi: Imsi::new(262_010_000_000_000 + u64::from(n), 15),
        gw_address: gw.into(),
        charging_id: 0x8000_0000 | n,
        serving_node_address: serving.into(),
        apn_ni: "internet".into(),
        pdp_pdn_type: Some([0xf1, 0x21]),
        served_pdp_pdn_address: Some(IpAddr::V4(Ipv4Addr::new(100, 64, (n >> 8) as u8, n as u8))),
        dynamic_address_flag: true,
        record_opening_time: opened,
        duration_s: 600,
        cause_for_rec_closing: closing::NORMAL_RELEASE,
        record_sequence_number: None,
        node_id: node_id.into(),
        local_sequence_number: Some(n),
        apn_selection_mode: Some(0),
        served_msisdn: Msisdn::new(4_917_000_000_000 + u64::from(n), 13),
        charging_characteristics: [0x08, 0x00],
        ch_ch_selection_mode: Some(4),
        serving_node_plmn: Some(visited),
        rat_type: Some(RAT_EUTRAN),
        ms_time_zone: Some([0x40, 0x00]),
        serving_node_type: node_type,
        pgw_address_used: match kind {
            RecordKind::Pgw => None,
            RecordKind::Sgw => Some(IpAddr::V4(Ipv4Addr::new(10, 1, 0, 1))),
        },
        pgw_plmn: Some(home),
        start_time: Some(opened),
        stop_time: Some(closed),
        pdn_connection_charging_id: Some(0x8000_0000 | n),
        volumes: vec![VolumeContainer {
            // The fields only a PGW-CDR container has stay empty in an SGW-CDR's.
            rating_group: if kind == RecordKind::Pgw { 100 } else { 0 },
            local_sequence_number: (kind == RecordKind::Pgw).then_some(1),
            first_usage: (kind == RecordKind::Pgw).then_some(opened),
            last_usage: (kind == RecordKind::Pgw).then_some(closed),
            time_usage_s: (kind == RecordKind::Pgw).then_some(600),
            uplink: 1_234_567,
            downlink: 98_765_432,
            condition,
            report_time: closed,
            qci: Some(9),
        }],
    }
}
