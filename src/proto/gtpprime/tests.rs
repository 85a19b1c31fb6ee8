//! The spool's framing (round trip, torn tails, corruption) and the CDF's packing limits. The
//! CDF's exchanges with a CGF are tested end to end in `tests/charging.rs`.

use super::spool::{append, scan, SpoolState, FRAME_OVERHEAD};
use super::*;
use crate::model::Micros;

fn framed(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        let state = if i % 2 == 0 {
            SpoolState::Fresh
        } else {
            SpoolState::Unknown {
                cgf: 1,
                seq: i as u16,
            }
        };
        append(
            &mut out,
            state,
            Micros(i as u64 * 10),
            &vec![i as u8; 20 + i],
        );
    }
    out
}

#[test]
fn spool_records_round_trip_with_their_state() {
    let file = framed(4);
    let s = scan(&file, usize::MAX);
    assert!(!s.torn);
    assert_eq!(s.consumed, file.len());
    assert_eq!(s.records.len(), 4);
    assert_eq!(s.records[1].state, SpoolState::Unknown { cgf: 1, seq: 1 });
    assert_eq!(s.records[3].closed_at, Micros(30));
    assert_eq!(s.records[2].cdr, vec![2u8; 22]);
    assert_eq!(file.len(), 4 * FRAME_OVERHEAD + 20 + 21 + 22 + 23);
    let two = scan(&file, 2);
    assert_eq!(two.records.len(), 2);
    assert!(!two.torn, "stopping at a limit is not a torn tail");
}

#[test]
fn every_cut_of_the_last_record_is_seen_as_torn() {
    let file = framed(3);
    let whole = scan(&file[..], usize::MAX).consumed;
    let two = file.len() - (FRAME_OVERHEAD + 22);
    for cut in two + 1..whole {
        let s = scan(&file[..cut], usize::MAX);
        assert_eq!(s.records.len(), 2, "cut at {cut}");
        assert_eq!(s.consumed, two);
        assert!(s.torn);
    }
}

#[test]
fn a_flipped_bit_fails_the_crc() {
    let mut file = framed(2);
    let last = file.len() - 1;
    file[last] ^= 1;
    let s = scan(&file, usize::MAX);
    assert_eq!(s.records.len(), 1);
    assert!(s.torn);
}

#[test]
fn packets_respect_the_record_and_byte_limits() {
    let cfg = CdfConfig {
        cgfs: vec!["10.0.0.1:3386".parse().unwrap()],
        max_records_per_packet: 4,
        max_packet_bytes: 250,
        ..CdfConfig::default()
    };
    let mut cdf = Cdf::new(cfg);
    for i in 0..10u8 {
        cdf.handle_record(Micros(1), vec![i; 100], Micros(1));
    }
    let mut buf = Vec::new();
    let mut counts = Vec::new();
    while let Some(d) = cdf.poll_transmit(&mut buf) {
        let (_, m) = crate::wire::gtpprime::Message::parse(&buf[buf.len() - d.len..]).unwrap();
        if let crate::wire::gtpprime::Message::Send { records, .. } = m {
            counts.push(records.len());
        }
    }
    // 2 + 100 octets a record: two fit under 250.
    assert_eq!(counts, vec![2, 2, 2, 2, 2]);
    assert_eq!(cdf.stats().packets_sent, 5);
    assert_eq!(cdf.unacked_packets(), 5);
}
