//! The emitter (RFC 6733 §3, §4.1, §4.4), in the one emit style of `wire` (docs/ARCHITECTURE.md
//! §3): every whole message implements [`Emit`], whose `buffer_len()` says how many bytes
//! `emit()` writes into a caller-owned `&mut [u8]`, and `emit()` returns that length. The AVPs
//! inside a message go through a [`Writer`] over that buffer; the same [`Emit::write`] runs in
//! measuring mode (counting, writing nothing) for `buffer_len()`, so the two cannot disagree, and
//! in appending mode for `emit_to()` (a stream buffer, one pass: the transmit path). Lengths of the message and of Grouped AVPs are patched in place when they
//! close; every AVP is padded to 4 octets with zeros. Nothing is allocated.

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

/// A whole Diameter message that can be written: the Repr types of base (RFC 6733) and S6a
/// (TS 29.272) messages.
pub trait Emit {
    /// Writes the message with identifiers `ids` through `w`: the header, then the AVPs.
    fn write(&self, ids: Ids, w: &mut Writer<'_>);

    /// Bytes [`emit`](Emit::emit) writes.
    fn buffer_len(&self) -> usize {
        let mut w = Writer::measuring();
        self.write(Ids::default(), &mut w);
        w.finish()
    }

    /// Writes the message into `buf`, which must hold [`buffer_len`](Emit::buffer_len) bytes;
    /// returns its length.
    fn emit(&self, ids: Ids, buf: &mut [u8]) -> usize {
        let mut w = Writer::new(buf);
        self.write(ids, &mut w);
        w.finish()
    }

    /// Appends the message to `out` (a transmit stream reused across messages, which stops
    /// allocating once its capacity has grown); returns its length. The same bytes as
    /// [`emit`](Emit::emit), in one pass (no [`buffer_len`](Emit::buffer_len) first).
    fn emit_to(&self, ids: Ids, out: &mut Vec<u8>) -> usize {
        let mut w = Writer::appending(out);
        self.write(ids, &mut w);
        w.finish()
    }
}

/// A message written by a function (tests, tools, hand-built or deliberately broken messages).
#[derive(Clone, Copy, Debug)]
pub struct EmitFn<F>(pub F);

impl<F: Fn(Ids, &mut Writer<'_>)> Emit for EmitFn<F> {
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        (self.0)(ids, w)
    }
}

/// An open Grouped AVP, closed by [`Writer::end_group`].
#[must_use = "a group must be closed with Writer::end_group"]
#[derive(Debug)]
pub struct Group(usize);

/// Where a [`Writer`] puts the bytes.
#[derive(Debug)]
enum Sink<'b> {
    /// A caller-owned slice, filled from its start ([`Emit::emit`]).
    Slice(&'b mut [u8]),
    /// The end of a stream buffer, from `start` ([`Emit::emit_to`]).
    Append { buf: &'b mut Vec<u8>, start: usize },
    /// Nowhere: only the length counts ([`Emit::buffer_len`]).
    Measure,
}

/// Writes one Diameter message: [`header`](Writer::header), then AVPs, then
/// [`finish`](Writer::finish); into a slice ([`new`](Writer::new)), or only counting its bytes
/// ([`measuring`](Writer::measuring)). Writing past the end of a slice panics: size it with
/// [`Emit::buffer_len`].
#[derive(Debug)]
pub struct Writer<'b> {
    sink: Sink<'b>,
    /// Bytes of this message written so far.
    pos: usize,
}

impl<'b> Writer<'b> {
    /// A writer filling `buf` from its start.
    pub fn new(buf: &'b mut [u8]) -> Self {
        Writer {
            sink: Sink::Slice(buf),
            pos: 0,
        }
    }

    /// A writer that writes nothing and only counts: its [`finish`](Writer::finish) is the
    /// length the message would have.
    pub fn measuring() -> Writer<'static> {
        Writer {
            sink: Sink::Measure,
            pos: 0,
        }
    }

    /// A writer appending to `buf` (see [`Emit::emit_to`]).
    fn appending(buf: &'b mut Vec<u8>) -> Self {
        let start = buf.len();
        Writer {
            sink: Sink::Append { buf, start },
            pos: 0,
        }
    }

    fn put(&mut self, bytes: &[u8]) {
        let end = self.pos + bytes.len();
        match &mut self.sink {
            Sink::Slice(buf) => buf[self.pos..end].copy_from_slice(bytes),
            Sink::Append { buf, .. } => buf.extend_from_slice(bytes),
            Sink::Measure => {}
        }
        self.pos = end;
    }

    fn zeros(&mut self, n: usize) {
        let end = self.pos + n;
        match &mut self.sink {
            Sink::Slice(buf) => buf[self.pos..end].fill(0),
            Sink::Append { buf, .. } => buf.resize(buf.len() + n, 0),
            Sink::Measure => {}
        }
        self.pos = end;
    }

    /// Overwrites bytes already written, at `at` from the message's start.
    fn patch(&mut self, at: usize, bytes: &[u8]) {
        let range = at..at + bytes.len();
        match &mut self.sink {
            Sink::Slice(buf) => buf[range].copy_from_slice(bytes),
            Sink::Append { buf, start } => {
                buf[*start + range.start..*start + range.end].copy_from_slice(bytes)
            }
            Sink::Measure => {}
        }
    }

    /// Writes the 20-octet header (starting the message afresh); the length is patched by
    /// [`finish`](Writer::finish).
    pub fn header(&mut self, flags: u8, command_code: u32, application_id: u32, ids: Ids) {
        self.pos = 0;
        if let Sink::Append { buf, start } = &mut self.sink {
            buf.truncate(*start);
        }
        self.put(&[VERSION, 0, 0, 0]);
        let cmd = command_code.to_be_bytes();
        self.put(&[flags, cmd[1], cmd[2], cmd[3]]);
        self.put(&application_id.to_be_bytes());
        self.put(&ids.hop_by_hop.to_be_bytes());
        self.put(&ids.end_to_end.to_be_bytes());
    }

    fn avp_header(&mut self, code: u32, flags: u8, vendor_id: u32, data_len: usize) {
        let vendor = flags & avp_flags::VENDOR != 0;
        let len = data_len + if vendor { 12 } else { 8 };
        self.put(&code.to_be_bytes());
        let l = (len as u32).to_be_bytes();
        self.put(&[flags, l[1], l[2], l[3]]);
        if vendor {
            self.put(&vendor_id.to_be_bytes());
        }
    }

    fn pad(&mut self) {
        self.zeros(padded(self.pos) - self.pos);
    }

    /// An AVP with explicit flags (V decides whether `vendor_id` is written).
    pub fn avp_raw(&mut self, code: u32, flags: u8, vendor_id: u32, data: &[u8]) {
        self.avp_header(code, flags, vendor_id, data.len());
        self.put(data);
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
        self.put(avp);
        self.pad();
    }

    /// An AVP with `len` zero octets of data (a Failed-AVP example, RFC 6733 §7.5).
    pub fn avp_zeroed(&mut self, code: u32, flags: u8, vendor_id: u32, len: usize) {
        self.avp_header(code, flags, vendor_id, len);
        self.zeros(len);
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
        let at = self.pos;
        self.avp_header(key.code, key.flags(), key.vendor_id, 0);
        Group(at)
    }

    /// Closes a Grouped AVP, patching its length (which covers the padding of its last member).
    pub fn end_group(&mut self, group: Group) {
        let len = (self.pos - group.0) as u32;
        self.patch(group.0 + 5, &len.to_be_bytes()[1..]);
    }

    /// Bytes written so far for this message.
    pub fn len(&self) -> usize {
        self.pos
    }

    /// Whether nothing has been written yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Patches the message length and returns it; the message is the first `len` bytes of the
    /// buffer.
    pub fn finish(mut self) -> usize {
        let len = self.pos;
        debug_assert!((20..1 << 24).contains(&len), "message length {len}");
        self.patch(1, &(len as u32).to_be_bytes()[1..]);
        len
    }
}
