//! SCTP codec tests: CRC32c known vectors (RFC 3720 Appendix B.4), every chunk type emitted and
//! parsed back, malformed input rejected with typed errors, and a round-trip property test.

use proptest::prelude::*;

use super::*;

#[test]
fn crc32c_matches_rfc3720_b4_vectors() {
    // RFC 3720 B.4 lists the CRC bytes as they go on the wire; the value is read LSB first.
    let zeros = [0u8; 32];
    assert_eq!(
        crc32c::checksum(&zeros).to_le_bytes(),
        [0xaa, 0x36, 0x91, 0x8a]
    );
    let ones = [0xffu8; 32];
    assert_eq!(
        crc32c::checksum(&ones).to_le_bytes(),
        [0x43, 0xab, 0xa8, 0x62]
    );
    let inc: Vec<u8> = (0..32).collect();
    assert_eq!(
        crc32c::checksum(&inc).to_le_bytes(),
        [0x4e, 0x79, 0xdd, 0x46]
    );
    let dec: Vec<u8> = (0..32).rev().collect();
    assert_eq!(
        crc32c::checksum(&dec).to_le_bytes(),
        [0x5c, 0xdb, 0x3f, 0x11]
    );
    let iscsi_read: [u8; 48] = [
        0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00,
        0x00, 0x18, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00,
    ];
    assert_eq!(
        crc32c::checksum(&iscsi_read).to_le_bytes(),
        [0x56, 0x3a, 0x96, 0xd9]
    );
    assert_eq!(crc32c::checksum(b"123456789"), 0xE306_9283);
}

#[test]
fn crc32c_streaming_equals_one_shot_at_every_split() {
    let data: Vec<u8> = (0..100u32).map(|i| (i * 7 + 3) as u8).collect();
    for split in 0..data.len() {
        let mut c = crc32c::Crc32c::new();
        c.update(&data[..split]);
        c.update(&data[split..]);
        assert_eq!(c.finish(), crc32c::checksum(&data), "split {split}");
    }
}

const HDR: Header = Header {
    src_port: 3868,
    dst_port: 3869,
    verification_tag: 0x1234_5678,
};

fn all_chunks<'a>(gaps: &'a [GapBlock], dups: &'a [u32]) -> Vec<ChunkRepr<'a>> {
    let init = InitChunk {
        initiate_tag: 0xdead_beef,
        a_rwnd: 1 << 20,
        outbound_streams: 10,
        inbound_streams: 65535,
        initial_tsn: 42,
        state_cookie: None,
        address_types: Some(AddressTypes {
            ipv4: true,
            ipv6: false,
        }),
    };
    vec![
        ChunkRepr::Init(init),
        ChunkRepr::InitAck(InitChunk {
            state_cookie: Some(b"cookie-bytes!"),
            address_types: None,
            ..init
        }),
        ChunkRepr::CookieEcho {
            cookie: b"cookie-bytes!",
        },
        ChunkRepr::CookieAck,
        ChunkRepr::Data(DataChunk {
            tsn: 0xffff_fffe,
            stream_id: 3,
            ssn: 65535,
            ppid: PPID_DIAMETER,
            unordered: false,
            beginning: true,
            ending: false,
            immediate: true,
            user_data: b"diameter",
        }),
        ChunkRepr::Sack(SackChunk {
            cum_tsn_ack: 7,
            a_rwnd: 65536,
            gap_blocks: GapBlocks::List(gaps),
            dup_tsns: DupTsns::List(dups),
        }),
        ChunkRepr::Heartbeat { info: b"hb-info" },
        ChunkRepr::HeartbeatAck { info: b"hb-info" },
        ChunkRepr::Abort {
            tag_reflected: true,
            causes: &[0, 12, 0, 4],
        },
        ChunkRepr::Error {
            causes: &[0, 3, 0, 8, 0, 0, 1, 0],
        },
        ChunkRepr::Shutdown { cum_tsn_ack: 99 },
        ChunkRepr::ShutdownAck,
        ChunkRepr::ShutdownComplete {
            tag_reflected: false,
        },
        ChunkRepr::Unknown(Chunk {
            chunk_type: 0xc1,
            flags: 5,
            value: b"xyz",
        }),
    ]
}

#[test]
fn every_chunk_type_emits_and_parses_back_in_one_packet() {
    let gaps = [GapBlock { start: 2, end: 3 }, GapBlock { start: 5, end: 9 }];
    let dups = [5u32, 6];
    let chunks = all_chunks(&gaps, &dups);
    let mut out = vec![0xee; 3]; // bytes before the packet must be left alone
    let mut b = PacketBuilder::new(&mut out, &HDR);
    for c in &chunks {
        b.push(c);
        assert_eq!(b.len() % 4, 0);
    }
    let len = b.finish();
    assert_eq!(&out[..3], &[0xee; 3]);
    assert_eq!(len, out.len() - 3);
    let p = Packet::new_checked(&out[3..]).unwrap();
    p.verify_checksum().unwrap();
    assert_eq!(Header::parse(&p), HDR);
    let parsed: Vec<ChunkRepr<'_>> = p
        .chunks()
        .map(|c| ChunkRepr::parse(&c.unwrap()).unwrap())
        .collect();
    assert_eq!(parsed, chunks);
}

#[test]
fn deconstructs_a_hand_assembled_init() {
    // INIT as Linux sends it: tag, a_rwnd 106496, OS 10, MIS 65535, TSN, then IPv4 address,
    // Supported Address Types, ECN Capable (0x8000, skip) and Forward-TSN Supported (0xc000).
    let bytes: [u8; 52] = [
        0x0f, 0x1c, 0x0f, 0x1c, 0, 0, 0, 0, 0, 0, 0, 0, // header, checksum filled below
        0x01, 0x00, 0x00, 0x28, // INIT, length 40
        0x11, 0x22, 0x33, 0x44, 0x00, 0x01, 0xa0, 0x00, 0x00, 0x0a, 0xff, 0xff, 0xaa, 0xbb, 0xcc,
        0xdd, //
        0x00, 0x05, 0x00, 0x08, 127, 0, 0, 1, // IPv4 address
        0x00, 0x0c, 0x00, 0x06, 0x00, 0x05, 0x00, 0x00, // Supported Address Types: IPv4
        0x80, 0x00, 0x00, 0x04, // ECN capable
    ];
    let mut buf = bytes.to_vec();
    Packet::new_unchecked(&mut buf[..]).fill_checksum();
    let p = Packet::new_checked(&buf[..]).unwrap();
    p.verify_checksum().unwrap();
    assert_eq!(
        (p.src_port(), p.dst_port(), p.verification_tag()),
        (3868, 3868, 0)
    );
    let c = p.chunks().next().unwrap().unwrap();
    let ChunkRepr::Init(init) = ChunkRepr::parse(&c).unwrap() else {
        panic!("not an INIT");
    };
    assert_eq!(init.initiate_tag, 0x1122_3344);
    assert_eq!(init.a_rwnd, 106_496);
    assert_eq!((init.outbound_streams, init.inbound_streams), (10, 65535));
    assert_eq!(init.initial_tsn, 0xaabb_ccdd);
    assert_eq!(init.state_cookie, None);
    assert_eq!(
        init.address_types,
        Some(AddressTypes {
            ipv4: true,
            ipv6: false
        })
    );
}

#[test]
fn malformed_input_gives_typed_errors() {
    assert_eq!(
        Packet::new_checked(&[0u8; 11][..]).unwrap_err(),
        Error::TruncatedHeader { len: 11 }
    );
    // Chunk length 3 (< 4).
    let p = [0u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3];
    let pkt = Packet::new_checked(&p[..]).unwrap();
    let mut it = pkt.chunks();
    assert!(matches!(
        it.next(),
        Some(Err(Error::BadChunkLength { length: 3, .. }))
    ));
    assert!(it.next().is_none());
    // Length past the end.
    let p = [0u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11, 0, 0, 8, 1];
    let pkt = Packet::new_checked(&p[..]).unwrap();
    let mut it = pkt.chunks();
    assert_eq!(it.next(), Some(Err(Error::TruncatedChunk { offset: 12 })));
    // DATA without user data.
    let c = Chunk {
        chunk_type: chunk_type::DATA,
        flags: 3,
        value: &[0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 46],
    };
    assert_eq!(ChunkRepr::parse(&c), Err(Error::NoUserData { tsn: 9 }));
    // INIT ACK without a State Cookie.
    let c = Chunk {
        chunk_type: chunk_type::INIT_ACK,
        flags: 0,
        value: &[0; 16],
    };
    assert!(matches!(
        ChunkRepr::parse(&c),
        Err(Error::MissingParameter { param_type: 7, .. })
    ));
    // SACK whose counts overrun the chunk.
    let c = Chunk {
        chunk_type: chunk_type::SACK,
        flags: 0,
        value: &[0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0],
    };
    assert!(matches!(
        ChunkRepr::parse(&c),
        Err(Error::BadChunkLength { .. })
    ));
    // HEARTBEAT without Heartbeat Info; ABORT with a broken cause.
    let c = Chunk {
        chunk_type: chunk_type::HEARTBEAT,
        flags: 0,
        value: &[],
    };
    assert!(matches!(
        ChunkRepr::parse(&c),
        Err(Error::MissingParameter { .. })
    ));
    let c = Chunk {
        chunk_type: chunk_type::ABORT,
        flags: 0,
        value: &[0, 12, 0, 2],
    };
    assert_eq!(
        ChunkRepr::parse(&c),
        Err(Error::BadParameter { param_type: 12 })
    );
}

#[test]
fn a_flipped_bit_fails_the_checksum() {
    let mut out = Vec::new();
    let mut b = PacketBuilder::new(&mut out, &HDR);
    b.push(&ChunkRepr::CookieAck);
    b.finish();
    for i in 0..out.len() * 8 {
        let mut bad = out.clone();
        bad[i / 8] ^= 1 << (i % 8);
        let p = Packet::new_checked(&bad[..]).unwrap();
        assert!(
            matches!(p.verify_checksum(), Err(Error::BadChecksum { .. })),
            "bit {i}"
        );
    }
}

#[test]
fn causes_iterate_and_unknown_stop_params_end_the_init_walk() {
    let causes = [0u8, 3, 0, 8, 0, 0, 0x01, 0xf4, 0, 12, 0, 5, b'x', 0, 0, 0];
    let v: Vec<Cause<'_>> = Causes::new(&causes).map(Result::unwrap).collect();
    assert_eq!(v.len(), 2);
    assert_eq!((v[0].param_type, v[0].value), (3, &[0, 0, 1, 0xf4][..]));
    assert_eq!((v[1].param_type, v[1].value), (12, &b"x"[..]));
    // A type-0x0042 parameter (action "stop") hides the cookie after it.
    let mut value = vec![0u8; 16];
    value.extend_from_slice(&[0x00, 0x42, 0, 4, 0, 7, 0, 5, 1, 0, 0, 0]);
    let c = Chunk {
        chunk_type: chunk_type::INIT,
        flags: 0,
        value: &value,
    };
    let ChunkRepr::Init(i) = ChunkRepr::parse(&c).unwrap() else {
        panic!()
    };
    assert_eq!(i.state_cookie, None);
}

proptest! {
    #[test]
    fn data_and_sack_round_trip(
        tsn: u32, stream_id: u16, ssn: u16, ppid: u32, flags in 0u8..16,
        data in proptest::collection::vec(any::<u8>(), 1..300),
        gaps in proptest::collection::vec((any::<u16>(), any::<u16>()), 0..20),
        dups in proptest::collection::vec(any::<u32>(), 0..10),
        cum: u32, rwnd: u32,
    ) {
        let gaps: Vec<GapBlock> = gaps.into_iter().map(|(start, end)| GapBlock { start, end }).collect();
        let chunks = [
            ChunkRepr::Data(DataChunk {
                tsn, stream_id, ssn, ppid,
                immediate: flags & 8 != 0, unordered: flags & 4 != 0,
                beginning: flags & 2 != 0, ending: flags & 1 != 0,
                user_data: &data,
            }),
            ChunkRepr::Sack(SackChunk {
                cum_tsn_ack: cum, a_rwnd: rwnd,
                gap_blocks: GapBlocks::List(&gaps), dup_tsns: DupTsns::List(&dups),
            }),
        ];
        let mut out = Vec::new();
        let mut b = PacketBuilder::new(&mut out, &HDR);
        for c in &chunks { b.push(c); }
        b.finish();
        let p = Packet::new_checked(&out[..]).unwrap();
        prop_assert!(p.verify_checksum().is_ok());
        let parsed: Vec<ChunkRepr<'_>> = p.chunks().map(|c| ChunkRepr::parse(&c.unwrap()).unwrap()).collect();
        prop_assert_eq!(&parsed[..], &chunks[..]);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(p) = Packet::new_checked(&bytes[..]) {
            let _ = p.verify_checksum();
            for c in p.chunks().flatten() {
                let _ = ChunkRepr::parse(&c);
            }
        }
    }
}
