//! The PGW-CDR and SGW-CDR of `roamsim::wire::cdr::example` built as rasn types (a model of the
//! TS 32.298 ASN.1 written for rasn's derive macros) and encoded by rasn's BER encoder: checks
//! that roamsim's hand-written encoder gives the same bytes, writes those bytes as the golden
//! vectors `tests/data/charging/*-cdr-rasn.ber`, and times both encoders and decoders.
//! Run: `cargo run --release` in this folder (`-- --no-timing` to skip the timing).
use rasn::prelude::*;
use std::hint::black_box;
use std::time::Instant;

#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq)]
#[rasn(choice)]
pub enum IpAddress {
    #[rasn(tag(context, 0))]
    V4(OctetString),
    #[rasn(tag(context, 1))]
    V6(OctetString),
}

#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq)]
#[rasn(choice)]
pub enum PdpAddress {
    #[rasn(tag(explicit(context, 0)))]
    Ip(IpAddress),
}

#[derive(AsnType, Decode, Encode, Debug, Clone, Copy, PartialEq)]
#[rasn(enumerated)]
pub enum ServingNodeType {
    Sgsn = 0,
    PmipSgw = 1,
    GtpSgw = 2,
    Epdg = 3,
    Hsgw = 4,
    Mme = 5,
    Twan = 6,
}

#[derive(AsnType, Decode, Encode, Debug, Clone, Copy, PartialEq)]
#[rasn(enumerated)]
pub enum ApnSelectionMode {
    Verified = 0,
    MsNotVerified = 1,
    NetworkNotVerified = 2,
}

#[derive(AsnType, Decode, Encode, Debug, Clone, Copy, PartialEq)]
#[rasn(enumerated)]
pub enum ChChSelectionMode {
    ServingNodeSupplied = 0,
    SubscriptionSpecific = 1,
    ApnSpecific = 2,
    HomeDefault = 3,
    RoamingDefault = 4,
    VisitingDefault = 5,
    FixedDefault = 6,
}

#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq)]
pub struct EpcQos {
    #[rasn(tag(context, 1))]
    pub qci: u32,
}

#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq)]
pub struct ChangeOfServiceCondition {
    #[rasn(tag(context, 1))]
    pub rating_group: u32,
    #[rasn(tag(context, 4))]
    pub local_sequence_number: Option<u32>,
    #[rasn(tag(context, 5))]
    pub time_of_first_usage: Option<OctetString>,
    #[rasn(tag(context, 6))]
    pub time_of_last_usage: Option<OctetString>,
    #[rasn(tag(context, 7))]
    pub time_usage: Option<u32>,
    #[rasn(tag(context, 8))]
    pub service_condition_change: BitString,
    #[rasn(tag(context, 9))]
    pub qos_information_neg: Option<EpcQos>,
    #[rasn(tag(context, 12))]
    pub datavolume_fbc_uplink: Option<u64>,
    #[rasn(tag(context, 13))]
    pub datavolume_fbc_downlink: Option<u64>,
    #[rasn(tag(context, 14))]
    pub time_of_report: OctetString,
}

#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq)]
#[rasn(set)]
pub struct PgwRecord {
    #[rasn(tag(context, 0))]
    pub record_type: u32,
    #[rasn(tag(context, 3))]
    pub served_imsi: Option<OctetString>,
    #[rasn(tag(explicit(context, 4)))]
    pub p_gw_address: IpAddress,
    #[rasn(tag(context, 5))]
    pub charging_id: u32,
    #[rasn(tag(context, 6))]
    pub serving_node_address: SequenceOf<IpAddress>,
    #[rasn(tag(context, 7))]
    pub access_point_name_ni: Option<Ia5String>,
    #[rasn(tag(context, 8))]
    pub pdp_pdn_type: Option<OctetString>,
    #[rasn(tag(explicit(context, 9)))]
    pub served_pdp_pdn_address: Option<PdpAddress>,
    #[rasn(tag(context, 11))]
    pub dynamic_address_flag: Option<bool>,
    #[rasn(tag(context, 13))]
    pub record_opening_time: OctetString,
    #[rasn(tag(context, 14))]
    pub duration: u32,
    #[rasn(tag(context, 15))]
    pub cause_for_rec_closing: u32,
    #[rasn(tag(context, 17))]
    pub record_sequence_number: Option<u32>,
    #[rasn(tag(context, 18))]
    pub node_id: Option<Ia5String>,
    #[rasn(tag(context, 20))]
    pub local_sequence_number: Option<u32>,
    #[rasn(tag(context, 21))]
    pub apn_selection_mode: Option<ApnSelectionMode>,
    #[rasn(tag(context, 22))]
    pub served_msisdn: Option<OctetString>,
    #[rasn(tag(context, 23))]
    pub charging_characteristics: OctetString,
    #[rasn(tag(context, 24))]
    pub ch_ch_selection_mode: Option<ChChSelectionMode>,
    #[rasn(tag(context, 27))]
    pub serving_node_plmn_identifier: Option<OctetString>,
    #[rasn(tag(context, 30))]
    pub rat_type: Option<u32>,
    #[rasn(tag(context, 31))]
    pub ms_time_zone: Option<OctetString>,
    #[rasn(tag(context, 34))]
    pub list_of_service_data: Option<SequenceOf<ChangeOfServiceCondition>>,
    #[rasn(tag(context, 35))]
    pub serving_node_type: SequenceOf<ServingNodeType>,
    #[rasn(tag(context, 37))]
    pub p_gw_plmn_identifier: Option<OctetString>,
    #[rasn(tag(context, 38))]
    pub start_time: Option<OctetString>,
    #[rasn(tag(context, 39))]
    pub stop_time: Option<OctetString>,
    #[rasn(tag(context, 41))]
    pub pdn_connection_charging_id: Option<u32>,
}

#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq)]
pub struct ChangeOfCharCondition {
    #[rasn(tag(context, 3))]
    pub data_volume_gprs_uplink: Option<u64>,
    #[rasn(tag(context, 4))]
    pub data_volume_gprs_downlink: Option<u64>,
    #[rasn(tag(context, 5))]
    pub change_condition: ChangeCondition,
    #[rasn(tag(context, 6))]
    pub change_time: OctetString,
    #[rasn(tag(context, 9))]
    pub epc_qos_information: Option<EpcQos>,
}

#[derive(AsnType, Decode, Encode, Debug, Clone, Copy, PartialEq)]
#[rasn(enumerated)]
pub enum ChangeCondition {
    QosChange = 0,
    TariffTime = 1,
    RecordClosure = 2,
}

#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq)]
#[rasn(set)]
pub struct SgwRecord {
    #[rasn(tag(context, 0))]
    pub record_type: u32,
    #[rasn(tag(context, 3))]
    pub served_imsi: Option<OctetString>,
    #[rasn(tag(explicit(context, 4)))]
    pub s_gw_address: IpAddress,
    #[rasn(tag(context, 5))]
    pub charging_id: u32,
    #[rasn(tag(context, 6))]
    pub serving_node_address: SequenceOf<IpAddress>,
    #[rasn(tag(context, 7))]
    pub access_point_name_ni: Option<Ia5String>,
    #[rasn(tag(context, 8))]
    pub pdp_pdn_type: Option<OctetString>,
    #[rasn(tag(explicit(context, 9)))]
    pub served_pdp_pdn_address: Option<PdpAddress>,
    #[rasn(tag(context, 11))]
    pub dynamic_address_flag: Option<bool>,
    #[rasn(tag(context, 12))]
    pub list_of_traffic_volumes: Option<SequenceOf<ChangeOfCharCondition>>,
    #[rasn(tag(context, 13))]
    pub record_opening_time: OctetString,
    #[rasn(tag(context, 14))]
    pub duration: u32,
    #[rasn(tag(context, 15))]
    pub cause_for_rec_closing: u32,
    #[rasn(tag(context, 17))]
    pub record_sequence_number: Option<u32>,
    #[rasn(tag(context, 18))]
    pub node_id: Option<Ia5String>,
    #[rasn(tag(context, 20))]
    pub local_sequence_number: Option<u32>,
    #[rasn(tag(context, 21))]
    pub apn_selection_mode: Option<ApnSelectionMode>,
    #[rasn(tag(context, 22))]
    pub served_msisdn: Option<OctetString>,
    #[rasn(tag(context, 23))]
    pub charging_characteristics: OctetString,
    #[rasn(tag(context, 24))]
    pub ch_ch_selection_mode: Option<ChChSelectionMode>,
    #[rasn(tag(context, 27))]
    pub serving_node_plmn_identifier: Option<OctetString>,
    #[rasn(tag(context, 30))]
    pub rat_type: Option<u32>,
    #[rasn(tag(context, 31))]
    pub ms_time_zone: Option<OctetString>,
    #[rasn(tag(context, 35))]
    pub serving_node_type: SequenceOf<ServingNodeType>,
    #[rasn(tag(explicit(context, 36)))]
    pub p_gw_address_used: Option<IpAddress>,
    #[rasn(tag(context, 37))]
    pub p_gw_plmn_identifier: Option<OctetString>,
    #[rasn(tag(context, 38))]
    pub start_time: Option<OctetString>,
    #[rasn(tag(context, 39))]
    pub stop_time: Option<OctetString>,
    #[rasn(tag(context, 40))]
    pub pdn_connection_charging_id: Option<u32>,
}

#[derive(AsnType, Decode, Encode, Debug, Clone, PartialEq)]
#[rasn(choice)]
pub enum GprsRecord {
    #[rasn(tag(context, 78))]
    Sgw(SgwRecord),
    #[rasn(tag(context, 79))]
    Pgw(PgwRecord),
}

fn sgw_from_roamsim(r: &roamsim::wire::cdr::GwRecord) -> GprsRecord {
    let c = &r.volumes[0];
    let tbcd = |v: u64, d: u8| { let m = roamsim::model::Msisdn::new(v, d).unwrap(); let (t, n) = m.to_tbcd(); t[..n].to_vec() };
    GprsRecord::Sgw(SgwRecord {
        record_type: 84,
        served_imsi: r.served_imsi.map(|i| os(&tbcd(i.value(), i.digits()))),
        s_gw_address: ip(r.gw_address),
        charging_id: r.charging_id,
        serving_node_address: vec![ip(r.serving_node_address)],
        access_point_name_ni: Some(Ia5String::try_from(r.apn_ni.clone()).unwrap()),
        pdp_pdn_type: r.pdp_pdn_type.map(|t| os(&t)),
        served_pdp_pdn_address: r.served_pdp_pdn_address.map(|a| PdpAddress::Ip(ip(a))),
        dynamic_address_flag: Some(r.dynamic_address_flag),
        list_of_traffic_volumes: Some(vec![ChangeOfCharCondition {
            data_volume_gprs_uplink: Some(c.uplink),
            data_volume_gprs_downlink: Some(c.downlink),
            change_condition: ChangeCondition::RecordClosure,
            change_time: os(&c.report_time.to_bytes()),
            epc_qos_information: c.qci.map(|q| EpcQos { qci: q.into() }),
        }]),
        record_opening_time: os(&r.record_opening_time.to_bytes()),
        duration: r.duration_s,
        cause_for_rec_closing: r.cause_for_rec_closing,
        record_sequence_number: r.record_sequence_number,
        node_id: Some(Ia5String::try_from(r.node_id.clone()).unwrap()),
        local_sequence_number: r.local_sequence_number,
        apn_selection_mode: Some(ApnSelectionMode::Verified),
        served_msisdn: r.served_msisdn.map(|m| { let mut v = vec![0x91]; v.extend(tbcd(m.value(), m.digits())); os(&v) }),
        charging_characteristics: os(&r.charging_characteristics),
        ch_ch_selection_mode: Some(ChChSelectionMode::RoamingDefault),
        serving_node_plmn_identifier: r.serving_node_plmn.map(|p| os(&p.to_tbcd())),
        rat_type: r.rat_type.map(u32::from),
        ms_time_zone: r.ms_time_zone.map(|z| os(&z)),
        serving_node_type: vec![ServingNodeType::Mme],
        p_gw_address_used: r.pgw_address_used.map(ip),
        p_gw_plmn_identifier: r.pgw_plmn.map(|p| os(&p.to_tbcd())),
        start_time: r.start_time.map(|t| os(&t.to_bytes())),
        stop_time: r.stop_time.map(|t| os(&t.to_bytes())),
        pdn_connection_charging_id: r.pdn_connection_charging_id,
    })
}

fn ip(a: std::net::IpAddr) -> IpAddress {
    match a {
        std::net::IpAddr::V4(v) => IpAddress::V4(OctetString::from_slice(&v.octets())),
        std::net::IpAddr::V6(v) => IpAddress::V6(OctetString::from_slice(&v.octets())),
    }
}

fn os(b: &[u8]) -> OctetString {
    OctetString::from_slice(b)
}

fn from_roamsim(r: &roamsim::wire::cdr::GwRecord) -> GprsRecord {
    let c = &r.volumes[0];
    let mut bits = BitString::repeat(false, 25);
    bits.set(24, true);
    let msisdn = r.served_msisdn.map(|m| {
        let (t, n) = m.to_tbcd();
        let mut v = vec![0x91];
        v.extend_from_slice(&t[..n]);
        os(&v)
    });
    GprsRecord::Pgw(PgwRecord {
        record_type: 85,
        served_imsi: r.served_imsi.map(|i| {
            let (t, n) = i.to_tbcd();
            os(&t[..n])
        }),
        p_gw_address: ip(r.gw_address),
        charging_id: r.charging_id,
        serving_node_address: vec![ip(r.serving_node_address)],
        access_point_name_ni: Some(Ia5String::try_from(r.apn_ni.clone()).unwrap()),
        pdp_pdn_type: r.pdp_pdn_type.map(|t| os(&t)),
        served_pdp_pdn_address: r.served_pdp_pdn_address.map(|a| PdpAddress::Ip(ip(a))),
        dynamic_address_flag: Some(r.dynamic_address_flag),
        record_opening_time: os(&r.record_opening_time.to_bytes()),
        duration: r.duration_s,
        cause_for_rec_closing: r.cause_for_rec_closing,
        record_sequence_number: r.record_sequence_number,
        node_id: Some(Ia5String::try_from(r.node_id.clone()).unwrap()),
        local_sequence_number: r.local_sequence_number,
        apn_selection_mode: Some(ApnSelectionMode::Verified),
        served_msisdn: msisdn,
        charging_characteristics: os(&r.charging_characteristics),
        ch_ch_selection_mode: Some(ChChSelectionMode::RoamingDefault),
        serving_node_plmn_identifier: r.serving_node_plmn.map(|p| os(&p.to_tbcd())),
        rat_type: r.rat_type.map(u32::from),
        ms_time_zone: r.ms_time_zone.map(|z| os(&z)),
        list_of_service_data: Some(vec![ChangeOfServiceCondition {
            rating_group: c.rating_group,
            local_sequence_number: c.local_sequence_number,
            time_of_first_usage: c.first_usage.map(|t| os(&t.to_bytes())),
            time_of_last_usage: c.last_usage.map(|t| os(&t.to_bytes())),
            time_usage: c.time_usage_s,
            service_condition_change: bits,
            qos_information_neg: c.qci.map(|q| EpcQos { qci: q.into() }),
            datavolume_fbc_uplink: Some(c.uplink),
            datavolume_fbc_downlink: Some(c.downlink),
            time_of_report: os(&c.report_time.to_bytes()),
        }]),
        serving_node_type: vec![ServingNodeType::GtpSgw],
        p_gw_plmn_identifier: r.pgw_plmn.map(|p| os(&p.to_tbcd())),
        start_time: r.start_time.map(|t| os(&t.to_bytes())),
        stop_time: r.stop_time.map(|t| os(&t.to_bytes())),
        pdn_connection_charging_id: r.pdn_connection_charging_id,
    })
}

fn time(label: &str, n: u32, mut f: impl FnMut() -> usize) {
    for _ in 0..n / 10 {
        black_box(f());
    }
    let t = Instant::now();
    for _ in 0..n {
        black_box(f());
    }
    println!("{label}: {:.0} ns per CDR", t.elapsed().as_nanos() as f64 / n as f64);
}

fn main() {
    let r = roamsim::wire::cdr::example(roamsim::wire::cdr::RecordKind::Pgw, 12_345);
    let ours = r.to_vec().unwrap();
    let theirs = rasn::ber::encode(&from_roamsim(&r)).unwrap();
    println!("roamsim {} B, rasn {} B, identical: {}", ours.len(), theirs.len(), ours == theirs);
    if ours != theirs {
        let i = ours.iter().zip(&theirs).position(|(a, b)| a != b).unwrap_or(0);
        println!("first difference at {i}: ours {:02x?} rasn {:02x?}", &ours[i.saturating_sub(4)..(i + 12).min(ours.len())], &theirs[i.saturating_sub(4)..(i + 12).min(theirs.len())]);
    }
    let sgw = roamsim::wire::cdr::example(roamsim::wire::cdr::RecordKind::Sgw, 12_345);
    let sgw_ours = sgw.to_vec().unwrap();
    let sgw_theirs = rasn::ber::encode(&sgw_from_roamsim(&sgw)).unwrap();
    println!("SGW: roamsim {} B, rasn {} B, identical: {}", sgw_ours.len(), sgw_theirs.len(), sgw_ours == sgw_theirs);
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/charging");
    std::fs::write(out.join("pgw-cdr-rasn.ber"), &theirs).unwrap();
    std::fs::write(out.join("sgw-cdr-rasn.ber"), &sgw_theirs).unwrap();
    if std::env::args().any(|a| a == "--no-timing") { return; }
    let back: GprsRecord = rasn::ber::decode(&ours).unwrap();
    println!("rasn decodes roamsim's bytes: {}", back == from_roamsim(&r));
    let model = from_roamsim(&r);
    let mut buf = vec![0u8; 1024];
    for _ in 0..3 {
        time("roamsim emit_fast", 2_000_000, || r.emit_fast(&mut buf).unwrap());
        time("roamsim emit", 2_000_000, || r.emit(&mut buf).unwrap());
        time("rasn ber::encode (prebuilt model)", 300_000, || rasn::ber::encode(black_box(&model)).unwrap().len());
        time("rasn from struct + encode", 300_000, || rasn::ber::encode(&from_roamsim(black_box(&r))).unwrap().len());
        time("roamsim parse", 1_000_000, || roamsim::wire::cdr::GwRecord::parse(black_box(&ours)).unwrap().volumes.len());
        time("rasn ber::decode", 300_000, || { let g: GprsRecord = rasn::ber::decode(black_box(&ours)).unwrap(); match g { GprsRecord::Pgw(p) => p.duration as usize, GprsRecord::Sgw(p) => p.duration as usize } });
    }
}
