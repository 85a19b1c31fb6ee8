//! Tests on the 20 GTPv2-C messages of `tests/data/captures/gtpv2-udp.pcap` (deconstruct,
//! construct, parse, emit), tshark checks of what roamsim emits, and malformed input.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::codes::{cause, ie, interface, msg, pdn, rat};
use super::*;
use crate::wire::capture::{self, L4};

const CAPTURE: &str = "gtpv2-udp.pcap";
const LO: Ipv4Addr = Ipv4Addr::LOCALHOST;

/// Frame `n`'s message, leaked so parsed representations can borrow it for the whole test.
fn frame(n: usize) -> &'static [u8] {
    capture::frame(CAPTURE, n).leak()
}

/// Per frame: message type, sequence number, header TEID, top-level (IE type, instance).
fn expected_layout(n: usize) -> (u8, u32, Option<u32>, &'static [(u8, u8)]) {
    const CSR: &[(u8, u8)] = &[
        (ie::IMSI, 0),
        (ie::MSISDN, 0),
        (ie::RAT_TYPE, 0),
        (ie::SERVING_NETWORK, 0),
        (ie::F_TEID, 0),
        (ie::APN, 0),
        (ie::SELECTION_MODE, 0),
        (ie::PDN_TYPE, 0),
        (ie::PAA, 0),
        (ie::AMBR, 0),
        (ie::BEARER_CONTEXT, 0),
    ];
    const CSA: &[(u8, u8)] = &[
        (ie::CAUSE, 0),
        (ie::F_TEID, 0),
        (ie::PAA, 0),
        (ie::APN_RESTRICTION, 0),
        (ie::AMBR, 0),
        (ie::BEARER_CONTEXT, 0),
        (ie::RECOVERY, 0),
    ];
    const MBR: &[(u8, u8)] = &[(ie::RAT_TYPE, 0), (ie::F_TEID, 0), (ie::BEARER_CONTEXT, 0)];
    const MBA: &[(u8, u8)] = &[(ie::CAUSE, 0), (ie::BEARER_CONTEXT, 0)];
    const REC: &[(u8, u8)] = &[(ie::RECOVERY, 0)];
    const EBI: &[(u8, u8)] = &[(ie::EBI, 0)];
    const CAUSE: &[(u8, u8)] = &[(ie::CAUSE, 0)];
    match n {
        1 | 17 => (msg::ECHO_REQUEST, 1, None, REC),
        2 | 18 => (msg::ECHO_RESPONSE, 1, None, REC),
        3 => (msg::CREATE_SESSION_REQUEST, 2, Some(0), CSR),
        4 => (msg::CREATE_SESSION_RESPONSE, 2, Some(0x0001_0000), CSA),
        5 => (msg::MODIFY_BEARER_REQUEST, 3, Some(0x5000_0001), MBR),
        6 => (msg::MODIFY_BEARER_RESPONSE, 3, Some(0x0001_0000), MBA),
        7 => (msg::DELETE_SESSION_REQUEST, 4, Some(0x5000_0001), EBI),
        8 => (msg::DELETE_SESSION_RESPONSE, 4, Some(0x0001_0000), CAUSE),
        9 | 11 => (msg::CREATE_SESSION_REQUEST, 5, Some(0), CSR),
        10 | 12 => (msg::CREATE_SESSION_RESPONSE, 5, Some(0x0001_0002), CSA),
        13 | 15 => (msg::DELETE_SESSION_REQUEST, 6, Some(0x5000_0003), EBI),
        14 | 16 => (msg::DELETE_SESSION_RESPONSE, 6, Some(0x0001_0002), CAUSE),
        19 => (msg::CREATE_SESSION_REQUEST, 2, Some(0), CSR),
        20 => (msg::CREATE_SESSION_RESPONSE, 2, Some(0x0001_0000), CAUSE),
        _ => unreachable!(),
    }
}

#[test]
fn deconstruct_every_frame() {
    for n in 1..=20 {
        let bytes = frame(n);
        let p = Packet::new_checked(bytes).unwrap_or_else(|e| panic!("frame {n}: {e}"));
        let (ty, seq, teid, ies) = expected_layout(n);
        assert_eq!(p.version(), 2, "frame {n}");
        assert!(!p.piggyback() && !p.mp_flag(), "frame {n}");
        assert_eq!(p.teid_flag(), teid.is_some(), "frame {n}");
        assert_eq!(
            (p.msg_type(), p.seq(), p.teid()),
            (ty, seq, teid),
            "frame {n}"
        );
        assert_eq!(p.total_len(), bytes.len(), "frame {n}");
        assert_eq!(p.spare(), 0, "frame {n}");
        let got: Result<Vec<_>, _> = p
            .ies()
            .map(|ie| ie.map(|ie| (ie.ie_type(), ie.instance())))
            .collect();
        let got = got.unwrap();
        assert_eq!(got, ies, "frame {n}");
        assert!(p.ies().all(|ie| ie.unwrap().cr_flag() == 0));
        let h = peek_header(bytes).unwrap();
        assert_eq!(
            (h.msg_type, h.teid, h.seq, h.piggyback),
            (ty, teid, seq, false)
        );
    }
}

#[test]
fn deconstruct_grouped_bearer_context() {
    let bytes = frame(3);
    let p = Packet::new_checked(bytes).unwrap();
    let bc = p.ies().map(Result::unwrap).last().unwrap();
    assert_eq!((bc.ie_type(), bc.length()), (ie::BEARER_CONTEXT, 44));
    let kids: Vec<_> = bc.children().map(|c| c.unwrap()).collect();
    let ids: Vec<_> = kids
        .iter()
        .map(|c| (c.ie_type(), c.instance(), c.length()))
        .collect();
    assert_eq!(
        ids,
        [(ie::EBI, 0, 1), (ie::F_TEID, 2, 9), (ie::BEARER_QOS, 0, 22)]
    );
    assert_eq!(kids[0].value(), [5]);
    assert_eq!(kids[1].at().parent, Some(IeId::new(ie::BEARER_CONTEXT, 0)));
}

#[test]
fn emit_reproduces_every_frame_byte_for_byte() {
    for n in 1..=20 {
        let bytes = frame(n);
        let m = Message::parse(bytes).unwrap_or_else(|e| panic!("frame {n}: {e}"));
        assert!(!matches!(m, Message::Other(_)), "frame {n}");
        assert_eq!(m.buffer_len(), bytes.len(), "frame {n}");
        let mut out = vec![0xAA; m.buffer_len()];
        assert_eq!(m.emit(&mut out), Ok(bytes.len()), "frame {n}");
        assert_eq!(out, bytes, "frame {n}");
        assert_eq!(m.header(), peek_header(bytes).unwrap(), "frame {n}");
    }
}

fn plmn_208_01() -> Plmn {
    Plmn::new(208, 1, 2).unwrap()
}

fn parse<'a, R>(bytes: &'a [u8], f: impl Fn(&Packet<&'a [u8]>) -> Result<R, Error>) -> R {
    f(&Packet::new_checked(bytes).unwrap()).unwrap()
}

#[test]
fn parse_echo() {
    for (n, recovery) in [(1, 1), (17, 1)] {
        let r = parse(frame(n), EchoRequest::parse);
        assert_eq!(r, EchoRequest { seq: 1, recovery });
    }
    for n in [2, 18] {
        let r = parse(frame(n), EchoResponse::parse);
        assert_eq!(
            r,
            EchoResponse {
                seq: 1,
                recovery: 7
            }
        );
    }
}

#[test]
fn parse_create_session_request() {
    let bytes = frame(3);
    let r = parse(bytes, CreateSessionRequest::parse);
    assert_eq!((r.teid, r.seq), (0, 2));
    assert_eq!(r.imsi.unwrap().to_string(), "310410000100000");
    assert!(r.imsi.unwrap().eq_str("310410000100000"));
    assert_eq!(r.imsi.unwrap().to_u64(), 310_410_000_100_000);
    assert_eq!(r.msisdn.unwrap().to_string(), "15550000000");
    assert_eq!((r.mei, r.uli, r.pgw_fteid), (None, None, None));
    assert_eq!(r.rat_type, rat::EUTRAN);
    assert_eq!(r.serving_network, Some(plmn_208_01()));
    assert_eq!(r.serving_network.unwrap().to_string(), "208-01");
    let sgw_c = Fteid::v4(interface::S5S8_SGW_GTPC, 0x0001_0000, LO);
    assert_eq!(r.sender_fteid, sgw_c);
    assert!(r.apn.eq_dotted("internet") && r.apn.to_string() == "internet");
    assert_eq!((r.selection_mode, r.pdn_type), (Some(0), Some(pdn::IPV4)));
    assert_eq!(r.paa, Some(Paa::Ipv4(Ipv4Addr::UNSPECIFIED)));
    let ambr = Ambr {
        uplink: 50_000,
        downlink: 100_000,
    };
    assert_eq!(
        (r.apn_ambr, r.apn_restriction, r.recovery),
        (Some(ambr), None, None)
    );
    assert_eq!(r.bearer_contexts.len(), 1);
    let bc = r.bearer_contexts.first().unwrap();
    assert_eq!(bc.ebi, 5);
    let sgw_u = Fteid::v4(interface::S5S8_SGW_GTPU, 0x0001_0001, LO);
    assert_eq!(bc.fteids.get(2), Some(sgw_u));
    assert_eq!(bc.qos, Some(qos_qci9()));
    assert_eq!((bc.cause, bc.charging_id), (None, None));

    let b = parse(frame(19), CreateSessionRequest::parse);
    assert_eq!(b.imsi.unwrap().to_string(), "310410000100001");
    assert_eq!(b.msisdn.unwrap().to_string(), "15550000001");
}

fn qos_qci9() -> BearerQos {
    BearerQos {
        pci: true,
        pl: 9,
        pvi: false,
        qci: 9,
        ..BearerQos::default()
    }
}

#[test]
fn parse_create_session_response() {
    let r = parse(frame(4), CreateSessionResponse::parse);
    assert_eq!((r.teid, r.seq), (0x0001_0000, 2));
    assert_eq!(r.cause, Cause::new(cause::REQUEST_ACCEPTED));
    assert!(r.cause.is_accepted());
    let pgw_c = Fteid::v4(interface::S5S8_PGW_GTPC, 0x5000_0001, LO);
    assert_eq!(r.sender_fteid, Some(pgw_c));
    assert_eq!(r.paa, Some(Paa::Ipv4(Ipv4Addr::new(10, 45, 0, 2))));
    assert_eq!((r.apn_restriction, r.recovery), (Some(0), Some(7)));
    let bc = r.bearer_contexts.first().unwrap();
    assert_eq!((bc.ebi, bc.charging_id), (5, Some(1)));
    assert_eq!(bc.cause, Some(Cause::new(16)));
    let pgw_u = Fteid::v4(interface::S5S8_PGW_GTPU, 0x5000_0002, LO);
    assert_eq!(bc.fteids.get(2), Some(pgw_u));

    let b = parse(frame(10), CreateSessionResponse::parse);
    assert_eq!(b.paa, Some(Paa::Ipv4(Ipv4Addr::new(10, 45, 0, 3))));
    assert_eq!(b.bearer_contexts.first().unwrap().charging_id, Some(2));

    let rej = parse(frame(20), CreateSessionResponse::parse);
    assert_eq!(
        rej,
        CreateSessionResponse::reject(0x0001_0000, 2, Cause::new(73))
    );
    assert!(!rej.cause.is_accepted());
}

#[test]
fn parse_modify_and_delete() {
    let mbr = parse(frame(5), ModifyBearerRequest::parse);
    assert_eq!((mbr.teid, mbr.seq, mbr.rat_type), (0x5000_0001, 3, Some(6)));
    let bc = mbr.bearer_contexts.first().unwrap();
    let sgw_u = Fteid::v4(interface::S5S8_SGW_GTPU, 0x0001_0001, LO);
    assert_eq!((bc.ebi, bc.fteids.get(1)), (5, Some(sgw_u)));
    let mba = parse(frame(6), ModifyBearerResponse::parse);
    assert_eq!((mba.teid, mba.cause.value), (0x0001_0000, 16));
    assert_eq!(
        mba.bearer_contexts.first().unwrap().cause,
        Some(Cause::new(16))
    );
    let dsr = parse(frame(7), DeleteSessionRequest::parse);
    assert_eq!(
        (dsr.teid, dsr.seq, dsr.linked_ebi),
        (0x5000_0001, 4, Some(5))
    );
    let dsa = parse(frame(14), DeleteSessionResponse::parse);
    assert_eq!((dsa.teid, dsa.seq, dsa.cause.value), (0x0001_0002, 6, 16));
}

/// Builds frames 1 to 8 and 20 from values alone; `emit` must give the captured bytes.
#[test]
fn construct_matches_capture() {
    let imsi = TbcdBuf::from_digits("310410000100000").unwrap();
    let msisdn = TbcdBuf::from_digits("15550000000").unwrap();
    let apn = ApnBuf::from_dotted("internet").unwrap();
    let mut sgw_u = BearerContext::new(5);
    let fteid = Fteid::v4(interface::S5S8_SGW_GTPU, 0x0001_0001, LO);
    sgw_u.fteids = FteidList::one(2, fteid);
    sgw_u.qos = Some(qos_qci9());
    let csr_bc = [sgw_u];
    let csr = CreateSessionRequest {
        teid: 0,
        seq: 2,
        imsi: Some(imsi.as_tbcd()),
        msisdn: Some(msisdn.as_tbcd()),
        mei: None,
        uli: None,
        rat_type: rat::EUTRAN,
        serving_network: Some(plmn_208_01()),
        sender_fteid: Fteid::v4(interface::S5S8_SGW_GTPC, 0x0001_0000, LO),
        pgw_fteid: None,
        apn: apn.as_apn(),
        selection_mode: Some(0),
        pdn_type: Some(pdn::IPV4),
        paa: Some(Paa::Ipv4(Ipv4Addr::UNSPECIFIED)),
        apn_restriction: None,
        apn_ambr: Some(Ambr {
            uplink: 50_000,
            downlink: 100_000,
        }),
        bearer_contexts: BearerContexts::new(&csr_bc),
        recovery: None,
    };
    let mut created = BearerContext::new(5);
    created.cause = Some(Cause::new(16));
    let pgw_u = Fteid::v4(interface::S5S8_PGW_GTPU, 0x5000_0002, LO);
    created.fteids = FteidList::one(2, pgw_u);
    created.charging_id = Some(1);
    let csa_bc = [created];
    let csa = CreateSessionResponse {
        sender_fteid: Some(Fteid::v4(interface::S5S8_PGW_GTPC, 0x5000_0001, LO)),
        paa: Some(Paa::Ipv4(Ipv4Addr::new(10, 45, 0, 2))),
        apn_restriction: Some(0),
        apn_ambr: Some(Ambr {
            uplink: 100_000,
            downlink: 100_000,
        }),
        bearer_contexts: BearerContexts::new(&csa_bc),
        recovery: Some(7),
        ..CreateSessionResponse::reject(0x0001_0000, 2, Cause::new(16))
    };
    let mut modify = BearerContext::new(5);
    modify.fteids = FteidList::one(1, fteid);
    let mbr_bc = [modify];
    let mbr = ModifyBearerRequest {
        teid: 0x5000_0001,
        seq: 3,
        mei: None,
        uli: None,
        serving_network: None,
        rat_type: Some(rat::EUTRAN),
        sender_fteid: Some(Fteid::v4(interface::S5S8_SGW_GTPC, 0x0001_0000, LO)),
        apn_ambr: None,
        bearer_contexts: BearerContexts::new(&mbr_bc),
        recovery: None,
    };
    let mut modified = BearerContext::new(5);
    modified.cause = Some(Cause::new(16));
    let mba_bc = [modified];
    let mba = ModifyBearerResponse {
        teid: 0x0001_0000,
        seq: 3,
        cause: Cause::new(16),
        msisdn: None,
        apn_restriction: None,
        bearer_contexts: BearerContexts::new(&mba_bc),
        recovery: None,
    };
    let dsr = DeleteSessionRequest {
        teid: 0x5000_0001,
        seq: 4,
        cause: None,
        linked_ebi: Some(5),
        uli: None,
        sender_fteid: None,
    };
    let dsa = DeleteSessionResponse {
        teid: 0x0001_0000,
        seq: 4,
        cause: Cause::new(16),
        recovery: None,
    };
    let rejected = CreateSessionResponse::reject(0x0001_0000, 2, Cause::new(73));
    let built = [
        (
            1,
            Message::EchoRequest(EchoRequest {
                seq: 1,
                recovery: 1,
            }),
        ),
        (
            2,
            Message::EchoResponse(EchoResponse {
                seq: 1,
                recovery: 7,
            }),
        ),
        (3, Message::CreateSessionRequest(csr)),
        (4, Message::CreateSessionResponse(csa)),
        (5, Message::ModifyBearerRequest(mbr)),
        (6, Message::ModifyBearerResponse(mba)),
        (7, Message::DeleteSessionRequest(dsr)),
        (8, Message::DeleteSessionResponse(dsa)),
        (20, Message::CreateSessionResponse(rejected)),
    ];
    for (n, m) in built {
        let mut out = [0u8; 256];
        let len = m.emit(&mut out).unwrap();
        assert_eq!(&out[..len], frame(n), "frame {n}");
        assert_eq!(Message::parse(&out[..len]), Ok(m), "frame {n}");
    }
}

/// Messages that use what the capture does not: ULI, MEI, IPv6, offending IE, VNS.
fn extra_messages() -> Vec<Vec<u8>> {
    let imei = TbcdBuf::from_digits("3569380356438091").unwrap();
    let imsi = TbcdBuf::from_digits("310410000100000").unwrap();
    let apn = ApnBuf::from_dotted("ims.mnc410.mcc310.gprs").unwrap();
    let v6 = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
    let mut bc = BearerContext::new(6);
    bc.fteids
        .push(0, Fteid::v4(interface::S1U_ENODEB_GTPU, 7, LO));
    bc.fteids.push(
        2,
        Fteid {
            ipv4: Some(LO),
            ipv6: Some(v6),
            ..Fteid::v4(4, 9, LO)
        },
    );
    bc.qos = Some(BearerQos {
        pci: false,
        pl: 1,
        pvi: true,
        qci: 1,
        mbr_ul: 128,
        mbr_dl: 256,
        gbr_ul: 64,
        gbr_dl: 1 << 39,
    });
    let bcs = [bc];
    let uli = Uli {
        tai: Some(Tai {
            plmn: plmn_208_01(),
            tac: 0x1234,
        }),
        ecgi: Some(Ecgi {
            plmn: Plmn::new(310, 410, 3).unwrap(),
            eci: 0x0abc_def1,
        }),
    };
    let csr = CreateSessionRequest {
        teid: 0,
        seq: 0x00ab_cdef,
        imsi: Some(imsi.as_tbcd()),
        msisdn: None,
        mei: Some(imei.as_tbcd()),
        uli: Some(uli),
        rat_type: rat::EUTRAN,
        serving_network: Some(Plmn::new(310, 410, 3).unwrap()),
        sender_fteid: Fteid {
            ipv4: None,
            ipv6: Some(v6),
            ..Fteid::v4(interface::S5S8_SGW_GTPC, 1, LO)
        },
        pgw_fteid: Some(Fteid::v4(interface::S5S8_PGW_GTPC, 2, LO)),
        apn: apn.as_apn(),
        selection_mode: Some(1),
        pdn_type: Some(pdn::IPV4V6),
        paa: Some(Paa::Ipv4v6 {
            prefix_len: 64,
            ipv6: v6,
            ipv4: Ipv4Addr::new(10, 0, 0, 1),
        }),
        apn_restriction: Some(1),
        apn_ambr: Some(Ambr::default()),
        bearer_contexts: BearerContexts::new(&bcs),
        recovery: Some(3),
    };
    let missing = Cause::offending(cause::MANDATORY_IE_MISSING, IeId::new(ie::F_TEID, 0));
    let rej = CreateSessionResponse {
        paa: Some(Paa::Ipv6 {
            prefix_len: 64,
            addr: v6,
        }),
        ..CreateSessionResponse::reject(5, 0x00ab_cdef, missing)
    };
    let dsr = DeleteSessionRequest {
        teid: 9,
        seq: 4,
        cause: Some(Cause::new(2)),
        linked_ebi: Some(6),
        uli: Some(Uli {
            tai: uli.tai,
            ecgi: None,
        }),
        sender_fteid: Some(Fteid::v4(interface::S11_MME_GTPC, 3, LO)),
    };
    let mut bufs = Vec::new();
    let msgs = [
        Message::CreateSessionRequest(csr),
        Message::CreateSessionResponse(rej),
        Message::DeleteSessionRequest(dsr),
        Message::VersionNotSupported(VersionNotSupported { seq: 77 }),
    ];
    for m in msgs {
        let mut out = vec![0; m.buffer_len()];
        assert_eq!(m.emit(&mut out), Ok(out.len()));
        assert_eq!(Message::parse(&out), Ok(m));
        bufs.push(out);
    }
    bufs
}

fn temp_pcap(tag: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("roamsim-gtpv2-{tag}-{}.pcap", std::process::id()))
}

#[test]
fn tshark_decodes_emitted_messages_clean() {
    let mut msgs: Vec<Vec<u8>> = Vec::new();
    for n in 1..=20 {
        let bytes = frame(n);
        let m = Message::parse(bytes).unwrap();
        let mut out = vec![0; m.buffer_len()];
        m.emit(&mut out).unwrap();
        msgs.push(out);
    }
    msgs.extend(extra_messages());
    let path = temp_pcap("emitted");
    let slices: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
    capture::write_pcap(&path, L4::Udp, 40000, 2123, &slices);
    let Some(problems) = capture::tshark_problems(&path, &[]) else {
        eprintln!("tshark not installed: tshark check skipped");
        return;
    };
    assert!(problems.is_empty(), "{problems:?}");
    let fields = [
        "gtpv2.message_type",
        "gtpv2.seq",
        "gtpv2.mei",
        "gtpv2.tai_tac",
        "gtpv2.ecgi_eci",
        "gtpv2.f_teid_ipv6",
        "gtpv2.pdn_addr_and_prefix.ipv4",
        "gtpv2.cause_off_ie_t",
        "gtpv2.apn",
        "gtpv2.bearer_qos_gbr_down",
        "gtpv2.pdn_addr_and_prefix.ipv6",
    ];
    let lines = capture::tshark_fields(&path, &fields).unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(lines.len(), 24, "{lines:?}");
    assert_eq!(lines[2], "32|0x000002|||||0.0.0.0||internet|0|");
    assert_eq!(
        lines[20],
        "32|0xabcdef|3569380356438091|0x1234|180150001|2001:db8::1,2001:db8::1|10.0.0.1||\
         ims.mnc410.mcc310.gprs|549755813888|2001:db8::1"
    );
    assert_eq!(lines[21], "33|0xabcdef||||||87|||2001:db8::1");
    assert_eq!(lines[22], "36|0x000004||0x1234|||||||");
    assert_eq!(lines[23], "3|0x00004d|||||||||");
}

#[test]
fn fuzz_seeds_are_the_capture_messages() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/gtpv2");
    for n in 1..=20 {
        let seed = std::fs::read(dir.join(format!("frame{n:02}.bin"))).unwrap();
        assert_eq!(seed, frame(n), "seed {n}");
    }
}
