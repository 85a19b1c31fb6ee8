//! SCCP codec: the UDT layout MAP traffic has on the wire (Q.713 §4.10), XUDT with its optional
//! part, and round trips.

use proptest::prelude::*;

use super::*;

fn hlr() -> Address {
    Address::gt(GlobalTitle::e164("31612345678").unwrap(), ssn::HLR)
}

fn vlr() -> Address {
    Address::gt(GlobalTitle::e164("4479000001").unwrap(), ssn::VLR)
}

fn bytes(m: &Message<'_>) -> Vec<u8> {
    let mut v = vec![0u8; m.buffer_len()];
    assert_eq!(m.emit(&mut v).unwrap(), v.len());
    v
}

#[test]
fn udt_routed_on_gt_has_the_q713_layout() {
    let m = Message::Udt {
        class: ProtocolClass {
            class: 1,
            return_on_error: true,
        },
        called: hlr(),
        calling: vlr(),
        data: &[0x62, 0x00],
    };
    let b = bytes(&m);
    // Type, class, three pointers.
    assert_eq!(&b[..5], &[0x09, 0x81, 3, 14, 24]);
    // Called: length 11, AI 0x12 (GT 4, SSN, route on GT), SSN 6, TT 0, E.164 BCD odd, NAI 4,
    // digits 31612345678 with a filler.
    assert_eq!(
        &b[5..17],
        &[11, 0x12, 6, 0, 0x11, 0x04, 0x13, 0x16, 0x32, 0x54, 0x76, 0x08]
    );
    // Calling: even number of digits, encoding scheme 2.
    assert_eq!(&b[17..22], &[10, 0x12, 7, 0, 0x12]);
    assert_eq!(&b[b.len() - 3..], &[2, 0x62, 0x00]);
    let back = Message::parse(&b).unwrap();
    assert_eq!(back, m);
    assert_eq!(back.called().gt.unwrap().to_digit_string(), "31612345678");
}

#[test]
fn xudt_with_segmentation_round_trips_and_skips_unknown_options() {
    let m = Message::Xudt {
        class: ProtocolClass {
            class: 0,
            return_on_error: false,
        },
        hop_counter: 15,
        called: hlr(),
        calling: Address {
            route_on_gt: false,
            pc: Some(0x1234),
            ssn: Some(ssn::SGSN),
            gt: None,
        },
        data: &[1, 2, 3, 4, 5],
        segmentation: Some(Segmentation {
            first: true,
            class1: false,
            remaining: 2,
            local_ref: 0x00ab_cdef,
        }),
        importance: Some(3),
    };
    let b = bytes(&m);
    assert_eq!(Message::parse(&b).unwrap(), m);
    let mut plain = m;
    if let Message::Xudt {
        segmentation,
        importance,
        ..
    } = &mut plain
    {
        *segmentation = None;
        *importance = None;
    }
    let pb = bytes(&plain);
    assert_eq!(pb[6], 0, "no optional part: pointer 0");
    assert_eq!(Message::parse(&pb).unwrap(), plain);
}

#[test]
fn e214_title_replaces_mcc_mnc_by_cc_nc() {
    let gt = GlobalTitle::e214("1310", "310410000100000", 6).unwrap();
    assert_eq!(gt.to_digit_string(), "1310000100000");
    assert_eq!((gt.np, gt.nai), (NP_E214, NAI_INTERNATIONAL));
    let a = Address::gt(gt, ssn::HLR);
    let m = Message::Udt {
        class: ProtocolClass {
            class: 0,
            return_on_error: false,
        },
        called: a,
        calling: vlr(),
        data: &[1],
    };
    let b = bytes(&m);
    // Numbering plan 7 in the high nibble, BCD odd (13 digits).
    assert_eq!(b[9], 0x71);
    assert_eq!(Message::parse(&b).unwrap().called().gt.unwrap().np, NP_E214);
}

#[test]
fn errors_name_the_field() {
    assert_eq!(
        Message::parse(&[0x09, 0x00, 3, 40, 50]),
        Err(Error::BadPointer("called party"))
    );
    assert_eq!(Message::parse(&[0x09]), Err(Error::Truncated("fixed part")));
    // GT indicator 2 is not supported.
    assert_eq!(
        Message::parse(&[0x09, 0x00, 3, 5, 7, 2, 0x0a, 6, 1, 0x42, 1, 0]),
        Err(Error::BadAddress("called party"))
    );
}

proptest! {
    #[test]
    fn messages_round_trip(
        digits in "[0-9]{1,20}",
        data in proptest::collection::vec(any::<u8>(), 1..255),
        cause in 0u8..8,
        which in 0u8..4,
    ) {
        let called = Address::gt(GlobalTitle::e164(&digits).unwrap(), ssn::VLR);
        let class = ProtocolClass { class: 1, return_on_error: true };
        let m = match which {
            0 => Message::Udt { class, called, calling: hlr(), data: &data },
            1 => Message::Udts { cause, called, calling: hlr(), data: &data },
            2 => Message::Xudt { class, hop_counter: 15, called, calling: hlr(), data: &data, segmentation: None, importance: None },
            _ => Message::Xudts { cause, hop_counter: 9, called, calling: hlr(), data: &data },
        };
        let b = bytes(&m);
        prop_assert_eq!(Message::parse(&b).unwrap(), m);
    }

    #[test]
    fn parse_never_panics(b in proptest::collection::vec(any::<u8>(), 0..80)) {
        let _ = Message::parse(&b);
    }
}
