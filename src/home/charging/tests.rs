//! The CGF alone: file rotation by count and by age with the TS 32.297 header it writes, CDR
//! decode errors, Release/Cancel of unknown packets, Node Alive after an outage.

use std::net::SocketAddr;

use super::*;
use crate::model::Micros;
use crate::wire::cdr::file::{closure, parse_file};
use crate::wire::cdr::{example, RecordKind};
use crate::wire::gtpprime::{cause, Message, Records, SeqList};

fn cdf() -> SocketAddr {
    "10.0.0.9:40000".parse().unwrap()
}

fn send(cgf: &mut Cgf, now: Micros, seq: u16, m: Message<'_>) -> Message<'static> {
    let mut b = vec![0u8; m.buffer_len()];
    m.emit(seq, &mut b).unwrap();
    cgf.handle_datagram(now, cdf(), &b);
    let mut out = Vec::new();
    let d = cgf.poll_transmit(&mut out).expect("an answer");
    let leaked: &'static [u8] = Box::leak(out[..d.len].to_vec().into_boxed_slice());
    Message::parse(leaked).unwrap().1
}

fn cdrs(from: u32, n: u32) -> Vec<Vec<u8>> {
    (from..from + n)
        .map(|i| example(RecordKind::Sgw, i).to_vec().unwrap())
        .collect()
}

fn accepted(m: &Message<'_>) -> bool {
    matches!(
        m,
        Message::TransferResponse {
            cause: cause::REQUEST_ACCEPTED,
            ..
        }
    )
}

#[test]
fn files_rotate_by_count_then_by_age_with_their_headers() {
    let mut cgf = Cgf::new(CgfConfig {
        max_cdrs_per_file: 2,
        max_file_age: Micros::from_secs(60),
        node_address: "192.0.2.1".parse().unwrap(),
        epoch_unix_s: 1_700_000_000,
        utc_offset_min: 60,
        ..CgfConfig::default()
    });
    let list = cdrs(0, 5);
    let m = Message::Send {
        possibly_duplicated: false,
        records: Records::List(&list),
    };
    assert!(accepted(&send(&mut cgf, Micros::from_secs(1), 1, m)));
    let a = cgf.poll_file().unwrap();
    let b = cgf.poll_file().unwrap();
    assert!(
        cgf.poll_file().is_none(),
        "the fifth CDR waits in an open file"
    );
    assert_eq!((a.name.as_str(), a.cdrs), ("cgf-00000001.cdr", 2));
    let (h, parsed) = parse_file(&a.bytes).unwrap();
    assert_eq!(h.closure_reason, closure::COUNT_LIMIT);
    assert_eq!(h.sequence, 1);
    assert_eq!(
        h.node_address,
        "192.0.2.1".parse::<std::net::IpAddr>().unwrap()
    );
    // 1_700_000_001 s is 2023-11-14 22:13:21 UTC, 23:13 at UTC+1.
    assert_eq!((h.opened.month, h.opened.day, h.opened.hour), (11, 14, 23));
    assert_eq!(parsed[1].1, &list[1][..]);
    assert_eq!(parse_file(&b.bytes).unwrap().0.sequence, 2);
    assert_eq!(cgf.poll_timeout(), Some(Micros::from_secs(61)));
    cgf.handle_timeout(Micros::from_secs(60));
    assert!(cgf.poll_file().is_none());
    cgf.handle_timeout(Micros::from_secs(61));
    let c = cgf.poll_file().unwrap();
    let (h, parsed) = parse_file(&c.bytes).unwrap();
    assert_eq!((h.closure_reason, parsed.len()), (closure::TIME_LIMIT, 1));
    assert_eq!(cgf.stats().stored, 5);
    assert_eq!(cgf.stats().files, 3);
}

#[test]
fn a_cdr_that_does_not_decode_refuses_the_packet() {
    let mut cgf = Cgf::new(CgfConfig::default());
    let mut list = cdrs(0, 2);
    list[1].truncate(10);
    let m = Message::Send {
        possibly_duplicated: false,
        records: Records::List(&list),
    };
    let r = send(&mut cgf, Micros(1), 1, m);
    assert!(matches!(
        r,
        Message::TransferResponse {
            cause: cause::CDR_DECODING_ERROR,
            ..
        }
    ));
    assert_eq!(cgf.stats().stored, 0);
    assert_eq!(cgf.stats().decode_errors, 1);
}

#[test]
fn held_copies_are_stored_on_release_and_dropped_on_cancel() {
    let mut cgf = Cgf::new(CgfConfig::default());
    let list = cdrs(0, 3);
    for seq in [10, 11] {
        let m = Message::Send {
            possibly_duplicated: true,
            records: Records::List(&list),
        };
        assert!(accepted(&send(&mut cgf, Micros(1), seq, m)));
    }
    assert_eq!(cgf.stats().held, 6);
    assert_eq!(cgf.stats().stored, 0);
    let r = send(
        &mut cgf,
        Micros(2),
        12,
        Message::Release {
            packets: SeqList::List(&[10]),
        },
    );
    assert!(accepted(&r));
    let r = send(
        &mut cgf,
        Micros(3),
        13,
        Message::Cancel {
            packets: SeqList::List(&[11]),
        },
    );
    assert!(accepted(&r));
    let s = cgf.stats();
    assert_eq!(
        (s.stored, s.released, s.cancelled, s.duplicates_dropped),
        (3, 1, 1, 3)
    );
    let r = send(
        &mut cgf,
        Micros(4),
        14,
        Message::Release {
            packets: SeqList::List(&[99]),
        },
    );
    assert!(matches!(
        r,
        Message::TransferResponse {
            cause: cause::SEQUENCE_NUMBERS_INCORRECT,
            ..
        }
    ));
}

#[test]
fn probes_are_answered_by_what_the_cgf_has() {
    let mut cgf = Cgf::new(CgfConfig::default());
    let empty = || Message::Send {
        possibly_duplicated: false,
        records: Records::List(&[]),
    };
    assert!(accepted(&send(&mut cgf, Micros(1), 5, empty())));
    assert!(
        accepted(&send(&mut cgf, Micros(1), 5, empty())),
        "idempotent"
    );
    let list = cdrs(0, 1);
    let m = Message::Send {
        possibly_duplicated: false,
        records: Records::List(&list),
    };
    assert!(accepted(&send(&mut cgf, Micros(1), 6, m)));
    let r = send(&mut cgf, Micros(1), 6, empty());
    assert!(matches!(
        r,
        Message::TransferResponse {
            cause: cause::REQUEST_ALREADY_FULFILLED,
            ..
        }
    ));
    // A late original after its probe was answered "accepted" is refused, not stored.
    let m = Message::Send {
        possibly_duplicated: false,
        records: Records::List(&list),
    };
    let r = send(&mut cgf, Micros(1), 5, m);
    assert!(matches!(
        r,
        Message::TransferResponse {
            cause: cause::REQUEST_NOT_FULFILLED,
            ..
        }
    ));
    assert_eq!(cgf.stats().stored, 1);
}

#[test]
fn coming_back_from_an_outage_sends_node_alive_to_known_cdfs() {
    let mut cgf = Cgf::new(CgfConfig::default());
    let r = send(&mut cgf, Micros(1), 1, Message::EchoRequest);
    assert_eq!(r, Message::EchoResponse { recovery: 0 });
    cgf.set_down(true);
    assert!(cgf.is_down());
    cgf.set_down(false);
    let mut out = Vec::new();
    let d = cgf.poll_transmit(&mut out).unwrap();
    assert_eq!(d.dst, cdf());
    assert!(matches!(
        Message::parse(&out).unwrap().1,
        Message::NodeAliveRequest { .. }
    ));
}

#[test]
fn another_gtp_prime_version_is_answered_version_not_supported() {
    let mut cgf = Cgf::new(CgfConfig::default());
    // A version 1 Echo Request, 6-octet header, sequence number 9.
    cgf.handle_datagram(Micros(1), cdf(), &[0x2e, 1, 0, 0, 0, 9]);
    let mut out = Vec::new();
    cgf.poll_transmit(&mut out).expect("an answer");
    assert_eq!(
        Message::parse(&out).unwrap(),
        (9, Message::VersionNotSupported)
    );
    // Bytes that are not GTP' at all get nothing.
    cgf.handle_datagram(Micros(2), cdf(), &[1, 2, 3]);
    assert!(cgf.poll_transmit(&mut out).is_none());
}
