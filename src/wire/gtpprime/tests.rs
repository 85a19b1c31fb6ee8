//! GTP' messages: header bytes checked by hand, every message round-trips, decode errors name
//! the message and IE.

use super::*;
use crate::wire::cdr::{example, RecordKind};

fn round_trip(m: Message<'_>, seq: u16) -> Vec<u8> {
    let mut buf = vec![0u8; m.buffer_len()];
    assert_eq!(m.emit(seq, &mut buf).unwrap(), buf.len());
    let (s, back) = Message::parse(&buf).unwrap();
    assert_eq!((s, back), (seq, m));
    buf
}

#[test]
fn header_is_version_2_gtp_prime_6_octets() {
    let b = round_trip(Message::EchoRequest, 0x1234);
    assert_eq!(b, [0x4e, 1, 0, 0, 0x12, 0x34]);
    let h = peek_header(&b).unwrap();
    assert_eq!((h.msg_type, h.length, h.seq), (1, 0, 0x1234));
}

#[test]
fn every_message_round_trips() {
    let cdrs = vec![
        example(RecordKind::Pgw, 1).to_vec().unwrap(),
        example(RecordKind::Sgw, 2).to_vec().unwrap(),
    ];
    round_trip(Message::EchoResponse { recovery: 3 }, 1);
    round_trip(Message::VersionNotSupported, 2);
    round_trip(
        Message::NodeAliveRequest {
            node: "192.0.2.7".parse().unwrap(),
            alternative: None,
        },
        3,
    );
    round_trip(Message::NodeAliveResponse, 4);
    round_trip(
        Message::RedirectionRequest {
            cause: cause::THIS_NODE_GOING_DOWN,
            recommended: Some("2001:db8::5".parse().unwrap()),
        },
        5,
    );
    round_trip(
        Message::RedirectionRequest {
            cause: cause::TRANSMIT_BUFFERS_FULL,
            recommended: None,
        },
        5,
    );
    round_trip(Message::RedirectionResponse { cause: 128 }, 6);
    let send = round_trip(
        Message::Send {
            possibly_duplicated: false,
            records: Records::List(&cdrs),
        },
        7,
    );
    // Command IE, then Data Record Packet: 2 records, BER, application 1 / Rel-15, version 5.
    assert_eq!(&send[6..8], &[126, 1]);
    assert_eq!(send[8], 252);
    assert_eq!(&send[11..15], &[2, 1, 0x1f, 5]);
    let (_, m) = Message::parse(&send).unwrap();
    let Message::Send { records, .. } = m else {
        panic!("{m:?}")
    };
    let got: Vec<&[u8]> = records.iter().collect();
    assert_eq!(got, vec![&cdrs[0][..], &cdrs[1][..]]);
    round_trip(
        Message::Send {
            possibly_duplicated: true,
            records: Records::List(&cdrs[..1]),
        },
        8,
    );
    round_trip(
        Message::Send {
            possibly_duplicated: false,
            records: Records::List(&[]),
        },
        9,
    );
    round_trip(
        Message::Cancel {
            packets: SeqList::List(&[1, 2, 65535]),
        },
        10,
    );
    round_trip(
        Message::Release {
            packets: SeqList::List(&[7]),
        },
        11,
    );
    let resp = round_trip(
        Message::TransferResponse {
            cause: cause::REQUEST_ACCEPTED,
            responded: SeqList::List(&[7, 8]),
        },
        12,
    );
    assert_eq!(&resp[6..], &[1, 128, 253, 0, 4, 0, 7, 0, 8]);
}

#[test]
fn decode_errors_name_what_was_wrong() {
    assert_eq!(Message::parse(&[0x4e, 1, 0]), Err(Error::Truncated));
    assert_eq!(
        Message::parse(&[0x4e, 1, 0, 2, 0, 0]),
        Err(Error::Truncated),
        "length says 2 more octets"
    );
    assert_eq!(
        Message::parse(&[0x2e, 1, 0, 0, 0, 0]),
        Err(Error::UnsupportedVersion(1))
    );
    assert_eq!(
        Message::parse(&[0x5e, 1, 0, 0, 0, 0]),
        Err(Error::NotGtpPrime)
    );
    assert_eq!(
        Message::parse(&[0x4f, 1, 0, 0, 0, 0]),
        Err(Error::LongHeader)
    );
    assert_eq!(
        Message::parse(&[0x4e, 99, 0, 0, 0, 0]),
        Err(Error::UnknownMessage(99))
    );
    let missing = Message::parse(&[0x4e, 241, 0, 2, 0, 1, 1, 128]).unwrap_err();
    assert_eq!(
        missing,
        Error::MissingIe {
            msg_type: 241,
            ie: ie::REQUESTS_RESPONDED
        }
    );
    assert_eq!(
        missing.to_string(),
        "mandatory Requests Responded (253) missing from the Data Record Transfer Response (241)"
    );
    assert_eq!(
        Message::parse(&[0x4e, 240, 0, 2, 0, 1, 126, 9]),
        Err(Error::MalformedIe {
            msg_type: 240,
            ie: ie::PACKET_TRANSFER_COMMAND
        })
    );
    assert_eq!(
        Message::parse(&[0x4e, 240, 0, 4, 0, 1, 252, 0, 9, 0]),
        Err(Error::IeOverrun {
            msg_type: 240,
            ie: 252
        })
    );
    // A Data Record Packet whose count promises a record that is not there.
    assert_eq!(
        Message::parse(&[0x4e, 240, 0, 9, 0, 1, 126, 1, 252, 0, 4, 1, 1, 0x1f, 5]),
        Err(Error::MalformedIe {
            msg_type: 240,
            ie: ie::DATA_RECORD_PACKET
        })
    );
    assert_eq!(
        Message::parse(&[0x4e, 2, 0, 1, 0, 1, 77]),
        Err(Error::UnknownTvIe {
            msg_type: 2,
            ie: 77
        })
    );
}

#[test]
fn unknown_tlv_ies_are_skipped() {
    // Echo Response with a Private Extension before the Recovery.
    let b = [0x4e, 2, 0, 8, 0, 1, 255, 0, 3, 0, 1, 9, 14, 4];
    assert_eq!(
        Message::parse(&b).unwrap(),
        (1, Message::EchoResponse { recovery: 4 })
    );
}

#[test]
fn a_short_buffer_or_too_many_records_is_refused() {
    let mut small = [0u8; 5];
    assert_eq!(
        Message::EchoRequest.emit(0, &mut small),
        Err(Error::BufferTooSmall)
    );
    let many = vec![vec![0u8; 1]; 256];
    let m = Message::Send {
        possibly_duplicated: false,
        records: Records::List(&many),
    };
    let mut buf = vec![0u8; m.buffer_len()];
    assert_eq!(m.emit(0, &mut buf), Err(Error::Unencodable));
}

mod prop {
    //! Round trips of every message with arbitrary contents, and arbitrary bytes that decode or
    //! fail without a panic.
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    use proptest::prelude::*;

    use super::super::*;

    fn ip() -> impl Strategy<Value = IpAddr> {
        prop_oneof![
            any::<[u8; 4]>().prop_map(|b| IpAddr::V4(Ipv4Addr::from(b))),
            any::<[u8; 16]>().prop_map(|b| IpAddr::V6(Ipv6Addr::from(b))),
        ]
    }

    proptest! {
        #[test]
        fn messages_round_trip(
            seq in any::<u16>(),
            pick in 0u8..10,
            c in any::<u8>(),
            addr in ip(),
            other in proptest::option::of(ip()),
            records in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..20),
            seqs in proptest::collection::vec(any::<u16>(), 0..40),
            dup in any::<bool>(),
        ) {
            let m = match pick {
                0 => Message::EchoRequest,
                1 => Message::EchoResponse { recovery: c },
                2 => Message::VersionNotSupported,
                3 => Message::NodeAliveRequest { node: addr, alternative: None },
                4 => Message::NodeAliveResponse,
                5 => Message::RedirectionRequest { cause: c, recommended: other },
                6 => Message::RedirectionResponse { cause: c },
                7 => Message::Send { possibly_duplicated: dup, records: Records::List(&records) },
                8 if dup => Message::Release { packets: SeqList::List(&seqs) },
                8 => Message::Cancel { packets: SeqList::List(&seqs) },
                _ => Message::TransferResponse { cause: c, responded: SeqList::List(&seqs) },
            };
            let mut buf = vec![0u8; m.buffer_len()];
            prop_assert_eq!(m.emit(seq, &mut buf), Ok(buf.len()));
            prop_assert_eq!(Message::parse(&buf), Ok((seq, m)));
            for cut in 0..buf.len() {
                prop_assert!(Message::parse(&buf[..cut]).is_err());
            }
        }

        #[test]
        fn any_bytes_parse_or_fail_cleanly(body in proptest::collection::vec(any::<u8>(), 0..200), t in any::<u8>()) {
            let mut b = vec![0x4e, t];
            b.extend_from_slice(&(body.len() as u16).to_be_bytes());
            b.extend_from_slice(&[0, 1]);
            b.extend_from_slice(&body);
            if let Ok((seq, m)) = Message::parse(&b) {
                let mut out = vec![0u8; m.buffer_len()];
                prop_assert!(m.emit(seq, &mut out).is_ok());
                prop_assert_eq!(Message::parse(&out), Ok((seq, m)));
            }
        }
    }
}
