//! Diameter base protocol codec (RFC 6733 §3 header, §4 AVPs, §5 peer messages, §7 errors).
//!
//! [`Packet`] is a zero-copy view over one message, [`Avp`]/[`AvpIter`] walk its AVPs (and the
//! contents of Grouped AVPs), [`Writer`] emits into a caller-owned buffer, and the `Repr` types
//! ([`CapabilitiesRequest`], [`WatchdogAnswer`], [`ErrorAnswer`], ...) are validated message
//! representations that borrow from the packet. Stream framing is the caller's: read until
//! [`message_len`] bytes are there, then call [`Packet::new_checked`]. Application messages
//! (S6a) live in [`crate::wire::s6a`]; all codes are in [`codes`].

mod avp;
mod base;
pub mod codes;
pub mod conform;
mod error;
mod writer;

#[cfg(test)]
mod tests;

pub use avp::{padded, Avp, AvpIter, AvpKey, FromAvp, Repeated};
pub(crate) use base::Common;
pub use base::{
    Capabilities, CapabilitiesAnswer, CapabilitiesRequest, DisconnectAnswer, DisconnectRequest,
    ErrorAnswer, ResultCode, VendorSpecificAppId, WatchdogAnswer, WatchdogRequest,
};
pub use error::{Error, FailedAvp};
pub use writer::{Emit, EmitFn, Group, Ids, Writer};

use codes::flags;

/// Byte ranges of the header fields (RFC 6733 §3).
mod field {
    use std::ops::Range;

    pub const VERSION: usize = 0;
    pub const LENGTH: Range<usize> = 1..4;
    pub const FLAGS: usize = 4;
    pub const COMMAND: Range<usize> = 5..8;
    pub const APPLICATION_ID: Range<usize> = 8..12;
    pub const HOP_BY_HOP: Range<usize> = 12..16;
    pub const END_TO_END: Range<usize> = 16..20;
    pub const HEADER_LEN: usize = 20;
}

/// Length of the Diameter header.
pub const HEADER_LEN: usize = field::HEADER_LEN;

/// The message length announced by a stream prefix (at least 4 bytes), or `None` if fewer bytes
/// are there. The value is not validated: a length below 20 is a framing error that
/// [`Packet::new_checked`] reports once that many bytes (at least 20) are read.
pub fn message_len(prefix: &[u8]) -> Option<usize> {
    let p = prefix.get(..4)?;
    Some(u32::from_be_bytes([0, p[1], p[2], p[3]]) as usize)
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// A read/write view over one Diameter message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// A view without checks; getters may panic on a short buffer.
    pub fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// A view after [`check_len`](Packet::check_len): use this for anything from the network.
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks version 1, a length of at least 20 that is a multiple of 4, and that the buffer
    /// holds the whole message (it may hold more: the bytes past the length are ignored).
    pub fn check_len(&self) -> Result<(), Error> {
        let b = self.buffer.as_ref();
        if b.len() < field::HEADER_LEN {
            return Err(Error::Truncated);
        }
        if b[field::VERSION] != codes::VERSION {
            return Err(Error::BadVersion(b[field::VERSION]));
        }
        let len = self.length();
        if len < field::HEADER_LEN as u32 || len % 4 != 0 {
            return Err(Error::BadMessageLength(len));
        }
        if len as usize > b.len() {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Version (1).
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VERSION]
    }

    /// Message length, header included.
    pub fn length(&self) -> u32 {
        let b = &self.buffer.as_ref()[field::LENGTH];
        u32::from_be_bytes([0, b[0], b[1], b[2]])
    }

    /// Command flags (R, P, E, T and reserved bits).
    pub fn flags(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS]
    }

    /// R bit.
    pub fn is_request(&self) -> bool {
        self.flags() & flags::REQUEST != 0
    }

    /// P bit.
    pub fn is_proxiable(&self) -> bool {
        self.flags() & flags::PROXIABLE != 0
    }

    /// E bit.
    pub fn is_error(&self) -> bool {
        self.flags() & flags::ERROR != 0
    }

    /// T bit.
    pub fn is_retransmit(&self) -> bool {
        self.flags() & flags::RETRANSMIT != 0
    }

    /// Command code.
    pub fn command_code(&self) -> u32 {
        let b = &self.buffer.as_ref()[field::COMMAND];
        u32::from_be_bytes([0, b[0], b[1], b[2]])
    }

    /// Application-ID.
    pub fn application_id(&self) -> u32 {
        be32(&self.buffer.as_ref()[field::APPLICATION_ID])
    }

    /// Hop-by-Hop Identifier.
    pub fn hop_by_hop(&self) -> u32 {
        be32(&self.buffer.as_ref()[field::HOP_BY_HOP])
    }

    /// End-to-End Identifier.
    pub fn end_to_end(&self) -> u32 {
        be32(&self.buffer.as_ref()[field::END_TO_END])
    }

    /// Both identifiers, e.g. to answer with.
    pub fn ids(&self) -> Ids {
        Ids {
            hop_by_hop: self.hop_by_hop(),
            end_to_end: self.end_to_end(),
        }
    }

    /// The whole message (`length` bytes), without any bytes past it in the buffer.
    pub fn message(&self) -> &[u8] {
        &self.buffer.as_ref()[..self.length() as usize]
    }

    /// The AVP area.
    pub fn payload(&self) -> &[u8] {
        &self.message()[field::HEADER_LEN..]
    }

    /// The top-level AVPs; offsets are relative to the start of the message.
    pub fn avps(&self) -> AvpIter<'_> {
        AvpIter::with_base(self.payload(), field::HEADER_LEN)
    }

    /// Finds the first top-level AVP with `key` (stops at a malformed AVP).
    pub fn find(&self, key: AvpKey) -> Option<Avp<'_>> {
        self.avps().map_while(Result::ok).find(|a| a.key() == key)
    }
}

impl<'a> Packet<&'a [u8]> {
    /// The AVPs with the buffer's lifetime, so that parsed values outlive the view.
    pub fn avps_ref(&self) -> AvpIter<'a> {
        let len = self.length() as usize;
        AvpIter::with_base(&self.buffer[field::HEADER_LEN..len], field::HEADER_LEN)
    }

    /// The whole message with the buffer's lifetime.
    pub fn message_ref(&self) -> &'a [u8] {
        &self.buffer[..self.length() as usize]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the command flags.
    pub fn set_flags(&mut self, value: u8) {
        self.buffer.as_mut()[field::FLAGS] = value;
    }

    /// Sets the Hop-by-Hop Identifier (a relay rewrites it).
    pub fn set_hop_by_hop(&mut self, value: u32) {
        self.buffer.as_mut()[field::HOP_BY_HOP].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the End-to-End Identifier.
    pub fn set_end_to_end(&mut self, value: u32) {
        self.buffer.as_mut()[field::END_TO_END].copy_from_slice(&value.to_be_bytes());
    }
}

/// Checks the command code and R bit before a `Repr` parses, and that a request has no E bit.
pub(crate) fn expect_command<T: AsRef<[u8]>>(
    pkt: &Packet<T>,
    code: u32,
    request: bool,
) -> Result<(), Error> {
    if pkt.command_code() != code || pkt.is_request() != request {
        return Err(Error::UnexpectedCommand {
            code: pkt.command_code(),
            request: pkt.is_request(),
        });
    }
    if request && pkt.is_error() {
        return Err(Error::InvalidHeaderBits);
    }
    Ok(())
}

/// Checks the Application-ID before a `Repr` parses (3007 DIAMETER_APPLICATION_UNSUPPORTED).
pub(crate) fn expect_application<T: AsRef<[u8]>>(pkt: &Packet<T>, app: u32) -> Result<(), Error> {
    match pkt.application_id() {
        id if id == app => Ok(()),
        id => Err(Error::UnsupportedApplication(id)),
    }
}

/// `value`, or [`Error::MissingAvp`] naming `key`.
pub(crate) fn required<T>(value: Option<T>, key: AvpKey) -> Result<T, Error> {
    value.ok_or(Error::MissingAvp {
        code: key.code,
        vendor_id: key.vendor_id,
    })
}
