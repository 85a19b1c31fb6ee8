//! BER writer and reader against hand-worked X.690 encodings, and round trips.

use super::*;

fn encode(f: impl Fn(&mut RevWriter<'_>)) -> Vec<u8> {
    let mut m = RevWriter::measuring();
    f(&mut m);
    let n = m.finish().unwrap();
    let mut buf = vec![0u8; n];
    let mut w = RevWriter::new(&mut buf);
    f(&mut w);
    assert_eq!(w.finish().unwrap(), n);
    buf
}

#[test]
fn integers_take_minimal_twos_complement_octets() {
    let cases: &[(u64, &[u8])] = &[
        (0, &[0x80, 1, 0]),
        (85, &[0x80, 1, 0x55]),
        (127, &[0x80, 1, 0x7f]),
        (128, &[0x80, 2, 0, 0x80]),
        (256, &[0x80, 2, 1, 0]),
        (0xffff_ffff, &[0x80, 5, 0, 0xff, 0xff, 0xff, 0xff]),
        (
            u64::MAX,
            &[0x80, 9, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        ),
    ];
    for &(v, want) in cases {
        let got = encode(|w| w.unsigned(Tag::context(0), v));
        assert_eq!(got, want, "{v}");
        let (tlv, rest) = Tlv::parse(&got).unwrap();
        assert!(rest.is_empty());
        assert_eq!(tlv.as_u64().unwrap(), v);
    }
}

#[test]
fn high_tag_numbers_use_the_long_form() {
    // [79] constructed (GPRSRecord pGWRecord) and [35] primitive.
    let got = encode(|w| {
        let s = w.mark();
        w.unsigned(Tag::context(35), 2);
        w.header(Tag::context_constructed(79), s);
    });
    assert_eq!(got, [0xbf, 0x4f, 4, 0x9f, 0x23, 1, 2]);
    let (outer, _) = Tlv::parse(&got).unwrap();
    assert!(outer.is_context(79) && outer.tag.constructed);
    let inner: Vec<_> = outer.children().collect::<Result<_, _>>().unwrap();
    assert!(inner[0].is_context(35) && !inner[0].tag.constructed);
    let big = encode(|w| w.octets(Tag::context(300), b"x"));
    assert_eq!(big, [0x9f, 0x82, 0x2c, 1, b'x']);
    assert_eq!(Tlv::parse(&big).unwrap().0.tag.number, 300);
}

#[test]
fn long_lengths_use_the_long_form() {
    let value = vec![7u8; 300];
    let got = encode(|w| w.octets(Tag::context(1), &value));
    assert_eq!(&got[..4], &[0x81, 0x82, 0x01, 0x2c]);
    assert_eq!(Tlv::parse(&got).unwrap().0.value, &value[..]);
}

#[test]
fn named_bits_drop_trailing_zeros() {
    // Bit 24 (recordClosure of ServiceConditionChange): four octets, 7 unused bits.
    let got = encode(|w| w.named_bits(Tag::context(8), 1 << 24));
    assert_eq!(got, [0x88, 5, 7, 0, 0, 0, 0x80]);
    let (tlv, _) = Tlv::parse(&got).unwrap();
    assert_eq!(tlv.as_named_bits().unwrap(), 1 << 24);
    let zero = encode(|w| w.named_bits(Tag::context(8), 0));
    assert_eq!(zero, [0x88, 1, 0]);
    let bits = (1 << 0) | (1 << 9) | (1 << 26);
    let got = encode(|w| w.named_bits(Tag::context(8), bits));
    assert_eq!(Tlv::parse(&got).unwrap().0.as_named_bits().unwrap(), bits);
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    assert_eq!(Tlv::parse(&[]), Err(Error::Truncated));
    assert_eq!(Tlv::parse(&[0x80]), Err(Error::Truncated));
    assert_eq!(Tlv::parse(&[0x80, 5, 1]), Err(Error::Truncated));
    assert_eq!(
        Tlv::parse(&[0xa0, 0x80, 0, 0]),
        Err(Error::IndefiniteLength)
    );
    assert_eq!(
        Tlv::parse(&[0x80, 0x85, 1, 1, 1, 1, 1]),
        Err(Error::BadLength)
    );
    assert_eq!(Tlv::parse(&[0x9f, 0x80, 1, 0]), Err(Error::BadTag));
    assert_eq!(
        Tlv::parse(&[0x9f, 0xff, 0xff, 0xff, 0xff, 0x7f, 0]),
        Err(Error::BadTag)
    );
    let (empty, _) = Tlv::parse(&[0x80, 0]).unwrap();
    assert_eq!(empty.as_u64(), Err(Error::BadInteger));
    let (neg, _) = Tlv::parse(&[0x80, 1, 0xff]).unwrap();
    assert_eq!(neg.as_u64(), Err(Error::BadInteger));
    assert_eq!(neg.as_i64(), Ok(-1));
    let (bits, _) = Tlv::parse(&[0x88, 1, 8]).unwrap();
    assert_eq!(bits.as_named_bits(), Err(Error::BadBitString));
}

#[test]
fn a_short_buffer_is_reported() {
    let mut buf = [0u8; 2];
    let mut w = RevWriter::new(&mut buf);
    w.octets(Tag::context(1), b"abc");
    assert_eq!(w.finish(), Err(Error::BufferTooSmall));
}
