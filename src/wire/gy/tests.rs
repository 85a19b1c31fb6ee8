//! Gy codec tests: every message shape (CCR INITIAL/UPDATE/TERMINATION/EVENT; CCA with a grant,
//! with a Final-Unit-Indication, with a per-rating-group failure, for TERMINATION) round-trips
//! through emit and parse; the emitted bytes dissect in tshark as Credit-Control with the 3GPP
//! AVPs named and nothing malformed; broken input names the AVP; a property test round-trips
//! arbitrary values. (The empty Requested-Service-Unit of a CCR, which RFC 4006 §8.18 allows and
//! PGWs send, earns tshark's "Data is empty" warning; the check is for errors and malformed
//! packets.)

use proptest::prelude::*;

use super::codes::{
    avp, failure_handling, final_unit_action, multiple_services, rat_type, reporting_reason,
    request_type, result, termination_cause, SERVICE_CONTEXT_PS,
};
use super::*;
use crate::wire::capture;
use crate::wire::diameter::{padded, Emit, Error, Ids, Packet, Repeated};

const PGW: &str = "pgw.epc.mnc410.mcc310.3gppnetwork.org";
const PGW_REALM: &str = "epc.mnc410.mcc310.3gppnetwork.org";
const OCS: &str = "ocs.epc.mnc410.mcc310.3gppnetwork.org";
const SESSION: &str = "pgw.epc.mnc410.mcc310.3gppnetwork.org;1700000000;7";
const IMSI: &str = "310410000100000";
const MSISDN: &str = "14155550100";
/// TAI (MCC 208, MNC 01, TAC 0x0001) and ECGI (cell 0x0000101), location type 130.
const ULI: [u8; 13] = [
    130, 0x02, 0xf8, 0x10, 0x00, 0x01, 0x02, 0xf8, 0x10, 0x00, 0x00, 0x01, 0x01,
];
const IDS: Ids = Ids {
    hop_by_hop: 0x1111,
    end_to_end: 0x2222,
};

static SUBSCRIBER: [SubscriptionId<'static>; 2] =
    [SubscriptionId::imsi(IMSI), SubscriptionId::msisdn(MSISDN)];

fn ps() -> PsInformation<'static> {
    PsInformation {
        charging_id: Some(0x0102_0304),
        called_station_id: Some("internet"),
        charging_characteristics: Some("0800"),
        sgsn_mcc_mnc: Some("20801"),
        user_location_info: Some(&ULI),
        rat_type: Some(rat_type::EUTRAN),
    }
}

fn ccr<'a>(rtype: u32, number: u32, mscc: &'a [Mscc]) -> CreditControlRequest<'a> {
    CreditControlRequest {
        session_id: SESSION,
        origin_host: PGW,
        origin_realm: PGW_REALM,
        destination_realm: PGW_REALM,
        destination_host: Some(OCS),
        service_context_id: SERVICE_CONTEXT_PS,
        request_type: rtype,
        request_number: number,
        origin_state_id: Some(5),
        subscription_ids: Repeated::from_slice(&SUBSCRIBER),
        termination_cause: (rtype == request_type::TERMINATION)
            .then_some(termination_cause::LOGOUT),
        multiple_services_indicator: (rtype == request_type::INITIAL)
            .then_some(multiple_services::SUPPORTED),
        mscc: Repeated::from_slice(mscc),
        ps_information: Some(ps()),
    }
}

fn cca<'a>(rtype: u32, number: u32, code: u32, mscc: &'a [Mscc]) -> CreditControlAnswer<'a> {
    CreditControlAnswer {
        session_id: SESSION,
        result_code: code,
        origin_host: OCS,
        origin_realm: PGW_REALM,
        request_type: rtype,
        request_number: number,
        mscc: Repeated::from_slice(mscc),
        failure_handling: Some(failure_handling::RETRY_AND_TERMINATE),
        error_message: None,
    }
}

const RSU: Mscc = Mscc {
    requested: Some(ServiceUnit {
        time: None,
        total_octets: None,
        input_octets: None,
        output_octets: None,
    }),
    rating_group: Some(100),
    granted: None,
    used: None,
    validity_time: None,
    result_code: None,
    final_unit: None,
    volume_quota_threshold: None,
    reporting_reason: None,
};

fn used(octets: u64, reason: u32) -> Mscc {
    Mscc {
        requested: Some(ServiceUnit::default()),
        used: Some(ServiceUnit {
            time: Some(60),
            total_octets: Some(octets),
            input_octets: Some(octets / 4),
            output_octets: Some(octets - octets / 4),
        }),
        rating_group: Some(100),
        reporting_reason: Some(reason),
        ..Mscc::default()
    }
}

fn grant(octets: u64, fui: Option<u32>) -> Mscc {
    Mscc {
        granted: Some(ServiceUnit::total(octets)),
        rating_group: Some(100),
        validity_time: Some(3600),
        result_code: Some(2001),
        final_unit: fui.map(|action| FinalUnitIndication { action }),
        volume_quota_threshold: Some((octets / 5) as u32),
        ..Mscc::default()
    }
}

fn bytes_of(m: &impl Emit) -> Vec<u8> {
    let mut buf = vec![0; m.buffer_len()];
    let n = m.emit(IDS, &mut buf);
    assert_eq!(n, buf.len(), "buffer_len and emit agree");
    let mut stream = vec![0xaa; 5];
    assert_eq!(m.emit_to(IDS, &mut stream), n);
    assert_eq!(&stream[5..], &buf[..], "emit_to and emit agree");
    buf
}

/// Every shape the PGW and the OCS exchange, requests and answers in turn.
fn exchange() -> Vec<Vec<u8>> {
    let u1 = [used(800_000, reporting_reason::THRESHOLD)];
    let u2 = [used(200_000, reporting_reason::FINAL)];
    let g1 = [grant(1_000_000, None)];
    let g2 = [grant(250_000, Some(final_unit_action::TERMINATE))];
    let denied = [Mscc {
        rating_group: Some(100),
        result_code: Some(result::CREDIT_LIMIT_REACHED),
        ..Mscc::default()
    }];
    let event = [Mscc {
        requested: Some(ServiceUnit::total(1000)),
        ..Mscc::default()
    }];
    let restrict = [grant(0, Some(final_unit_action::RESTRICT_ACCESS))];
    vec![
        bytes_of(&ccr(request_type::INITIAL, 0, &[RSU])),
        bytes_of(&cca(request_type::INITIAL, 0, 2001, &g1)),
        bytes_of(&ccr(request_type::UPDATE, 1, &u1)),
        bytes_of(&cca(request_type::UPDATE, 1, 2001, &g2)),
        bytes_of(&ccr(request_type::UPDATE, 2, &u1)),
        bytes_of(&cca(
            request_type::UPDATE,
            2,
            result::CREDIT_LIMIT_REACHED,
            &denied,
        )),
        bytes_of(&ccr(request_type::TERMINATION, 3, &u2)),
        bytes_of(&cca(request_type::TERMINATION, 3, 2001, &[])),
        bytes_of(&ccr(request_type::EVENT, 0, &event)),
        bytes_of(&cca(request_type::EVENT, 0, 2001, &restrict)),
    ]
}

#[test]
fn every_message_shape_round_trips() {
    for (i, b) in exchange().iter().enumerate() {
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.application_id(), 4);
        assert_eq!(p.command_code(), 272);
        assert!(p.is_proxiable());
        let again = if p.is_request() {
            let m = CreditControlRequest::parse(&p).unwrap_or_else(|e| panic!("message {i}: {e}"));
            bytes_of(&m)
        } else {
            let m = CreditControlAnswer::parse(&p).unwrap_or_else(|e| panic!("message {i}: {e}"));
            bytes_of(&m)
        };
        assert_eq!(&again, b, "message {i} re-emits identically");
    }
}

#[test]
fn parsed_values_are_the_emitted_ones() {
    let u = [used(800_000, reporting_reason::QUOTA_EXHAUSTED)];
    let req = ccr(request_type::UPDATE, 1, &u);
    let b = bytes_of(&req);
    let got = CreditControlRequest::parse(&Packet::new_checked(&b[..]).unwrap()).unwrap();
    assert_eq!(got, req);
    assert_eq!(got.imsi(), Some(IMSI));
    assert_eq!(got.msisdn(), Some(MSISDN));
    let m = got.mscc.iter().next().unwrap();
    assert_eq!(m.used.unwrap().volume(), 800_000);
    assert_eq!(m.reporting_reason, Some(reporting_reason::QUOTA_EXHAUSTED));
    assert_eq!(got.ps_information.unwrap().sgsn_mcc_mnc, Some("20801"));

    let g = [grant(250_000, Some(final_unit_action::TERMINATE))];
    let ans = cca(request_type::UPDATE, 1, 2001, &g);
    let b = bytes_of(&ans);
    let got = CreditControlAnswer::parse(&Packet::new_checked(&b[..]).unwrap()).unwrap();
    assert_eq!(got, ans);
    let m = got.mscc.iter().next().unwrap();
    assert_eq!(m.granted.unwrap().total_octets, Some(250_000));
    assert_eq!(m.final_unit.unwrap().action, final_unit_action::TERMINATE);
    assert_eq!(m.volume_quota_threshold, Some(50_000));
    assert_eq!(
        got.failure_handling,
        Some(failure_handling::RETRY_AND_TERMINATE)
    );
}

/// `b` without its first top-level AVP with `key` (length patched).
fn drop_avp(b: &[u8], key: crate::wire::diameter::AvpKey) -> Vec<u8> {
    let r = Packet::new_checked(b).unwrap().find(key).unwrap().range();
    let mut out = b.to_vec();
    out.drain(r.start..padded(r.end));
    let len = (out.len() as u32).to_be_bytes();
    out[1..4].copy_from_slice(&len[1..]);
    out
}

fn ccr_err(b: &[u8]) -> Error {
    CreditControlRequest::parse(&Packet::new_checked(b).unwrap()).unwrap_err()
}

#[test]
fn broken_requests_name_the_avp() {
    let good = bytes_of(&ccr(request_type::INITIAL, 0, &[RSU]));
    for key in [
        avp::SERVICE_CONTEXT_ID,
        avp::CC_REQUEST_TYPE,
        avp::CC_REQUEST_NUMBER,
        crate::wire::diameter::codes::avp::AUTH_APPLICATION_ID,
    ] {
        let e = ccr_err(&drop_avp(&good, key));
        assert_eq!(
            e,
            Error::MissingAvp {
                code: key.code,
                vendor_id: 0
            }
        );
        assert_eq!(e.result_code(), 5005);
    }

    // CC-Request-Type 9 is no value of RFC 4006 §8.3.
    let mut bad = good.clone();
    let view = Packet::new_checked(&good[..]).unwrap();
    let at = view.find(avp::CC_REQUEST_TYPE).unwrap().offset();
    bad[at + 11] = 9;
    assert_eq!(
        ccr_err(&bad),
        Error::InvalidAvpValue {
            code: 416,
            offset: at
        }
    );

    // A Subscription-Id-Type cut to 3 octets inside the group: 5014 naming the inner AVP.
    let mut bad = good.clone();
    let inner = view.find(avp::SUBSCRIPTION_ID).unwrap().offset() + 8;
    bad[inner + 7] = 11;
    match ccr_err(&bad) {
        Error::InvalidAvpLength { code, .. } | Error::InvalidAvpValue { code, .. } => {
            assert!(
                code == 450 || code == 443,
                "names the Subscription-Id: {code}"
            )
        }
        e => panic!("unexpected {e:?}"),
    }

    // Another application, or an answer where a request was expected.
    let mut other = good.clone();
    other[8..12].copy_from_slice(&16777251u32.to_be_bytes());
    assert_eq!(ccr_err(&other), Error::UnsupportedApplication(16777251));
    let answer = bytes_of(&cca(request_type::INITIAL, 0, 2001, &[]));
    assert!(matches!(
        ccr_err(&answer),
        Error::UnexpectedCommand {
            code: 272,
            request: false
        }
    ));

    // A Final-Unit-Indication without its Final-Unit-Action.
    let g = [Mscc {
        final_unit: Some(FinalUnitIndication { action: 0 }),
        ..Mscc::default()
    }];
    let mut b = bytes_of(&cca(request_type::UPDATE, 1, 2001, &g));
    let fua = b
        .windows(4)
        .rposition(|w| w == 449u32.to_be_bytes())
        .unwrap();
    b[fua + 3] = 0xff; // now an unknown AVP 255 in its place
    let e = CreditControlAnswer::parse(&Packet::new_checked(&b[..]).unwrap()).unwrap_err();
    assert_eq!(
        e,
        Error::MissingAvp {
            code: 449,
            vendor_id: 0
        }
    );
}

#[test]
fn exchange_dissects_clean_in_tshark_with_the_3gpp_avps_named() {
    let msgs = exchange();
    let path = std::env::temp_dir().join(format!("roamsim-gy-{}.pcap", std::process::id()));
    let slices: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
    capture::write_pcap(&path, capture::L4::Tcp, 40000, 3868, &slices);
    let Some(problems) = capture::tshark_problems(&path, &[]) else {
        eprintln!("tshark not installed: tshark check skipped");
        return;
    };
    assert!(problems.is_empty(), "{problems:?}");
    let lines = capture::tshark_fields(
        &path,
        &[
            "diameter.cmd.code",
            "diameter.applicationId",
            "diameter.CC-Request-Type",
            "diameter.CC-Request-Number",
            "diameter.Service-Context-Id",
            "diameter.3GPP-SGSN-MCC-MNC",
            "diameter.Subscription-Id-Data",
            "diameter.CC-Total-Octets",
            "diameter.Volume-Quota-Threshold",
            "diameter.Final-Unit-Action",
            "diameter.3GPP-Reporting-Reason",
            "diameter.Result-Code",
        ],
    )
    .unwrap();
    assert_eq!(lines.len(), msgs.len(), "{lines:?}");
    let cols: Vec<Vec<&str>> = lines.iter().map(|l| l.split('|').collect()).collect();
    for (i, c) in cols.iter().enumerate() {
        assert_eq!((c[0], c[1]), ("272", "4"), "frame {}: {c:?}", i + 1);
    }
    // CCR-I: request type 1, number 0, PS context, visited PLMN, both subscription ids.
    assert_eq!(cols[0][2], "1");
    assert_eq!(cols[0][3], "0");
    assert_eq!(cols[0][4], SERVICE_CONTEXT_PS);
    assert_eq!(cols[0][5], "20801");
    assert_eq!(cols[0][6], format!("{IMSI},{MSISDN}"));
    // CCA-I: the grant and its threshold.
    assert_eq!(cols[1][7], "1000000");
    assert_eq!(cols[1][8], "200000");
    // CCR-U: the reason; CCA-U: FUI TERMINATE.
    assert_eq!(cols[2][10], "0");
    assert_eq!(cols[3][9], "0");
    // CCA 4012 at both levels.
    assert_eq!(cols[5][11], "4012,4012");
    // CCR-T.
    assert_eq!((cols[6][2], cols[6][3]), ("3", "3"));
    if std::env::var_os("ROAMSIM_KEEP_PCAP").is_none() {
        let _ = std::fs::remove_file(&path);
    }
}

fn arb_unit() -> impl Strategy<Value = ServiceUnit> {
    (
        proptest::option::of(any::<u32>()),
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(
            |(time, total_octets, input_octets, output_octets)| ServiceUnit {
                time,
                total_octets,
                input_octets,
                output_octets,
            },
        )
}

fn arb_mscc() -> impl Strategy<Value = Mscc> {
    (
        proptest::option::of(arb_unit()),
        proptest::option::of(arb_unit()),
        proptest::option::of(arb_unit()),
        proptest::option::of(any::<u32>()),
        proptest::option::of(any::<u32>()),
        proptest::option::of(any::<u32>()),
        proptest::option::of(0u32..3),
        proptest::option::of(any::<u32>()),
        proptest::option::of(0u32..9),
    )
        .prop_map(
            |(granted, requested, used, rg, vt, rc, fui, vqt, rr)| Mscc {
                granted,
                requested,
                used,
                rating_group: rg,
                validity_time: vt,
                result_code: rc,
                final_unit: fui.map(|action| FinalUnitIndication { action }),
                volume_quota_threshold: vqt,
                reporting_reason: rr,
            },
        )
}

proptest! {
    #[test]
    fn arbitrary_ccr_and_cca_round_trip(
        rtype in 1u32..=4,
        number in any::<u32>(),
        mscc in proptest::collection::vec(arb_mscc(), 0..4),
        session in "[a-z0-9.;]{1,40}",
        sgsn in "[0-9]{5,6}",
        uli in proptest::collection::vec(any::<u8>(), 0..20),
        code in 2001u32..6000,
    ) {
        let ps = PsInformation {
            sgsn_mcc_mnc: Some(&sgsn),
            user_location_info: Some(&uli),
            ..ps()
        };
        let req = CreditControlRequest {
            session_id: &session,
            mscc: Repeated::from_slice(&mscc),
            ps_information: Some(ps),
            ..ccr(rtype, number, &[])
        };
        let b = bytes_of(&req);
        let got = CreditControlRequest::parse(&Packet::new_checked(&b[..]).unwrap()).unwrap();
        prop_assert_eq!(got, req);

        let ans = CreditControlAnswer {
            session_id: &session,
            ..cca(rtype, number, code, &mscc)
        };
        let b = bytes_of(&ans);
        let got = CreditControlAnswer::parse(&Packet::new_checked(&b[..]).unwrap()).unwrap();
        prop_assert_eq!(got, ans);
    }
}

/// `b` with one more AVP at its end (no vendor), the message length fixed.
fn with_avp(b: &[u8], code: u32, flags: u8, data: &[u8]) -> Vec<u8> {
    let mut out = b.to_vec();
    let len = 8 + data.len();
    out.extend_from_slice(&code.to_be_bytes());
    out.push(flags);
    out.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
    out.extend_from_slice(data);
    out.resize(out.len() + padded(len) - len, 0);
    let total = out.len() as u32;
    out[1..4].copy_from_slice(&total.to_be_bytes()[1..]);
    out
}

#[test]
fn a_ccr_is_held_to_its_abnf_5001_and_5009_with_the_avp_as_failed_avp() {
    use crate::wire::diameter::codes::avp_flags::MANDATORY;
    let good = bytes_of(&ccr(request_type::INITIAL, 0, &[RSU]));
    // An AVP no dictionary here knows: ignored without the M bit, 5001 with it.
    assert!(CreditControlRequest::parse(
        &Packet::new_checked(&with_avp(&good, 64_999, 0, b"x")[..]).unwrap()
    )
    .is_ok());
    let unknown = with_avp(&good, 64_999, MANDATORY, b"x");
    let e = ccr_err(&unknown);
    assert_eq!(e.result_code(), 5001);
    let failed = e.failed_avp(&unknown).unwrap().as_avp().unwrap();
    assert_eq!((failed.code(), failed.data()), (64_999, &b"x"[..]));
    // A second CC-Request-Number: 5009 naming the second.
    let twice = with_avp(
        &good,
        avp::CC_REQUEST_NUMBER.code,
        MANDATORY,
        &7u32.to_be_bytes(),
    );
    let e = ccr_err(&twice);
    assert_eq!(e.result_code(), 5009);
    let failed = e.failed_avp(&twice).unwrap().as_avp().unwrap();
    assert_eq!(failed.u32(), Ok(7));
}
