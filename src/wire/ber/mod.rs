//! ASN.1 Basic Encoding Rules (ITU-T X.690 §8) for the charging records of TS 32.298: the few
//! pieces a CDR needs, written by hand so that encoding fits the one emit style of `wire`
//! (docs/ARCHITECTURE.md §3: a caller-owned buffer, nothing allocated).
//!
//! - [`RevWriter`] writes backwards, from the end of the buffer towards its start, so that every
//!   length is known when its header is written (X.690 §8.1.3: the definite form) and no byte is
//!   moved or patched; fields of a SET or SEQUENCE are therefore written last first. The same
//!   code runs in a measuring mode that only counts, for `buffer_len()`.
//! - [`Tlv`] and [`TlvIter`] read a definite-length encoding without copying. Indefinite lengths
//!   (§8.1.3.6) are refused with an error: TS 32.298 records are written with definite lengths,
//!   and the decoder exists for the CGF and the tests.
//!
//! Only what TS 32.298 uses is here: identifier octets in the short and long forms (§8.1.2),
//! INTEGER (§8.3), BOOLEAN (§8.2), NULL (§8.8), OCTET STRING and IA5String (§8.7, §8.23, primitive
//! form only), BIT STRING (§8.6, primitive form) and constructed values (SET, SEQUENCE, explicit
//! tags of CHOICE types).

#[cfg(test)]
mod tests;

/// Tag class, the two high bits of the identifier octet (X.690 §8.1.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// UNIVERSAL: the types of X.680 (INTEGER, SEQUENCE, ...).
    Universal = 0,
    /// APPLICATION.
    Application = 1,
    /// Context-specific: `[n]` in a SET, SEQUENCE or CHOICE.
    Context = 2,
    /// PRIVATE.
    Private = 3,
}

/// An identifier: class, primitive or constructed, and tag number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tag {
    /// Class.
    pub class: Class,
    /// Constructed (bit 6 set) or primitive.
    pub constructed: bool,
    /// Tag number.
    pub number: u32,
}

impl Tag {
    /// `[n]` IMPLICIT over a primitive type (INTEGER, OCTET STRING, ...).
    pub const fn context(number: u32) -> Tag {
        Tag {
            class: Class::Context,
            constructed: false,
            number,
        }
    }

    /// `[n]` over a constructed type (SET, SEQUENCE OF, or the explicit tag of a CHOICE).
    pub const fn context_constructed(number: u32) -> Tag {
        Tag {
            class: Class::Context,
            constructed: true,
            number,
        }
    }

    /// UNIVERSAL 10, ENUMERATED.
    pub const ENUMERATED: Tag = Tag {
        class: Class::Universal,
        constructed: false,
        number: 10,
    };

    /// UNIVERSAL 16, SEQUENCE (and SEQUENCE OF), always constructed.
    pub const SEQUENCE: Tag = Tag {
        class: Class::Universal,
        constructed: true,
        number: 16,
    };

    /// The first identifier octet without the tag number bits.
    const fn lead(self) -> u8 {
        ((self.class as u8) << 6) | if self.constructed { 0x20 } else { 0 }
    }
}

/// Why bytes are not a BER encoding this module reads, or could not be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The identifier, length or contents run past the end of the data.
    Truncated,
    /// A tag number that does not fit 32 bits, or a long-form tag with a leading 0x80 octet.
    BadTag,
    /// The indefinite length form (0x80), which this decoder does not accept.
    IndefiniteLength,
    /// A length of more than 4 octets, or the reserved 0xFF form.
    BadLength,
    /// An INTEGER with no contents octets or a value out of the range asked for.
    BadInteger,
    /// A BOOLEAN whose contents are not one octet.
    BadBoolean,
    /// A BIT STRING with no initial octet or more than 7 unused bits.
    BadBitString,
    /// The output buffer is smaller than `buffer_len()`.
    BufferTooSmall,
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Error::Truncated => "BER encoding truncated",
            Error::BadTag => "BER tag number malformed or over 32 bits",
            Error::IndefiniteLength => "BER indefinite length not accepted",
            Error::BadLength => "BER length malformed or over 4 octets",
            Error::BadInteger => "BER INTEGER empty or out of range",
            Error::BadBoolean => "BER BOOLEAN not one octet",
            Error::BadBitString => "BER BIT STRING malformed",
            Error::BufferTooSmall => "output buffer too small",
        })
    }
}

impl std::error::Error for Error {}

/// Writes BER backwards into the end of a caller-owned buffer, or only counts (measuring mode).
///
/// Because the output grows towards the start, a constructed value is written by writing its
/// contents (last element first), then [`RevWriter::header`] with the byte count since the
/// [`RevWriter::mark`] taken before them. [`RevWriter::finish`] reports the length and whether
/// the buffer was large enough; the encoding then occupies the last `len` bytes of the buffer.
#[derive(Debug)]
pub struct RevWriter<'b> {
    buf: Option<&'b mut [u8]>,
    written: usize,
    overflow: bool,
}

impl<'b> RevWriter<'b> {
    /// A writer that fills `buf` from its end.
    pub fn new(buf: &'b mut [u8]) -> Self {
        RevWriter {
            buf: Some(buf),
            written: 0,
            overflow: false,
        }
    }

    /// A writer that only counts bytes.
    pub fn measuring() -> Self {
        RevWriter {
            buf: None,
            written: 0,
            overflow: false,
        }
    }

    /// Bytes written so far (the size of the encoding's tail written up to now).
    pub fn mark(&self) -> usize {
        self.written
    }

    /// The total length, or [`Error::BufferTooSmall`] when the buffer could not hold it.
    pub fn finish(self) -> Result<usize, Error> {
        if self.overflow {
            Err(Error::BufferTooSmall)
        } else {
            Ok(self.written)
        }
    }

    /// Puts `bytes` in front of what is written.
    pub fn bytes(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        if let Some(buf) = self.buf.as_deref_mut() {
            if self.written + n <= buf.len() {
                let end = buf.len() - self.written;
                buf[end - n..end].copy_from_slice(bytes);
            } else {
                self.overflow = true;
            }
        }
        self.written += n;
    }

    /// Puts one octet in front of what is written.
    pub fn byte(&mut self, b: u8) {
        if let Some(buf) = self.buf.as_deref_mut() {
            if self.written < buf.len() {
                let at = buf.len() - self.written - 1;
                buf[at] = b;
            } else {
                self.overflow = true;
            }
        }
        self.written += 1;
    }

    /// Writes the identifier and length octets of a value whose contents (already written) are
    /// the `mark() - start` bytes since `start`.
    pub fn header(&mut self, tag: Tag, start: usize) {
        let len = self.written - start;
        self.length(len);
        self.tag(tag);
    }

    /// Length octets (X.690 §8.1.3): short form below 128, else the long form.
    fn length(&mut self, len: usize) {
        if len < 0x80 {
            self.byte(len as u8);
            return;
        }
        let mut v = len;
        let mut n = 0u8;
        while v > 0 {
            self.byte(v as u8);
            v >>= 8;
            n += 1;
        }
        self.byte(0x80 | n);
    }

    /// Identifier octets (X.690 §8.1.2): one octet below tag 31, else 0x1F and base-128 digits.
    fn tag(&mut self, tag: Tag) {
        if tag.number < 31 {
            self.byte(tag.lead() | tag.number as u8);
            return;
        }
        let mut v = tag.number;
        self.byte((v & 0x7f) as u8);
        v >>= 7;
        while v > 0 {
            self.byte(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        self.byte(tag.lead() | 0x1f);
    }

    /// A primitive value with contents `value` (OCTET STRING, IA5String, ...).
    pub fn octets(&mut self, tag: Tag, value: &[u8]) {
        let start = self.mark();
        self.bytes(value);
        self.header(tag, start);
    }

    /// A non-negative INTEGER or ENUMERATED (X.690 §8.3: minimal two's complement octets).
    pub fn unsigned(&mut self, tag: Tag, value: u64) {
        let start = self.mark();
        let mut v = value;
        let mut top;
        loop {
            top = v as u8;
            self.byte(top);
            v >>= 8;
            if v == 0 {
                break;
            }
        }
        // A set high bit would read as negative: one more zero octet.
        if top & 0x80 != 0 {
            self.byte(0);
        }
        self.header(tag, start);
    }

    /// A BOOLEAN (X.690 §8.2, DER's 0xFF for TRUE).
    pub fn boolean(&mut self, tag: Tag, value: bool) {
        self.octets(tag, &[if value { 0xff } else { 0 }]);
    }

    /// A BIT STRING holding the named bits set in `bits` (bit n of the ASN.1 type is `1 << n`),
    /// with trailing zero bits removed as X.690 §11.2.2 asks for named bit lists.
    pub fn named_bits(&mut self, tag: Tag, bits: u64) {
        let start = self.mark();
        if bits == 0 {
            self.byte(0);
        } else {
            let highest = 63 - bits.leading_zeros();
            let octets = highest / 8 + 1;
            for i in (0..octets).rev() {
                let mut o = 0u8;
                for b in 0..8 {
                    if bits & (1u64 << (i * 8 + b)) != 0 {
                        o |= 0x80 >> b;
                    }
                }
                self.byte(o);
            }
            self.byte((7 - highest % 8) as u8);
        }
        self.header(tag, start);
    }
}

/// One decoded value: its identifier and contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// Identifier.
    pub tag: Tag,
    /// Contents octets.
    pub value: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// Reads one value from the start of `data`; returns it and the bytes after it.
    pub fn parse(data: &'a [u8]) -> Result<(Tlv<'a>, &'a [u8]), Error> {
        let first = *data.first().ok_or(Error::Truncated)?;
        let class = match first >> 6 {
            0 => Class::Universal,
            1 => Class::Application,
            2 => Class::Context,
            _ => Class::Private,
        };
        let constructed = first & 0x20 != 0;
        let mut at = 1;
        let number = if first & 0x1f != 0x1f {
            (first & 0x1f) as u32
        } else {
            let mut n: u32 = 0;
            loop {
                let b = *data.get(at).ok_or(Error::Truncated)?;
                if (at == 1 && b == 0x80) || n > (u32::MAX >> 7) {
                    return Err(Error::BadTag);
                }
                n = (n << 7) | (b & 0x7f) as u32;
                at += 1;
                if b & 0x80 == 0 {
                    break;
                }
            }
            n
        };
        let l = *data.get(at).ok_or(Error::Truncated)?;
        at += 1;
        let len = if l < 0x80 {
            l as usize
        } else if l == 0x80 {
            return Err(Error::IndefiniteLength);
        } else {
            let n = (l & 0x7f) as usize;
            if n > 4 {
                return Err(Error::BadLength);
            }
            let octets = data.get(at..at + n).ok_or(Error::Truncated)?;
            at += n;
            octets.iter().fold(0usize, |v, &b| (v << 8) | b as usize)
        };
        let end = at.checked_add(len).ok_or(Error::Truncated)?;
        let value = data.get(at..end).ok_or(Error::Truncated)?;
        Ok((
            Tlv {
                tag: Tag {
                    class,
                    constructed,
                    number,
                },
                value,
            },
            &data[end..],
        ))
    }

    /// True for a context-specific tag `[number]`, primitive or constructed.
    pub fn is_context(&self, number: u32) -> bool {
        self.tag.class == Class::Context && self.tag.number == number
    }

    /// The values inside a constructed value.
    pub fn children(&self) -> TlvIter<'a> {
        TlvIter::new(self.value)
    }

    /// The contents as a signed INTEGER of at most 8 octets.
    pub fn as_i64(&self) -> Result<i64, Error> {
        let v = self.value;
        if v.is_empty() || v.len() > 8 {
            return Err(Error::BadInteger);
        }
        let init: i64 = if v[0] & 0x80 != 0 { -1 } else { 0 };
        Ok(v.iter().fold(init, |acc, &b| (acc << 8) | b as i64))
    }

    /// The contents as a non-negative INTEGER of at most 64 bits (9 octets with a leading zero).
    pub fn as_u64(&self) -> Result<u64, Error> {
        let v = self.value;
        if v.is_empty() || v[0] & 0x80 != 0 {
            return Err(Error::BadInteger);
        }
        let v = if v.len() == 9 && v[0] == 0 {
            &v[1..]
        } else {
            v
        };
        if v.len() > 8 {
            return Err(Error::BadInteger);
        }
        Ok(v.iter().fold(0u64, |acc, &b| (acc << 8) | b as u64))
    }

    /// The contents as a non-negative INTEGER that fits 32 bits.
    pub fn as_u32(&self) -> Result<u32, Error> {
        u32::try_from(self.as_u64()?).map_err(|_| Error::BadInteger)
    }

    /// The contents as a BOOLEAN (any non-zero octet is TRUE, X.690 §8.2.2).
    pub fn as_bool(&self) -> Result<bool, Error> {
        match self.value {
            [b] => Ok(*b != 0),
            _ => Err(Error::BadBoolean),
        }
    }

    /// The contents as a BIT STRING of named bits: bit n of the ASN.1 type is `1 << n` of the
    /// result; bits past 63 must be zero.
    pub fn as_named_bits(&self) -> Result<u64, Error> {
        let (&unused, bytes) = self.value.split_first().ok_or(Error::BadBitString)?;
        if unused > 7 || (bytes.is_empty() && unused != 0) {
            return Err(Error::BadBitString);
        }
        let mut bits = 0u64;
        for (i, &o) in bytes.iter().enumerate() {
            for b in 0..8 {
                if o & (0x80 >> b) != 0 {
                    let n = i * 8 + b;
                    if n >= 64 {
                        return Err(Error::BadBitString);
                    }
                    bits |= 1u64 << n;
                }
            }
        }
        Ok(bits)
    }
}

/// Walks the values of a run of BER (the contents of a constructed value). Yields one `Err` for
/// a value that does not parse, then stops.
#[derive(Clone, Debug)]
pub struct TlvIter<'a> {
    data: &'a [u8],
}

impl<'a> TlvIter<'a> {
    /// The values in `data`.
    pub fn new(data: &'a [u8]) -> Self {
        TlvIter { data }
    }
}

impl<'a> Iterator for TlvIter<'a> {
    type Item = Result<Tlv<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.data.is_empty() {
            return None;
        }
        match Tlv::parse(self.data) {
            Ok((tlv, rest)) => {
                self.data = rest;
                Some(Ok(tlv))
            }
            Err(e) => {
                self.data = &[];
                Some(Err(e))
            }
        }
    }
}
