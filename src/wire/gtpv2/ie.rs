//! Information elements, TS 29.274 §8.2: type (1 octet), length (2 octets, value only), spare/CR
//! nibble and instance nibble, then the value. [`IeIter`] walks a run of IEs (a message body or a
//! grouped IE such as Bearer Context, §8.28) without copying; [`IeWriter`] emits them.

use super::{Error, IeId, IeRef};

/// Bytes of an IE header.
pub const IE_HEADER_LEN: usize = 4;

/// A view of one IE: header fields and the value bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ie<'a> {
    bytes: &'a [u8],
    parent: Option<IeId>,
}

impl<'a> Ie<'a> {
    /// IE type (Table 8.1-1, [`super::codes::ie`]).
    pub fn ie_type(&self) -> u8 {
        self.bytes[0]
    }

    /// Length of the value in octets.
    pub fn length(&self) -> u16 {
        u16::from_be_bytes([self.bytes[1], self.bytes[2]])
    }

    /// The high nibble of octet 4: spare in TS 29.274, the CR flag of TS 29.276 (S101).
    pub fn cr_flag(&self) -> u8 {
        self.bytes[3] >> 4
    }

    /// Instance (low nibble of octet 4), telling apart IEs of one type in one message.
    pub fn instance(&self) -> u8 {
        self.bytes[3] & 0x0f
    }

    /// Type and instance.
    pub fn id(&self) -> IeId {
        IeId::new(self.ie_type(), self.instance())
    }

    /// Where this IE sits, for error reports.
    pub fn at(&self) -> IeRef {
        IeRef {
            ie: self.id(),
            parent: self.parent,
        }
    }

    /// The value bytes.
    pub fn value(&self) -> &'a [u8] {
        &self.bytes[IE_HEADER_LEN..]
    }

    /// The whole IE, header included.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The IEs inside this one, for a grouped IE; errors name this IE (or its own top-level
    /// parent) as the parent.
    pub fn children(&self) -> IeIter<'a> {
        IeIter {
            data: self.value(),
            parent: Some(self.parent.unwrap_or(self.id())),
        }
    }

    /// [`Error::MalformedIe`] for this IE.
    pub fn malformed(&self) -> Error {
        Error::MalformedIe(self.at())
    }
}

/// Iterator over a run of IEs. Yields `Err(Error::IeOverrun)` once for an IE whose header or
/// length runs past the end, then stops.
#[derive(Clone, Debug)]
pub struct IeIter<'a> {
    data: &'a [u8],
    parent: Option<IeId>,
}

impl<'a> IeIter<'a> {
    /// IEs in `data` (a message body).
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, parent: None }
    }

    /// IEs in `data`, which is the value of the top-level grouped IE `parent`.
    pub fn within(data: &'a [u8], parent: IeId) -> Self {
        Self {
            data,
            parent: Some(parent),
        }
    }

    /// Bytes not yet walked.
    pub fn remaining(&self) -> &'a [u8] {
        self.data
    }
}

impl<'a> Iterator for IeIter<'a> {
    type Item = Result<Ie<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let data = self.data;
        if data.is_empty() {
            return None;
        }
        let overrun = || {
            Error::IeOverrun(IeRef {
                ie: IeId::new(data[0], data.get(3).map_or(0, |b| b & 0x0f)),
                parent: self.parent,
            })
        };
        if data.len() < IE_HEADER_LEN {
            self.data = &[];
            return Some(Err(overrun()));
        }
        let len = IE_HEADER_LEN + usize::from(u16::from_be_bytes([data[1], data[2]]));
        if data.len() < len {
            let err = overrun();
            self.data = &[];
            return Some(Err(err));
        }
        let (ie, rest) = data.split_at(len);
        self.data = rest;
        Some(Ok(Ie {
            bytes: ie,
            parent: self.parent,
        }))
    }
}

impl core::iter::FusedIterator for IeIter<'_> {}

/// A typed IE value that knows its encoded length and how to write itself.
pub trait IeValue {
    /// Length of the encoded value.
    fn value_len(&self) -> usize;
    /// Writes the value into `out`, which is exactly `value_len()` bytes long.
    fn emit_value(&self, out: &mut [u8]);
}

impl IeValue for [u8] {
    fn value_len(&self) -> usize {
        self.len()
    }
    fn emit_value(&self, out: &mut [u8]) {
        out.copy_from_slice(self);
    }
}

impl<const N: usize> IeValue for [u8; N] {
    fn value_len(&self) -> usize {
        N
    }
    fn emit_value(&self, out: &mut [u8]) {
        out.copy_from_slice(self);
    }
}

/// Writes IEs one after the other into a caller-owned buffer, or only counts their bytes
/// ([`IeWriter::measuring`]), so that `buffer_len()` and `emit()` share one code path.
#[derive(Debug)]
pub struct IeWriter<'b> {
    buf: &'b mut [u8],
    pos: usize,
    measure: bool,
}

impl<'b> IeWriter<'b> {
    /// A writer filling `buf` from its start.
    pub fn new(buf: &'b mut [u8]) -> Self {
        Self {
            buf,
            pos: 0,
            measure: false,
        }
    }

    /// A writer that writes nothing and only counts.
    pub fn measuring() -> IeWriter<'static> {
        IeWriter {
            buf: &mut [],
            pos: 0,
            measure: true,
        }
    }

    /// Bytes written (or counted) so far.
    pub fn len(&self) -> usize {
        self.pos
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.pos == 0
    }

    fn header(&mut self, ie_type: u8, instance: u8, len: usize) -> Result<usize, Error> {
        let len16 = u16::try_from(len).map_err(|_| Error::Unencodable)?;
        if instance > 15 {
            return Err(Error::Unencodable);
        }
        let at = self.pos;
        self.pos += IE_HEADER_LEN;
        if !self.measure {
            let out = self.buf.get_mut(at..at + IE_HEADER_LEN);
            let out = out.ok_or(Error::BufferTooSmall)?;
            out[0] = ie_type;
            out[1..3].copy_from_slice(&len16.to_be_bytes());
            out[3] = instance;
        }
        Ok(at)
    }

    /// Writes one IE with a typed value.
    pub fn value<V: IeValue + ?Sized>(
        &mut self,
        ie_type: u8,
        instance: u8,
        value: &V,
    ) -> Result<(), Error> {
        let len = value.value_len();
        self.header(ie_type, instance, len)?;
        let at = self.pos;
        self.pos += len;
        if !self.measure {
            let out = self
                .buf
                .get_mut(at..at + len)
                .ok_or(Error::BufferTooSmall)?;
            value.emit_value(out);
        }
        Ok(())
    }

    /// Writes a one-octet IE (Recovery, RAT Type, EBI, PDN Type, ...).
    pub fn u8(&mut self, ie_type: u8, instance: u8, value: u8) -> Result<(), Error> {
        self.value(ie_type, instance, &[value])
    }

    /// Writes a four-octet IE (Charging ID).
    pub fn u32(&mut self, ie_type: u8, instance: u8, value: u32) -> Result<(), Error> {
        self.value(ie_type, instance, &value.to_be_bytes())
    }

    /// Writes a grouped IE whose children `body` writes; the length is filled in afterwards.
    pub fn grouped(
        &mut self,
        ie_type: u8,
        instance: u8,
        body: impl FnOnce(&mut Self) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let at = self.header(ie_type, instance, 0)?;
        body(self)?;
        let len = self.pos - at - IE_HEADER_LEN;
        let len16 = u16::try_from(len).map_err(|_| Error::Unencodable)?;
        if !self.measure {
            self.buf[at + 1..at + 3].copy_from_slice(&len16.to_be_bytes());
        }
        Ok(())
    }
}
