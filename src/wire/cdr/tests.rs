//! PGW-CDR and SGW-CDR encodings: hand-checked bytes of the fields whose tagging is easy to get
//! wrong (CHOICE wrappers, long-form tags), round trips, and decode errors that name the field.

use super::file::{parse_file, CdrHeader, FileHeader, FileTime, ReleaseVersion};
use super::*;
use crate::wire::ber::Tlv;

fn find<'a>(rec: &'a [u8], tag: u32) -> Option<Tlv<'a>> {
    let (outer, _) = Tlv::parse(rec).unwrap();
    outer
        .children()
        .map(Result::unwrap)
        .find(|t| t.is_context(tag))
}

#[test]
fn pgw_cdr_starts_with_the_choice_tag_and_record_type() {
    let bytes = example(RecordKind::Pgw, 1).to_vec().unwrap();
    assert_eq!(
        &bytes[..2],
        &[0xbf, 0x4f],
        "pGWRecord [79], constructed, long form"
    );
    let (outer, rest) = Tlv::parse(&bytes).unwrap();
    assert!(rest.is_empty());
    let first: Vec<u8> = outer.value[..3].to_vec();
    assert_eq!(first, [0x80, 0x01, 85], "recordType [0] = 85");
    let sgw = example(RecordKind::Sgw, 1).to_vec().unwrap();
    assert_eq!(&sgw[..2], &[0xbf, 0x4e]);
    assert_eq!(find(&sgw, 0).unwrap().value, &[84]);
}

#[test]
fn addresses_and_identities_are_tagged_as_ts_32_298_says() {
    let r = example(RecordKind::Pgw, 7);
    let bytes = r.to_vec().unwrap();
    // p-GWAddress [4] GSNAddress: explicit tag around iPBinV4Address [0].
    let gw = find(&bytes, 4).unwrap();
    assert!(gw.tag.constructed);
    assert_eq!(gw.value, &[0x80, 4, 10, 1, 0, 1]);
    // servingNodeAddress [6] SEQUENCE OF GSNAddress.
    assert_eq!(find(&bytes, 6).unwrap().value, &[0x80, 4, 10, 2, 0, 1]);
    // servedPDPPDNAddress [9] PDPAddress: [9] { iPAddress [0] { iPBinV4Address [0] } }.
    assert_eq!(
        find(&bytes, 9).unwrap().value,
        &[0xa0, 6, 0x80, 4, 100, 64, 0, 7]
    );
    // servedIMSI [3] TBCD, servedMSISDN [22] with the 0x91 type of number.
    assert_eq!(
        find(&bytes, 3).unwrap().value,
        &[0x62, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0xf7]
    );
    assert_eq!(find(&bytes, 22).unwrap().value[0], 0x91);
    // servingNodePLMNIdentifier [27]: 208-10 in the RAI octet order.
    assert_eq!(find(&bytes, 27).unwrap().value, &[0x02, 0xf8, 0x01]);
    // servingNodeType [35]: SEQUENCE OF ENUMERATED, gTPSGW.
    assert_eq!(find(&bytes, 35).unwrap().value, &[0x0a, 1, 2]);
    // chargingID [5] 0x80000007 needs a leading zero octet.
    assert_eq!(find(&bytes, 5).unwrap().value, &[0, 0x80, 0, 0, 7]);
}

#[test]
fn timestamps_are_bcd_with_the_utc_offset() {
    // 2023-11-14 22:13:20 UTC is 23:13:20 at UTC+1.
    let t = TimeStamp::from_unix(1_700_000_000, 60);
    assert_eq!(
        t.to_bytes(),
        [0x23, 0x11, 0x14, 0x23, 0x13, 0x20, b'+', 0x01, 0x00]
    );
    assert_eq!(TimeStamp::parse(&t.to_bytes(), "t").unwrap(), t);
    assert_eq!(t.to_unix(), 1_700_000_000);
    let west = TimeStamp::from_unix(1_700_000_000, -330);
    assert_eq!(west.to_bytes()[6..], [b'-', 0x05, 0x30]);
    assert_eq!(west.to_unix(), 1_700_000_000);
    assert_eq!(
        TimeStamp::parse(
            &[0x23, 0x13, 0x14, 0, 0, 0, b'+', 0, 0],
            "recordOpeningTime"
        ),
        Err(Error::Malformed("recordOpeningTime"))
    );
}

#[test]
fn both_kinds_round_trip() {
    for kind in [RecordKind::Pgw, RecordKind::Sgw] {
        let mut r = example(kind, 42);
        r.record_sequence_number = Some(3);
        r.cause_for_rec_closing = closing::TIME_LIMIT;
        let bytes = r.to_vec().unwrap();
        assert_eq!(bytes.len(), r.buffer_len());
        assert_eq!(GwRecord::parse(&bytes).unwrap(), r, "{}", kind.name());
        let mut big = [0u8; 1024];
        let n = r.emit_fast(&mut big).unwrap();
        assert_eq!(&big[..n], &bytes[..]);
    }
}

#[test]
fn minimal_records_with_ipv6_round_trip() {
    let mut r = example(RecordKind::Sgw, 1);
    r.served_imsi = None;
    r.served_msisdn = None;
    r.apn_ni.clear();
    r.node_id.clear();
    r.volumes.clear();
    r.gw_address = "2001:db8::1".parse().unwrap();
    r.served_pdp_pdn_address = Some("2001:db8:1::".parse().unwrap());
    r.pgw_address_used = None;
    r.start_time = None;
    let bytes = r.to_vec().unwrap();
    assert_eq!(GwRecord::parse(&bytes).unwrap(), r);
}

#[test]
fn decode_errors_name_the_field() {
    let r = example(RecordKind::Pgw, 1);
    let bytes = r.to_vec().unwrap();
    // Drop chargingID [5] from the SET and fix up the lengths.
    let (outer, _) = Tlv::parse(&bytes).unwrap();
    let mut inner = Vec::new();
    for t in outer.children().map(Result::unwrap) {
        if !t.is_context(5) {
            let mut w = vec![0u8; 4 + t.value.len() + 4];
            let n = {
                let mut rw = crate::wire::ber::RevWriter::new(&mut w);
                rw.octets(t.tag, t.value);
                rw.finish().unwrap()
            };
            let from = w.len() - n;
            inner.extend_from_slice(&w[from..]);
        }
    }
    let mut rebuilt = vec![0xbf, 0x4f, 0x82];
    rebuilt.extend_from_slice(&(inner.len() as u16).to_be_bytes());
    rebuilt.extend_from_slice(&inner);
    assert_eq!(GwRecord::parse(&rebuilt), Err(Error::Missing("chargingID")));
    assert_eq!(
        GwRecord::parse(&bytes[..bytes.len() - 1]).unwrap_err(),
        Error::Ber {
            field: "GPRSRecord",
            error: crate::wire::ber::Error::Truncated
        }
    );
    let mut other = bytes.clone();
    other[1] = 0x50; // [80]
    assert_eq!(GwRecord::parse(&other), Err(Error::UnsupportedRecord(80)));
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert_eq!(GwRecord::parse(&trailing), Err(Error::TrailingBytes));
    let mut long = r.clone();
    long.node_id = "x".repeat(21);
    assert_eq!(long.to_vec(), Err(Error::Unencodable("nodeID")));
    assert!(GwRecord::parse(&[]).is_err());
}

#[test]
fn a_small_buffer_is_refused() {
    let r = example(RecordKind::Pgw, 1);
    let mut small = vec![0u8; r.buffer_len() - 1];
    assert_eq!(r.emit(&mut small), Err(Error::BufferTooSmall));
    assert_eq!(r.emit_fast(&mut small), Err(Error::BufferTooSmall));
}

#[test]
fn a_cdr_file_round_trips() {
    let cdrs: Vec<Vec<u8>> = (0..3)
        .map(|i| example(RecordKind::Pgw, i).to_vec().unwrap())
        .collect();
    let mut file = vec![0u8; FileHeader::LEN];
    for c in &cdrs {
        file.extend_from_slice(&CdrHeader::ber_ps(c.len() as u16).to_bytes());
        file.extend_from_slice(c);
    }
    let t = FileTime::from(TimeStamp::from_unix(1_700_000_000, -90));
    let header = FileHeader {
        file_length: file.len() as u32,
        high: ReleaseVersion::REL15,
        low: ReleaseVersion::REL15,
        opened: t,
        last_append: t,
        cdr_count: 3,
        sequence: 17,
        closure_reason: file::closure::COUNT_LIMIT,
        node_address: "192.0.2.1".parse().unwrap(),
        lost_cdrs: 0,
    };
    header.emit(&mut file).unwrap();
    assert_eq!(
        &file[8..10],
        &[0xe5, 0xe5],
        "release 7 (extended), version 5"
    );
    assert_eq!(&file[52..54], &[5, 5], "Rel-15 extensions");
    let (back, parsed) = parse_file(&file).unwrap();
    assert_eq!(back, header);
    assert_eq!(back.opened.utc_offset_min, -90);
    assert_eq!(parsed.len(), 3);
    for ((h, c), want) in parsed.iter().zip(&cdrs) {
        assert_eq!(h.format, CdrHeader::FORMAT_BER);
        assert_eq!(h.ts_number, CdrHeader::TS_32_251);
        assert_eq!(h.release, ReleaseVersion::REL15);
        assert_eq!(c, &want.as_slice());
    }
    assert_eq!(
        parse_file(&file[..file.len() - 1]).unwrap_err(),
        file::FileError::BadFileLength
    );
}

/// The example records, encoded by rasn 0.30's BER encoder from a model of the TS 32.298 types
/// (`tools/rasn-compare`): an implementation that is not roamsim's gives the same bytes, and
/// roamsim decodes them to the same records.
#[test]
fn example_records_match_the_golden_vectors_of_an_independent_encoder() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/charging");
    for (kind, file) in [
        (RecordKind::Pgw, "pgw-cdr-rasn.ber"),
        (RecordKind::Sgw, "sgw-cdr-rasn.ber"),
    ] {
        let golden = std::fs::read(dir.join(file)).unwrap();
        let r = example(kind, 12_345);
        assert_eq!(r.to_vec().unwrap(), golden, "{file}");
        assert_eq!(GwRecord::parse(&golden).unwrap(), r, "{file}");
    }
}

/// Found by the `cdr_decode` fuzz target: a release extension octet near 255 overflowed.
#[test]
fn a_release_extension_of_255_does_not_overflow() {
    let mut header = vec![0u8; FileHeader::LEN];
    header[4..8].copy_from_slice(&(FileHeader::LEN as u32).to_be_bytes());
    header[8] = 0xe0;
    header[52] = 0xff;
    let (h, _) = FileHeader::parse(&header).unwrap();
    assert_eq!(h.high.release, 255);
    let (c, _) = CdrHeader::parse(&[0, 1, 0xe0, 0x27, 0xff]).unwrap();
    assert_eq!(c.release.release, 255);
}
