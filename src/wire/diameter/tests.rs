//! Tests of the base codec: header and AVP views on captured bytes (python-diameter, see
//! `tests/data/captures/README.md`), base-message parse/emit, malformed input, and round-trip
//! properties.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use super::codes::{app, avp, avp_flags, command, disconnect_cause, flags, result, vendor};
use super::*;
use crate::wire::capture;

fn frame(n: usize) -> Vec<u8> {
    capture::frame("s6a-tcp.pcap", n)
}

fn emit_with(f: impl Fn(&mut Writer<'_>)) -> Vec<u8> {
    let mut buf = Vec::new();
    EmitFn(|_: Ids, w: &mut Writer<'_>| f(w)).emit_to(Ids::default(), &mut buf);
    buf
}

const MME1: &str = "mme1.epc.mnc001.mcc208.3gppnetwork.org";
const MME_REALM: &str = "epc.mnc001.mcc208.3gppnetwork.org";
const HSS: &str = "hss.epc.mnc410.mcc310.3gppnetwork.org";
const HSS_REALM: &str = "epc.mnc410.mcc310.3gppnetwork.org";

#[test]
fn deconstruct_cer_header_and_avps() {
    let bytes = frame(4);
    let p = Packet::new_checked(&bytes[..]).unwrap();
    assert_eq!(p.version(), 1);
    assert_eq!(p.length(), 188);
    assert_eq!(p.flags(), flags::REQUEST);
    assert!(p.is_request() && !p.is_proxiable() && !p.is_error() && !p.is_retransmit());
    assert_eq!(p.command_code(), command::CAPABILITIES_EXCHANGE);
    assert_eq!(p.application_id(), app::COMMON);
    assert_eq!(p.hop_by_hop(), 0xd2df3560);
    assert_eq!(p.end_to_end(), 0x03d0c0cd);
    assert_eq!(message_len(&bytes[..4]), Some(188));
    assert_eq!(message_len(&bytes[..3]), None);

    let avps: Vec<Avp> = p.avps().map(Result::unwrap).collect();
    let codes: Vec<u32> = avps.iter().map(|a| a.code()).collect();
    assert_eq!(codes, [264, 296, 257, 266, 269, 278, 258]);
    assert_eq!(avps[0].utf8().unwrap(), MME1);
    assert_eq!(avps[0].offset(), 20);
    assert_eq!(avps[0].len(), 46);
    assert_eq!(avps[1].offset(), 20 + 48);
    assert_eq!(avps[2].address().unwrap(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(avps[3].u32().unwrap(), vendor::TGPP);
    assert_eq!(avps[4].flags(), 0, "Product-Name has no M bit");
    assert_eq!(avps[4].utf8().unwrap(), "s6a-scenario-mme");
    assert_eq!(avps[5].u32().unwrap(), 1795674173);
    assert_eq!(avps[6].u32().unwrap(), app::S6A);
    assert!(avps.iter().all(|a| a.vendor_id() == 0));
}

#[test]
fn deconstruct_grouped_and_vendor_avps() {
    // Frame 13: ULA with Experimental-Result {Vendor-Id 10415, Experimental-Result-Code 5001}.
    let bytes = frame(13);
    let p = Packet::new_checked(&bytes[..]).unwrap();
    let er = p.find(avp::EXPERIMENTAL_RESULT).unwrap();
    let inner: Vec<_> = er.group().map(Result::unwrap).collect();
    assert_eq!(inner.len(), 2);
    assert_eq!(inner[0].key(), avp::VENDOR_ID);
    assert_eq!(inner[0].u32().unwrap(), vendor::TGPP);
    assert_eq!(inner[1].key(), avp::EXPERIMENTAL_RESULT_CODE);
    assert_eq!(inner[1].u32().unwrap(), 5001);
    assert_eq!(inner[0].offset(), er.offset() + 8);
    assert!(p.find(avp::RESULT_CODE).is_none());

    // Frame 9: AIA, Authentication-Info with 3 E-UTRAN-Vectors of 5 vendor AVPs each.
    let bytes = frame(9);
    let p = Packet::new_checked(&bytes[..]).unwrap();
    let info = p.find(avp::AUTHENTICATION_INFO).unwrap();
    assert_eq!(info.flags(), avp_flags::VENDOR | avp_flags::MANDATORY);
    assert_eq!(info.vendor_id(), vendor::TGPP);
    assert_eq!(info.len(), 456);
    let vectors: Vec<_> = info.group().map(Result::unwrap).collect();
    assert_eq!(vectors.len(), 3);
    for (n, v) in vectors.iter().enumerate() {
        assert_eq!(v.key(), avp::E_UTRAN_VECTOR);
        let members: Vec<_> = v.group().map(Result::unwrap).collect();
        let keys: Vec<_> = members.iter().map(|a| a.key()).collect();
        assert_eq!(
            keys,
            [
                avp::ITEM_NUMBER,
                avp::RAND,
                avp::XRES,
                avp::AUTN,
                avp::KASME
            ]
        );
        assert_eq!(members[0].u32().unwrap(), n as u32 + 1);
        assert_eq!(members[4].data().len(), 32);
    }
}

#[test]
fn parse_and_emit_base_messages_byte_identical() {
    let cer = frame(4);
    let p = Packet::new_checked(&cer[..]).unwrap();
    let r = CapabilitiesRequest::parse(&p).unwrap();
    let c = &r.capabilities;
    assert_eq!((c.origin_host, c.origin_realm), (MME1, MME_REALM));
    assert_eq!(
        c.host_ip_addresses.iter().collect::<Vec<_>>(),
        [IpAddr::V4(Ipv4Addr::LOCALHOST)]
    );
    assert_eq!(c.vendor_id, vendor::TGPP);
    assert_eq!(c.product_name, "s6a-scenario-mme");
    assert_eq!(c.origin_state_id, Some(1795674173));
    assert_eq!(
        c.auth_application_ids.iter().collect::<Vec<_>>(),
        [app::S6A]
    );
    assert!(c.supported_vendor_ids.is_empty() && c.vendor_specific_application_ids.is_empty());
    assert!(c.supports_auth_app(app::S6A));
    assert_eq!(emit_with(|w| r.write(p.ids(), w)), cer);

    let cea = frame(6);
    let p = Packet::new_checked(&cea[..]).unwrap();
    let a = CapabilitiesAnswer::parse(&p).unwrap();
    assert_eq!(a.result, ResultCode::SUCCESS);
    assert_eq!(a.capabilities.origin_host, HSS);
    assert_eq!(
        a.capabilities
            .supported_vendor_ids
            .iter()
            .collect::<Vec<_>>(),
        [vendor::TGPP]
    );
    assert_eq!(a.capabilities.origin_state_id, None);
    assert_eq!(emit_with(|w| a.write(p.ids(), w)), cea);

    let dwr = frame(17);
    let p = Packet::new_checked(&dwr[..]).unwrap();
    let r = WatchdogRequest::parse(&p).unwrap();
    let want = WatchdogRequest {
        origin_host: MME1,
        origin_realm: MME_REALM,
        origin_state_id: Some(1795674173),
    };
    assert_eq!(r, want);
    assert_eq!(emit_with(|w| want.write(p.ids(), w)), dwr);

    let dwa = frame(18);
    let p = Packet::new_checked(&dwa[..]).unwrap();
    let a = WatchdogAnswer::parse(&p).unwrap();
    assert_eq!(a.result.code(), result::SUCCESS);
    assert_eq!(a.origin_state_id, Some(1795674172));
    assert_eq!(emit_with(|w| a.write(p.ids(), w)), dwa);

    for n in [36, 38] {
        let dpr = frame(n);
        let p = Packet::new_checked(&dpr[..]).unwrap();
        let r = DisconnectRequest::parse(&p).unwrap();
        assert_eq!(r.disconnect_cause, disconnect_cause::REBOOTING);
        assert_eq!(emit_with(|w| r.write(p.ids(), w)), dpr);
    }
    for n in [39, 40] {
        let dpa = frame(n);
        let p = Packet::new_checked(&dpa[..]).unwrap();
        let a = DisconnectAnswer::parse(&p).unwrap();
        assert_eq!((a.result, a.origin_host), (ResultCode::SUCCESS, HSS));
        assert_eq!(emit_with(|w| a.write(p.ids(), w)), dpa);
    }
}

#[test]
fn header_checks() {
    let good = frame(17);
    assert_eq!(
        Packet::new_checked(&good[..19]).unwrap_err(),
        Error::Truncated
    );
    assert_eq!(
        Packet::new_checked(&good[..100]).unwrap_err(),
        Error::Truncated
    );
    let mut v2 = good.clone();
    v2[0] = 2;
    let e = Packet::new_checked(&v2[..]).unwrap_err();
    assert_eq!(
        (e, e.result_code()),
        (Error::BadVersion(2), result::UNSUPPORTED_VERSION)
    );
    let mut odd = good.clone();
    odd[3] = 123;
    let e = Packet::new_checked(&odd[..]).unwrap_err();
    assert_eq!(e, Error::BadMessageLength(123));
    assert_eq!(e.result_code(), result::INVALID_MESSAGE_LENGTH);
    let mut short = good.clone();
    short[1..4].copy_from_slice(&[0, 0, 16]);
    assert_eq!(
        Packet::new_checked(&short[..]).unwrap_err(),
        Error::BadMessageLength(16)
    );
    // Trailing bytes (the next message on the stream) are not part of this one.
    let mut two = good.clone();
    two.extend_from_slice(&good);
    let p = Packet::new_checked(&two[..]).unwrap();
    assert_eq!(p.message(), &good[..]);
    assert_eq!(p.avps().count(), 3);
    // A DWR with the E bit is invalid; a DWR is not a DWA.
    let mut e_bit = good.clone();
    e_bit[4] |= flags::ERROR;
    let p = Packet::new_checked(&e_bit[..]).unwrap();
    assert_eq!(
        WatchdogRequest::parse(&p).unwrap_err().result_code(),
        result::INVALID_HDR_BITS
    );
    let p = Packet::new_checked(&good[..]).unwrap();
    let e = WatchdogAnswer::parse(&p).unwrap_err();
    assert_eq!(e.result_code(), result::COMMAND_UNSUPPORTED);
}

#[test]
fn bad_avp_lengths_name_the_avp() {
    let good = frame(17);
    // Origin-Realm (second AVP, offset 68) claims more bytes than the message holds.
    let mut long = good.clone();
    long[68 + 5..68 + 8].copy_from_slice(&[0, 0x10, 0]);
    let p = Packet::new_checked(&long[..]).unwrap();
    let errs: Vec<_> = p.avps().collect();
    assert_eq!(errs.len(), 2, "iteration stops after the error");
    let e = errs[1].unwrap_err();
    assert_eq!(
        e,
        Error::InvalidAvpLength {
            code: 296,
            offset: 68
        }
    );
    assert_eq!(e.result_code(), result::INVALID_AVP_LENGTH);
    assert_eq!(WatchdogRequest::parse(&p).unwrap_err(), e);
    // An AVP length below the header.
    let mut tiny = good.clone();
    tiny[68 + 5..68 + 8].copy_from_slice(&[0, 0, 4]);
    let p = Packet::new_checked(&tiny[..]).unwrap();
    assert_eq!(p.avps().nth(1).unwrap().unwrap_err().avp_code(), Some(296));
    // An Unsigned32 AVP (Origin-State-Id) with 5 octets of data.
    let mut u32_len = good.clone();
    let osi = 20 + 48 + 44;
    u32_len[osi + 7] = 13;
    let p = Packet::new_checked(&u32_len[..]).unwrap();
    let e = WatchdogRequest::parse(&p).unwrap_err();
    assert_eq!(
        e,
        Error::InvalidAvpLength {
            code: 278,
            offset: osi
        }
    );
    match e.failed_avp(p.message()).unwrap() {
        FailedAvp::Zeroed {
            code, vendor_id, ..
        } => assert_eq!((code, vendor_id), (278, 0)),
        other => panic!("{other:?}"),
    }
    // Invalid UTF-8 in Origin-Host: 5004, and Failed-AVP carries the AVP itself.
    let mut utf = good.clone();
    utf[28] = 0xff;
    let p = Packet::new_checked(&utf[..]).unwrap();
    let e = WatchdogRequest::parse(&p).unwrap_err();
    assert_eq!(
        e,
        Error::InvalidAvpValue {
            code: 264,
            offset: 20
        }
    );
    assert_eq!(e.result_code(), result::INVALID_AVP_VALUE);
    assert_eq!(
        e.failed_avp(p.message()),
        Some(FailedAvp::Raw(&utf[20..66]))
    );
}

#[test]
fn missing_avps_give_5005() {
    // DPR without Disconnect-Cause: rebuild it from its first two AVPs.
    let dpr = frame(36);
    let p = Packet::new_checked(&dpr[..]).unwrap();
    let bytes = emit_with(|w| {
        w.header(p.flags(), p.command_code(), p.application_id(), p.ids());
        for a in p.avps().map(Result::unwrap).take(2) {
            w.avp_bytes(&dpr[a.range()]);
        }
    });
    let q = Packet::new_checked(&bytes[..]).unwrap();
    let e = DisconnectRequest::parse(&q).unwrap_err();
    assert_eq!(
        e,
        Error::MissingAvp {
            code: 273,
            vendor_id: 0
        }
    );
    assert_eq!(e.result_code(), result::MISSING_AVP);
    assert!(!e.is_protocol_error());
}

#[test]
fn error_answer_for_a_broken_request_decodes_in_tshark() {
    let cer = frame(4);
    let p = Packet::new_checked(&cer[..]).unwrap();
    let err = Error::MissingAvp {
        code: 266,
        vendor_id: 0,
    };
    let mut ans = ErrorAnswer::for_request(&p, HSS, HSS_REALM, ResultCode::Base(err.result_code()));
    ans.error_message = Some("missing Vendor-Id");
    ans.failed_avp = err.failed_avp(p.message());
    let bytes = emit_with(|w| ans.write(p.ids(), w));
    let q = Packet::new_checked(&bytes[..]).unwrap();
    assert!(!q.is_request() && !q.is_error());
    assert_eq!(q.ids(), p.ids());
    let back = ErrorAnswer::parse(&q).unwrap();
    assert_eq!(back.result.code(), 5005);
    assert_eq!(back.error_message, Some("missing Vendor-Id"));
    let FailedAvp::Raw(inner) = back.failed_avp.unwrap() else {
        panic!()
    };
    assert_eq!(inner, [0, 0, 1, 10, 0x40, 0, 0, 12, 0, 0, 0, 0]);

    // A protocol error sets E; the Session-Id of an S6a request is copied.
    let air = frame(8);
    let p = Packet::new_checked(&air[..]).unwrap();
    let busy = ErrorAnswer::for_request(&p, HSS, HSS_REALM, ResultCode::Base(result::TOO_BUSY));
    assert!(busy.session_id.unwrap().starts_with(MME1));
    let busy_bytes = emit_with(|w| busy.write(p.ids(), w));
    let q = Packet::new_checked(&busy_bytes[..]).unwrap();
    assert!(q.is_error() && q.is_proxiable());
    assert_eq!(ErrorAnswer::parse(&q).unwrap(), busy);

    let path = std::env::temp_dir().join(format!("roamsim-diam-err-{}.pcap", std::process::id()));
    capture::write_pcap(&path, capture::L4::Tcp, 40000, 3868, &[&bytes, &busy_bytes]);
    if let Some(problems) = capture::tshark_problems(&path, &[]) {
        assert!(problems.is_empty(), "{problems:?}");
    }
    let _ = std::fs::remove_file(&path);
}

#[test]
fn writer_reuses_its_buffer_and_batches() {
    let dwr = WatchdogRequest {
        origin_host: MME1,
        origin_realm: MME_REALM,
        origin_state_id: None,
    };
    let mut buf = Vec::with_capacity(4096);
    let ptr = buf.as_ptr();
    for i in 0..100 {
        buf.clear();
        dwr.emit_to(
            Ids {
                hop_by_hop: i,
                end_to_end: i,
            },
            &mut buf,
        );
        let second = dwr.emit_to(
            Ids {
                hop_by_hop: i + 1,
                end_to_end: i,
            },
            &mut buf,
        );
        assert_eq!(buf.len(), 2 * second);
    }
    assert_eq!(
        (buf.as_ptr(), buf.capacity()),
        (ptr, 4096),
        "no reallocation"
    );
    let first = Packet::new_checked(&buf[..]).unwrap();
    let rest = &buf[first.length() as usize..];
    assert_eq!(message_len(rest), Some(rest.len()));
    assert_eq!(Packet::new_checked(rest).unwrap().hop_by_hop(), 100);
}

#[test]
fn addresses_round_trip() {
    for addr in [
        IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ] {
        let bytes = emit_with(|w| {
            w.header(0, 257, 0, Ids::default());
            w.avp_address(avp::HOST_IP_ADDRESS, addr);
        });
        let p = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(
            p.find(avp::HOST_IP_ADDRESS).unwrap().address().unwrap(),
            addr
        );
    }
}

#[derive(Clone, Debug)]
enum TestAvp {
    Leaf {
        code: u32,
        flags: u8,
        vendor: u32,
        data: Vec<u8>,
    },
    Group {
        code: u32,
        vendor: u32,
        members: Vec<TestAvp>,
    },
}

fn leaf() -> impl Strategy<Value = TestAvp> {
    (
        any::<u32>(),
        any::<bool>(),
        any::<bool>(),
        any::<u32>(),
        prop::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(code, v, m, vendor, data)| {
            let flags =
                if v { avp_flags::VENDOR } else { 0 } | if m { avp_flags::MANDATORY } else { 0 };
            TestAvp::Leaf {
                code,
                flags,
                vendor: if v { vendor } else { 0 },
                data,
            }
        })
}

fn test_avp() -> impl Strategy<Value = TestAvp> {
    leaf().prop_recursive(3, 24, 5, |inner| {
        (
            any::<u32>(),
            any::<u32>(),
            prop::collection::vec(inner, 0..5),
        )
            .prop_map(|(code, vendor, members)| TestAvp::Group {
                code,
                vendor,
                members,
            })
    })
}

fn write(w: &mut Writer<'_>, a: &TestAvp) {
    match a {
        TestAvp::Leaf {
            code,
            flags,
            vendor,
            data,
        } => w.avp_raw(*code, *flags, *vendor, data),
        TestAvp::Group {
            code,
            vendor,
            members,
        } => {
            let g = w.begin_group(AvpKey::new(*code, *vendor));
            for m in members {
                write(w, m);
            }
            w.end_group(g);
        }
    }
}

fn check(avp: &Avp<'_>, want: &TestAvp) {
    match want {
        TestAvp::Leaf {
            code,
            flags,
            vendor,
            data,
        } => {
            assert_eq!(
                (avp.code(), avp.flags(), avp.vendor_id()),
                (*code, *flags, *vendor)
            );
            assert_eq!(avp.data(), &data[..]);
        }
        TestAvp::Group {
            code,
            vendor,
            members,
        } => {
            assert_eq!((avp.code(), avp.vendor_id()), (*code, *vendor));
            let got: Vec<_> = avp.group().map(Result::unwrap).collect();
            assert_eq!(got.len(), members.len());
            for (g, m) in got.iter().zip(members) {
                check(g, m);
            }
        }
    }
}

proptest! {
    #[test]
    fn header_and_avps_round_trip(
        flags in any::<u8>(), cmd in 0u32..1 << 24, app_id in any::<u32>(),
        hbh in any::<u32>(), e2e in any::<u32>(), avps in prop::collection::vec(test_avp(), 0..8),
    ) {
        let ids = Ids { hop_by_hop: hbh, end_to_end: e2e };
        let bytes = emit_with(|w| {
            w.header(flags, cmd, app_id, ids);
            for a in &avps {
                write(w, a);
            }
        });
        let p = Packet::new_checked(&bytes[..]).unwrap();
        prop_assert_eq!(p.length() as usize, bytes.len());
        prop_assert_eq!((p.flags(), p.command_code(), p.application_id()), (flags, cmd, app_id));
        prop_assert_eq!(p.ids(), ids);
        let got: Vec<_> = p.avps().map(Result::unwrap).collect();
        prop_assert_eq!(got.len(), avps.len());
        for (g, a) in got.iter().zip(&avps) {
            check(g, a);
        }
    }

    #[test]
    fn any_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(p) = Packet::new_checked(&bytes[..]) {
            fn walk(it: AvpIter<'_>, depth: usize) {
                for a in it.flatten() {
                    if depth < 4 {
                        walk(a.group(), depth + 1);
                    }
                }
            }
            walk(p.avps(), 0);
            let _ = CapabilitiesRequest::parse(&p);
            let _ = ErrorAnswer::parse(&p);
        }
    }

    #[test]
    fn capabilities_round_trip(
        host in "[a-z0-9.]{1,40}", realm in "[a-z0-9.]{1,40}",
        v4 in prop::collection::vec(any::<[u8; 4]>(), 1..3), state in any::<Option<u32>>(),
        vendors in prop::collection::vec(any::<u32>(), 0..3),
        apps in prop::collection::vec(any::<u32>(), 0..3), request in any::<bool>(),
        vsai in any::<Option<(u32, u32)>>(), result in 1000u32..6000,
    ) {
        let addrs: Vec<IpAddr> = v4.iter().map(|o| IpAddr::from(*o)).collect();
        let vsais: Vec<VendorSpecificAppId> = vsai.iter().map(|&(v, a)| VendorSpecificAppId {
            vendor_id: v, auth_application_id: Some(a), acct_application_id: None,
        }).collect();
        let capabilities = Capabilities {
            origin_host: &host, origin_realm: &realm,
            host_ip_addresses: Repeated::from_slice(&addrs), vendor_id: vendor::TGPP,
            product_name: "roamsim", origin_state_id: state,
            supported_vendor_ids: Repeated::from_slice(&vendors),
            auth_application_ids: Repeated::from_slice(&apps),
            acct_application_ids: Repeated::empty(),
            vendor_specific_application_ids: Repeated::from_slice(&vsais),
            firmware_revision: Some(1),
        };
        let ids = Ids { hop_by_hop: 1, end_to_end: 2 };
        if request {
            let r = CapabilitiesRequest { capabilities };
            let bytes = emit_with(|w| r.write(ids, w));
            let p = Packet::new_checked(&bytes[..]).unwrap();
            prop_assert_eq!(CapabilitiesRequest::parse(&p).unwrap(), r);
        } else {
            let a = CapabilitiesAnswer {
                result: ResultCode::Base(result), capabilities,
                error_message: Some("x"), failed_avp: None,
            };
            let bytes = emit_with(|w| a.write(ids, w));
            let p = Packet::new_checked(&bytes[..]).unwrap();
            prop_assert_eq!(p.is_error(), (3000..4000).contains(&result));
            prop_assert_eq!(CapabilitiesAnswer::parse(&p).unwrap(), a);
        }
    }
}
