//! The GTPv2-C header, TS 29.274 §5.1 (layout) and §5.5 (usage): version 2, piggyback (P),
//! TEID (T) and message priority (MP) flags, message type, length, optional TEID, 24-bit
//! sequence number.

use super::ie::IeIter;
use super::Error;

/// Header length with a TEID (T = 1): every session message (§5.5.1).
pub const HEADER_LEN: usize = 12;
/// Header length without a TEID (T = 0): Echo and Version Not Supported (§5.5.2).
pub const HEADER_LEN_NO_TEID: usize = 8;

mod field {
    pub const FLAGS: usize = 0;
    pub const MSG_TYPE: usize = 1;
    pub const LENGTH: core::ops::Range<usize> = 2..4;
    /// Bytes the Message Length field does not count (§5.5.1).
    pub const FIXED: usize = 4;
    pub const TEID: core::ops::Range<usize> = 4..8;

    pub const VERSION_SHIFT: u8 = 5;
    pub const P: u8 = 0x10;
    pub const T: u8 = 0x08;
    pub const MP: u8 = 0x04;
}

/// A read-only view of a GTPv2-C message: header getters and the IE bytes that follow.
/// Getters cannot panic once [`Packet::new_checked`] (or [`Packet::check_len`]) succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` without checks; getters may panic until [`Packet::check_len`] passes.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps bytes from the network: version 2, a header that fits, and a Message Length that
    /// fits both the header and the buffer. Bytes past the message (a piggybacked message,
    /// §5.5.1) are left for [`Packet::piggybacked`].
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// The checks of [`Packet::new_checked`].
    pub fn check_len(&self) -> Result<(), Error> {
        let data = self.buffer.as_ref();
        let Some(&flags) = data.first() else {
            return Err(Error::Truncated);
        };
        let version = flags >> field::VERSION_SHIFT;
        if version != 2 {
            return Err(Error::UnsupportedVersion(version));
        }
        let header_len = if flags & field::T != 0 {
            HEADER_LEN
        } else {
            HEADER_LEN_NO_TEID
        };
        if data.len() < header_len {
            return Err(Error::Truncated);
        }
        let total = self.total_len();
        if total < header_len {
            return Err(Error::BadLength);
        }
        if data.len() < total {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn flags(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS]
    }

    /// Version field (2 for GTPv2).
    pub fn version(&self) -> u8 {
        self.flags() >> field::VERSION_SHIFT
    }

    /// P flag: another GTPv2-C message follows this one in the datagram.
    pub fn piggyback(&self) -> bool {
        self.flags() & field::P != 0
    }

    /// T flag: the header carries a TEID.
    pub fn teid_flag(&self) -> bool {
        self.flags() & field::T != 0
    }

    /// MP flag: the header carries a message priority.
    pub fn mp_flag(&self) -> bool {
        self.flags() & field::MP != 0
    }

    /// Message type (Table 6.1-1, [`super::codes::msg`]).
    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::MSG_TYPE]
    }

    /// Message Length field: the octets after the first four.
    pub fn msg_len(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::LENGTH];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// Length of the whole message, header included.
    pub fn total_len(&self) -> usize {
        usize::from(self.msg_len()) + field::FIXED
    }

    /// Header length: 12 with a TEID, 8 without.
    pub fn header_len(&self) -> usize {
        if self.teid_flag() {
            HEADER_LEN
        } else {
            HEADER_LEN_NO_TEID
        }
    }

    /// TEID, when the T flag is set.
    pub fn teid(&self) -> Option<u32> {
        self.teid_flag().then(|| {
            let b = &self.buffer.as_ref()[field::TEID];
            u32::from_be_bytes([b[0], b[1], b[2], b[3]])
        })
    }

    /// 24-bit sequence number.
    pub fn seq(&self) -> u32 {
        let at = self.header_len() - 4;
        let b = &self.buffer.as_ref()[at..at + 3];
        u32::from_be_bytes([0, b[0], b[1], b[2]])
    }

    /// The octet after the sequence number: message priority (high nibble, when MP) and spare.
    pub fn spare(&self) -> u8 {
        self.buffer.as_ref()[self.header_len() - 1]
    }

    /// Message priority (0..=15), when the MP flag is set.
    pub fn message_priority(&self) -> Option<u8> {
        self.mp_flag().then(|| self.spare() >> 4)
    }

    /// Iterator over the top-level IEs.
    pub fn ies(&self) -> IeIter<'_> {
        IeIter::new(&self.buffer.as_ref()[self.header_len()..self.total_len()])
    }

    /// Bytes after this message when the P flag is set: the piggybacked message.
    pub fn piggybacked(&self) -> Option<&[u8]> {
        self.piggyback()
            .then(|| &self.buffer.as_ref()[self.total_len()..])
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// The IE bytes (after the header, within Message Length), borrowed for `'a`.
    pub fn ie_bytes(&self) -> &'a [u8] {
        let data: &'a [u8] = self.buffer.as_ref();
        &data[self.header_len()..self.total_len()]
    }
}

/// The header fields a transaction layer needs, and how to emit a header (§5.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    /// Message type ([`super::codes::msg`]).
    pub msg_type: u8,
    /// P flag.
    pub piggyback: bool,
    /// TEID; `None` emits T = 0.
    pub teid: Option<u32>,
    /// Sequence number, 0..=0xFF_FFFF.
    pub seq: u32,
    /// Message priority 0..=15; `None` emits MP = 0.
    pub priority: Option<u8>,
}

impl Header {
    /// Header fields of a checked packet.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Self {
        Self {
            msg_type: packet.msg_type(),
            piggyback: packet.piggyback(),
            teid: packet.teid(),
            seq: packet.seq(),
            priority: packet.message_priority(),
        }
    }

    /// Bytes [`Header::emit`] writes.
    pub fn header_len(&self) -> usize {
        if self.teid.is_some() {
            HEADER_LEN
        } else {
            HEADER_LEN_NO_TEID
        }
    }

    /// Writes the header for `ies_len` bytes of IEs that follow it; returns the header length.
    pub fn emit(&self, buf: &mut [u8], ies_len: usize) -> Result<usize, Error> {
        let header_len = self.header_len();
        if self.seq > 0xFF_FFFF || self.priority.is_some_and(|p| p > 15) {
            return Err(Error::Unencodable);
        }
        let msg_len =
            u16::try_from(header_len - field::FIXED + ies_len).map_err(|_| Error::Unencodable)?;
        let out = buf.get_mut(..header_len).ok_or(Error::BufferTooSmall)?;
        let mut flags = 2 << field::VERSION_SHIFT;
        if self.piggyback {
            flags |= field::P;
        }
        if self.teid.is_some() {
            flags |= field::T;
        }
        if self.priority.is_some() {
            flags |= field::MP;
        }
        out[field::FLAGS] = flags;
        out[field::MSG_TYPE] = self.msg_type;
        out[field::LENGTH].copy_from_slice(&msg_len.to_be_bytes());
        if let Some(teid) = self.teid {
            out[field::TEID].copy_from_slice(&teid.to_be_bytes());
        }
        let at = header_len - 4;
        out[at..at + 3].copy_from_slice(&self.seq.to_be_bytes()[1..]);
        out[at + 3] = self.priority.map_or(0, |p| p << 4);
        Ok(header_len)
    }
}

/// Checks `data` as a GTPv2-C message and returns its header fields: what the transaction layer
/// needs (type, TEID, sequence number) before choosing a parser. [`Error::UnsupportedVersion`]
/// means: answer with [`super::VersionNotSupported`] (§7.7).
pub fn peek_header(data: &[u8]) -> Result<Header, Error> {
    Packet::new_checked(data).map(|p| Header::parse(&p))
}
