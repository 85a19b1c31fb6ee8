//! Round-trip property tests (emit → parse → equal) for the header and every message
//! representation, plus malformed-input tests: each bad input gets the error a responder needs.

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use super::codes::{cause, ie, msg};
use super::*;
use crate::wire::capture;

fn header() -> impl Strategy<Value = Header> {
    (
        any::<u8>(),
        any::<bool>(),
        any::<Option<u32>>(),
        0..=0xFF_FFFFu32,
        proptest::option::of(0..16u8),
    )
        .prop_map(|(msg_type, piggyback, teid, seq, priority)| Header {
            msg_type,
            piggyback,
            teid,
            seq,
            priority,
        })
}

fn fteid() -> impl Strategy<Value = Fteid> {
    (
        0..64u8,
        any::<u32>(),
        any::<Option<[u8; 4]>>(),
        any::<Option<[u8; 16]>>(),
    )
        .prop_map(|(interface, teid, v4, v6)| Fteid {
            interface,
            teid,
            ipv4: v4.map(Ipv4Addr::from),
            ipv6: v6.map(Ipv6Addr::from),
        })
}

fn plmn() -> impl Strategy<Value = Plmn> {
    (
        0..1000u16,
        prop_oneof![(0..100u16, Just(2u8)), (0..1000u16, Just(3u8))],
    )
        .prop_map(|(mcc, (mnc, len))| Plmn::new(mcc, mnc, len).unwrap())
}

fn uli() -> impl Strategy<Value = Uli> {
    let tai = (plmn(), any::<u16>()).prop_map(|(plmn, tac)| Tai { plmn, tac });
    let ecgi = (plmn(), 0..1u32 << 28).prop_map(|(plmn, eci)| Ecgi { plmn, eci });
    (proptest::option::of(tai), proptest::option::of(ecgi))
        .prop_map(|(tai, ecgi)| Uli { tai, ecgi })
}

fn cause_ie() -> impl Strategy<Value = Cause> {
    (
        any::<u8>(),
        any::<[bool; 3]>(),
        proptest::option::of((any::<u8>(), 0..16u8)),
    )
        .prop_map(|(value, [pce, bce, cs], off)| Cause {
            value,
            pce,
            bce,
            cs,
            offending: off.map(|(t, i)| IeId::new(t, i)),
        })
}

fn qos() -> impl Strategy<Value = BearerQos> {
    let r = || 0..=super::MAX_RATE_40;
    (
        any::<[bool; 2]>(),
        0..16u8,
        any::<u8>(),
        [r(), r(), r(), r()],
    )
        .prop_map(
            |([pci, pvi], pl, qci, [mbr_ul, mbr_dl, gbr_ul, gbr_dl])| BearerQos {
                pci,
                pl,
                pvi,
                qci,
                mbr_ul,
                mbr_dl,
                gbr_ul,
                gbr_dl,
            },
        )
}

fn paa() -> impl Strategy<Value = Paa> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|a| Paa::Ipv4(a.into())),
        (any::<u8>(), any::<[u8; 16]>()).prop_map(|(prefix_len, a)| Paa::Ipv6 {
            prefix_len,
            addr: a.into()
        }),
        (any::<u8>(), any::<[u8; 16]>(), any::<[u8; 4]>()).prop_map(|(prefix_len, v6, v4)| {
            Paa::Ipv4v6 {
                prefix_len,
                ipv6: v6.into(),
                ipv4: v4.into(),
            }
        }),
    ]
}

fn ambr() -> impl Strategy<Value = Ambr> {
    (any::<u32>(), any::<u32>()).prop_map(|(uplink, downlink)| Ambr { uplink, downlink })
}

fn bearer(with_qos: bool, with_cause: bool) -> impl Strategy<Value = BearerContext> {
    let fteids = proptest::collection::vec((0..16u8, fteid()), 0..=MAX_BEARER_FTEIDS);
    let qos = if with_qos {
        qos().prop_map(Some).boxed()
    } else {
        Just(None).boxed()
    };
    let cause = if with_cause {
        cause_ie().prop_map(Some).boxed()
    } else {
        Just(None).boxed()
    };
    (0..16u8, cause, fteids, qos, any::<Option<u32>>()).prop_map(
        |(ebi, cause, list, qos, charging_id)| {
            let mut fteids = FteidList::new();
            for (instance, f) in list {
                // One F-TEID per instance: a repeated instance keeps its first copy on parse.
                if fteids.get(instance).is_none() {
                    fteids.push(instance, f);
                }
            }
            BearerContext {
                ebi,
                cause,
                fteids,
                qos,
                charging_id,
            }
        },
    )
}

fn bearers(
    with_qos: bool,
    with_cause: bool,
    min: usize,
) -> impl Strategy<Value = Vec<BearerContext>> {
    proptest::collection::vec(bearer(with_qos, with_cause), min..4)
}

fn digits(max: usize) -> impl Strategy<Value = TbcdBuf> {
    proptest::string::string_regex(&format!("[0-9]{{1,{max}}}"))
        .unwrap()
        .prop_map(|s| TbcdBuf::from_digits(&s).unwrap())
}

fn apn() -> impl Strategy<Value = ApnBuf> {
    proptest::string::string_regex("[a-z0-9-]{1,20}(\\.[a-z0-9-]{1,20}){0,3}")
        .unwrap()
        .prop_map(|s| ApnBuf::from_dotted(&s).unwrap())
}

/// Emits `m`, checks the length against `buffer_len`, parses it back and compares.
fn round_trip(m: Message<'_>) -> Result<(), TestCaseError> {
    let mut buf = vec![0; m.buffer_len()];
    prop_assert_eq!(m.emit(&mut buf), Ok(buf.len()));
    prop_assert_eq!(Message::parse(&buf), Ok(m));
    prop_assert_eq!(peek_header(&buf), Ok(m.header()));
    Ok(())
}

proptest! {
    #[test]
    fn header_round_trip(h in header(), ies_len in 0..64usize) {
        let mut buf = vec![0; h.header_len() + ies_len];
        prop_assert_eq!(h.emit(&mut buf, ies_len), Ok(h.header_len()));
        let p = Packet::new_checked(&buf[..]).unwrap();
        prop_assert_eq!(Header::parse(&p), h);
        prop_assert_eq!(p.total_len(), buf.len());
    }

    #[test]
    fn echo_round_trip(seq in 0..=0xFF_FFFFu32, recovery: u8, response: bool) {
        round_trip(if response {
            Message::EchoResponse(EchoResponse { seq, recovery })
        } else {
            Message::EchoRequest(EchoRequest { seq, recovery })
        })?;
        round_trip(Message::VersionNotSupported(VersionNotSupported { seq }))?;
    }

    #[test]
    fn create_session_request_round_trip(
        (teid, seq) in (any::<u32>(), 0..=0xFF_FFFFu32),
        (imsi, msisdn, mei) in (proptest::option::of(digits(15)), proptest::option::of(digits(15)), proptest::option::of(digits(16))),
        (uli, rat_type, sn) in (proptest::option::of(uli()), any::<u8>(), proptest::option::of(plmn())),
        (sender, pgw, apn) in (fteid(), proptest::option::of(fteid()), apn()),
        (sel, pdn, paa) in (proptest::option::of(0..4u8), proptest::option::of(0..8u8), proptest::option::of(paa())),
        (restriction, ambr, recovery) in (any::<Option<u8>>(), proptest::option::of(ambr()), any::<Option<u8>>()),
        bcs in bearers(true, false, 1),
    ) {
        round_trip(Message::CreateSessionRequest(CreateSessionRequest {
            teid, seq,
            imsi: imsi.as_ref().map(TbcdBuf::as_tbcd),
            msisdn: msisdn.as_ref().map(TbcdBuf::as_tbcd),
            mei: mei.as_ref().map(TbcdBuf::as_tbcd),
            uli, rat_type, serving_network: sn,
            sender_fteid: sender, pgw_fteid: pgw, apn: apn.as_apn(),
            selection_mode: sel, pdn_type: pdn, paa,
            apn_restriction: restriction, apn_ambr: ambr,
            bearer_contexts: BearerContexts::new(&bcs),
            recovery,
        }))?;
    }

    #[test]
    fn create_session_response_round_trip(
        (teid, seq, c) in (any::<u32>(), 0..=0xFF_FFFFu32, cause_ie()),
        (sender, pgw, paa) in (proptest::option::of(fteid()), proptest::option::of(fteid()), proptest::option::of(paa())),
        (restriction, ambr, recovery) in (any::<Option<u8>>(), proptest::option::of(ambr()), any::<Option<u8>>()),
        bcs in bearers(false, true, 0),
    ) {
        round_trip(Message::CreateSessionResponse(CreateSessionResponse {
            teid, seq, cause: c, sender_fteid: sender, pgw_fteid: pgw, paa,
            apn_restriction: restriction, apn_ambr: ambr,
            bearer_contexts: BearerContexts::new(&bcs), recovery,
        }))?;
    }

    #[test]
    fn modify_bearer_round_trip(
        (teid, seq, c) in (any::<u32>(), 0..=0xFF_FFFFu32, cause_ie()),
        (mei, uli, sn, rat) in (proptest::option::of(digits(16)), proptest::option::of(uli()), proptest::option::of(plmn()), any::<Option<u8>>()),
        (sender, ambr, recovery, restriction) in (proptest::option::of(fteid()), proptest::option::of(ambr()), any::<Option<u8>>(), any::<Option<u8>>()),
        (req_bcs, resp_bcs) in (bearers(false, false, 0), bearers(false, true, 0)),
    ) {
        round_trip(Message::ModifyBearerRequest(ModifyBearerRequest {
            teid, seq, mei: mei.as_ref().map(TbcdBuf::as_tbcd), uli, serving_network: sn,
            rat_type: rat, sender_fteid: sender, apn_ambr: ambr,
            bearer_contexts: BearerContexts::new(&req_bcs), recovery,
        }))?;
        round_trip(Message::ModifyBearerResponse(ModifyBearerResponse {
            teid, seq, cause: c, msisdn: mei.as_ref().map(TbcdBuf::as_tbcd),
            apn_restriction: restriction, bearer_contexts: BearerContexts::new(&resp_bcs), recovery,
        }))?;
    }

    #[test]
    fn delete_session_round_trip(
        (teid, seq, c) in (any::<u32>(), 0..=0xFF_FFFFu32, cause_ie()),
        (opt_cause, ebi, uli, sender, recovery) in (proptest::option::of(cause_ie()), proptest::option::of(0..16u8), proptest::option::of(uli()), proptest::option::of(fteid()), any::<Option<u8>>()),
    ) {
        round_trip(Message::DeleteSessionRequest(DeleteSessionRequest {
            teid, seq, cause: opt_cause, linked_ebi: ebi, uli, sender_fteid: sender,
        }))?;
        round_trip(Message::DeleteSessionResponse(DeleteSessionResponse { teid, seq, cause: c, recovery }))?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = Message::parse(&data);
        if let Ok(p) = Packet::new_checked(&data[..]) {
            for ie in p.ies().flatten() {
                let _ = ie.children().count();
            }
        }
    }

    #[test]
    fn mutated_capture_frames_never_panic(n in 1..=20usize, at: usize, byte: u8, cut: usize) {
        let mut data = capture::frame("gtpv2-udp.pcap", n);
        let i = at % data.len();
        data[i] = byte;
        data.truncate(data.len() - cut % 4);
        if let Ok(m) = Message::parse(&data) {
            let mut out = vec![0; m.buffer_len()];
            prop_assert_eq!(m.emit(&mut out), Ok(out.len()));
        }
    }

    #[test]
    fn tbcd_and_apn_round_trip(d in "[0-9]{1,16}", a in "[a-z0-9]{1,63}(\\.[a-z0-9]{1,30}){0,1}") {
        let t = TbcdBuf::from_digits(&d).unwrap();
        prop_assert_eq!(Tbcd::parse(t.as_tbcd().as_bytes()), Some(t.as_tbcd()));
        prop_assert_eq!(t.as_tbcd().to_string(), d.clone());
        prop_assert_eq!(TbcdBuf::from_u64(d.parse().unwrap(), d.len()), Ok(t));
        let apn = ApnBuf::from_dotted(&a).unwrap();
        prop_assert!(apn.as_apn().eq_dotted(&a));
        prop_assert_eq!(apn.as_apn().to_string(), a);
    }
}

fn frame(n: usize) -> Vec<u8> {
    capture::frame("gtpv2-udp.pcap", n)
}

/// Removes the top-level IE at `index` from a message and fixes the header length.
fn without_ie(bytes: &[u8], index: usize) -> Vec<u8> {
    let p = Packet::new_checked(bytes).unwrap();
    let ie = p.ies().nth(index).unwrap().unwrap().as_bytes();
    let start = ie.as_ptr() as usize - bytes.as_ptr() as usize;
    let mut out = bytes[..start].to_vec();
    out.extend_from_slice(&bytes[start + ie.len()..]);
    set_len(&mut out);
    out
}

fn set_len(m: &mut [u8]) {
    let len = (m.len() - 4) as u16;
    m[2..4].copy_from_slice(&len.to_be_bytes());
}

fn csr(bytes: &[u8]) -> Result<CreateSessionRequest<'_>, Error> {
    CreateSessionRequest::parse(&Packet::new_checked(bytes)?)
}

#[test]
fn truncated_messages_are_errors() {
    for n in [1, 3, 4, 5] {
        let bytes = frame(n);
        for cut in 0..bytes.len() {
            assert_eq!(
                peek_header(&bytes[..cut]).err(),
                Some(Error::Truncated),
                "frame {n} cut {cut}"
            );
            assert!(Message::parse(&bytes[..cut]).is_err());
        }
    }
}

#[test]
fn bad_lengths_are_errors() {
    let mut short = frame(3);
    short[2..4].copy_from_slice(&7u16.to_be_bytes());
    assert_eq!(peek_header(&short), Err(Error::BadLength));
    assert_eq!(
        Error::BadLength.cause(),
        Some((cause::INVALID_LENGTH, None))
    );
    let mut long = frame(3);
    long[2..4].copy_from_slice(&200u16.to_be_bytes());
    assert_eq!(peek_header(&long), Err(Error::Truncated));
    // The last IE (the Bearer Context) claims one octet more than the message holds.
    let mut overrun = frame(3);
    overrun.truncate(overrun.len() - 1);
    set_len(&mut overrun);
    assert_eq!(
        csr(&overrun).err(),
        Some(Error::IeOverrun(IeRef {
            ie: IeId::new(ie::BEARER_CONTEXT, 0),
            parent: None
        }))
    );
    let mut inner = frame(3);
    let at = inner.len() - 22 - 4 + 2;
    inner[at] = 23; // Bearer QoS length inside the Bearer Context
    assert_eq!(
        csr(&inner).err(),
        Some(Error::IeOverrun(IeRef {
            ie: IeId::new(ie::BEARER_QOS, 0),
            parent: Some(IeId::new(ie::BEARER_CONTEXT, 0))
        }))
    );
}

#[test]
fn wrong_version_asks_for_version_not_supported() {
    let mut v1 = frame(1);
    v1[0] = 0x32; // GTPv1 flags
    assert_eq!(peek_header(&v1), Err(Error::UnsupportedVersion(1)));
    assert_eq!(Message::parse(&v1), Err(Error::UnsupportedVersion(1)));
    assert_eq!(Error::UnsupportedVersion(1).cause(), None);
    let mut v3 = frame(3);
    v3[0] = 0x68;
    assert_eq!(peek_header(&v3), Err(Error::UnsupportedVersion(3)));
    let vns = VersionNotSupported { seq: 2 };
    let mut out = [0; 8];
    assert_eq!(vns.emit(&mut out), Ok(8));
    assert_eq!(out, [0x40, msg::VERSION_NOT_SUPPORTED, 0, 4, 0, 0, 2, 0]);
}

#[test]
fn missing_mandatory_ies_name_the_ie() {
    let bytes = frame(3);
    let cases = [
        (2, IeRef::top(ie::RAT_TYPE, 0)),
        (4, IeRef::top(ie::F_TEID, 0)),
        (5, IeRef::top(ie::APN, 0)),
        (10, IeRef::top(ie::BEARER_CONTEXT, 0)),
    ];
    for (index, want) in cases {
        let err = csr(&without_ie(&bytes, index)).unwrap_err();
        assert_eq!(err, Error::MissingIe(want), "IE {index}");
        assert_eq!(
            err.cause(),
            Some((cause::MANDATORY_IE_MISSING, Some(want.ie)))
        );
    }
    // IMSI is conditional: its absence is the receiver's call.
    assert_eq!(csr(&without_ie(&bytes, 0)).unwrap().imsi, None);
    let no_cause = without_ie(&frame(8), 0);
    let p = Packet::new_checked(&no_cause[..]).unwrap();
    assert_eq!(
        DeleteSessionResponse::parse(&p),
        Err(Error::MissingIe(IeRef::top(ie::CAUSE, 0)))
    );
    let no_recovery = without_ie(&frame(1), 0);
    assert_eq!(
        Message::parse(&no_recovery),
        Err(Error::MissingIe(IeRef::top(ie::RECOVERY, 0)))
    );
}

#[test]
fn missing_ie_inside_bearer_context_names_the_group() {
    // Frame 3's Bearer Context: EBI (5 octets), F-TEID (13), Bearer QoS (26) at the end.
    let mut no_qos = frame(3);
    no_qos.truncate(no_qos.len() - 26);
    let bc_at = no_qos.len() - 4 - 5 - 13;
    no_qos[bc_at + 1..bc_at + 3].copy_from_slice(&18u16.to_be_bytes());
    set_len(&mut no_qos);
    let err = csr(&no_qos).unwrap_err();
    let want = IeRef {
        ie: IeId::new(ie::BEARER_QOS, 0),
        parent: Some(IeId::new(ie::BEARER_CONTEXT, 0)),
    };
    assert_eq!(err, Error::MissingIe(want));
    assert_eq!(
        err.cause(),
        Some((
            cause::MANDATORY_IE_MISSING,
            Some(IeId::new(ie::BEARER_CONTEXT, 0))
        ))
    );
    let mut no_ebi = frame(3);
    let ebi_at = no_ebi.len() - 26 - 13 - 5;
    no_ebi[ebi_at] = 200; // an unknown IE type where the EBI was
    let err = csr(&no_ebi).unwrap_err();
    assert_eq!(
        err,
        Error::MissingIe(IeRef {
            ie: IeId::new(ie::EBI, 0),
            ..want
        })
    );
}

#[test]
fn malformed_ies_mandatory_error_optional_ignored() {
    let mut bad_apn = frame(3);
    let apn_at = 12 + 12 + 10 + 5 + 7 + 13; // IMSI, MSISDN, RAT, Serving Network, F-TEID
    assert_eq!(bad_apn[apn_at], ie::APN);
    bad_apn[apn_at + 4] = 9; // label length runs past the value
    let err = csr(&bad_apn).unwrap_err();
    assert_eq!(err, Error::MalformedIe(IeRef::top(ie::APN, 0)));
    assert_eq!(
        err.cause(),
        Some((cause::MANDATORY_IE_INCORRECT, Some(IeId::new(ie::APN, 0))))
    );
    let mut bad_imsi = frame(3);
    bad_imsi[12 + 4] = 0xaa; // not a digit
    assert_eq!(csr(&bad_imsi).unwrap().imsi, None);
    let mut bad_qos = frame(3);
    let qos_at = bad_qos.len() - 26;
    bad_qos[qos_at + 2] = 2; // Bearer QoS of 2 octets inside the group
    bad_qos.drain(qos_at + 6..);
    let bc_at = bad_qos.len() - 6 - 13 - 5 - 4;
    let bc_len = (bad_qos.len() - bc_at - 4) as u16;
    bad_qos[bc_at + 1..bc_at + 3].copy_from_slice(&bc_len.to_be_bytes());
    set_len(&mut bad_qos);
    assert_eq!(
        csr(&bad_qos).unwrap_err(),
        Error::MalformedIe(IeRef {
            ie: IeId::new(ie::BEARER_QOS, 0),
            parent: Some(IeId::new(ie::BEARER_CONTEXT, 0))
        })
    );
}

#[test]
fn unknown_ies_are_skipped_and_wrong_types_refused() {
    let mut extra = frame(8);
    extra.extend_from_slice(&[250, 0, 2, 0, 1, 2]); // unknown IE type 250
    extra.extend_from_slice(&[ie::CAUSE, 0, 2, 0, 64, 0]); // a repeated Cause: first wins
    set_len(&mut extra);
    let p = Packet::new_checked(&extra[..]).unwrap();
    let dsa = DeleteSessionResponse::parse(&p).unwrap();
    assert_eq!(dsa.cause, Cause::new(16));
    assert_eq!(
        EchoRequest::parse(&p),
        Err(Error::UnexpectedMessage(msg::DELETE_SESSION_RESPONSE))
    );
    let mut other = frame(8);
    other[1] = 99;
    assert!(matches!(Message::parse(&other), Ok(Message::Other(h)) if h.msg_type == 99));
}

#[test]
fn emit_needs_room_and_encodable_values() {
    let bytes = frame(3);
    let m = Message::parse(&bytes).unwrap();
    for size in [0, 5, 12, 100, bytes.len() - 1] {
        let mut out = vec![0; size];
        assert_eq!(m.emit(&mut out), Err(Error::BufferTooSmall), "size {size}");
    }
    let bad_seq = EchoRequest {
        seq: 1 << 24,
        recovery: 0,
    };
    assert_eq!(bad_seq.emit(&mut [0; 16]), Err(Error::Unencodable));
    assert_eq!(
        TbcdBuf::from_digits("12345678901234567"),
        Err(Error::Unencodable)
    );
    assert_eq!(TbcdBuf::from_digits("12a"), Err(Error::Unencodable));
    assert_eq!(ApnBuf::from_dotted("a..b"), Err(Error::Unencodable));
    assert_eq!(
        ApnBuf::from_dotted(&"x".repeat(64)),
        Err(Error::Unencodable)
    );
    assert_eq!(Plmn::new(1000, 1, 2), Err(Error::Unencodable));
    assert_eq!(Plmn::new(208, 100, 2), Err(Error::Unencodable));
}

#[test]
fn digit_and_plmn_encodings() {
    let imsi = TbcdBuf::from_digits("310410000100000").unwrap();
    assert_eq!(
        imsi.as_tbcd().as_bytes(),
        [0x13, 0x40, 0x01, 0x00, 0x10, 0x00, 0x00, 0xf0]
    );
    assert_eq!(imsi.as_tbcd().len(), 15);
    let mut buf = [0; 16];
    assert_eq!(imsi.as_tbcd().to_str(&mut buf), "310410000100000");
    assert_eq!(Plmn::new(208, 1, 2).unwrap().to_bytes(), [0x02, 0xf8, 0x10]);
    assert_eq!(
        Plmn::new(310, 410, 3).unwrap().to_bytes(),
        [0x13, 0x00, 0x14]
    );
    assert_eq!(
        Plmn::parse(&[0x13, 0x00, 0x14]).unwrap().to_string(),
        "310-410"
    );
    assert_eq!(
        Plmn::parse(&[0x02, 0xf8, 0x10]).unwrap().to_string(),
        "208-01"
    );
    assert_eq!(Plmn::parse(&[0x0a, 0xf8, 0x10]), None);
    assert_eq!(Tbcd::parse(&[0xf1, 0x32]), None, "filler must be last");
    assert_eq!(Tbcd::parse(&[0x21, 0xf3]).unwrap().to_string(), "123");
    let apn = ApnBuf::from_dotted("internet").unwrap();
    assert_eq!(apn.as_apn().as_bytes(), b"\x08internet");
    assert!(apn.as_apn().eq_dotted("INTERNET") && !apn.as_apn().eq_dotted("internet.x"));
}
