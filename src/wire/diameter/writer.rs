//! The emitter (RFC 6733 §3, §4.1, §4.4): appends one message to a caller-owned `Vec<u8>` that
//! is reused across messages, so nothing is allocated once its capacity has grown. Lengths of the
//! message and of Grouped AVPs are patched in place when they close; every AVP is padded to 4
//! octets with zeros.

use std::net::IpAddr;

use super::avp::{padded, AvpKey};
use super::codes::{address_family, avp_flags, VERSION};
use super::error::FailedAvp;

/// Hop-by-Hop and End-to-End identifiers of a message (RFC 6733 §3). An answer copies the
/// request's ([`Packet::ids`](super::Packet::ids)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Ids {
    /// Hop-by-Hop Identifier.
    pub hop_by_hop: u32,
    /// End-to-End Identifier.
    pub end_to_end: u32,
}

/// An open Grouped AVP, closed by [`Writer::end_group`].
#[must_use = "a group must be closed with Writer::end_group"]
#[derive(Debug)]
pub struct Group(usize);

/// Appends one Diameter message to a buffer: [`header`](Writer::header), then AVPs, then
/// [`finish`](Writer::finish). Several messages may be written one after another into the same
/// buffer (one `Writer` each), e.g. to batch a TCP write.
#[derive(Debug)]
pub struct Writer<'b> {
    buf: &'b mut Vec<u8>,
    start: usize,
}

impl<'b> Writer<'b> {
    /// A writer that appends at the end of `buf`.
    pub fn new(buf: &'b mut Vec<u8>) -> Self {
        let start = buf.len();
        Writer { buf, start }
    }

    /// Writes the 20-octet header; the length is patched by [`finish`](Writer::finish).
    pub fn header(&mut self, flags: u8, command_code: u32, application_id: u32, ids: Ids) {
        self.buf.truncate(self.start);
        self.buf.extend_from_slice(&[VERSION, 0, 0, 0]);
        let cmd = command_code.to_be_bytes();
        self.buf.extend_from_slice(&[flags, cmd[1], cmd[2], cmd[3]]);
        self.buf.extend_from_slice(&application_id.to_be_bytes());
        self.buf.extend_from_slice(&ids.hop_by_hop.to_be_bytes());
        self.buf.extend_from_slice(&ids.end_to_end.to_be_bytes());
    }

    fn avp_header(&mut self, code: u32, flags: u8, vendor_id: u32, data_len: usize) {
        let vendor = flags & avp_flags::VENDOR != 0;
        let len = data_len + if vendor { 12 } else { 8 };
        self.buf.extend_from_slice(&code.to_be_bytes());
        let l = (len as u32).to_be_bytes();
        self.buf.extend_from_slice(&[flags, l[1], l[2], l[3]]);
        if vendor {
            self.buf.extend_from_slice(&vendor_id.to_be_bytes());
        }
    }

    fn pad(&mut self) {
        let rel = self.buf.len() - self.start;
        self.buf.resize(self.start + padded(rel), 0);
    }

    /// An AVP with explicit flags (V decides whether `vendor_id` is written).
    pub fn avp_raw(&mut self, code: u32, flags: u8, vendor_id: u32, data: &[u8]) {
        self.avp_header(code, flags, vendor_id, data.len());
        self.buf.extend_from_slice(data);
        self.pad();
    }

    /// An OctetString AVP with the dictionary's flags for `key`.
    pub fn avp_octets(&mut self, key: AvpKey, data: &[u8]) {
        self.avp_raw(key.code, key.flags(), key.vendor_id, data);
    }

    /// A UTF8String or DiameterIdentity AVP.
    pub fn avp_str(&mut self, key: AvpKey, value: &str) {
        self.avp_octets(key, value.as_bytes());
    }

    /// An Unsigned32 or Enumerated AVP.
    pub fn avp_u32(&mut self, key: AvpKey, value: u32) {
        self.avp_octets(key, &value.to_be_bytes());
    }

    /// An Unsigned64 AVP.
    pub fn avp_u64(&mut self, key: AvpKey, value: u64) {
        self.avp_octets(key, &value.to_be_bytes());
    }

    /// An Integer32 AVP.
    pub fn avp_i32(&mut self, key: AvpKey, value: i32) {
        self.avp_octets(key, &value.to_be_bytes());
    }

    /// An Address AVP (RFC 6733 §4.3.1).
    pub fn avp_address(&mut self, key: AvpKey, addr: IpAddr) {
        let mut data = [0u8; 18];
        let len = match addr {
            IpAddr::V4(a) => {
                data[..2].copy_from_slice(&address_family::IPV4.to_be_bytes());
                data[2..6].copy_from_slice(&a.octets());
                6
            }
            IpAddr::V6(a) => {
                data[..2].copy_from_slice(&address_family::IPV6.to_be_bytes());
                data[2..].copy_from_slice(&a.octets());
                18
            }
        };
        self.avp_octets(key, &data[..len]);
    }

    /// A complete, already encoded AVP (e.g. one echoed from a request), padded here.
    pub fn avp_bytes(&mut self, avp: &[u8]) {
        self.buf.extend_from_slice(avp);
        self.pad();
    }

    /// An AVP with `len` zero octets of data (a Failed-AVP example, RFC 6733 §7.5).
    pub fn avp_zeroed(&mut self, code: u32, flags: u8, vendor_id: u32, len: usize) {
        self.avp_header(code, flags, vendor_id, len);
        let end = self.buf.len() + len;
        self.buf.resize(end, 0);
        self.pad();
    }

    /// A Failed-AVP (RFC 6733 §7.5) holding `failed`.
    pub fn failed_avp(&mut self, key: AvpKey, failed: &FailedAvp<'_>) {
        let g = self.begin_group(key);
        match *failed {
            FailedAvp::Raw(bytes) => self.avp_bytes(bytes),
            FailedAvp::Zeroed {
                code,
                vendor_id,
                flags,
                len,
            } => {
                let v = if vendor_id != 0 { avp_flags::VENDOR } else { 0 };
                self.avp_zeroed(code, (flags & !avp_flags::VENDOR) | v, vendor_id, len);
            }
        }
        self.end_group(g);
    }

    /// Opens a Grouped AVP; AVPs written until [`end_group`](Writer::end_group) go inside it.
    pub fn begin_group(&mut self, key: AvpKey) -> Group {
        let at = self.buf.len();
        self.avp_header(key.code, key.flags(), key.vendor_id, 0);
        Group(at)
    }

    /// Closes a Grouped AVP, patching its length (which covers the padding of its last member).
    pub fn end_group(&mut self, group: Group) {
        let len = (self.buf.len() - group.0) as u32;
        self.buf[group.0 + 5..group.0 + 8].copy_from_slice(&len.to_be_bytes()[1..]);
    }

    /// Bytes written so far for this message.
    pub fn len(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Whether nothing has been written yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Patches the message length and returns it; the message is the last `len` bytes of the
    /// buffer.
    pub fn finish(self) -> usize {
        let len = self.len();
        debug_assert!((20..1 << 24).contains(&len), "message length {len}");
        let l = (len as u32).to_be_bytes();
        self.buf[self.start + 1..self.start + 4].copy_from_slice(&l[1..]);
        len
    }
}
