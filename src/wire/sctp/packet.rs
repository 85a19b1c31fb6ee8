//! SCTP common header (RFC 4960 §3.1) and checksum handling (§6.8): a zero-copy [`Packet`]
//! view, the [`Header`] representation and a [`PacketBuilder`] that appends a whole packet to
//! a caller's buffer.

use super::chunk::{ChunkRepr, Chunks};
use super::crc32c::Crc32c;
use super::Error;

/// Length of the common header.
pub const HEADER_LEN: usize = 12;

mod field {
    use std::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const VTAG: Range<usize> = 4..8;
    pub const CHECKSUM: Range<usize> = 8..12;
}

/// A read (or write) view of an SCTP packet.
#[derive(Debug, Clone, Copy)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` without checking its length.
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps `buffer`, checking it holds at least the common header.
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let p = Packet { buffer };
        p.check_len()?;
        Ok(p)
    }

    /// Checks the buffer holds the common header (after which the getters cannot panic).
    pub fn check_len(&self) -> Result<(), Error> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(Error::TruncatedHeader { len });
        }
        Ok(())
    }

    /// Source port.
    pub fn src_port(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::SRC_PORT])
    }

    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::DST_PORT])
    }

    /// Verification tag.
    pub fn verification_tag(&self) -> u32 {
        be32(&self.buffer.as_ref()[field::VTAG])
    }

    /// Checksum field as the CRC32c value (read least-significant byte first).
    pub fn checksum(&self) -> u32 {
        let b = &self.buffer.as_ref()[field::CHECKSUM];
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }

    /// CRC32c over the packet with the checksum field taken as zero.
    pub fn compute_checksum(&self) -> u32 {
        let b = self.buffer.as_ref();
        let mut c = Crc32c::new();
        c.update(&b[..field::CHECKSUM.start]);
        c.update(&[0; 4]);
        c.update(&b[field::CHECKSUM.end..]);
        c.finish()
    }

    /// Checks the CRC32c (RFC 4960 §6.8: a packet with a bad checksum is silently discarded).
    pub fn verify_checksum(&self) -> Result<(), Error> {
        let (found, computed) = (self.checksum(), self.compute_checksum());
        if found == computed {
            Ok(())
        } else {
            Err(Error::BadChecksum { found, computed })
        }
    }

    /// Bytes after the common header (the chunks).
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..]
    }

    /// Iterator over the chunks.
    pub fn chunks(&self) -> Chunks<'_> {
        Chunks::new(self.payload())
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Writes the checksum of the packet as it stands into its header.
    pub fn fill_checksum(&mut self) {
        let c = self.compute_checksum();
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&c.to_le_bytes());
    }
}

/// The common header's addressing fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// Sender's port.
    pub src_port: u16,
    /// Receiver's port.
    pub dst_port: u16,
    /// Verification tag (the receiver's Initiate Tag; 0 on INIT).
    pub verification_tag: u32,
}

impl Header {
    /// Reads the header of a checked packet.
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Header {
        Header {
            src_port: p.src_port(),
            dst_port: p.dst_port(),
            verification_tag: p.verification_tag(),
        }
    }

    /// Writes the header with a zero checksum into `buf[..HEADER_LEN]`; returns `HEADER_LEN`.
    pub fn emit(&self, buf: &mut [u8]) -> usize {
        buf[field::SRC_PORT].copy_from_slice(&self.src_port.to_be_bytes());
        buf[field::DST_PORT].copy_from_slice(&self.dst_port.to_be_bytes());
        buf[field::VTAG].copy_from_slice(&self.verification_tag.to_be_bytes());
        buf[field::CHECKSUM].fill(0);
        HEADER_LEN
    }
}

/// Appends one SCTP packet to a `Vec`: header, then chunks, then the checksum in
/// [`PacketBuilder::finish`]. Bytes already in the `Vec` before the packet are left alone.
#[derive(Debug)]
pub struct PacketBuilder<'v> {
    out: &'v mut Vec<u8>,
    start: usize,
}

impl<'v> PacketBuilder<'v> {
    /// Starts a packet with `header` at the end of `out`.
    pub fn new(out: &'v mut Vec<u8>, header: &Header) -> Self {
        let start = out.len();
        out.resize(start + HEADER_LEN, 0);
        header.emit(&mut out[start..]);
        PacketBuilder { out, start }
    }

    /// Bytes of the packet so far.
    pub fn len(&self) -> usize {
        self.out.len() - self.start
    }

    /// Whether no chunk has been added yet.
    pub fn is_empty(&self) -> bool {
        self.len() == HEADER_LEN
    }

    /// Appends a chunk (with its padding).
    pub fn push(&mut self, chunk: &ChunkRepr<'_>) {
        let at = self.out.len();
        self.out.resize(at + chunk.buffer_len(), 0);
        chunk.emit(&mut self.out[at..]);
    }

    /// Removes the packet from the buffer (e.g. when nothing turned out to need sending).
    pub fn abandon(self) {
        self.out.truncate(self.start);
    }

    /// Room left before the packet reaches `limit` bytes.
    pub fn room(&self, limit: usize) -> usize {
        limit.saturating_sub(self.len())
    }

    /// Fills in the checksum; returns the packet's length.
    pub fn finish(self) -> usize {
        let mut p = Packet::new_unchecked(&mut self.out[self.start..]);
        p.fill_checksum();
        self.out.len() - self.start
    }
}
