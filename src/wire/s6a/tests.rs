//! S6a tests on the 24 messages of `s6a-tcp.pcap` (python-diameter MME and HSS, see
//! `tests/data/captures/README.md`): parse into each `Repr` with the expected values, re-emit
//! byte-identical to the capture (but for the M bit the dictionary forbids), decode clean in
//! tshark; plus malformed input and round-trip properties.

use proptest::prelude::*;

use super::codes::{
    all_apn_configurations, avp, cancellation_type, clr_flags, experimental, network_access_mode,
    pdn_type, pre_emption_capability, pre_emption_vulnerability, pua_flags, rat_type, result,
    subscriber_status, ula_flags, ulr_flags, vendor,
};
use super::*;
use crate::wire::capture;
use crate::wire::diameter::{AvpIter, AvpKey, Emit, EmitFn};

const FRAMES: [usize; 24] = [
    4, 6, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 23, 25, 27, 28, 30, 31, 32, 33, 36, 38, 39, 40,
];
const IMSI_A: &str = "310410000100000";
const PLMN_208_01: [u8; 3] = [0x02, 0xf8, 0x10];
const MME1: &str = "mme1.epc.mnc001.mcc208.3gppnetwork.org";
const MME_REALM: &str = "epc.mnc001.mcc208.3gppnetwork.org";
const HSS: &str = "hss.epc.mnc410.mcc310.3gppnetwork.org";
const HSS_REALM: &str = "epc.mnc410.mcc310.3gppnetwork.org";

fn frame(n: usize) -> Vec<u8> {
    capture::frame("s6a-tcp.pcap", n)
}

fn emit(m: &Message<'_>, ids: Ids) -> Vec<u8> {
    let mut buf = vec![0; m.buffer_len()];
    let n = m.emit(ids, &mut buf);
    assert_eq!(n, buf.len(), "buffer_len and emit agree");
    // Appended after other bytes of a stream: the same message.
    let mut stream = vec![0xaa; 3];
    assert_eq!(m.emit_to(ids, &mut stream), n);
    assert_eq!(&stream[3..], &buf[..], "emit_to and emit agree");
    buf
}

fn parse<'a, R>(bytes: &'a [u8], f: fn(&Packet<&'a [u8]>) -> Result<R, Error>) -> R {
    f(&Packet::new_checked(bytes).unwrap()).unwrap()
}

fn parse_err<'a, R: std::fmt::Debug>(
    bytes: &'a [u8],
    f: fn(&Packet<&'a [u8]>) -> Result<R, Error>,
) -> Error {
    f(&Packet::new_checked(bytes).unwrap()).unwrap_err()
}

/// Offsets of the flag octet of every AVP (at any depth) whose dictionary entry forbids M.
fn m_must_not_flag_offsets(it: AvpIter<'_>, out: &mut Vec<usize>) {
    for a in it.map(Result::unwrap) {
        if a.key().flags() & codes::avp_flags::MANDATORY == 0 {
            out.push(a.offset() + 4);
        }
        let grouped = [
            avp::VENDOR_SPECIFIC_APPLICATION_ID,
            avp::EXPERIMENTAL_RESULT,
            avp::AUTHENTICATION_INFO,
            avp::E_UTRAN_VECTOR,
            avp::SUBSCRIPTION_DATA,
            avp::REQUESTED_EUTRAN_AUTHENTICATION_INFO,
        ];
        if grouped.contains(&a.key()) {
            m_must_not_flag_offsets(a.group(), out);
        }
    }
}

/// The capture without its top-level AVPs with `key`.
fn without(bytes: &[u8], key: AvpKey) -> Vec<u8> {
    let p = Packet::new_checked(bytes).unwrap();
    let mut out = Vec::new();
    EmitFn(|ids: Ids, w: &mut Writer<'_>| {
        w.header(p.flags(), p.command_code(), p.application_id(), ids);
        for a in p.avps().map(Result::unwrap).filter(|a| a.key() != key) {
            w.avp_bytes(&bytes[a.range()]);
        }
    })
    .emit_to(p.ids(), &mut out);
    out
}

#[test]
fn all_capture_messages_reemit_identically_and_decode_clean() {
    let mut emitted = Vec::new();
    for n in FRAMES {
        let bytes = frame(n);
        let p = Packet::new_checked(&bytes[..]).unwrap();
        let m = Message::parse(&p).unwrap_or_else(|e| panic!("frame {n}: {e}"));
        assert_eq!(m.command(), (p.command_code(), p.is_request()));
        assert_eq!(m.application_id(), p.application_id());
        let out = emit(&m, p.ids());
        assert_eq!(out.len(), bytes.len(), "frame {n}");
        // python-diameter sets M on RAT-Type, CLR-Flags and PUR-Flags; the dictionary says
        // mandatory="mustnot", so those flag octets (0xc0 there, 0x80 here) are the only change.
        let mut allowed = Vec::new();
        m_must_not_flag_offsets(p.avps(), &mut allowed);
        for (i, (a, b)) in bytes.iter().zip(&out).enumerate() {
            if a != b {
                assert!(
                    allowed.contains(&i),
                    "frame {n}: octet {i} {a:#x} != {b:#x}"
                );
                assert_eq!((*a, *b), (0xc0, 0x80), "frame {n}: octet {i}");
            }
        }
        let again = Message::parse(&Packet::new_checked(&out[..]).unwrap()).unwrap();
        assert_eq!(again, m, "frame {n}");
        emitted.push(out);
    }
    let path = std::env::temp_dir().join(format!("roamsim-s6a-{}.pcap", std::process::id()));
    let slices: Vec<&[u8]> = emitted.iter().map(Vec::as_slice).collect();
    capture::write_pcap(&path, capture::L4::Tcp, 40000, 3868, &slices);
    match capture::tshark_problems(&path, &[]) {
        Some(problems) => assert!(problems.is_empty(), "{problems:?}"),
        None => eprintln!("tshark not installed: tshark check skipped"),
    }
    let _ = std::fs::remove_file(&path);
}

#[test]
fn byte_identical_where_flags_agree() {
    for n in [9, 11, 13, 15, 30, 31, 33] {
        let bytes = frame(n);
        let p = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(
            emit(&Message::parse(&p).unwrap(), p.ids()),
            bytes,
            "frame {n}"
        );
    }
}

#[test]
fn air_frame_8() {
    let bytes = frame(8);
    let r = parse(&bytes, AuthInfoRequest::parse);
    assert_eq!(r.user_name, IMSI_A);
    assert_eq!(r.visited_plmn_id, PLMN_208_01);
    assert_eq!(
        r.common,
        RequestCommon {
            session_id: "mme1.epc.mnc001.mcc208.3gppnetwork.org;6b07d03d;00fc45e7;ab026e0d",
            origin_host: MME1,
            origin_realm: MME_REALM,
            destination_host: None,
            destination_realm: HSS_REALM,
        }
    );
    let e = r.requested_eutran.unwrap();
    assert_eq!(e.number_of_requested_vectors, Some(3));
    assert_eq!(e.immediate_response_preferred, Some(1));
    assert_eq!(e.re_synchronization_info, None);
}

#[test]
fn aia_frame_9_has_three_vectors() {
    let bytes = frame(9);
    let a = parse(&bytes, AuthInfoAnswer::parse);
    assert_eq!(a.common.result, ResultCode::SUCCESS);
    assert_eq!(
        (a.common.origin_host, a.common.origin_realm),
        (HSS, HSS_REALM)
    );
    let v: Vec<_> = a.vectors.iter().collect();
    assert_eq!(v.len(), 3);
    assert_eq!(a.vectors.len(), 3);
    for (i, v) in v.iter().enumerate() {
        assert_eq!(v.item_number, Some(i as u32 + 1));
        assert_eq!(v.xres.len(), 8);
    }
    assert_eq!(v[0].rand[..4], [0xfa, 0xb1, 0x72, 0xdb]);
    assert_eq!(v[0].xres, [0xf6, 0xa4, 0x62, 0x6c, 0xb3, 0x83, 0x65, 0xec]);
    assert_eq!(v[0].autn[6..8], [0x80, 0x00], "AMF 8000");
    assert_eq!(v[2].kasme[..2], [0xfe, 0xa5]);
}

#[test]
fn ulr_frames() {
    let cases = [
        (10, IMSI_A, PLMN_208_01, 0x22),
        (12, "310410000999999", PLMN_208_01, 0x22),
        (14, "310410000100001", [0x62, 0xf2, 0x10], 0x22),
        (27, IMSI_A, PLMN_208_01, 0x02),
    ];
    for (n, imsi, plmn, flags) in cases {
        let bytes = frame(n);
        let r = parse(&bytes, UpdateLocationRequest::parse);
        assert_eq!(
            (r.user_name, r.visited_plmn_id, r.ulr_flags),
            (imsi, plmn, flags)
        );
        assert_eq!(r.rat_type, rat_type::EUTRAN);
        assert_ne!(r.ulr_flags & ulr_flags::S6A_S6D_INDICATOR, 0);
        assert_eq!(r.common.destination_host, None);
    }
    let bytes = frame(10);
    let r = parse(&bytes, UpdateLocationRequest::parse);
    assert_ne!(r.ulr_flags & ulr_flags::INITIAL_ATTACH_INDICATOR, 0);
}

fn expected_subscription() -> SubscriptionData<'static> {
    static APN: [ApnConfiguration<'static>; 1] = [ApnConfiguration {
        context_identifier: 1,
        pdn_type: pdn_type::IPV4,
        service_selection: "internet",
        eps_subscribed_qos_profile: Some(EpsSubscribedQosProfile {
            qos_class_identifier: 9,
            allocation_retention_priority: AllocationRetentionPriority {
                priority_level: 9,
                pre_emption_capability: Some(pre_emption_capability::DISABLED),
                pre_emption_vulnerability: Some(pre_emption_vulnerability::ENABLED),
            },
        }),
        ambr: Some(AMBR),
    }];
    const AMBR: Ambr = Ambr {
        max_requested_bandwidth_ul: 50_000_000,
        max_requested_bandwidth_dl: 100_000_000,
    };
    SubscriptionData {
        subscriber_status: Some(subscriber_status::SERVICE_GRANTED),
        msisdn: Some(&[0x51, 0x55, 0x00, 0x00, 0x00, 0xf0]),
        network_access_mode: Some(network_access_mode::ONLY_PACKET),
        ambr: Some(AMBR),
        apn_configuration_profile: Some(ApnConfigurationProfile {
            context_identifier: 1,
            all_apn_configurations_included_indicator: all_apn_configurations::ALL_INCLUDED,
            apn_configurations: crate::wire::diameter::Repeated::from_slice(&APN),
        }),
    }
}

#[test]
fn ula_frames() {
    for n in [11, 31] {
        let bytes = frame(n);
        let a = parse(&bytes, UpdateLocationAnswer::parse);
        assert_eq!(a.common.result, ResultCode::SUCCESS);
        assert_eq!(a.ula_flags, Some(ula_flags::SEPARATION_INDICATION));
        assert_eq!(
            a.subscription_data,
            Some(expected_subscription()),
            "frame {n}"
        );
    }
    for (n, code) in [
        (13, experimental::USER_UNKNOWN),
        (15, experimental::ROAMING_NOT_ALLOWED),
    ] {
        let bytes = frame(n);
        let a = parse(&bytes, UpdateLocationAnswer::parse);
        let want = ResultCode::Experimental {
            vendor_id: vendor::TGPP,
            code,
        };
        assert_eq!(a.common.result, want);
        assert!(!a.common.result.is_success() && !a.common.result.is_protocol_error());
        assert_eq!((a.ula_flags, a.subscription_data), (None, None));
    }
}

#[test]
fn clr_cla_pur_pua_frames() {
    let bytes = frame(28);
    let r = parse(&bytes, CancelLocationRequest::parse);
    assert_eq!(r.user_name, IMSI_A);
    assert_eq!(r.cancellation_type, cancellation_type::MME_UPDATE_PROCEDURE);
    assert_eq!(r.clr_flags, Some(clr_flags::S6A_S6D_INDICATOR));
    assert_eq!(r.common.origin_host, HSS);
    assert_eq!(r.common.destination_host, Some(MME1));
    assert_eq!(r.common.destination_realm, MME_REALM);

    let bytes = frame(30);
    let a = parse(&bytes, CancelLocationAnswer::parse);
    assert_eq!(a.common.session_id, r.common.session_id);
    assert_eq!(
        (a.common.result, a.common.origin_host),
        (ResultCode::SUCCESS, MME1)
    );

    let bytes = frame(32);
    let r = parse(&bytes, PurgeUeRequest::parse);
    assert_eq!((r.user_name, r.pur_flags), (IMSI_A, Some(0)));
    let bytes = frame(33);
    let a = parse(&bytes, PurgeUeAnswer::parse);
    assert_eq!(a.pua_flags, Some(pua_flags::FREEZE_M_TMSI));
    assert_eq!(a.common.result.code(), result::SUCCESS);
}

#[test]
fn missing_mandatory_avps_are_named() {
    let ulr = frame(10);
    let cases = [
        (avp::USER_NAME, 1, 0),
        (avp::VISITED_PLMN_ID, 1407, vendor::TGPP),
        (avp::ULR_FLAGS, 1405, vendor::TGPP),
        (avp::SESSION_ID, 263, 0),
        (avp::DESTINATION_REALM, 283, 0),
        (avp::AUTH_SESSION_STATE, 277, 0),
    ];
    for (key, code, vendor_id) in cases {
        let e = parse_err(&without(&ulr, key), UpdateLocationRequest::parse);
        assert_eq!(e, Error::MissingAvp { code, vendor_id });
        assert_eq!(e.result_code(), result::MISSING_AVP);
    }
    let e = parse_err(
        &without(&frame(28), avp::DESTINATION_HOST),
        CancelLocationRequest::parse,
    );
    assert_eq!(e.avp_code(), Some(293));
    let e = parse_err(
        &without(&frame(11), avp::RESULT_CODE),
        UpdateLocationAnswer::parse,
    );
    assert_eq!(e.avp_code(), Some(268));
    // Unknown optional AVPs are skipped: the ULR without its VSAI still parses.
    let no_vsai = without(&ulr, avp::VENDOR_SPECIFIC_APPLICATION_ID);
    let r = parse(&no_vsai, UpdateLocationRequest::parse);
    assert_eq!(r.user_name, IMSI_A);
}

/// Offset of the first AVP with `key`, at any depth.
fn find_deep(it: AvpIter<'_>, key: AvpKey) -> Option<usize> {
    for a in it.map(Result::unwrap) {
        if a.key() == key {
            return Some(a.offset());
        }
        if a.vendor_id() == vendor::TGPP && a.data().len() >= 12 {
            if let Some(o) = find_deep(a.group(), key).filter(|_| a.group().all(|i| i.is_ok())) {
                return Some(o);
            }
        }
    }
    None
}

#[test]
fn bad_lengths_and_values_inside_groups() {
    // RAND of 15 octets (length 27 keeps the padded size): 5014 naming RAND.
    let mut aia = frame(9);
    let at = find_deep(Packet::new_checked(&aia[..]).unwrap().avps(), avp::RAND).unwrap();
    aia[at + 7] = 27;
    let e = parse_err(&aia, AuthInfoAnswer::parse);
    assert_eq!(
        e,
        Error::InvalidAvpLength {
            code: 1447,
            offset: at
        }
    );
    assert_eq!(e.result_code(), result::INVALID_AVP_LENGTH);
    // Visited-PLMN-Id of 4 octets.
    let mut ulr = frame(10);
    let at = find_deep(
        Packet::new_checked(&ulr[..]).unwrap().avps(),
        avp::VISITED_PLMN_ID,
    )
    .unwrap();
    ulr[at + 7] = 16;
    assert_eq!(
        parse_err(&ulr, UpdateLocationRequest::parse).avp_code(),
        Some(1407)
    );
    // A Subscription-Data member running past its group.
    let mut ula = frame(11);
    let at = find_deep(Packet::new_checked(&ula[..]).unwrap().avps(), avp::MSISDN).unwrap();
    ula[at + 5] = 1;
    let e = parse_err(&ula, UpdateLocationAnswer::parse);
    assert_eq!(
        e,
        Error::InvalidAvpLength {
            code: 701,
            offset: at
        }
    );
    // Service-Selection that is not UTF-8.
    let mut ula = frame(11);
    let at = find_deep(
        Packet::new_checked(&ula[..]).unwrap().avps(),
        avp::SERVICE_SELECTION,
    )
    .unwrap();
    ula[at + 8] = 0xff;
    let e = parse_err(&ula, UpdateLocationAnswer::parse);
    assert_eq!(
        (e.avp_code(), e.result_code()),
        (Some(493), result::INVALID_AVP_VALUE)
    );
    // A wrong application: 3007; a truncated message: never a panic.
    let mut wrong = frame(10);
    wrong[11] ^= 1;
    assert_eq!(
        parse_err(&wrong, UpdateLocationRequest::parse).result_code(),
        3007
    );
    let ulr = frame(10);
    for cut in 0..ulr.len() {
        let mut short = ulr[..cut].to_vec();
        let len = short.len().min(ulr.len()) as u32 & !3;
        if short.len() >= 4 {
            short[1..4].copy_from_slice(&len.to_be_bytes()[1..]);
        }
        if let Ok(p) = Packet::new_checked(&short[..]) {
            let _ = Message::parse(&p);
        }
    }
}

#[test]
fn hss_builds_answers_from_slices() {
    let rand = [1u8; 16];
    let autn = [2u8; 16];
    let kasme = [3u8; 32];
    let vectors = [
        EutranVector {
            item_number: Some(1),
            rand: &rand,
            xres: &[4; 8],
            autn: &autn,
            kasme: &kasme,
        },
        EutranVector {
            item_number: Some(2),
            rand: &rand,
            xres: &[5; 16],
            autn: &autn,
            kasme: &kasme,
        },
    ];
    let aia = AuthInfoAnswer {
        common: AnswerCommon::success("s;1", HSS, HSS_REALM),
        vectors: crate::wire::diameter::Repeated::from_slice(&vectors),
    };
    let bytes = emit(&Message::Aia(aia), Ids::default());
    assert_eq!(parse(&bytes, AuthInfoAnswer::parse), aia);

    let ula = UpdateLocationAnswer {
        common: AnswerCommon {
            result: ResultCode::Base(result::TOO_BUSY),
            ..AnswerCommon::success("s;2", HSS, HSS_REALM)
        },
        ula_flags: None,
        subscription_data: Some(expected_subscription()),
    };
    let bytes = emit(&Message::Ula(ula), Ids::default());
    let p = Packet::new_checked(&bytes[..]).unwrap();
    assert!(p.is_error() && p.is_proxiable());
    assert_eq!(parse(&bytes, UpdateLocationAnswer::parse), ula);
}

fn common_strategy() -> impl Strategy<Value = (String, String, String, Option<String>, String)> {
    let id = "[a-z0-9.;-]{1,60}";
    (id, id, id, prop::option::of(id), id)
}

proptest! {
    #[test]
    fn ulr_and_clr_round_trip(
        (sid, oh, or, dh, dr) in common_strategy(), imsi in "[0-9]{6,15}",
        rat in any::<u32>(), flags in any::<u32>(), plmn in any::<[u8; 3]>(),
        ctype in 0u32..5, clr_flags in any::<Option<u32>>(), ids in any::<(u32, u32)>(),
    ) {
        let common = RequestCommon {
            session_id: &sid, origin_host: &oh, origin_realm: &or,
            destination_host: dh.as_deref(), destination_realm: &dr,
        };
        let ids = Ids { hop_by_hop: ids.0, end_to_end: ids.1 };
        let ulr = UpdateLocationRequest {
            common, user_name: &imsi, rat_type: rat, ulr_flags: flags, visited_plmn_id: plmn,
        };
        let bytes = emit(&Message::Ulr(ulr), ids);
        prop_assert_eq!(parse(&bytes, UpdateLocationRequest::parse), ulr);
        if dh.is_some() {
            let clr = CancelLocationRequest {
                common, user_name: &imsi, cancellation_type: ctype, clr_flags,
            };
            let bytes = emit(&Message::Clr(clr), ids);
            prop_assert_eq!(Packet::new_checked(&bytes[..]).unwrap().ids(), ids);
            prop_assert_eq!(parse(&bytes, CancelLocationRequest::parse), clr);
        }
    }

    #[test]
    fn aia_and_air_round_trip(
        (sid, oh, or, _dh, dr) in common_strategy(),
        keys in prop::collection::vec((any::<[u8; 16]>(), 4usize..=16, any::<[u8; 32]>()), 0..6),
        experimental_code in prop::option::of(4000u32..6000),
        resync in prop::option::of(prop::collection::vec(any::<u8>(), 30)),
    ) {
        let xres = [7u8; 16];
        let vectors: Vec<EutranVector> = keys.iter().enumerate().map(|(i, (r, n, k))| EutranVector {
            item_number: Some(i as u32), rand: r, xres: &xres[..*n], autn: r, kasme: k,
        }).collect();
        let result = match experimental_code {
            Some(code) => ResultCode::Experimental { vendor_id: vendor::TGPP, code },
            None => ResultCode::SUCCESS,
        };
        let aia = AuthInfoAnswer {
            common: AnswerCommon { result, error_message: Some("e"), ..AnswerCommon::success(&sid, &oh, &or) },
            vectors: crate::wire::diameter::Repeated::from_slice(&vectors),
        };
        let bytes = emit(&Message::Aia(aia), Ids::default());
        prop_assert_eq!(parse(&bytes, AuthInfoAnswer::parse), aia);
        let air = AuthInfoRequest {
            common: RequestCommon {
                session_id: &sid, origin_host: &oh, origin_realm: &or,
                destination_host: None, destination_realm: &dr,
            },
            user_name: "001010123456789",
            requested_eutran: Some(RequestedEutranAuthInfo {
                number_of_requested_vectors: Some(vectors.len() as u32),
                immediate_response_preferred: None,
                re_synchronization_info: resync.as_deref(),
            }),
            visited_plmn_id: PLMN_208_01,
        };
        let bytes = emit(&Message::Air(air), Ids::default());
        prop_assert_eq!(parse(&bytes, AuthInfoRequest::parse), air);
    }
}

/// The fuzz target's property, on mutated capture messages, for CI where cargo-fuzz is absent.
fn reemit_is_stable(data: &[u8]) {
    let Ok(p) = Packet::new_checked(data) else {
        return;
    };
    let Ok(m) = Message::parse(&p) else {
        return;
    };
    let first = emit(&m, p.ids());
    let again = Message::parse(&Packet::new_checked(&first[..]).unwrap()).unwrap();
    assert_eq!(emit(&again, p.ids()), first);
}

proptest! {
    #[test]
    fn mutated_captures_never_panic_and_reemit_stably(
        which in 0usize..FRAMES.len(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut bytes = frame(FRAMES[which]);
        for (at, v) in edits {
            let i = 20 + at.index(bytes.len() - 20);
            bytes[i] = v;
        }
        reemit_is_stable(&bytes);
    }
}
