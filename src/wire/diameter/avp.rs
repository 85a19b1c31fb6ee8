//! AVP views (RFC 6733 §4.1): the AVP header, its data, and an iterator over a run of AVPs, used
//! for a message body and for the contents of a Grouped AVP (§4.4) alike. Nothing is copied: an
//! [`Avp`] borrows the message bytes and remembers its offset in the message, so a parse error can
//! name the offending AVP for a Failed-AVP (§7.5).

use std::fmt;
use std::marker::PhantomData;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::codes::{address_family, avp, avp_flags};
use super::Error;

/// An AVP's identity: code and vendor (0 when the V bit is clear). Constants of this type in
/// [`codes::avp`](super::codes::avp) can be used as `match` patterns on [`Avp::key`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AvpKey {
    /// AVP code.
    pub code: u32,
    /// Vendor-Id, 0 for IETF AVPs.
    pub vendor_id: u32,
}

impl AvpKey {
    /// A key from its code and vendor (0: none).
    pub const fn new(code: u32, vendor_id: u32) -> Self {
        AvpKey { code, vendor_id }
    }

    /// The flags this AVP is sent with: V when it has a vendor, M unless the dictionary says
    /// `mandatory="mustnot"`.
    pub const fn flags(self) -> u8 {
        let mut flags = if self.vendor_id != 0 {
            avp_flags::VENDOR | avp_flags::MANDATORY
        } else {
            avp_flags::MANDATORY
        };
        let mut i = 0;
        while i < avp::M_MUST_NOT.len() {
            let k = avp::M_MUST_NOT[i];
            if k.code == self.code && k.vendor_id == self.vendor_id {
                flags &= !avp_flags::MANDATORY;
            }
            i += 1;
        }
        flags
    }

    /// Header length of this AVP on the wire (8, or 12 with a vendor).
    pub const fn header_len(self) -> usize {
        if self.vendor_id != 0 {
            12
        } else {
            8
        }
    }
}

/// Rounds `len` up to the 4-octet AVP alignment.
pub const fn padded(len: usize) -> usize {
    (len + 3) & !3
}

/// One AVP borrowed from a message.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Avp<'a> {
    code: u32,
    flags: u8,
    vendor_id: u32,
    data: &'a [u8],
    offset: usize,
}

impl<'a> Avp<'a> {
    /// AVP code.
    pub fn code(&self) -> u32 {
        self.code
    }

    /// AVP flags (V, M, P).
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// Vendor-Id, 0 when the V bit is clear.
    pub fn vendor_id(&self) -> u32 {
        self.vendor_id
    }

    /// Code and vendor, for matching against [`codes::avp`](super::codes::avp).
    pub fn key(&self) -> AvpKey {
        AvpKey::new(self.code, self.vendor_id)
    }

    /// Whether the M bit is set.
    pub fn is_mandatory(&self) -> bool {
        self.flags & avp_flags::MANDATORY != 0
    }

    /// The AVP's data, without header or padding.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Offset of the AVP header from the start of the message (or of the slice iterated).
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The AVP length field: header plus data, without padding.
    pub fn len(&self) -> usize {
        self.header_len() + self.data.len()
    }

    /// Whether the AVP carries no data.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Header length: 8, or 12 with a Vendor-ID.
    pub fn header_len(&self) -> usize {
        if self.flags & avp_flags::VENDOR != 0 {
            12
        } else {
            8
        }
    }

    /// Byte range of the whole AVP (header and data, no padding) in the message.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.len()
    }

    fn invalid_length(&self) -> Error {
        Error::InvalidAvpLength {
            code: self.code,
            offset: self.offset,
        }
    }

    fn invalid_value(&self) -> Error {
        Error::InvalidAvpValue {
            code: self.code,
            offset: self.offset,
        }
    }

    /// The data as exactly `N` octets, or [`Error::InvalidAvpLength`].
    pub fn array<const N: usize>(&self) -> Result<&'a [u8; N], Error> {
        self.data.try_into().map_err(|_| self.invalid_length())
    }

    /// Unsigned32 (also Enumerated and the flag AVPs).
    pub fn u32(&self) -> Result<u32, Error> {
        self.array::<4>().map(|b| u32::from_be_bytes(*b))
    }

    /// Unsigned64.
    pub fn u64(&self) -> Result<u64, Error> {
        self.array::<8>().map(|b| u64::from_be_bytes(*b))
    }

    /// Integer32.
    pub fn i32(&self) -> Result<i32, Error> {
        self.array::<4>().map(|b| i32::from_be_bytes(*b))
    }

    /// UTF8String or DiameterIdentity; invalid UTF-8 is [`Error::InvalidAvpValue`].
    pub fn utf8(&self) -> Result<&'a str, Error> {
        std::str::from_utf8(self.data).map_err(|_| self.invalid_value())
    }

    /// Address (RFC 6733 §4.3.1): IPv4 or IPv6 only.
    pub fn address(&self) -> Result<IpAddr, Error> {
        let d = self.data;
        if d.len() < 2 {
            return Err(self.invalid_length());
        }
        match (u16::from_be_bytes([d[0], d[1]]), d.len()) {
            (address_family::IPV4, 6) => Ok(IpAddr::V4(Ipv4Addr::new(d[2], d[3], d[4], d[5]))),
            (address_family::IPV6, 18) => {
                let b: [u8; 16] = d[2..].try_into().map_err(|_| self.invalid_length())?;
                Ok(IpAddr::V6(Ipv6Addr::from(b)))
            }
            (address_family::IPV4, _) | (address_family::IPV6, _) => Err(self.invalid_length()),
            _ => Err(self.invalid_value()),
        }
    }

    /// The contents of a Grouped AVP, with offsets still relative to the message.
    pub fn group(&self) -> AvpIter<'a> {
        AvpIter::with_base(self.data, self.offset + self.header_len())
    }
}

impl fmt::Debug for Avp<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Avp")
            .field("code", &self.code)
            .field("flags", &format_args!("{:#04x}", self.flags))
            .field("vendor_id", &self.vendor_id)
            .field("offset", &self.offset)
            .field("len", &self.data.len())
            .finish()
    }
}

/// Iterator over consecutive AVPs. Yields `Err` once for the first malformed AVP (naming its
/// code, or 0 when even the code is cut off, and its offset) and then stops.
#[derive(Clone, Debug)]
pub struct AvpIter<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> AvpIter<'a> {
    /// AVPs in `data`, reporting offsets from the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self::with_base(data, 0)
    }

    /// AVPs in `data`, which starts at `base` in the message (offsets are reported from there).
    pub fn with_base(data: &'a [u8], base: usize) -> Self {
        AvpIter { data, pos: 0, base }
    }

    fn fail(&mut self, code: u32) -> Option<Result<Avp<'a>, Error>> {
        let offset = self.base + self.pos;
        self.pos = self.data.len();
        Some(Err(Error::InvalidAvpLength { code, offset }))
    }
}

impl<'a> Iterator for AvpIter<'a> {
    type Item = Result<Avp<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = &self.data[self.pos..];
        if rest.is_empty() {
            return None;
        }
        if rest.len() < 8 {
            let code = rest
                .get(..4)
                .map_or(0, |c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
            return self.fail(code);
        }
        let code = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]);
        let flags = rest[4];
        let len = u32::from_be_bytes([0, rest[5], rest[6], rest[7]]) as usize;
        let (hdr, vendor_id) = if flags & avp_flags::VENDOR != 0 {
            if rest.len() < 12 {
                return self.fail(code);
            }
            (
                12,
                u32::from_be_bytes([rest[8], rest[9], rest[10], rest[11]]),
            )
        } else {
            (8, 0)
        };
        if len < hdr || len > rest.len() {
            return self.fail(code);
        }
        let avp = Avp {
            code,
            flags,
            vendor_id,
            data: &rest[hdr..len],
            offset: self.base + self.pos,
        };
        // The last AVP of a Grouped AVP may end without its padding; anything else must pad.
        let step = padded(len);
        if step > rest.len() {
            self.pos = self.data.len();
        } else {
            self.pos += step;
        }
        Some(Ok(avp))
    }
}

impl std::iter::FusedIterator for AvpIter<'_> {}

/// A value decoded from one AVP, so that repeated AVPs can be listed without allocation
/// ([`Repeated`]).
pub trait FromAvp<'a>: Sized {
    /// Decodes the AVP's value; errors name the AVP (or the inner AVP of a group).
    fn from_avp(avp: &Avp<'a>) -> Result<Self, Error>;
}

impl<'a> FromAvp<'a> for u32 {
    fn from_avp(avp: &Avp<'a>) -> Result<Self, Error> {
        avp.u32()
    }
}

impl<'a> FromAvp<'a> for IpAddr {
    fn from_avp(avp: &Avp<'a>) -> Result<Self, Error> {
        avp.address()
    }
}

impl<'a> FromAvp<'a> for &'a str {
    fn from_avp(avp: &Avp<'a>) -> Result<Self, Error> {
        avp.utf8()
    }
}

/// Zero or more occurrences of one AVP: either a caller's slice (to emit) or the AVP run they
/// were parsed from (decoded again on each iteration, after `parse` validated every one).
#[derive(Clone, Copy)]
pub struct Repeated<'a, T> {
    src: Src<'a, T>,
}

#[derive(Clone, Copy)]
enum Src<'a, T> {
    Slice(&'a [T]),
    Wire {
        avps: &'a [u8],
        base: usize,
        key: AvpKey,
        _t: PhantomData<T>,
    },
}

impl<'a, T: FromAvp<'a> + Copy + 'a> Repeated<'a, T> {
    /// Values given by the caller.
    pub const fn from_slice(values: &'a [T]) -> Self {
        Repeated {
            src: Src::Slice(values),
        }
    }

    /// No values.
    pub const fn empty() -> Self {
        Self::from_slice(&[])
    }

    /// Occurrences of `key` among the AVPs of `avps` (which starts at `base` in the message),
    /// after checking that each decodes.
    pub fn parse(avps: AvpIter<'a>, key: AvpKey) -> Result<Self, Error> {
        let (data, base) = (avps.data, avps.base);
        for a in avps {
            let a = a?;
            if a.key() == key {
                T::from_avp(&a)?;
            }
        }
        Ok(Repeated {
            src: Src::Wire {
                avps: data,
                base,
                key,
                _t: PhantomData,
            },
        })
    }

    /// The values in order.
    pub fn iter(&self) -> impl Iterator<Item = T> + 'a {
        let (slice, wire) = match self.src {
            Src::Slice(s) => (s.iter().copied(), None),
            Src::Wire {
                avps, base, key, ..
            } => (<&[T]>::default().iter().copied(), Some((avps, base, key))),
        };
        let wire = wire.into_iter().flat_map(|(avps, base, key)| {
            AvpIter::with_base(avps, base)
                .map_while(Result::ok)
                .filter(move |a| a.key() == key)
                .filter_map(|a| T::from_avp(&a).ok())
        });
        slice.chain(wire)
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self.src {
            Src::Slice(s) => s.len(),
            Src::Wire { .. } => self.iter().count(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

impl<'a, T: FromAvp<'a> + Copy + PartialEq + 'a> PartialEq for Repeated<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl<'a, T: FromAvp<'a> + Copy + Eq + 'a> Eq for Repeated<'a, T> {}

impl<'a, T: FromAvp<'a> + Copy + fmt::Debug + 'a> fmt::Debug for Repeated<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}
