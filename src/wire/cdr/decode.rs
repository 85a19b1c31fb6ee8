//! Reading a [`GwRecord`] back from BER, for the CGF and the tests. Fields may come in any order
//! (the records are SETs); unknown fields are skipped; a field this decoder knows but cannot read
//! is an error that names it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{Error, GwRecord, RecordKind, TimeStamp, VolumeContainer};
use crate::model::{Imsi, Msisdn, Plmn};
use crate::wire::ber::{Class, Tlv, TlvIter};

fn ber(field: &'static str) -> impl Fn(crate::wire::ber::Error) -> Error {
    move |error| Error::Ber { field, error }
}

fn u32_of(t: &Tlv<'_>, field: &'static str) -> Result<u32, Error> {
    t.as_u32().map_err(ber(field))
}

fn u8_of(t: &Tlv<'_>, field: &'static str) -> Result<u8, Error> {
    u8::try_from(u32_of(t, field)?).map_err(|_| Error::Malformed(field))
}

fn u64_of(t: &Tlv<'_>, field: &'static str) -> Result<u64, Error> {
    t.as_u64().map_err(ber(field))
}

fn time_of(t: &Tlv<'_>, field: &'static str) -> Result<TimeStamp, Error> {
    TimeStamp::parse(t.value, field)
}

fn plmn_of(t: &Tlv<'_>, field: &'static str) -> Result<Plmn, Error> {
    let b: [u8; 3] = t.value.try_into().map_err(|_| Error::Malformed(field))?;
    Plmn::from_tbcd(b).map_err(|_| Error::Malformed(field))
}

fn ascii_of(t: &Tlv<'_>, field: &'static str) -> Result<String, Error> {
    if !t.value.is_ascii() {
        return Err(Error::Malformed(field));
    }
    Ok(String::from_utf8_lossy(t.value).into_owned())
}

fn pair_of(t: &Tlv<'_>, field: &'static str) -> Result<[u8; 2], Error> {
    t.value.try_into().map_err(|_| Error::Malformed(field))
}

/// The single value inside a constructed field.
fn only_child<'a>(t: &Tlv<'a>, field: &'static str) -> Result<Tlv<'a>, Error> {
    let mut it = t.children();
    let first = it
        .next()
        .ok_or(Error::Malformed(field))?
        .map_err(ber(field))?;
    Ok(first)
}

/// `IPBinaryAddress` (the only `IPAddress` alternative written here): `[0]` IPv4, `[1]` IPv6.
fn ip_binary(t: &Tlv<'_>, field: &'static str) -> Result<IpAddr, Error> {
    match (t.tag.class, t.tag.number, t.value.len()) {
        (Class::Context, 0, 4) => {
            let b: [u8; 4] = t.value.try_into().map_err(|_| Error::Malformed(field))?;
            Ok(IpAddr::V4(Ipv4Addr::from(b)))
        }
        (Class::Context, 1, 16) => {
            let b: [u8; 16] = t.value.try_into().map_err(|_| Error::Malformed(field))?;
            Ok(IpAddr::V6(Ipv6Addr::from(b)))
        }
        _ => Err(Error::Malformed(field)),
    }
}

fn gsn_address(t: &Tlv<'_>, field: &'static str) -> Result<IpAddr, Error> {
    ip_binary(&only_child(t, field)?, field)
}

fn qci_of(t: &Tlv<'_>, field: &'static str) -> Result<Option<u8>, Error> {
    for q in t.children() {
        let q = q.map_err(ber(field))?;
        if q.is_context(1) {
            return u8_of(&q, field).map(Some);
        }
    }
    Err(Error::Missing("qCI"))
}

fn container(t: &Tlv<'_>, kind: RecordKind) -> Result<VolumeContainer, Error> {
    let mut c = VolumeContainer {
        rating_group: 0,
        local_sequence_number: None,
        first_usage: None,
        last_usage: None,
        time_usage_s: None,
        uplink: 0,
        downlink: 0,
        condition: 0,
        report_time: TimeStamp::from_unix(0, 0),
        qci: None,
    };
    let (mut rating_group, mut condition, mut report) = (false, false, false);
    for f in t.children() {
        let f = f.map_err(ber("volume container"))?;
        if f.tag.class != Class::Context {
            continue;
        }
        match (kind, f.tag.number) {
            (RecordKind::Pgw, 1) => {
                c.rating_group = u32_of(&f, "ratingGroup")?;
                rating_group = true;
            }
            (RecordKind::Pgw, 4) => {
                c.local_sequence_number = Some(u32_of(&f, "localSequenceNumber")?)
            }
            (RecordKind::Pgw, 5) => c.first_usage = Some(time_of(&f, "timeOfFirstUsage")?),
            (RecordKind::Pgw, 6) => c.last_usage = Some(time_of(&f, "timeOfLastUsage")?),
            (RecordKind::Pgw, 7) => c.time_usage_s = Some(u32_of(&f, "timeUsage")?),
            (RecordKind::Pgw, 8) => {
                c.condition = f.as_named_bits().map_err(ber("serviceConditionChange"))?;
                condition = true;
            }
            (RecordKind::Pgw, 12) => c.uplink = u64_of(&f, "datavolumeFBCUplink")?,
            (RecordKind::Pgw, 13) => c.downlink = u64_of(&f, "datavolumeFBCDownlink")?,
            (RecordKind::Pgw, 14) => {
                c.report_time = time_of(&f, "timeOfReport")?;
                report = true;
            }
            (RecordKind::Sgw, 3) => c.uplink = u64_of(&f, "dataVolumeGPRSUplink")?,
            (RecordKind::Sgw, 4) => c.downlink = u64_of(&f, "dataVolumeGPRSDownlink")?,
            (RecordKind::Sgw, 5) => {
                c.condition = u64_of(&f, "changeCondition")?;
                condition = true;
            }
            (RecordKind::Sgw, 6) => {
                c.report_time = time_of(&f, "changeTime")?;
                report = true;
            }
            (_, 9) => c.qci = qci_of(&f, "ePCQoSInformation")?,
            _ => {}
        }
    }
    match kind {
        RecordKind::Pgw if !rating_group => Err(Error::Missing("ratingGroup")),
        RecordKind::Pgw if !condition => Err(Error::Missing("serviceConditionChange")),
        RecordKind::Pgw if !report => Err(Error::Missing("timeOfReport")),
        RecordKind::Sgw if !condition => Err(Error::Missing("changeCondition")),
        RecordKind::Sgw if !report => Err(Error::Missing("changeTime")),
        _ => Ok(c),
    }
}

fn containers(
    t: &Tlv<'_>,
    kind: RecordKind,
    field: &'static str,
) -> Result<Vec<VolumeContainer>, Error> {
    t.children()
        .map(|c| container(&c.map_err(ber(field))?, kind))
        .collect()
}

/// Mandatory fields seen so far, for the `Missing` error.
#[derive(Default)]
struct Seen {
    gw_address: Option<IpAddr>,
    charging_id: Option<u32>,
    serving_node_address: Option<IpAddr>,
    opening: Option<TimeStamp>,
    duration: Option<u32>,
    cause: Option<u32>,
    characteristics: Option<[u8; 2]>,
    serving_node_type: Option<u8>,
    record_type: bool,
}

impl GwRecord {
    /// Decodes one `GPRSRecord` that fills `data` exactly.
    pub fn parse(data: &[u8]) -> Result<GwRecord, Error> {
        let (outer, rest) = Tlv::parse(data).map_err(ber("GPRSRecord"))?;
        if !rest.is_empty() {
            return Err(Error::TrailingBytes);
        }
        if outer.tag.class != Class::Context || !outer.tag.constructed {
            return Err(Error::Malformed("GPRSRecord"));
        }
        let kind = match outer.tag.number {
            79 => RecordKind::Pgw,
            78 => RecordKind::Sgw,
            n => return Err(Error::UnsupportedRecord(n)),
        };
        Self::parse_fields(kind, outer.children())
    }

    fn parse_fields(kind: RecordKind, fields: TlvIter<'_>) -> Result<GwRecord, Error> {
        let mut seen = Seen::default();
        let mut r = GwRecord {
            kind,
            served_imsi: None,
            gw_address: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            charging_id: 0,
            serving_node_address: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            apn_ni: String::new(),
            pdp_pdn_type: None,
            served_pdp_pdn_address: None,
            dynamic_address_flag: false,
            record_opening_time: TimeStamp::from_unix(0, 0),
            duration_s: 0,
            cause_for_rec_closing: 0,
            record_sequence_number: None,
            node_id: String::new(),
            local_sequence_number: None,
            apn_selection_mode: None,
            served_msisdn: None,
            charging_characteristics: [0, 0],
            ch_ch_selection_mode: None,
            serving_node_plmn: None,
            rat_type: None,
            ms_time_zone: None,
            serving_node_type: 0,
            pgw_address_used: None,
            pgw_plmn: None,
            start_time: None,
            stop_time: None,
            pdn_connection_charging_id: None,
            volumes: Vec::new(),
        };
        let pdn_cid_tag = match kind {
            RecordKind::Pgw => 41,
            RecordKind::Sgw => 40,
        };
        for f in fields {
            let f = f.map_err(ber(kind.name()))?;
            if f.tag.class != Class::Context {
                continue;
            }
            match f.tag.number {
                0 => {
                    if u32_of(&f, "recordType")? != u32::from(kind.record_type()) {
                        return Err(Error::Malformed("recordType"));
                    }
                    seen.record_type = true;
                }
                3 => {
                    r.served_imsi =
                        Some(Imsi::from_tbcd(f.value).ok_or(Error::Malformed("servedIMSI"))?)
                }
                4 => seen.gw_address = Some(gsn_address(&f, "gwAddress")?),
                5 => seen.charging_id = Some(u32_of(&f, "chargingID")?),
                6 => seen.serving_node_address = Some(gsn_address(&f, "servingNodeAddress")?),
                7 => r.apn_ni = ascii_of(&f, "accessPointNameNI")?,
                8 => r.pdp_pdn_type = Some(pair_of(&f, "pdpPDNType")?),
                9 => {
                    let inner = only_child(&f, "servedPDPPDNAddress")?;
                    if !inner.is_context(0) {
                        return Err(Error::Malformed("servedPDPPDNAddress"));
                    }
                    r.served_pdp_pdn_address = Some(gsn_address(&inner, "servedPDPPDNAddress")?);
                }
                11 => r.dynamic_address_flag = f.as_bool().map_err(ber("dynamicAddressFlag"))?,
                12 if kind == RecordKind::Sgw => {
                    r.volumes = containers(&f, kind, "listOfTrafficVolumes")?
                }
                13 => seen.opening = Some(time_of(&f, "recordOpeningTime")?),
                14 => seen.duration = Some(u32_of(&f, "duration")?),
                15 => seen.cause = Some(u32_of(&f, "causeForRecClosing")?),
                17 => r.record_sequence_number = Some(u32_of(&f, "recordSequenceNumber")?),
                18 => r.node_id = ascii_of(&f, "nodeID")?,
                20 => r.local_sequence_number = Some(u32_of(&f, "localSequenceNumber")?),
                21 => r.apn_selection_mode = Some(u8_of(&f, "apnSelectionMode")?),
                22 => {
                    let (&ton, digits) = f
                        .value
                        .split_first()
                        .ok_or(Error::Malformed("servedMSISDN"))?;
                    if ton != 0x91 {
                        return Err(Error::Malformed("servedMSISDN"));
                    }
                    r.served_msisdn =
                        Some(Msisdn::from_tbcd(digits).ok_or(Error::Malformed("servedMSISDN"))?);
                }
                23 => seen.characteristics = Some(pair_of(&f, "chargingCharacteristics")?),
                24 => r.ch_ch_selection_mode = Some(u8_of(&f, "chChSelectionMode")?),
                27 => r.serving_node_plmn = Some(plmn_of(&f, "servingNodePLMNIdentifier")?),
                30 => r.rat_type = Some(u8_of(&f, "rATType")?),
                31 => r.ms_time_zone = Some(pair_of(&f, "mSTimeZone")?),
                34 if kind == RecordKind::Pgw => {
                    r.volumes = containers(&f, kind, "listOfServiceData")?
                }
                35 => {
                    let e = only_child(&f, "servingNodeType")?;
                    seen.serving_node_type = Some(u8_of(&e, "servingNodeType")?);
                }
                36 if kind == RecordKind::Sgw => {
                    r.pgw_address_used = Some(gsn_address(&f, "p-GWAddressUsed")?)
                }
                37 => r.pgw_plmn = Some(plmn_of(&f, "p-GWPLMNIdentifier")?),
                38 => r.start_time = Some(time_of(&f, "startTime")?),
                39 => r.stop_time = Some(time_of(&f, "stopTime")?),
                n if n == pdn_cid_tag => {
                    r.pdn_connection_charging_id = Some(u32_of(&f, "pDNConnectionChargingID")?)
                }
                _ => {}
            }
        }
        if !seen.record_type {
            return Err(Error::Missing("recordType"));
        }
        r.gw_address = seen.gw_address.ok_or(Error::Missing(match kind {
            RecordKind::Pgw => "p-GWAddress",
            RecordKind::Sgw => "s-GWAddress",
        }))?;
        r.charging_id = seen.charging_id.ok_or(Error::Missing("chargingID"))?;
        r.serving_node_address = seen
            .serving_node_address
            .ok_or(Error::Missing("servingNodeAddress"))?;
        r.record_opening_time = seen.opening.ok_or(Error::Missing("recordOpeningTime"))?;
        r.duration_s = seen.duration.ok_or(Error::Missing("duration"))?;
        r.cause_for_rec_closing = seen.cause.ok_or(Error::Missing("causeForRecClosing"))?;
        r.charging_characteristics = seen
            .characteristics
            .ok_or(Error::Missing("chargingCharacteristics"))?;
        r.serving_node_type = seen
            .serving_node_type
            .ok_or(Error::Missing("servingNodeType"))?;
        Ok(r)
    }
}
